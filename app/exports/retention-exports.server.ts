// The Retention page's tables as CSV files: the cohort grid (monthly or weekly, each cell's
// counts and rates) and the time between orders (the histogram's bins, with the quartiles).
import { z } from "zod";
import { parsePageQuery, requireFiguresReady, shopPage } from "#app/dashboard/page-query.server";
import { addDays, localDay } from "#app/metrics/periods";
import { COHORT_GRANULARITIES } from "#app/metrics/retention";
import { cohortMatrix, gapHistogram, retentionOverview } from "#app/metrics/retention.server";
import type { MetricSettings } from "#app/metrics/settings";
import { fromMinorUnits } from "#app/shopify/money";
import { DEFAULT_LOCALE, translator, type Locale } from "#app/i18n";
import { exportFileName } from "./csv.server";
import type { TableExport } from "./sales-export.server";

const COHORT_SHAPE = { cohorts: z.enum(COHORT_GRANULARITIES).default("month") };

/** The settings that change retention figures, as file-name words. */
function retentionSettingWords(settings: MetricSettings): string[] {
  return [
    settings.retentionIncludeCancelled ? "with-cancelled" : "without-cancelled",
    settings.cohortIncludeZeroValue ? "zero-value-acquires" : "zero-value-does-not-acquire",
    settings.refundDating === "order_date" ? "returns-on-order-date" : "returns-on-refund-date",
  ];
}

/**
 * The cohort grid for the query string's range and `cohorts` (month or week, as the Retention
 * page reads them): one row per cohort and period since (k), with the cohort's size, the
 * customers who ordered, the retention rate (a fraction), net sales, cumulative net sales and
 * lifetime value per customer (shop currency, major units). Headings in `locale`.
 */
export async function cohortsExport(shop: string, searchParams: URLSearchParams, now: Date, locale: Locale = DEFAULT_LOCALE): Promise<TableExport> {
  const t = translator(locale);
  const query = parsePageQuery(searchParams, COHORT_SHAPE);
  const page = await shopPage(shop, query, now);
  await requireFiguresReady(shop, page);
  const grid = await cohortMatrix(shop, { range: page.range, cohortGranularity: query.cohorts }, { now });
  const money = (minor: number | null) => (minor === null ? null : fromMinorUnits(BigInt(Math.round(minor)), grid.currency));
  const h = (key: string) => t(`retentionViews.exports.cohorts.${key}`, { currency: grid.currency });
  return {
    fileName: exportFileName(`cohorts-by-${grid.cohortGranularity}`, {
      from: grid.range.from,
      lastDay: addDays(grid.range.to, -1),
      currency: grid.currency,
      settings: retentionSettingWords(grid.settings),
    }),
    header: ["cohort", "firstDay", "size", "k", "period", "partial", "customers", "retention", "netSales", "cumulativeNetSales", "lifetimeValue"].map(h),
    rows: grid.cohorts.flatMap((cohort) =>
      cohort.cells.map((cell) => [
        cohort.cohort,
        localDay(new Date(cohort.start), grid.timeZone),
        cohort.size,
        cell.k,
        cell.period,
        t(cell.partial ? "exports.yes" : "exports.no"),
        cell.customers,
        cell.retention,
        money(cell.netSales),
        money(cell.cumulativeNetSales),
        money(cell.lifetimeValue),
      ]),
    ),
  };
}

/**
 * Time between orders for the query string's range: one row per bin of the histogram (days
 * from, days to; the last bin open), with how many second orders and how many repeat orders
 * came that long after the order before; then the count, quartiles and median of each (days).
 * Headings in `locale`.
 */
export async function timeBetweenOrdersExport(shop: string, searchParams: URLSearchParams, now: Date, locale: Locale = DEFAULT_LOCALE): Promise<TableExport> {
  const t = translator(locale);
  const query = parsePageQuery(searchParams, {});
  const page = await shopPage(shop, query, now);
  await requireFiguresReady(shop, page);
  const [histogram, report] = await Promise.all([
    gapHistogram(shop, { range: page.range }, { now }),
    retentionOverview(shop, { range: page.range, cohortGranularity: "month" }, { now }),
  ]);
  const h = (key: string) => t(`retentionViews.exports.timeBetween.${key}`);
  const { firstToSecond, betweenOrders } = report.timeBetweenOrders;
  return {
    fileName: exportFileName("time-between-orders", {
      from: report.range.from,
      lastDay: addDays(report.range.to, -1),
      currency: report.currency,
      settings: [report.settings.retentionIncludeCancelled ? "with-cancelled" : "without-cancelled"],
    }),
    header: ["from", "to", "firstToSecond", "betweenOrders"].map(h),
    rows: [
      ...histogram.betweenOrders.map((bin, i) => [bin.fromDays, bin.toDays, histogram.firstToSecond[i].count, bin.count]),
      ...(["count", "p25", "median", "p75"] as const).map((key) => [h(key), null, firstToSecond[key], betweenOrders[key]]),
    ],
  };
}
