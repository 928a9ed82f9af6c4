// The Conversion page's data: sessions and the checkout funnel for the range from ONE labelled
// source (Shopify's own figures through ShopifyQL, or Metryka's web pixel), which sources the
// shop has, and whether it granted Shopify's reports scope.
import { z } from "zod";
import prisma from "#app/db.server";
import { growthRate, ratio } from "#app/metrics/math";
import { conversionOverview } from "#app/metrics/conversion.server";
import { conversionOfParts, SESSION_SOURCES, type ConversionReport, type ConversionTotals } from "#app/metrics/conversion";
import {
  addDays,
  COMPARISONS,
  comparisonParts,
  comparisonRange,
  daysBetween,
  lastDayOf,
  MAX_BUCKETS,
  rangeBuckets,
  type Comparison,
} from "#app/metrics/periods";
import { parsePageQuery, shopPage } from "./page-query.server";
import { conversionBreakdowns } from "#app/metrics/conversion-breakdowns.server";
import { PIXEL_SCOPES, pixelStatus } from "#app/collector/activation.server";
import { sessionsImportStatus } from "#app/sync/sync-status.server";

/** Rows of each breakdown table before "Other". */
export const BREAKDOWN_TOP = 5;

/** The scope Shopify's session figures (ShopifyQL) need. */
export const REPORTS_SCOPE = "read_reports";

export interface FunnelStep {
  key: "sessions" | "cart" | "checkout" | "completed";
  label: string;
  sessions: number;
  /** sessions ÷ all sessions. */
  shareOfSessions: number | null;
  /** sessions ÷ the previous step's sessions (null for the first step). */
  shareOfPrevious: number | null;
}

/** The funnel as steps, each with its share of all sessions and of the step before. */
export function funnelSteps(totals: ConversionTotals): FunnelStep[] {
  if (totals.sessions === null) return [];
  const counts: Array<[FunnelStep["key"], string, number]> = [
    ["sessions", "Sessions", totals.sessions],
    ["cart", "Added to cart", totals.sessionsWithCartAdditions ?? 0],
    ["checkout", "Reached checkout", totals.sessionsReachedCheckout ?? 0],
    ["completed", "Completed checkout", totals.sessionsCompletedCheckout ?? 0],
  ];
  return counts.map(([key, label, sessions], index) => ({
    key,
    label,
    sessions,
    shareOfSessions: ratio(sessions, counts[0][2]),
    shareOfPrevious: index === 0 ? null : ratio(sessions, counts[index - 1][2]),
  }));
}

/** The figures the Conversion page's cards show and compare (the funnel's steps as shares of sessions). */
function cardFigures(totals: ConversionTotals) {
  const steps = funnelSteps(totals);
  const share = (key: FunnelStep["key"]) => steps.find((step) => step.key === key)?.shareOfSessions ?? null;
  return {
    conversionRate: totals.conversionRate,
    sessions: totals.sessions,
    ordersPerSession: totals.ordersPerSession,
    signUpRate: totals.signUpRate,
    reachedCheckout: share("checkout"),
    addedToCart: share("cart"),
  };
}

/** The comparison range of a report, and the granularity it is read in: by day, unless longer than a series of days allows. */
export function comparisonQuery(report: ConversionReport, compareTo: Comparison) {
  const range = comparisonRange(report.range, compareTo, { timeZone: report.timeZone, now: new Date(report.now) });
  return { range, granularity: daysBetween(range.from, range.to) <= MAX_BUCKETS ? ("day" as const) : ("month" as const), source: report.source };
}

/**
 * The report against its comparison range (`base`, read as `comparisonQuery` says, from the same
 * source): each card's change, and the range's conversion rate over the same days as each bucket
 * of the report (`comparisonParts`), summed from its days (none when it was read by month). Pure,
 * so a benchmark can hand it the reference implementation's reports.
 */
export function conversionComparison(report: ConversionReport, base: ConversionReport, compareTo: Comparison, now: Date) {
  const range = base.range;
  const current = cardFigures(report.totals);
  const compared = cardFigures(base.totals);
  const growth = Object.fromEntries(
    Object.entries(current).map(([key, value]) => [key, growthRate(value, compared[key as keyof typeof compared])]),
  ) as Record<keyof typeof current, number | null>;
  const starts = rangeBuckets(report.range, report.granularity, { timeZone: report.timeZone, now }).map((bucket) => bucket.fromDay);
  const parts = comparisonParts(report.range, starts, compareTo, { timeZone: report.timeZone, now });
  const series =
    base.granularity === "day"
      ? conversionOfParts(base, parts).map((totals, index) => ({
          from: parts[index].from,
          lastDay: lastDayOf(parts[index]),
          conversionRate: totals.conversionRate,
        }))
      : null;
  return { compareTo, range, lastDay: addDays(range.to, -1), totals: base.totals, growth, series };
}

export async function conversionPage(shop: string, searchParams: URLSearchParams, now: Date) {
  const query = parsePageQuery(searchParams, {
    granularity: z.enum(["week", "month"]).default("month"),
    source: z.enum(SESSION_SOURCES).optional(),
    compare: z.enum([...COMPARISONS, "none"]).default("previous_period"),
  });
  const page = await shopPage(shop, query, now);
  const compareTo = query.compare === "none" ? null : query.compare;
  // The overview first: it brings the pixel's session rollup up to date, which says whether the
  // pixel has any sessions (raw events are deleted after their retention; sessions stay).
  const report = page.installed
    ? await conversionOverview(shop, { range: page.range, granularity: query.granularity, source: query.source ?? null }, { now })
    : null;
  const [comparison, shopifyDay, pixelSession, breakdowns, pixel, shopifySessions] = page.installed
    ? await Promise.all([
        // The same source over the comparison range: a series never mixes the two.
        report?.source && compareTo
          ? conversionOverview(shop, comparisonQuery(report, compareTo), { now }, { sessionsRefreshed: true }).then((base) =>
              conversionComparison(report, base, compareTo, now),
            )
          : null,
        prisma.shopifySessionDay.findFirst({ where: { shop }, select: { day: true } }),
        prisma.pixelSessionSlot.findFirst({ where: { shop }, select: { slot: true } }),
        // From the report's source only: a table never mixes the two.
        conversionBreakdowns(shop, { range: page.range, source: report?.source ?? null, top: BREAKDOWN_TOP }, page.timeZone),
        pixelStatus(shop),
        sessionsImportStatus(shop),
      ])
    : [null, null, null, null, null, null];
  return {
    ...page,
    query: { granularity: query.granularity, source: query.source ?? null, compare: query.compare },
    report,
    comparison,
    funnel: report ? funnelSteps(report.totals) : [],
    sources: { shopify: shopifyDay !== null, pixel: pixelSession !== null },
    reportsScopeGranted: page.scopes.includes(REPORTS_SCOPE),
    pixelScopesGranted: PIXEL_SCOPES.every((scope) => page.scopes.includes(scope)),
    breakdowns,
    pixel,
    shopifySessions,
  };
}

export type ConversionPageData = Awaited<ReturnType<typeof conversionPage>>;
