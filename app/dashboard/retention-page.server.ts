// The Retention page's data: the query string turned into the shop's retention report (customer
// activity, retention and churn, time between orders, the monthly cohort grid), with the average
// retention curve drawn from the grid and the store's sync state alongside.
import { retentionOverview } from "#app/metrics/retention.server";
import { parsePageQuery, shopPage } from "./page-query.server";
import { retentionCurve } from "./retention-curve";

export async function retentionPage(shop: string, searchParams: URLSearchParams, now: Date) {
  const query = parsePageQuery(searchParams, {});
  const page = await shopPage(shop, query, now);
  const report = page.installed
    ? await retentionOverview(shop, { range: page.range, cohortGranularity: "month" }, { now })
    : null;
  return { ...page, report, curve: report ? retentionCurve(report.cohorts) : [] };
}

export type RetentionPageData = Awaited<ReturnType<typeof retentionPage>>;
