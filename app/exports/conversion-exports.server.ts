// The Conversion page's tables as CSV files: the funnel, the sessions and rates by period, and
// where converting sessions come from (traffic source, device, landing page). Each from the one
// source the page shows (Shopify's sessions or the web pixel's), named in the file name.
import { z } from "zod";
import { BREAKDOWN_TOP, funnelSteps } from "#app/dashboard/conversion-page.server";
import { parsePageQuery, shopPage, type ShopPage } from "#app/dashboard/page-query.server";
import { BREAKDOWN_DIMENSIONS, conversionBreakdowns } from "#app/metrics/conversion-breakdowns.server";
import { SESSION_SOURCES, type ConversionReport } from "#app/metrics/conversion";
import { conversionOverview } from "#app/metrics/conversion.server";
import { addDays, localDay } from "#app/metrics/periods";
import { DEFAULT_LOCALE, translator, type Locale } from "#app/i18n";
import { exportFileName } from "./csv.server";
import type { TableExport } from "./sales-export.server";

const SHAPE = {
  granularity: z.enum(["week", "month"]).default("month"),
  source: z.enum(SESSION_SOURCES).optional(),
};

/** The query string read as the Conversion page reads it, and its report. */
async function conversionQuery(shop: string, searchParams: URLSearchParams, now: Date): Promise<{ page: ShopPage; report: ConversionReport }> {
  const query = parsePageQuery(searchParams, SHAPE);
  const page = await shopPage(shop, query, now);
  const report = await conversionOverview(shop, { range: page.range, granularity: query.granularity, source: query.source ?? null }, { now });
  return { page, report };
}

function fileName(table: string, page: ShopPage, report: ConversionReport): string {
  return exportFileName(table, {
    from: report.range.from,
    lastDay: addDays(report.range.to, -1),
    currency: page.currency,
    settings: [report.source === null ? "no-sessions" : `${report.source}-sessions`],
  });
}

/** The funnel: each step's sessions, share of all sessions and of the step before (fractions). */
export async function conversionFunnelExport(shop: string, searchParams: URLSearchParams, now: Date, locale: Locale = DEFAULT_LOCALE): Promise<TableExport> {
  const t = translator(locale);
  const { page, report } = await conversionQuery(shop, searchParams, now);
  const h = (key: string) => t(`retentionViews.exports.funnel.${key}`);
  return {
    fileName: fileName("conversion-funnel", page, report),
    header: ["step", "sessions", "shareOfSessions", "shareOfPrevious"].map(h),
    rows: funnelSteps(report.totals).map((step) => [t(`conversion.funnel.${step.key}`), step.sessions, step.shareOfSessions, step.shareOfPrevious]),
  };
}

/** Sessions, the funnel's counts and the rates by period (`granularity`), as the page's chart. */
export async function conversionSeriesExport(shop: string, searchParams: URLSearchParams, now: Date, locale: Locale = DEFAULT_LOCALE): Promise<TableExport> {
  const t = translator(locale);
  const { page, report } = await conversionQuery(shop, searchParams, now);
  const h = (key: string) => t(`retentionViews.exports.series.${key}`);
  const columns = [
    "sessions",
    "sessionsWithCartAdditions",
    "sessionsReachedCheckout",
    "sessionsCompletedCheckout",
    "conversionRate",
    "orders",
    "ordersPerSession",
    "signUps",
    "signUpRate",
  ] as const;
  return {
    fileName: fileName(`conversion-by-${report.granularity}`, page, report),
    header: [t("exports.sales.period"), t("exports.sales.firstDay"), t("exports.sales.lastDay"), t("exports.sales.partial"), ...columns.map(h)],
    rows: report.series.map((point) => [
      point.period,
      localDay(new Date(point.start), report.timeZone),
      addDays(localDay(new Date(point.end), report.timeZone), -1),
      t(point.partial ? "exports.yes" : "exports.no"),
      ...columns.map((key) => point[key]),
    ]),
  };
}

/**
 * Sessions and sessions that completed checkout by traffic source, device and landing page
 * (the page's top values and "Other"), one row per value, with the conversion rate.
 */
export async function conversionBreakdownsExport(shop: string, searchParams: URLSearchParams, now: Date, locale: Locale = DEFAULT_LOCALE): Promise<TableExport> {
  const t = translator(locale);
  const { page, report } = await conversionQuery(shop, searchParams, now);
  const breakdowns = await conversionBreakdowns(shop, { range: page.range, source: report.source, top: BREAKDOWN_TOP }, page.timeZone);
  const h = (key: string) => t(`retentionViews.exports.breakdowns.${key}`);
  return {
    fileName: fileName("conversion-breakdowns", page, report),
    header: ["dimension", "value", "sessions", "completed", "conversionRate"].map(h),
    rows: BREAKDOWN_DIMENSIONS.flatMap((dimension) =>
      breakdowns.dimensions[dimension].map((row) => [
        t(`breakdown.${dimension}`),
        // The values are visitors' (a referrer, a landing path): csvStream neutralises formulas.
        row.other ? t("breakdown.other") : row.value,
        row.sessions,
        row.sessionsCompletedCheckout,
        row.conversionRate,
      ]),
    ),
  };
}
