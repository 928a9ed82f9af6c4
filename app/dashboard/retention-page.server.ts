// The Retention page's data: the query string turned into the shop's retention report (customer
// activity, retention and churn, time between orders with its histogram, the cohort grid by month
// or by week as `cohorts` says), with the average retention curve drawn from the grid and the
// store's sync state alongside.
import { z } from "zod";
import { COHORT_GRANULARITIES } from "#app/metrics/retention";
import { retentionOverviewWithHistogram } from "#app/metrics/retention.server";
import { parsePageQuery, rebuildShown, rollupsReady, shopPage } from "./page-query.server";
import { retentionCurve } from "./retention-curve";

export async function retentionPage(shop: string, searchParams: URLSearchParams, now: Date) {
  const query = parsePageQuery(searchParams, { cohorts: z.enum(COHORT_GRANULARITIES).default("month") });
  const page = await shopPage(shop, query, now);
  const recomputing = page.installed && !(await rollupsReady(shop, page));
  const rebuild = await rebuildShown(shop, recomputing);
  const shown =
    page.installed && !recomputing
      ? await retentionOverviewWithHistogram(shop, { range: page.range, cohortGranularity: query.cohorts }, { now })
      : null;
  const report = shown?.report ?? null;
  const histogram = shown?.histogram ?? null;
  return { ...page, cohortGranularity: query.cohorts, recomputing, rebuild, report, histogram, curve: report ? retentionCurve(report.cohorts) : [] };
}

export type RetentionPageData = Awaited<ReturnType<typeof retentionPage>>;
