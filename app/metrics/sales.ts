// Sales and growth: the reference implementation (pure) and the report both implementations
// share. `salesReport` reads like the definitions in docs/metrics.md; `sales.server.ts` gets
// the same sums from SQL and hands them to `assembleSalesReport`.
import { cmgr, divideMoney, growthRate } from "./math";
import {
  assertOneOf,
  COMPARISONS,
  comparisonParts,
  comparisonRange,
  growthBase,
  rangeBuckets,
  rangeSpan,
  startOfLocalDay,
  validateRange,
  type Bucket,
  type Comparison,
  type DateRange,
  type Granularity,
  type Span,
} from "./periods";
import { compareOrders, countsInSales, within, type MetricOrder, type MetricRefund } from "./rows";
import type { MetricSettings } from "./settings";

export interface SalesQuery {
  range: DateRange;
  granularity: Granularity;
  compareTo?: Comparison | null;
}

export interface SalesContext {
  /** The shop's IANA time zone. */
  timeZone: string;
  /** The shop's currency: only orders in it are summed. */
  currency: string;
  now: Date;
  settings: MetricSettings;
}

/** Additive sums over a span of time, in one currency (minor units). */
export interface SalesSums {
  orders: number;
  grossSales: number;
  discounts: number;
  returns: number;
  /** Shipping charged on orders − shipping refunded (refunds dated like returns). */
  shipping: number;
  /** Taxes charged on orders − taxes refunded (refunds dated like returns). */
  taxes: number;
  /** Net sales of customers' first counted orders (their later refunds included). */
  newCustomerNetSales: number;
  /** Net sales of customers' later orders. */
  returningCustomerNetSales: number;
  /** Net sales of orders without a customer. */
  guestNetSales: number;
}

/** Sums keyed by ISO currency code. */
export type SalesSumsByCurrency = Record<string, SalesSums>;

export interface SalesTotals {
  /** Σ line-item price × quantity, before discounts, returns, tax and shipping. */
  grossSales: number;
  /** Order- and line-level discounts. */
  discounts: number;
  /** Refunded line items' value, dated per `settings.refundDating`. */
  returns: number;
  /** grossSales − discounts − returns. */
  netSales: number;
  /** Shipping charged − shipping refunded. */
  shipping: number;
  /** Taxes charged − taxes refunded. */
  taxes: number;
  /** netSales + shipping + taxes. */
  totalSales: number;
  /** Counted orders processed in the span. */
  orders: number;
  /** (grossSales − discounts) ÷ orders, in minor units; null without orders. */
  averageOrderValue: number | null;
  newCustomerNetSales: number;
  returningCustomerNetSales: number;
  guestNetSales: number;
}

export interface SalesSeriesPoint extends SalesTotals {
  period: string;
  /** UTC instant (ISO 8601) where the bucket starts. */
  start: string;
  /** UTC instant (ISO 8601) where the bucket ends (exclusive). */
  end: string;
  partial: boolean;
  /**
   * Net sales growth over the same days one period earlier (`growthBase`: the previous period
   * for a whole bucket); null on a zero base or for a bucket after now.
   */
  growth: number | null;
  /**
   * The net sales `growth` is measured against; null when there is none (a bucket after now).
   * Below zero (more returned than sold), the formula's sign reads against the change: a rise
   * gives a negative growth, and the pages say so.
   */
  growthBase: number | null;
}

export type SalesGrowth = { [K in keyof SalesTotals]: number | null };

export interface SalesComparison {
  compareTo: Comparison;
  range: DateRange;
  totals: SalesTotals;
  /** (this range − comparison range) ÷ comparison range, per total. */
  growth: SalesGrowth;
  /**
   * Net sales of the comparison range in parts, one per bucket of the series: part i is bucket
   * i's days moved as the range is (`comparisonParts`), so a range cut mid-month is compared
   * day for day, and the parts add up to the comparison range's net sales. A range holding days
   * still to come is compared to date (`rangeToDate`): buckets after the date of now get empty parts.
   */
  series: Array<{ from: string; to: string; netSales: number }>;
}

export interface OtherCurrencySales {
  currency: string;
  orders: number;
  netSales: number;
}

export interface NetSalesCmgr {
  /** First and last whole, finished months of the series. */
  fromPeriod: string;
  toPeriod: string;
  months: number;
  rate: number | null;
}

export interface SalesReport {
  currency: string;
  timeZone: string;
  settings: MetricSettings;
  range: DateRange;
  granularity: Granularity;
  compareTo: Comparison | null;
  /** The instant the report was computed for (ISO 8601). */
  now: string;
  totals: SalesTotals;
  series: SalesSeriesPoint[];
  comparison: SalesComparison | null;
  /** Orders in currencies other than the shop's, never added to the totals. */
  otherCurrencies: OtherCurrencySales[];
  /** Compound monthly growth of net sales (month granularity, at least two finished months). */
  netSalesCmgr: NetSalesCmgr | null;
}

/** The spans a sales report needs sums for. */
export interface SalesPlan {
  range: DateRange;
  granularity: Granularity;
  compareTo: Comparison | null;
  buckets: Bucket[];
  /**
   * What each bucket's growth is measured against (`growthBase`): the bucket of the series
   * covering those days, or one of `baseSpans`; null for a bucket after now.
   */
  growthBases: Array<{ bucket: number } | { span: number } | null>;
  /** The growth bases no bucket of the series covers, summed on their own. */
  baseSpans: Span[];
  /** The comparison range, and its parts that the series' buckets are compared with. */
  comparison: (Span & { range: DateRange; parts: Span[] }) | null;
}

/** Throws InvalidRangeError for a range, granularity or comparison that cannot be served. */
export function validateSalesQuery(query: SalesQuery): void {
  validateRange(query.range, query.granularity);
  if (query.compareTo != null) assertOneOf("compareTo", query.compareTo, COMPARISONS);
}

export function salesPlan(query: SalesQuery, context: Pick<SalesContext, "timeZone" | "now">): SalesPlan {
  validateSalesQuery(query);
  const range = { from: query.range.from, to: query.range.to };
  const compareTo = query.compareTo ?? null;
  const buckets = rangeBuckets(range, query.granularity, context);
  const baseSpans: Span[] = [];
  const growthBases = buckets.map((bucket, index): SalesPlan["growthBases"][number] => {
    // Every bucket but a range's first and last is a whole period, so one that has ended is
    // compared with the whole bucket before it when that one is not the first (growthBase's
    // answer, without its calendar arithmetic for each of up to 5,000 buckets).
    if (index >= 2 && index < buckets.length - 1 && bucket.end.getTime() <= context.now.getTime()) return { bucket: index - 1 };
    const base = growthBase(bucket, query.granularity, context);
    if (!base) return null;
    const previous = buckets[index - 1];
    if (previous && previous.fromDay === base.fromDay && previous.toDay === base.toDay) return { bucket: index - 1 };
    return { span: baseSpans.push(base) - 1 };
  });
  let comparison: SalesPlan["comparison"] = null;
  if (compareTo) {
    const other = comparisonRange(range, compareTo, context);
    const parts = comparisonParts(
      range,
      buckets.map((bucket) => bucket.fromDay),
      compareTo,
      context,
    ).map(({ from, to }) => ({ fromDay: from, toDay: to, start: startOfLocalDay(from, context.timeZone), end: startOfLocalDay(to, context.timeZone) }));
    comparison = { ...rangeSpan(other, context.timeZone), range: other, parts };
  }
  return { range, granularity: query.granularity, compareTo, buckets, growthBases, baseSpans, comparison };
}

export function emptySalesSums(): SalesSums {
  return {
    orders: 0,
    grossSales: 0,
    discounts: 0,
    returns: 0,
    shipping: 0,
    taxes: 0,
    newCustomerNetSales: 0,
    returningCustomerNetSales: 0,
    guestNetSales: 0,
  };
}

function addSums(into: SalesSums, from: SalesSums): void {
  for (const key of Object.keys(into) as Array<keyof SalesSums>) into[key] += from[key];
}

function addByCurrency(into: SalesSumsByCurrency, from: SalesSumsByCurrency): void {
  for (const [currency, sums] of Object.entries(from)) addSums((into[currency] ??= emptySalesSums()), sums);
}

export function salesTotals(sums: SalesSums): SalesTotals {
  const netSales = sums.grossSales - sums.discounts - sums.returns;
  return {
    grossSales: sums.grossSales,
    discounts: sums.discounts,
    returns: sums.returns,
    netSales,
    shipping: sums.shipping,
    taxes: sums.taxes,
    totalSales: netSales + sums.shipping + sums.taxes,
    orders: sums.orders,
    averageOrderValue: divideMoney(sums.grossSales - sums.discounts, sums.orders),
    newCustomerNetSales: sums.newCustomerNetSales,
    returningCustomerNetSales: sums.returningCustomerNetSales,
    guestNetSales: sums.guestNetSales,
  };
}

function totalsGrowth(current: SalesTotals, base: SalesTotals): SalesGrowth {
  const growth = {} as SalesGrowth;
  for (const key of Object.keys(current) as Array<keyof SalesTotals>) growth[key] = growthRate(current[key], base[key]);
  return growth;
}

function isWholeMonth(bucket: Bucket): boolean {
  return bucket.fromDay.endsWith("-01") && bucket.toDay.endsWith("-01");
}

/** CMGR of net sales between the first and the last whole, finished month of a monthly series. */
function netSalesCmgr(plan: SalesPlan, series: SalesSeriesPoint[]): NetSalesCmgr | null {
  if (plan.granularity !== "month") return null;
  const finished = plan.buckets.map((bucket, index) => ({ bucket, index })).filter(({ bucket }) => isWholeMonth(bucket) && !bucket.partial);
  if (finished.length < 2) return null;
  const first = finished[0];
  const last = finished[finished.length - 1];
  const months = last.index - first.index;
  return {
    fromPeriod: first.bucket.period,
    toPeriod: last.bucket.period,
    months,
    rate: cmgr(series[first.index].netSales, series[last.index].netSales, months),
  };
}

/**
 * Builds the report from sums per bucket, per growth base of its own (`plan.baseSpans`) and
 * for the comparison range. Both implementations end here, so they differ only in how they sum.
 */
export function assembleSalesReport(
  plan: SalesPlan,
  context: SalesContext,
  sums: {
    series: SalesSumsByCurrency[];
    /** The sums of `plan.baseSpans`, in order. */
    bases: SalesSumsByCurrency[];
    /** The comparison range's sums, whole and per part (`plan.comparison.parts`). */
    comparison: { whole: SalesSumsByCurrency; parts: SalesSumsByCurrency[] } | null;
  },
): SalesReport {
  const shopSums = (byCurrency: SalesSumsByCurrency) => byCurrency[context.currency] ?? emptySalesSums();

  const bucketTotals = sums.series.map((bucketSums) => salesTotals(shopSums(bucketSums)));
  const baseNetSales = (base: SalesPlan["growthBases"][number]) => {
    if (!base) return null;
    return "bucket" in base ? bucketTotals[base.bucket].netSales : salesTotals(shopSums(sums.bases[base.span])).netSales;
  };
  const series = plan.buckets.map((bucket, index): SalesSeriesPoint => {
    const totals = bucketTotals[index];
    const base = baseNetSales(plan.growthBases[index]);
    return {
      period: bucket.period,
      start: bucket.start.toISOString(),
      end: bucket.end.toISOString(),
      partial: bucket.partial,
      ...totals,
      growth: base === null ? null : growthRate(totals.netSales, base),
      growthBase: base,
    };
  });

  const rangeSums: SalesSumsByCurrency = {};
  for (const bucketSums of sums.series) addByCurrency(rangeSums, bucketSums);
  const totals = salesTotals(shopSums(rangeSums));

  let comparison: SalesComparison | null = null;
  if (plan.compareTo && plan.comparison && sums.comparison) {
    const base = salesTotals(shopSums(sums.comparison.whole));
    const series = plan.comparison.parts.map((part, index) => ({
      from: part.fromDay,
      to: part.toDay,
      netSales: salesTotals(shopSums(sums.comparison!.parts[index])).netSales,
    }));
    comparison = { compareTo: plan.compareTo, range: plan.comparison.range, totals: base, growth: totalsGrowth(totals, base), series };
  }

  const otherCurrencies = Object.keys(rangeSums)
    .filter((currency) => currency !== context.currency)
    .sort()
    .map((currency) => {
      const other = salesTotals(rangeSums[currency]);
      return { currency, orders: other.orders, netSales: other.netSales };
    });

  return {
    currency: context.currency,
    timeZone: context.timeZone,
    settings: { ...context.settings },
    range: plan.range,
    granularity: plan.granularity,
    compareTo: plan.compareTo,
    now: context.now.toISOString(),
    totals,
    series,
    comparison,
    otherCurrencies,
    netSalesCmgr: netSalesCmgr(plan, series),
  };
}

/** Ids of each customer's first counted order (earliest processedAt, then lowest id). */
export function firstOrderIds(orders: MetricOrder[]): Set<string> {
  const first = new Map<string, MetricOrder>();
  for (const order of orders) {
    if (order.customerId === null) continue;
    const seen = first.get(order.customerId);
    if (!seen || compareOrders(order, seen) < 0) first.set(order.customerId, order);
  }
  return new Set([...first.values()].map((order) => order.id));
}

/**
 * Reference sums for each span: orders and their amounts on their processedAt; each refund's
 * returns, refunded shipping and refunded taxes on the refund's processedAt or its order's
 * (per `settings.refundDating`). Only counted orders and their refunds; split by currency.
 */
export function salesSums(
  rows: { orders: MetricOrder[]; refunds: MetricRefund[] },
  spans: Span[],
  settings: MetricSettings,
): SalesSumsByCurrency[] {
  const counted = rows.orders.filter((order) => countsInSales(order, settings));
  const orderById = new Map(counted.map((order) => [order.id, order]));
  const firsts = firstOrderIds(counted);
  const addNet = (sums: SalesSums, order: MetricOrder, amount: number) => {
    if (order.customerId === null) sums.guestNetSales += amount;
    else if (firsts.has(order.id)) sums.newCustomerNetSales += amount;
    else sums.returningCustomerNetSales += amount;
  };

  return spans.map((span) => {
    const byCurrency: SalesSumsByCurrency = {};
    for (const order of counted) {
      if (!within(order.processedAt, span.start, span.end)) continue;
      const sums = (byCurrency[order.currencyCode] ??= emptySalesSums());
      sums.orders += 1;
      sums.grossSales += order.grossSales;
      sums.discounts += order.discounts;
      sums.shipping += order.shipping;
      sums.taxes += order.tax;
      addNet(sums, order, order.grossSales - order.discounts);
    }
    for (const refund of rows.refunds) {
      const order = orderById.get(refund.orderId);
      if (!order) continue;
      const dated = settings.refundDating === "refund_date" ? refund.processedAt : order.processedAt;
      if (!within(dated, span.start, span.end)) continue;
      const sums = (byCurrency[order.currencyCode] ??= emptySalesSums());
      sums.returns += refund.returns;
      sums.shipping -= refund.shipping;
      sums.taxes -= refund.tax;
      addNet(sums, order, -refund.returns);
    }
    return byCurrency;
  });
}

/**
 * Sales and growth report (reference implementation): totals, a zero-filled series with
 * net-sales growth per bucket, an optional comparison range, orders in other currencies apart.
 */
export function salesReport(
  rows: { orders: MetricOrder[]; refunds: MetricRefund[] },
  query: SalesQuery,
  context: SalesContext,
): SalesReport {
  const plan = salesPlan(query, context);
  const spans: Span[] = [...plan.buckets, ...plan.baseSpans, ...(plan.comparison ? [plan.comparison, ...plan.comparison.parts] : [])];
  const sums = salesSums(rows, spans, context.settings);
  const afterBases = plan.buckets.length + plan.baseSpans.length;
  return assembleSalesReport(plan, context, {
    series: sums.slice(0, plan.buckets.length),
    bases: sums.slice(plan.buckets.length, afterBases),
    comparison: plan.comparison ? { whole: sums[afterBases], parts: sums.slice(afterBases + 1) } : null,
  });
}
