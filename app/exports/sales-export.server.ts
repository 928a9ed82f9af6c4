// Sales by period as a CSV file: the Overview's table and chart, every total of each bucket.
import { z } from "zod";
import { parsePageQuery, requireFiguresReady, shopPage } from "#app/dashboard/page-query.server";
import { addDays, GRANULARITIES, localDay } from "#app/metrics/periods";
import { salesOverview } from "#app/metrics/sales.server";
import type { SalesTotals } from "#app/metrics/sales";
import { fromMinorUnits } from "#app/shopify/money";
import { DEFAULT_LOCALE, translator, type Locale } from "#app/i18n";
import { exportFileName, type Cell } from "./csv.server";

export interface TableExport {
  fileName: string;
  header: string[];
  rows: Iterable<Cell[]> | AsyncIterable<Cell[]>;
}

const SHAPE = { granularity: z.enum(GRANULARITIES).default("month") };

/** The money columns, in the order of Shopify's sales report; each one's heading is `exports.sales.<key>`. */
const MONEY: Array<keyof SalesTotals> = ["grossSales", "discounts", "returns", "netSales", "shipping", "taxes", "totalSales"];

/**
 * Sales by period for the query string's range (`from`, `to`, `granularity`, as the Overview
 * reads them; an impossible one is an InvalidRangeError). Amounts in the shop currency's major
 * units, exact; growth a fraction, beside the net sales it is measured against (whose sign, when
 * below zero, reads against the change). The headings and the yes/no cells are in `locale` (the
 * admin's, for the in-app download; English on the command line); numbers and dates read the
 * same in any.
 */
export async function salesExport(shop: string, searchParams: URLSearchParams, now: Date, locale: Locale = DEFAULT_LOCALE): Promise<TableExport> {
  const t = translator(locale);
  const query = parsePageQuery(searchParams, SHAPE);
  const page = await shopPage(shop, query, now);
  await requireFiguresReady(shop, page);
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
      t("exports.sales.period"),
      t("exports.sales.firstDay"),
      t("exports.sales.lastDay"),
      t("exports.sales.partial"),
      ...MONEY.map((key) => t(`exports.sales.${key}`, { currency: report.currency })),
      t("exports.sales.orders"),
      t("exports.sales.averageOrderValue", { currency: report.currency }),
      t("exports.sales.newCustomerNetSales", { currency: report.currency }),
      t("exports.sales.returningCustomerNetSales", { currency: report.currency }),
      t("exports.sales.guestNetSales", { currency: report.currency }),
      t("exports.sales.growth"),
      t("exports.sales.growthBase", { currency: report.currency }),
    ],
    rows: report.series.map((point) => [
      point.period,
      localDay(new Date(point.start), report.timeZone),
      addDays(localDay(new Date(point.end), report.timeZone), -1),
      t(point.partial ? "exports.yes" : "exports.no"),
      ...MONEY.map((key) => money(point[key] as number)),
      point.orders,
      money(point.averageOrderValue),
      money(point.newCustomerNetSales),
      money(point.returningCustomerNetSales),
      money(point.guestNetSales),
      point.growth,
      money(point.growthBase),
    ]),
  };
}
