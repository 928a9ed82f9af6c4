// The Customers page's data: the customers past the shop's lapse point (at risk of not coming
// back), highest net spend first, a page of as many as the page size asks for.
import { z } from "zod";
import { atRiskOverview } from "#app/metrics/retention.server";
import { DEFAULT_AT_RISK_LIMIT, MAX_AT_RISK_LIMIT, MAX_AT_RISK_OFFSET } from "#app/metrics/retention";
import { InvalidRangeError } from "#app/metrics/periods";
import { parsePageQuery, shopPage } from "./page-query.server";

/** How many customers the page can list at once. */
export const AT_RISK_PAGE_SIZES = [DEFAULT_AT_RISK_LIMIT, 250, MAX_AT_RISK_LIMIT] as const;

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
  const page = await shopPage(shop, {}, now);
  const report = page.installed ? await atRiskOverview(shop, { limit: query.limit, offset }, { now }) : null;
  const pages = report ? Math.max(1, Math.ceil(report.total / query.limit)) : 1;
  return { ...page, limit: query.limit, page: query.page, pages, pageSizes: [...AT_RISK_PAGE_SIZES], report };
}

export type CustomersPageData = Awaited<ReturnType<typeof customersPage>>;
