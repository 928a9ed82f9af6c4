// The Overview page's data: the shop's page context (range, sync state) and its sales report.
import { z } from "zod";
import { addDays, COMPARISONS, GRANULARITIES } from "#app/metrics/periods";
import { salesOverview } from "#app/metrics/sales.server";
import { parsePageQuery, shopPage } from "./page-query.server";

const OVERVIEW_SHAPE = {
  granularity: z.enum(GRANULARITIES).default("month"),
  compare: z.enum([...COMPARISONS, "none"]).default("previous_period"),
};

export async function overviewPage(shop: string, searchParams: URLSearchParams, now: Date) {
  const query = parsePageQuery(searchParams, OVERVIEW_SHAPE);
  const page = await shopPage(shop, query, now);
  const report = page.installed
    ? await salesOverview(
        shop,
        { range: page.range, granularity: query.granularity, compareTo: query.compare === "none" ? null : query.compare },
        { now },
      )
    : null;
  // The comparison range as a merchant reads it: first and last day.
  const comparedWith = report?.comparison
    ? { from: report.comparison.range.from, lastDay: addDays(report.comparison.range.to, -1), compareTo: report.comparison.compareTo }
    : null;
  return { ...page, compare: query.compare, report, comparedWith };
}

export type OverviewPageData = Awaited<ReturnType<typeof overviewPage>>;
