// The Customers page's data: the customers past the shop's lapse point (at risk of not coming
// back), highest net spend first, a page of as many as the page size asks for; and, from the
// cached prediction fit, one group of customers by their probability of still being customers
// (likely to return, at risk, probably lost), a page at a time.
import { z } from "zod";
import { PREDICTION_GROUPS } from "#app/metrics/prediction";
import { predictionGroupPage } from "#app/metrics/prediction.server";
import { atRiskOverview } from "#app/metrics/retention.server";
import { DEFAULT_AT_RISK_LIMIT, MAX_AT_RISK_LIMIT, MAX_AT_RISK_OFFSET } from "#app/metrics/retention";
import { InvalidRangeError } from "#app/metrics/periods";
import { parsePageQuery, shopPage } from "./page-query.server";

/** How many customers the page can list at once. */
export const AT_RISK_PAGE_SIZES = [DEFAULT_AT_RISK_LIMIT, 250, MAX_AT_RISK_LIMIT] as const;

/** The customers of a prediction group listed per page. */
export const PREDICTION_PAGE_SIZE = 50;

/** Which group and page of it the query string asks for (`group`, `groupPage`); a 400 otherwise. */
export function predictionGroupsQuery(searchParams: URLSearchParams) {
  const query = parsePageQuery(searchParams, {
    group: z.enum(PREDICTION_GROUPS).default("likely_to_return"),
    groupPage: z.coerce.number().int("must be a whole number").min(1, "must be at least 1").default(1),
  });
  const offset = (query.groupPage - 1) * PREDICTION_PAGE_SIZE;
  if (offset > MAX_AT_RISK_OFFSET) throw new InvalidRangeError(`groupPage ${query.groupPage} is beyond the list`);
  return { group: query.group, page: query.groupPage, offset };
}

/** The prediction groups' part of the page, from the cached fit (never a fit). */
export async function predictionGroupsSection(shop: string, query: ReturnType<typeof predictionGroupsQuery>) {
  const page = await predictionGroupPage(shop, query.group, { limit: PREDICTION_PAGE_SIZE, offset: query.offset });
  return { ...page, page: query.page, pages: Math.max(1, Math.ceil(page.total / PREDICTION_PAGE_SIZE)) };
}

export type PredictionGroupsSection = Awaited<ReturnType<typeof predictionGroupsSection>>;

export async function customersPage(shop: string, searchParams: URLSearchParams, now: Date) {
  const query = parsePageQuery(searchParams, {
    limit: z.coerce
      .number()
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(MAX_AT_RISK_LIMIT, `must be at most ${MAX_AT_RISK_LIMIT}`)
      .default(DEFAULT_AT_RISK_LIMIT),
    page: z.coerce.number().int("must be a whole number").min(1, "must be at least 1").default(1),
  });
  const offset = (query.page - 1) * query.limit;
  if (offset > MAX_AT_RISK_OFFSET) throw new InvalidRangeError(`page ${query.page} is beyond the list`);
  const groups = predictionGroupsQuery(searchParams);
  const page = await shopPage(shop, {}, now);
  const [report, predictions] = page.installed
    ? await Promise.all([atRiskOverview(shop, { limit: query.limit, offset }, { now }), predictionGroupsSection(shop, groups)])
    : [null, null];
  const pages = report ? Math.max(1, Math.ceil(report.total / query.limit)) : 1;
  return { ...page, limit: query.limit, page: query.page, pages, pageSizes: [...AT_RISK_PAGE_SIZES], report, predictions };
}

export type CustomersPageData = Awaited<ReturnType<typeof customersPage>>;
