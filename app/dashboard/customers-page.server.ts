// The Customers page's data: one of the customer lists (at risk: past the shop's lapse point;
// repeat buyers: two or more orders), filtered by orders, net spend and days since the last
// order, sorted and paged on the server, all kept in the URL; the shop's tagging requests and
// whether it granted tagging; and, from the cached prediction fit, one group of customers by
// their chance of an order in the next 365 days (likely to return, might return, probably lost).
import { z } from "zod";
import { PREDICTION_GROUPS } from "#app/metrics/prediction";
import { predictionGroupPage } from "#app/metrics/prediction.server";
import { customerListOverview } from "#app/metrics/retention.server";
import {
  CUSTOMER_LISTS,
  CUSTOMER_SORT_KEYS,
  customerFilters,
  DEFAULT_AT_RISK_LIMIT,
  MAX_AT_RISK_LIMIT,
  MAX_AT_RISK_OFFSET,
  SORT_DIRECTIONS,
  type CustomerFilters,
  type CustomerList,
  type CustomerSort,
} from "#app/metrics/retention";
import { InvalidRangeError } from "#app/metrics/periods";
import { patterned } from "#app/metrics/query-refusal";
import { toMinorUnits } from "#app/shopify/money";
import { recentTagJobs, taggingGranted, type TagJobSummary } from "#app/tagging/tag-jobs.server";
import { parsePageQuery, rebuildShown, rollupsReady, shopPage } from "./page-query.server";

const WHOLE = z.coerce.number().int("must be a whole number").min(0, "must be at least 0");
const AMOUNT = patterned(/^-?\d+(\.\d+)?$/, "must be an amount such as 120 or 99.50", "notAnAmount");

/** The list's own query parameters: which list, its filters (spend in the shop currency) and sort. */
export const LIST_SHAPE = {
  list: z.enum(CUSTOMER_LISTS).default("at_risk"),
  sort: z.enum(CUSTOMER_SORT_KEYS).default("net_spend"),
  direction: z.enum(SORT_DIRECTIONS).default("desc"),
  minOrders: WHOLE.optional(),
  maxOrders: WHOLE.optional(),
  minSpend: AMOUNT.optional(),
  maxSpend: AMOUNT.optional(),
  minDays: WHOLE.optional(),
  maxDays: WHOLE.optional(),
};

export interface ListQuery {
  list: CustomerList;
  sort: CustomerSort;
  filters: CustomerFilters;
}

/** The URL's list, filters and sort, checked (InvalidRangeError, a 400, naming the parameter). */
export function customerListQuery(searchParams: URLSearchParams, currency: string): ListQuery {
  const query = parsePageQuery(searchParams, LIST_SHAPE);
  const minor = (name: string, amount?: string) => {
    if (amount === undefined) return undefined;
    try {
      return Number(toMinorUnits(amount, currency));
    } catch (error) {
      throw new InvalidRangeError(`${name} ${(error as Error).message}`, { key: "notAnAmount", values: { parameter: name, value: amount } });
    }
  };
  const filters = customerFilters({
    minOrders: query.minOrders,
    maxOrders: query.maxOrders,
    minNetSpend: minor("minSpend", query.minSpend),
    maxNetSpend: minor("maxSpend", query.maxSpend),
    minDaysSince: query.minDays,
    maxDaysSince: query.maxDays,
  });
  return { list: query.list, sort: { key: query.sort, direction: query.direction }, filters };
}

function beyondList(parameter: string, page: number): InvalidRangeError {
  return new InvalidRangeError(`${parameter} ${page} is beyond the list`, { key: "beyondList", values: { parameter, value: String(page) } });
}

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
  if (offset > MAX_AT_RISK_OFFSET) throw beyondList("groupPage", query.groupPage);
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
    ...LIST_SHAPE,
    limit: z.coerce
      .number()
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(MAX_AT_RISK_LIMIT, `must be at most ${MAX_AT_RISK_LIMIT}`)
      .default(DEFAULT_AT_RISK_LIMIT),
    page: z.coerce.number().int("must be a whole number").min(1, "must be at least 1").default(1),
  });
  const offset = (query.page - 1) * query.limit;
  if (offset > MAX_AT_RISK_OFFSET) throw beyondList("page", query.page);
  const groups = predictionGroupsQuery(searchParams);
  const page = await shopPage(shop, {}, now);
  const list = customerListQuery(searchParams, page.currency);
  const recomputing = page.installed && !(await rollupsReady(shop, page));
  const rebuild = await rebuildShown(shop, recomputing);
  const [report, predictions, jobs, granted] = page.installed && !recomputing
    ? await Promise.all([
        customerListOverview(shop, list.list, { limit: query.limit, offset, filters: list.filters, sort: list.sort }, { now }),
        predictionGroupsSection(shop, groups),
        recentTagJobs(shop),
        taggingGranted(shop),
      ])
    : [null, null, [] as TagJobSummary[], false];
  const pages = report ? Math.max(1, Math.ceil(report.total / query.limit)) : 1;
  return {
    ...page,
    limit: query.limit,
    page: query.page,
    pages,
    pageSizes: [...AT_RISK_PAGE_SIZES],
    recomputing,
    rebuild,
    list: list.list,
    sort: list.sort,
    filters: list.filters,
    report,
    predictions,
    tagging: { granted, jobs },
  };
}

export type CustomersPageData = Awaited<ReturnType<typeof customersPage>>;
