// Retention: the reference implementation (pure) and the plan both implementations share.
// Customers are Shopify customer ids; guest orders never count here. Formulas: docs/metrics.md.
import { DateTime } from "luxon";
import { divideMoney, percentile, ratio, round2, round4 } from "./math";
import {
  addDays,
  assertOneOf,
  assertTimeZone,
  calendarBucket,
  calendarPeriods,
  InvalidRangeError,
  localDay,
  nextPeriodStartDay,
  rangeBuckets,
  rangeSpan,
  startOfLocalDay,
  validateRange,
  type Bucket,
  type DateRange,
  type Granularity,
  type Span,
} from "./periods";
import { compareOrders, countsInRetention, within, type MetricOrder, type MetricRefund } from "./rows";
import type { MetricSettings } from "./settings";

export const COHORT_GRANULARITIES = ["month", "week"] as const;
export type CohortGranularity = (typeof COHORT_GRANULARITIES)[number];

export const DAY_MS = 86_400_000;
/** The lapse point is never shorter than this. */
export const MIN_LAPSE_MS = 30 * DAY_MS;
export const DEFAULT_AT_RISK_LIMIT = 50;
/** The most cells one cohort grid may hold (cohorts × periods since each). */
export const MAX_COHORT_CELLS = 100_000;
export const MAX_AT_RISK_LIMIT = 1000;
/** The furthest an at-risk page may start. */
export const MAX_AT_RISK_OFFSET = 10_000_000;

export interface RetentionQuery {
  /** The period P (local dates, `to` exclusive); cohorts are the calendar periods overlapping it. */
  range: DateRange;
  cohortGranularity?: CohortGranularity;
}

export interface AtRiskQuery {
  /** How many at-risk customers to list (the count covers all of them); default 50. */
  limit?: number;
  /** How many of them to skip first (a later page of the list); default 0. */
  offset?: number;
  /** Only the customers within these bounds (the count too); none by default. */
  filters?: CustomerFilters;
  /** The order of the list; default highest net spend first. */
  sort?: CustomerSort;
}

/** The customer lists: past the lapse point (at risk), or with two or more counted orders (repeat buyers). */
export const CUSTOMER_LISTS = ["at_risk", "repeat"] as const;
export type CustomerList = (typeof CUSTOMER_LISTS)[number];

/** What a customer list is ordered by: net spend, counted orders, or the last order's instant. */
export const CUSTOMER_SORT_KEYS = ["net_spend", "orders", "last_order"] as const;
export type CustomerSortKey = (typeof CUSTOMER_SORT_KEYS)[number];
export const SORT_DIRECTIONS = ["desc", "asc"] as const;
export type SortDirection = (typeof SORT_DIRECTIONS)[number];

export interface CustomerSort {
  key: CustomerSortKey;
  direction: SortDirection;
}

/**
 * Bounds on a customer list, each inclusive and optional: counted orders, net spend (minor units
 * of the shop currency, refunds deducted, so it may be negative) and whole days since the last
 * counted order.
 */
export interface CustomerFilters {
  minOrders?: number;
  maxOrders?: number;
  minNetSpend?: number;
  maxNetSpend?: number;
  minDaysSince?: number;
  maxDaysSince?: number;
}

/** The furthest a bound may go: past it no customer matches, and SQL integers stay exact. */
export const MAX_FILTER_VALUE = 1_000_000_000_000;

export interface RetentionContext {
  timeZone: string;
  /** The shop currency: cohort revenue and net spend sum only orders in it. */
  currency: string;
  now: Date;
  settings: MetricSettings;
}

export interface CustomerActivity {
  /** Customers with at least one counted order in P. */
  customers: number;
  /** Their counted orders in P. */
  orders: number;
  /** Customers whose acquisition order (see `acquisitionOrders`) is in P. */
  newCustomers: number;
  /** Customers with an order in P whose acquisition order is before P. */
  returningCustomers: number;
  /** Customers with at least two counted orders in P. */
  repeatCustomers: number;
  /** repeatCustomers ÷ customers. */
  repeatPurchaseRate: number | null;
  /** Shopify's: customers of P with more than one counted order by the end of P ÷ customers. */
  returningCustomerRate: number | null;
  /** orders ÷ customers. */
  purchaseFrequency: number | null;
}

export interface CustomerRetention {
  windowDays: number;
  /** Start of P and the instant "active at the end" is measured at: min(end of P, now). */
  start: string;
  end: string;
  /** |S|: customers with a counted order in the W days before the start ("active at the start"). */
  activeAtStart: number;
  /** |E|: customers with a counted order in the W days before the end ("active at the end"). */
  activeAtEnd: number;
  /** |S ∩ E|: customers active at the start who are still active at the end. */
  retainedCustomers: number;
  /** |S ∩ E| ÷ |S|: always within 0–1; null when |S| = 0. */
  retentionRate: number | null;
  /** 1 − retentionRate. */
  churnRate: number | null;
}

export interface Distribution {
  count: number;
  /** Days, 2 decimals; null without values. */
  p25: number | null;
  median: number | null;
  p75: number | null;
}

export interface TimeBetweenOrders {
  /** Days from a customer's first to second counted order, for second orders in P. */
  firstToSecond: Distribution;
  /** Days between consecutive counted orders of a customer, for later orders in P. */
  betweenOrders: Distribution;
}

export interface CohortCell {
  /** Periods since the cohort's own (0 = the cohort period). */
  k: number;
  period: string;
  partial: boolean;
  /** Cohort customers with a counted order in the period. */
  customers: number;
  /** customers ÷ cohort size (1 at k = 0). */
  retention: number | null;
  /** Net sales of the cohort's customers in the period (shop currency). */
  netSales: number;
  /** Net sales from k = 0 through k. */
  cumulativeNetSales: number;
  /** cumulativeNetSales ÷ cohort size (minor units): lifetime value per cohort customer so far. */
  lifetimeValue: number | null;
}

export interface Cohort {
  cohort: string;
  /** UTC instant the cohort period starts. */
  start: string;
  size: number;
  /** One cell per period from the cohort's to the one holding now. */
  cells: CohortCell[];
}

export interface LapsedCustomer {
  customerId: string;
  lastOrderAt: string;
  /** Local date of the last order. */
  lastOrderDay: string;
  /** Whole days since the last order. */
  daysSinceLastOrder: number;
  orders: number;
  /** Lifetime net sales in the shop currency (refunds included). */
  netSpend: number;
}

export interface AtRiskReport {
  currency: string;
  timeZone: string;
  settings: MetricSettings;
  now: string;
  /** p90 of the gaps between consecutive orders, at least 30 days (2 decimals). */
  lapsePointDays: number;
  /** How many gaps the lapse point was computed from. */
  gaps: number;
  /** How many customers are past the lapse point. */
  total: number;
  /** Where this page starts in the list. */
  offset: number;
  /** `limit` of them by net spend (highest first), from `offset`. */
  customers: LapsedCustomer[];
}

export interface RetentionReport {
  currency: string;
  timeZone: string;
  settings: MetricSettings;
  range: DateRange;
  cohortGranularity: CohortGranularity;
  now: string;
  activity: CustomerActivity;
  retention: CustomerRetention;
  timeBetweenOrders: TimeBetweenOrders;
  cohorts: Cohort[];
}

/** The rates of a period alone: what the dashboard's overview shows next to sales. */
export interface RetentionRatesQuery {
  range: DateRange;
}

/** Customer activity and customer retention over P: the rates of the retention report. */
export interface RetentionRates {
  currency: string;
  timeZone: string;
  settings: MetricSettings;
  range: DateRange;
  now: string;
  activity: CustomerActivity;
  retention: CustomerRetention;
}

/** Customer activity per period of a range: the overview's trend lines of its rates. */
export interface ActivitySeriesQuery {
  range: DateRange;
  granularity: Granularity;
}

/** One period's customer activity, each period on its own (as `RetentionRates.activity` of it). */
export interface ActivitySeriesPoint extends CustomerActivity {
  period: string;
  start: string;
  end: string;
  partial: boolean;
}

export interface ActivitySeries {
  timeZone: string;
  settings: MetricSettings;
  range: DateRange;
  granularity: Granularity;
  now: string;
  series: ActivitySeriesPoint[];
}

/** The cohort grid of the retention report alone. */
export interface CohortMatrix {
  currency: string;
  timeZone: string;
  settings: MetricSettings;
  range: DateRange;
  cohortGranularity: CohortGranularity;
  now: string;
  cohorts: Cohort[];
}

/** The instants the rates of P are computed over. */
export interface RatesPlan {
  range: DateRange;
  /** P. */
  period: Span;
  /** Where E is measured: min(end of P, now). */
  retentionEnd: Date;
  /** Start of the W-day window before the start of P, and before retentionEnd. */
  windowBeforeStart: Date;
  windowBeforeEnd: Date;
}

/** The instants and periods a retention report is computed over. */
export interface RetentionPlan extends RatesPlan {
  cohortGranularity: CohortGranularity;
  /** Cohort periods: whole calendar periods overlapping the range that started by now. */
  cohorts: Bucket[];
  /** Every period from the first cohort's through the one holding now (cells' columns). */
  periods: Bucket[];
}

/** Throws InvalidRangeError for a query that cannot be served. */
export function validateRetentionQuery(query: RetentionQuery): void {
  const granularity = query.cohortGranularity ?? "month";
  assertOneOf("cohortGranularity", granularity, COHORT_GRANULARITIES);
  validateRange(query.range, granularity);
}

function wholeNumberError(parameter: string, low: number, high: number): InvalidRangeError {
  return new InvalidRangeError(`${parameter} must be a whole number from ${low} to ${high}`, {
    key: "wholeNumber",
    values: { parameter, low, high },
  });
}

/** Throws InvalidRangeError for a limit that is not a whole number from 0 to 1000. */
export function atRiskLimit(query: AtRiskQuery): number {
  const limit = query.limit ?? DEFAULT_AT_RISK_LIMIT;
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_AT_RISK_LIMIT) {
    throw wholeNumberError("limit", 0, MAX_AT_RISK_LIMIT);
  }
  return limit;
}

/**
 * The filters as given, checked: whole numbers, orders and days not negative, net spend within
 * ±MAX_FILTER_VALUE, and no minimum above its maximum. Throws InvalidRangeError naming the bound.
 */
export function customerFilters(filters: CustomerFilters = {}): CustomerFilters {
  const checked: CustomerFilters = {};
  for (const [key, value] of Object.entries(filters) as Array<[keyof CustomerFilters, number | undefined]>) {
    if (value === undefined) continue;
    const low = key.endsWith("NetSpend") ? -MAX_FILTER_VALUE : 0;
    if (!Number.isInteger(value) || value < low || value > MAX_FILTER_VALUE) {
      throw wholeNumberError(key, low, MAX_FILTER_VALUE);
    }
    checked[key] = value;
  }
  for (const name of ["Orders", "NetSpend", "DaysSince"] as const) {
    const min = checked[`min${name}`];
    const max = checked[`max${name}`];
    if (min !== undefined && max !== undefined && min > max) {
      throw new InvalidRangeError(`min${name} is above max${name}`, { key: "minAboveMax", values: { min: `min${name}`, max: `max${name}` } });
    }
  }
  return checked;
}

/** Whether a listed customer is within the filters (both implementations apply this rule). */
export function matchesFilters(customer: LapsedCustomer, filters: CustomerFilters): boolean {
  const within = (value: number, min?: number, max?: number) => (min === undefined || value >= min) && (max === undefined || value <= max);
  return (
    within(customer.orders, filters.minOrders, filters.maxOrders) &&
    within(customer.netSpend, filters.minNetSpend, filters.maxNetSpend) &&
    within(customer.daysSinceLastOrder, filters.minDaysSince, filters.maxDaysSince)
  );
}

/** Throws InvalidRangeError for a sort that is not one of CUSTOMER_SORT_KEYS × SORT_DIRECTIONS. */
export function customerSort(sort: CustomerSort = { key: "net_spend", direction: "desc" }): CustomerSort {
  if (!(CUSTOMER_SORT_KEYS as readonly string[]).includes(sort.key) || !(SORT_DIRECTIONS as readonly string[]).includes(sort.direction)) {
    throw new InvalidRangeError(`sort must be one of ${CUSTOMER_SORT_KEYS.join(", ")}, ascending or descending`, {
      key: "notOneOf",
      values: { parameter: "sort", value: `${sort.key} ${sort.direction}`, allowed: CUSTOMER_SORT_KEYS.join(", ") },
    });
  }
  return { key: sort.key, direction: sort.direction };
}

/**
 * The list's order: the sort key in its direction, then (for ties) highest net spend, the most
 * recent last order and the lowest customer id (compareLapsed).
 */
export function compareCustomers(sort: CustomerSort): (a: LapsedCustomer, b: LapsedCustomer) => number {
  const sign = sort.direction === "asc" ? 1 : -1;
  return (a, b) => {
    let primary = 0;
    if (sort.key === "orders") primary = a.orders - b.orders;
    else if (sort.key === "net_spend") primary = a.netSpend - b.netSpend;
    else if (a.lastOrderAt !== b.lastOrderAt) primary = a.lastOrderAt < b.lastOrderAt ? -1 : 1;
    return primary !== 0 ? sign * primary : compareLapsed(a, b);
  };
}

/** Throws InvalidRangeError for an offset that is not a whole number from 0 to 10,000,000. */
export function atRiskOffset(query: AtRiskQuery): number {
  const offset = query.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0 || offset > MAX_AT_RISK_OFFSET) {
    throw wholeNumberError("offset", 0, MAX_AT_RISK_OFFSET);
  }
  return offset;
}

export function ratesPlan(query: RetentionRatesQuery, context: Pick<RetentionContext, "timeZone" | "now" | "settings">): RatesPlan {
  validateRetentionQuery({ range: query.range });
  assertTimeZone(context.timeZone);
  const period = rangeSpan(query.range, context.timeZone);
  const windowDays = context.settings.activityWindowDays;
  const retentionEnd = period.end.getTime() > context.now.getTime() ? context.now : period.end;
  return {
    range: { from: query.range.from, to: query.range.to },
    period,
    retentionEnd,
    windowBeforeStart: startOfLocalDay(addDays(query.range.from, -windowDays), context.timeZone),
    windowBeforeEnd: DateTime.fromJSDate(retentionEnd, { zone: context.timeZone }).minus({ days: windowDays }).toJSDate(),
  };
}

export function retentionPlan(query: RetentionQuery, context: Pick<RetentionContext, "timeZone" | "now" | "settings">): RetentionPlan {
  validateRetentionQuery(query);
  const rates = ratesPlan(query, context);
  const cohortGranularity = query.cohortGranularity ?? "month";
  const cohorts = calendarPeriods(query.range, cohortGranularity, context);
  const periods: Bucket[] = [];
  if (cohorts.length > 0) {
    let bucket = cohorts[0];
    while (bucket.start.getTime() <= context.now.getTime()) {
      periods.push(bucket);
      bucket = calendarBucket(nextPeriodStartDay(bucket.fromDay, cohortGranularity), cohortGranularity, context);
    }
  }
  const cells = cohorts.reduce((sum, _cohort, index) => sum + periods.length - index, 0);
  if (cells > MAX_COHORT_CELLS) {
    throw new InvalidRangeError(
      `the cohort grid from ${query.range.from} would hold ${cells} cells (at most ${MAX_COHORT_CELLS}); choose a later start or monthly cohorts`,
      { key: "tooManyCohortCells", values: { from: query.range.from, cells, max: MAX_COHORT_CELLS } },
    );
  }
  return { ...rates, cohortGranularity, cohorts, periods };
}

/** Milliseconds → days, 2 decimals (null stays null). */
export function msToDays(ms: number | null): number | null {
  return ms === null ? null : round2(ms / DAY_MS);
}

export function distribution(sortedMs: number[]): Distribution {
  return {
    count: sortedMs.length,
    p25: msToDays(percentile(sortedMs, 0.25)),
    median: msToDays(percentile(sortedMs, 0.5)),
    p75: msToDays(percentile(sortedMs, 0.75)),
  };
}

/** The lapse point in ms from the p90 of the gaps (null without gaps): at least 30 days. */
export function lapsePointMs(p90: number | null): number {
  return p90 === null ? MIN_LAPSE_MS : Math.max(MIN_LAPSE_MS, p90);
}

/** The counts behind the rates of P, as both implementations find them. */
export interface RatesParts {
  activity: Omit<CustomerActivity, "repeatPurchaseRate" | "returningCustomerRate" | "purchaseFrequency"> & {
    returningByEnd: number;
  };
  retention: { activeAtStart: number; activeAtEnd: number; retainedCustomers: number };
}

/** Per cohort (plan order): size, and per period index (plan.periods) customers and net sales. */
export type CohortParts = Array<{ size: number; customers: Map<number, number>; netSales: Map<number, number> }>;

/** Customer activity from its counts; every report holding it ends here. */
export function assembleActivity(parts: RatesParts["activity"]): CustomerActivity {
  const { returningByEnd, ...activity } = parts;
  return {
    ...activity,
    repeatPurchaseRate: ratio(activity.repeatCustomers, activity.customers),
    returningCustomerRate: ratio(returningByEnd, activity.customers),
    purchaseFrequency: ratio(activity.orders, activity.customers),
  };
}

function assembleCustomerRetention(plan: RatesPlan, context: RetentionContext, parts: RatesParts["retention"]): CustomerRetention {
  const retentionRate = ratio(parts.retainedCustomers, parts.activeAtStart);
  return {
    windowDays: context.settings.activityWindowDays,
    start: plan.period.start.toISOString(),
    end: plan.retentionEnd.toISOString(),
    ...parts,
    retentionRate,
    churnRate: retentionRate === null ? null : round4(1 - retentionRate),
  };
}

function assembleCohorts(plan: RetentionPlan, parts: CohortParts): Cohort[] {
  const periodIndex = new Map(plan.periods.map((period, index) => [period.fromDay, index]));
  return plan.cohorts.map((cohort, c): Cohort => {
    const data = parts[c];
    const first = periodIndex.get(cohort.fromDay) as number;
    let cumulative = 0;
    const cells = plan.periods.slice(first).map((period, k): CohortCell => {
      const netSales = data.netSales.get(first + k) ?? 0;
      cumulative += netSales;
      const customers = data.customers.get(first + k) ?? 0;
      return {
        k,
        period: period.period,
        partial: period.partial,
        customers,
        retention: ratio(customers, data.size),
        netSales,
        cumulativeNetSales: cumulative,
        lifetimeValue: divideMoney(cumulative, data.size),
      };
    });
    return { cohort: cohort.period, start: cohort.start.toISOString(), size: data.size, cells };
  });
}

/** Builds the rates; both implementations end here. */
export function assembleRetentionRates(plan: RatesPlan, context: RetentionContext, parts: RatesParts): RetentionRates {
  return {
    currency: context.currency,
    timeZone: context.timeZone,
    settings: { ...context.settings },
    range: plan.range,
    now: context.now.toISOString(),
    activity: assembleActivity(parts.activity),
    retention: assembleCustomerRetention(plan, context, parts.retention),
  };
}

/** The periods of an activity series: the range's buckets (Throws InvalidRangeError). */
export function activitySeriesPlan(query: ActivitySeriesQuery, context: Pick<RetentionContext, "timeZone" | "now">): Bucket[] {
  validateRetentionQuery({ range: query.range });
  return rangeBuckets(query.range, query.granularity, context);
}

/** Builds the activity series from each bucket's counts; both implementations end here. */
export function assembleActivitySeries(
  query: ActivitySeriesQuery,
  buckets: Bucket[],
  context: RetentionContext,
  parts: Array<RatesParts["activity"]>,
): ActivitySeries {
  return {
    timeZone: context.timeZone,
    settings: { ...context.settings },
    range: { from: query.range.from, to: query.range.to },
    granularity: query.granularity,
    now: context.now.toISOString(),
    series: buckets.map((bucket, index) => ({
      period: bucket.period,
      start: bucket.start.toISOString(),
      end: bucket.end.toISOString(),
      partial: bucket.partial,
      ...assembleActivity(parts[index]),
    })),
  };
}

/** Builds the cohort grid; both implementations end here. */
export function assembleCohortMatrix(plan: RetentionPlan, context: RetentionContext, cohorts: CohortParts): CohortMatrix {
  return {
    currency: context.currency,
    timeZone: context.timeZone,
    settings: { ...context.settings },
    range: plan.range,
    cohortGranularity: plan.cohortGranularity,
    now: context.now.toISOString(),
    cohorts: assembleCohorts(plan, cohorts),
  };
}

/** Builds the report; both implementations end here. */
export function assembleRetentionReport(
  plan: RetentionPlan,
  context: RetentionContext,
  parts: RatesParts & { firstToSecond: Distribution; betweenOrders: Distribution; cohorts: CohortParts },
): RetentionReport {
  return {
    currency: context.currency,
    timeZone: context.timeZone,
    settings: { ...context.settings },
    range: plan.range,
    cohortGranularity: plan.cohortGranularity,
    now: context.now.toISOString(),
    activity: assembleActivity(parts.activity),
    retention: assembleCustomerRetention(plan, context, parts.retention),
    timeBetweenOrders: { firstToSecond: parts.firstToSecond, betweenOrders: parts.betweenOrders },
    cohorts: assembleCohorts(plan, parts.cohorts),
  };
}

/**
 * When each customer was acquired (lists oldest first): their first counted order, or with zero-value orders
 * excluded from cohort assignment, their first counted order with a non-zero total. A customer
 * with only zero-value orders is then never acquired (never new, returning or in a cohort).
 */
export function acquisitionOrders(ordersOf: Map<string, MetricOrder[]>, settings: MetricSettings): Map<string, Date> {
  const acquiredAt = new Map<string, Date>();
  for (const [customer, orders] of ordersOf) {
    const first = orders.find((order) => settings.cohortIncludeZeroValue || order.totalPrice !== 0);
    if (first) acquiredAt.set(customer, first.processedAt);
  }
  return acquiredAt;
}

/** Milliseconds from the earlier order to the later one. */
function elapsed(later: MetricOrder, earlier: MetricOrder): number {
  return later.processedAt.getTime() - earlier.processedAt.getTime();
}

/** Each customer's counted orders, oldest first, and the instant each customer was acquired. */
interface Histories {
  counted: MetricOrder[];
  ordersOf: Map<string, MetricOrder[]>;
  acquiredAt: Map<string, Date>;
}

function customerHistories(orders: MetricOrder[], settings: MetricSettings): Histories {
  const counted = orders.filter((order) => countsInRetention(order, settings)).sort(compareOrders);
  const ordersOf = new Map<string, MetricOrder[]>();
  for (const order of counted) {
    const list = ordersOf.get(order.customerId as string) ?? [];
    list.push(order);
    ordersOf.set(order.customerId as string, list);
  }
  return { counted, ordersOf, acquiredAt: acquisitionOrders(ordersOf, settings) };
}

/** Customer activity in P and customer retention over it (reference). */
function ratesParts({ ordersOf, acquiredAt }: Histories, plan: RatesPlan): RatesParts {
  const inP = (instant: Date) => within(instant, plan.period.start, plan.period.end);
  let customers = 0;
  let orders = 0;
  let newCustomers = 0;
  let returningCustomers = 0;
  let repeatCustomers = 0;
  let returningByEnd = 0;
  for (const [customer, list] of ordersOf) {
    const inPeriod = list.filter((order) => inP(order.processedAt)).length;
    if (inPeriod === 0) continue;
    customers += 1;
    orders += inPeriod;
    if (inPeriod >= 2) repeatCustomers += 1;
    const acquired = acquiredAt.get(customer);
    if (acquired && inP(acquired)) newCustomers += 1;
    if (acquired && acquired.getTime() < plan.period.start.getTime()) returningCustomers += 1;
    if (list.filter((order) => order.processedAt.getTime() < plan.period.end.getTime()).length > 1) returningByEnd += 1;
  }

  // Customer retention rate: S = active at the start, E = active at the end, retained = S ∩ E.
  const activeBetween = (list: MetricOrder[], start: Date, end: Date) => list.some((order) => within(order.processedAt, start, end));
  let activeAtStart = 0;
  let activeAtEnd = 0;
  let retainedCustomers = 0;
  for (const list of ordersOf.values()) {
    const atStart = activeBetween(list, plan.windowBeforeStart, plan.period.start);
    const atEnd = activeBetween(list, plan.windowBeforeEnd, plan.retentionEnd);
    if (atStart) activeAtStart += 1;
    if (atEnd) activeAtEnd += 1;
    if (atStart && atEnd) retainedCustomers += 1;
  }
  return {
    activity: { customers, orders, newCustomers, returningCustomers, repeatCustomers, returningByEnd },
    retention: { activeAtStart, activeAtEnd, retainedCustomers },
  };
}

/**
 * The gaps (ms) between consecutive counted orders whose later order is in P: of all of them,
 * and of second orders alone (reference).
 */
function gapsInPeriod({ ordersOf }: Histories, plan: RatesPlan): { all: number[]; second: number[] } {
  const inP = (instant: Date) => within(instant, plan.period.start, plan.period.end);
  const all: number[] = [];
  const second: number[] = [];
  for (const list of ordersOf.values()) {
    for (let i = 1; i < list.length; i++) {
      if (!inP(list[i].processedAt)) continue;
      all.push(elapsed(list[i], list[i - 1]));
      if (i === 1) second.push(elapsed(list[1], list[0]));
    }
  }
  return { all, second };
}

/** Time between orders, for later orders in P (reference). */
function gapParts(histories: Histories, plan: RatesPlan): { firstToSecond: Distribution; betweenOrders: Distribution } {
  const { all, second } = gapsInPeriod(histories, plan);
  second.sort((a, b) => a - b);
  all.sort((a, b) => a - b);
  return { firstToSecond: distribution(second), betweenOrders: distribution(all) };
}

/** The cohort grid (reference): members, their activity and their net sales per period. */
function cohortParts(
  { counted, ordersOf, acquiredAt }: Histories,
  refunds: MetricRefund[],
  plan: RetentionPlan,
  { settings, currency }: RetentionContext,
): CohortParts {
  const periodOf = (instant: Date): number =>
    plan.periods.findIndex((period) => within(instant, period.start, period.end));
  const countedById = new Map(counted.map((order) => [order.id, order]));
  return plan.cohorts.map((cohort) => {
    const members = new Set(
      [...acquiredAt].filter(([, at]) => within(at, cohort.start, cohort.end)).map(([customer]) => customer),
    );
    const firstPeriod = periodOf(cohort.start);
    const customersIn = new Map<number, Set<string>>();
    const netSales = new Map<number, number>();
    const add = (index: number, amount: number) => {
      if (index < firstPeriod) return;
      netSales.set(index, (netSales.get(index) ?? 0) + amount);
    };
    for (const customer of members) {
      for (const order of ordersOf.get(customer) ?? []) {
        const index = periodOf(order.processedAt);
        if (index < firstPeriod) continue;
        const set = customersIn.get(index) ?? new Set<string>();
        set.add(customer);
        customersIn.set(index, set);
        if (order.currencyCode === currency) add(index, order.grossSales - order.discounts);
      }
    }
    for (const refund of refunds) {
      const order = countedById.get(refund.orderId);
      if (!order || !members.has(order.customerId as string) || order.currencyCode !== currency) continue;
      const dated = settings.refundDating === "refund_date" ? refund.processedAt : order.processedAt;
      add(periodOf(dated), -refund.returns);
    }
    return {
      size: members.size,
      customers: new Map([...customersIn].map(([index, set]) => [index, set.size])),
      netSales,
    };
  });
}

/**
 * Retention report (reference implementation): customer activity in P, customer retention and
 * churn over P, time between orders, and the cohort grid (retention, revenue, lifetime value).
 */
export function retentionReport(
  rows: { orders: MetricOrder[]; refunds: MetricRefund[] },
  query: RetentionQuery,
  context: RetentionContext,
): RetentionReport {
  const plan = retentionPlan(query, context);
  const histories = customerHistories(rows.orders, context.settings);
  return assembleRetentionReport(plan, context, {
    ...ratesParts(histories, plan),
    ...gapParts(histories, plan),
    cohorts: cohortParts(histories, rows.refunds, plan, context),
  });
}

/** The rates of the retention report alone (reference implementation). */
export function retentionRatesReport(
  rows: { orders: MetricOrder[] },
  query: RetentionRatesQuery,
  context: RetentionContext,
): RetentionRates {
  const plan = ratesPlan(query, context);
  return assembleRetentionRates(plan, context, ratesParts(customerHistories(rows.orders, context.settings), plan));
}

/**
 * Customer activity per bucket of the range (reference implementation): each bucket's activity
 * is exactly the rates' activity of a range that is that bucket alone.
 */
export function activitySeriesReport(rows: { orders: MetricOrder[] }, query: ActivitySeriesQuery, context: RetentionContext): ActivitySeries {
  const buckets = activitySeriesPlan(query, context);
  const histories = customerHistories(rows.orders, context.settings);
  const parts = buckets.map(
    (bucket) => ratesParts(histories, ratesPlan({ range: { from: bucket.fromDay, to: bucket.toDay } }, context)).activity,
  );
  return assembleActivitySeries(query, buckets, context, parts);
}

/** Customer activity in P alone: the rates' `activity` (reference implementation). */
export function customerActivityReport(rows: { orders: MetricOrder[] }, query: RetentionRatesQuery, context: RetentionContext): CustomerActivity {
  const plan = ratesPlan(query, context);
  return assembleActivity(ratesParts(customerHistories(rows.orders, context.settings), plan).activity);
}

/** The cohort grid of the retention report alone (reference implementation). */
export function cohortMatrixReport(
  rows: { orders: MetricOrder[]; refunds: MetricRefund[] },
  query: RetentionQuery,
  context: RetentionContext,
): CohortMatrix {
  const plan = retentionPlan(query, context);
  return assembleCohortMatrix(plan, context, cohortParts(customerHistories(rows.orders, context.settings), rows.refunds, plan, context));
}

/**
 * Customers past the shop's lapse point (reference implementation), as of now: the lapse point
 * is the 90th percentile of the gaps between consecutive counted orders (at least 30 days); a
 * customer is past it when the time since their last counted order is longer. `filters` narrow
 * the list (and its count); `sort` orders it (default highest net spend first).
 */
export function atRiskReport(
  rows: { orders: MetricOrder[]; refunds: MetricRefund[] },
  query: AtRiskQuery,
  context: RetentionContext,
): AtRiskReport {
  return customerListReport(rows, "at_risk", query, context);
}

/**
 * Repeat buyers (reference implementation), as of now: customers with two or more counted orders
 * before now, filtered, sorted and paged as the at-risk list is.
 */
export function repeatBuyersReport(
  rows: { orders: MetricOrder[]; refunds: MetricRefund[] },
  query: AtRiskQuery,
  context: RetentionContext,
): AtRiskReport {
  return customerListReport(rows, "repeat", query, context);
}

/** Whether a customer with these figures (and ms since their last order) belongs on `list`. */
export function onCustomerList(list: CustomerList, customer: { orders: number }, sinceMs: number, lapseMs: number): boolean {
  return list === "at_risk" ? sinceMs > lapseMs : customer.orders >= 2;
}

/** One of the customer lists (reference implementation); see atRiskReport and repeatBuyersReport. */
export function customerListReport(
  rows: { orders: MetricOrder[]; refunds: MetricRefund[] },
  list: CustomerList,
  query: AtRiskQuery,
  context: RetentionContext,
): AtRiskReport {
  const limit = atRiskLimit(query);
  const offset = atRiskOffset(query);
  const filters = customerFilters(query.filters);
  const sort = customerSort(query.sort);
  const { settings, now, currency, timeZone } = context;
  const ordersOf = new Map<string, MetricOrder[]>();
  for (const order of rows.orders.filter((o) => countsInRetention(o, settings)).sort(compareOrders)) {
    const list = ordersOf.get(order.customerId as string) ?? [];
    list.push(order);
    ordersOf.set(order.customerId as string, list);
  }
  // Only what happened before now.
  const before = (instant: Date) => instant.getTime() < now.getTime();
  const allGaps: number[] = [];
  const listed: LapsedCustomer[] = [];
  const refundsOf = new Map<string, MetricRefund[]>();
  for (const refund of rows.refunds) {
    if (!before(refund.processedAt)) continue;
    refundsOf.set(refund.orderId, [...(refundsOf.get(refund.orderId) ?? []), refund]);
  }
  const histories = [...ordersOf].map(([customer, list]) => [customer, list.filter((order) => before(order.processedAt))] as const);
  for (const [, list] of histories) {
    for (let i = 1; i < list.length; i++) allGaps.push(elapsed(list[i], list[i - 1]));
  }
  allGaps.sort((a, b) => a - b);
  const lapseMs = lapsePointMs(percentile(allGaps, 0.9));
  for (const [customer, orders] of histories) {
    if (orders.length === 0) continue;
    const last = orders[orders.length - 1];
    const since = now.getTime() - last.processedAt.getTime();
    if (!onCustomerList(list, { orders: orders.length }, since, lapseMs)) continue;
    let netSpend = 0;
    for (const order of orders) {
      if (order.currencyCode !== currency) continue;
      netSpend += order.grossSales - order.discounts;
      for (const refund of refundsOf.get(order.id) ?? []) netSpend -= refund.returns;
    }
    const entry: LapsedCustomer = {
      customerId: customer,
      lastOrderAt: last.processedAt.toISOString(),
      lastOrderDay: localDay(last.processedAt, timeZone),
      daysSinceLastOrder: Math.floor(since / DAY_MS),
      orders: orders.length,
      netSpend,
    };
    if (matchesFilters(entry, filters)) listed.push(entry);
  }
  listed.sort(compareCustomers(sort));

  return {
    currency,
    timeZone,
    settings: { ...settings },
    now: now.toISOString(),
    lapsePointDays: msToDays(lapseMs) as number,
    gaps: allGaps.length,
    total: listed.length,
    offset,
    customers: listed.slice(offset, offset + limit),
  };
}

/** Highest net spend first, then the most recent last order, then the lowest customer id. */
export function compareLapsed(a: LapsedCustomer, b: LapsedCustomer): number {
  if (a.netSpend !== b.netSpend) return b.netSpend - a.netSpend;
  if (a.lastOrderAt !== b.lastOrderAt) return a.lastOrderAt < b.lastOrderAt ? 1 : -1;
  const x = BigInt(a.customerId);
  const y = BigInt(b.customerId);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** One customer's standing, as the customer page's block and the app's customer view show it. */
export interface CustomerStanding {
  customerId: string;
  currency: string;
  timeZone: string;
  now: string;
  /** Counted orders before now (the retention metrics' rule: not test, deleted or, per setting, cancelled). */
  orders: number;
  /** Net sales of those orders in the shop currency, refunds before now deducted. */
  netSpend: number;
  firstOrderAt: string | null;
  /** Local date of the first counted order. */
  firstOrderDay: string | null;
  lastOrderAt: string | null;
  lastOrderDay: string | null;
  /** The local month (`YYYY-MM`) of the order that acquired the customer: their cohort. */
  cohort: string | null;
  /** Whole days since the last counted order. */
  daysSinceLastOrder: number | null;
  /** The shop's lapse point (p90 of the gaps between consecutive orders, at least 30 days). */
  lapsePointDays: number;
  /** Past the lapse point: the time since the last order is longer than it (the at-risk list's rule). */
  atRisk: boolean;
}

/** What both implementations find for one customer. */
export interface StandingParts {
  /** The customer's counted orders' instants before now, oldest first. */
  orderAt: Date[];
  netSpend: number;
  /** When the customer was acquired (acquisitionOrders), or null. */
  acquiredAt: Date | null;
}

/**
 * A customer's standing from their parts and the shop's lapse point (ms): orders, net spend,
 * first and last order, cohort, days since the last order and whether that is past the lapse point.
 */
export function assembleCustomerStanding(customerId: string, parts: StandingParts, lapseMs: number, context: RetentionContext): CustomerStanding {
  const { now, timeZone, currency } = context;
  const first = parts.orderAt[0] ?? null;
  const last = parts.orderAt[parts.orderAt.length - 1] ?? null;
  const since = last === null ? null : now.getTime() - last.getTime();
  return {
    customerId,
    currency,
    timeZone,
    now: now.toISOString(),
    orders: parts.orderAt.length,
    netSpend: parts.netSpend,
    firstOrderAt: first?.toISOString() ?? null,
    firstOrderDay: first === null ? null : localDay(first, timeZone),
    lastOrderAt: last?.toISOString() ?? null,
    lastOrderDay: last === null ? null : localDay(last, timeZone),
    cohort: parts.acquiredAt === null ? null : localDay(parts.acquiredAt, timeZone).slice(0, 7),
    daysSinceLastOrder: since === null ? null : Math.floor(since / DAY_MS),
    lapsePointDays: msToDays(lapseMs) as number,
    atRisk: since !== null && since > lapseMs,
  };
}

/**
 * One customer's parts from the shop's rows (only what happened before now): their counted
 * orders, net spend in the shop currency (gross − discounts − returns refunded before now) and
 * acquisition instant.
 */
export function customerStandingParts(
  rows: { orders: MetricOrder[]; refunds: MetricRefund[] },
  customerId: string,
  context: Pick<RetentionContext, "now" | "currency" | "settings">,
): StandingParts {
  const { now, currency, settings } = context;
  const before = (instant: Date) => instant.getTime() < now.getTime();
  const list = rows.orders
    .filter((order) => order.customerId === customerId && countsInRetention(order, settings) && before(order.processedAt))
    .sort(compareOrders);
  const ids = new Set(list.filter((order) => order.currencyCode === currency).map((order) => order.id));
  let netSpend = 0;
  for (const order of list) if (ids.has(order.id)) netSpend += order.grossSales - order.discounts;
  for (const refund of rows.refunds) if (ids.has(refund.orderId) && before(refund.processedAt)) netSpend -= refund.returns;
  const acquired = acquisitionOrders(new Map([[customerId, list]]), settings).get(customerId) ?? null;
  return { orderAt: list.map((order) => order.processedAt), netSpend, acquiredAt: acquired };
}

/**
 * A customer's standing (reference implementation), as of now: their counted orders, net spend,
 * first and last order, cohort, days since their last order, and whether they are past the
 * shop's lapse point (atRiskReport's rule, so a customer is at risk here exactly when the
 * at-risk list holds them).
 */
export function customerStandingReport(
  rows: { orders: MetricOrder[]; refunds: MetricRefund[] },
  customerId: string,
  context: RetentionContext,
): CustomerStanding {
  const lapseMs = lapsePointMs(shopGapP90(rows.orders, context));
  return assembleCustomerStanding(customerId, customerStandingParts(rows, customerId, context), lapseMs, context);
}

/** p90 (ms) of the gaps between consecutive counted orders before now, or null without gaps. */
function shopGapP90(orders: MetricOrder[], context: Pick<RetentionContext, "now" | "settings">): number | null {
  const { ordersOf } = customerHistories(
    orders.filter((order) => order.processedAt.getTime() < context.now.getTime()),
    context.settings,
  );
  const gaps: number[] = [];
  for (const list of ordersOf.values()) for (let i = 1; i < list.length; i++) gaps.push(elapsed(list[i], list[i - 1]));
  gaps.sort((a, b) => a - b);
  return percentile(gaps, 0.9);
}

/**
 * Where the time-between-orders histogram cuts, in days: bins [0, 1), [1, 7), [7, 14), …,
 * [365, ∞). Whole days a merchant reads at a glance (a day, a week, a fortnight, a month, …).
 */
export const GAP_HISTOGRAM_EDGES_DAYS = [1, 7, 14, 30, 60, 90, 180, 365] as const;

export interface HistogramBin {
  /** Days, inclusive. */
  fromDays: number;
  /** Days, exclusive; null for the last, open bin. */
  toDays: number | null;
  /** Gaps at least fromDays and shorter than toDays. */
  count: number;
}

/** How the gaps of `TimeBetweenOrders` (the same gaps, for later orders in P) fall into the bins. */
export interface GapHistogram {
  /** First to second order. */
  firstToSecond: HistogramBin[];
  /** Any two consecutive orders. */
  betweenOrders: HistogramBin[];
}

/** The bins from how many gaps are shorter than each edge (`below[i]` for edge i) and the total. */
export function assembleHistogram(below: readonly number[], total: number): HistogramBin[] {
  const edges = GAP_HISTOGRAM_EDGES_DAYS;
  return [0, ...edges].map((fromDays, i) => ({
    fromDays,
    toDays: i < edges.length ? edges[i] : null,
    count: (i < edges.length ? below[i] : total) - (i === 0 ? 0 : below[i - 1]),
  }));
}

/**
 * The time-between-orders histogram (reference implementation): the gaps between consecutive
 * counted orders whose later order is in P, of all of them and of second orders alone, by bin.
 */
export function gapHistogramReport(rows: { orders: MetricOrder[] }, query: RetentionRatesQuery, context: RetentionContext): GapHistogram {
  const plan = ratesPlan(query, context);
  const { all, second } = gapsInPeriod(customerHistories(rows.orders, context.settings), plan);
  const below = (gaps: number[]) => GAP_HISTOGRAM_EDGES_DAYS.map((days) => gaps.filter((gap) => gap < days * DAY_MS).length);
  return { firstToSecond: assembleHistogram(below(second), second.length), betweenOrders: assembleHistogram(below(all), all.length) };
}
