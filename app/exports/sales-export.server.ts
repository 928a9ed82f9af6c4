// Sales by period as a CSV file: the Overview's table and chart, every total of each bucket.
import { z } from "zod";
import { parsePageQuery, shopPage } from "#app/dashboard/page-query.server";
import { addDays, GRANULARITIES, localDay } from "#app/metrics/periods";
import { salesOverview } from "#app/metrics/sales.server";
import type { SalesTotals } from "#app/metrics/sales";
import { fromMinorUnits } from "#app/shopify/money";
import { exportFileName, type Cell } from "./csv.server";

export interface TableExport {
  fileName: string;
  header: string[];
  rows: Iterable<Cell[]> | AsyncIterable<Cell[]>;
}

const SHAPE = { granularity: z.enum(GRANULARITIES).default("month") };

/** The money columns, in the order of Shopify's sales report. */
const MONEY: Array<[keyof SalesTotals, string]> = [
  ["grossSales", "Gross sales"],
  ["discounts", "Discounts"],
  ["returns", "Returns"],
  ["netSales", "Net sales"],
  ["shipping", "Shipping"],
  ["taxes", "Taxes"],
  ["totalSales", "Total sales"],
];

/**
 * Sales by period for the query string's range (`from`, `to`, `granularity`, as the Overview
 * reads them; an impossible one is an InvalidRangeError). Amounts in the shop currency's major
 * units, exact; growth a fraction.
 */
export async function salesExport(shop: string, searchParams: URLSearchParams, now: Date): Promise<TableExport> {
  const query = parsePageQuery(searchParams, SHAPE);
  const page = await shopPage(shop, query, now);
  const report = await salesOverview(shop, { range: page.range, granularity: query.granularity }, { now });
  const money = (minor: number | null) => (minor === null ? null : fromMinorUnits(BigInt(Math.round(minor)), report.currency));
  return {
    fileName: exportFileName(`sales-by-${report.granularity}`, {
      from: report.range.from,
      lastDay: addDays(report.range.to, -1),
      currency: report.currency,
      settings: [report.settings.refundDating === "order_date" ? "returns-on-order-date" : "returns-on-refund-date", report.settings.salesIncludeCancelled ? "with-cancelled" : "without-cancelled"],
    }),
    header: [
      "Period",
      "First day",
      "Last day",
      "Partial",
      ...MONEY.map(([, label]) => `${label} (${report.currency})`),
      "Orders",
      `Average order value (${report.currency})`,
      `New customers' net sales (${report.currency})`,
      `Returning customers' net sales (${report.currency})`,
      `Guests' net sales (${report.currency})`,
      "Net sales growth",
    ],
    rows: report.series.map((point) => [
      point.period,
      localDay(new Date(point.start), report.timeZone),
      addDays(localDay(new Date(point.end), report.timeZone), -1),
      point.partial ? "yes" : "no",
      ...MONEY.map(([key]) => money(point[key] as number)),
      point.orders,
      money(point.averageOrderValue),
      money(point.newCustomerNetSales),
      money(point.returningCustomerNetSales),
      money(point.guestNetSales),
      point.growth,
    ]),
  };
}
