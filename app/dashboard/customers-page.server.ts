// The Customers page's data: the customers past the shop's lapse point (at risk of not coming
// back), highest net spend first, as many as the page asks for.
import { z } from "zod";
import { atRiskOverview } from "#app/metrics/retention.server";
import { DEFAULT_AT_RISK_LIMIT, MAX_AT_RISK_LIMIT } from "#app/metrics/retention";
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
  });
  const page = await shopPage(shop, {}, now);
  const report = page.installed ? await atRiskOverview(shop, { limit: query.limit }, { now }) : null;
  return { ...page, limit: query.limit, pageSizes: [...AT_RISK_PAGE_SIZES], report };
}

export type CustomersPageData = Awaited<ReturnType<typeof customersPage>>;
