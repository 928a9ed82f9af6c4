// The Overview page's data: the shop's page context (range, sync state), its sales report, and
// the headline rates beside it, all from the metrics engine over the rollups: customer activity
// over the range and per period (new customers, returning customer rate, repeat purchase rate),
// the conversion rate from its source, and the same over the comparison range when one is chosen.
import { z } from "zod";
import prisma from "#app/db.server";
import type { ConversionReport } from "#app/metrics/conversion";
import { conversionOverview } from "#app/metrics/conversion.server";
import { growthRate, ratio } from "#app/metrics/math";
import { addDays, COMPARISONS, comparisonRange, lastDayOf, type DateRange, type Granularity } from "#app/metrics/periods";
import type { ActivitySeries, CustomerActivity } from "#app/metrics/retention";
import { activitySeries, customerActivity } from "#app/metrics/retention.server";
import type { SalesReport } from "#app/metrics/sales";
import { salesOverview } from "#app/metrics/sales.server";
import { parsePageQuery, rebuildShown, rollupsReady, shopPage } from "./page-query.server";
import { OVERVIEW_GRANULARITIES } from "./granularities";

const OVERVIEW_SHAPE = {
  granularity: z.enum(OVERVIEW_GRANULARITIES).default("month"),
  compare: z.enum([...COMPARISONS, "none"]).default("previous_period"),
};

/**
 * The conversion reports of the range and of the comparison range, one after the other: the
 * first brings the pixel's sessions up to date, the second reads them as they are.
 */
async function conversions(shop: string, range: DateRange, compared: DateRange | null, granularity: Granularity, now: Date) {
  const clock = { now };
  const current = await conversionOverview(shop, { range, granularity }, clock);
  const base = compared ? await conversionOverview(shop, { range: compared, granularity }, clock, { sessionsRefreshed: true }) : null;
  return { current, base };
}

/** The engine's reports the Overview shows: one range, and the comparison range when chosen. */
export interface OverviewReports {
  report: SalesReport;
  current: { rates: CustomerActivity; activity: ActivitySeries; conversion: ConversionReport };
  compared: { rates: CustomerActivity; conversion: ConversionReport } | null;
}

/**
 * What the page shows of those reports: the headline rates and their change against the
 * comparison range (as the sales report's own growth: (this − that) ÷ that), the trend lines,
 * the comparison range's net sales per period, and net sales by who bought. Pure, so a
 * benchmark can hand it the reference implementation's reports.
 */
export function overviewHeadline({ report, current, compared }: OverviewReports) {
  const headlineRates = (rates: CustomerActivity, conversion: ConversionReport) => ({
    newCustomers: rates.newCustomers,
    returningCustomerRate: rates.returningCustomerRate,
    repeatPurchaseRate: rates.repeatPurchaseRate,
    conversionRate: conversion.totals.conversionRate,
  });
  const rates = headlineRates(current.rates, current.conversion);
  const comparisonRates = compared ? headlineRates(compared.rates, compared.conversion) : null;
  const ratesGrowth = comparisonRates
    ? {
        newCustomers: growthRate(rates.newCustomers, comparisonRates.newCustomers),
        returningCustomerRate: growthRate(rates.returningCustomerRate, comparisonRates.returningCustomerRate),
        repeatPurchaseRate: growthRate(rates.repeatPurchaseRate, comparisonRates.repeatPurchaseRate),
        conversionRate: growthRate(rates.conversionRate, comparisonRates.conversionRate),
      }
    : null;
  const customerTypes = (
    [
      ["new", "newCustomerNetSales"],
      ["returning", "returningCustomerNetSales"],
      ["guest", "guestNetSales"],
    ] as const
  ).map(([key, total]) => ({
    key,
    netSales: report.totals[total],
    share: ratio(report.totals[total], report.totals.netSales),
    ...(report.comparison ? { growth: report.comparison.growth[total], growthBase: report.comparison.totals[total] } : {}),
  }));
  return {
    rates,
    comparisonRates,
    ratesGrowth,
    customerTypes,
    /** The comparison range's net sales in parts, one per period of the report, in its order. */
    comparisonSeries:
      report.comparison?.series.map(({ from, to, netSales }) => ({ from, lastDay: lastDayOf({ from, to }), netSales })) ?? null,
    activity: current.activity.series,
    conversion: {
      source: current.conversion.source,
      series: current.conversion.series.map(({ period, conversionRate }) => ({ period, conversionRate })),
    },
  };
}

export async function overviewPage(shop: string, searchParams: URLSearchParams, now: Date) {
  const query = parsePageQuery(searchParams, OVERVIEW_SHAPE);
  const page = await shopPage(shop, query, now);
  const compareTo = query.compare === "none" ? null : query.compare;
  const compared = compareTo ? comparisonRange(page.range, compareTo, { timeZone: page.timeZone, now }) : null;
  const clock = { now };
  // Before the first sync has stored any order the page only says the data is on its way:
  // nothing to compute (and on an install's first load, no rollups to build for nothing).
  const copying = page.sync.status !== "succeeded" && (await prisma.order.findFirst({ where: { shop }, select: { id: true } })) === null;
  // A new time zone or currency: a large store's figures take a while to be recomputed.
  const recomputing = page.installed && !copying && !(await rollupsReady(shop, page));
  const rebuild = await rebuildShown(shop, recomputing);
  const reports: OverviewReports | null =
    page.installed && !copying && !recomputing
      ? await Promise.all([
          salesOverview(shop, { range: page.range, granularity: query.granularity, compareTo }, clock),
          customerActivity(shop, { range: page.range }, clock),
          activitySeries(shop, { range: page.range, granularity: query.granularity }, clock),
          compared ? customerActivity(shop, { range: compared }, clock) : null,
          conversions(shop, page.range, compared, query.granularity, now),
        ]).then(([report, rates, activity, comparedRates, conversion]) => ({
          report,
          current: { rates, activity, conversion: conversion.current },
          compared: comparedRates && conversion.base ? { rates: comparedRates, conversion: conversion.base } : null,
        }))
      : null;
  const report = reports?.report ?? null;
  // The comparison range as a merchant reads it: first and last day.
  const comparedWith = report?.comparison
    ? { from: report.comparison.range.from, lastDay: addDays(report.comparison.range.to, -1), compareTo: report.comparison.compareTo }
    : null;
  const empty = {
    rates: null,
    comparisonRates: null,
    ratesGrowth: null,
    customerTypes: null,
    comparisonSeries: null,
    activity: null,
    conversion: null,
  };
  return {
    ...page,
    compare: query.compare,
    granularity: query.granularity,
    recomputing,
    rebuild,
    report,
    comparedWith,
    ...(reports ? overviewHeadline(reports) : empty),
  };
}

export type OverviewPageData = Awaited<ReturnType<typeof overviewPage>>;
