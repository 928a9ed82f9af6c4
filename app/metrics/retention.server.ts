// Retention from PostgreSQL, over the rollups of rollups.server.ts.
// - Rates (activity in P, customer retention over it): for a P of whole local months, sums of
//   `customer_month_counts` (customers by month and by their previous and next months with an
//   order); otherwise the orders of P through the index on (shop, processed_at). "Active in a
//   window" is exact to the instant: the months wholly inside the window are summed from
//   `customer_month_counts`, and the two months the window starts and ends in are read from
//   `customer_months` (first, last and previous order instants of each customer in them).
//   New customers: cohort sizes from `cohort_months` for whole months, `customer_first_orders`
//   (indexed per setting) for the rest.
// - Monthly cohorts: rows of `cohort_months`; weekly ones from the cohorts' customers' orders.
// - Time between orders looks each order of P's predecessor up in (shop, customer_id, processed_at).
// Reports are assembled by the same code as the reference.
import { Prisma } from "@prisma/client";
import prisma from "#app/db.server";
import { loadShopContext, type Clock } from "./context.server";
import {
  assembleCohortMatrix,
  assembleRetentionRates,
  assembleRetentionReport,
  atRiskLimit,
  compareLapsed,
  DAY_MS,
  MIN_LAPSE_MS,
  msToDays,
  ratesPlan,
  retentionPlan,
  validateRetentionQuery,
  type AtRiskQuery,
  type AtRiskReport,
  type CohortMatrix,
  type CohortParts,
  type Distribution,
  type RatesParts,
  type RatesPlan,
  type RetentionContext,
  type RetentionPlan,
  type RetentionQuery,
  type RetentionRates,
  type RetentionRatesQuery,
  type RetentionReport,
} from "./retention";
import { ensureDailyRollups } from "./rollups.server";
import type { MetricSettings } from "./settings";

/** `o` counts for customers: has one, not test, not deleted, cancelled per setting. */
function counted(alias: string, settings: MetricSettings): Prisma.Sql {
  const o = Prisma.raw(alias);
  return Prisma.sql`${o}.customer_id IS NOT NULL AND NOT ${o}.test AND ${o}.deleted_at IS NULL
    AND (${settings.retentionIncludeCancelled} OR ${o}.cancelled_at IS NULL)`;
}

/** The customer_first_orders column of the first counted order (zero-value ones included). */
function firstOrderColumn(settings: MetricSettings): Prisma.Sql {
  return Prisma.raw(settings.retentionIncludeCancelled ? "first_order_at" : "first_uncancelled_order_at");
}

/** The customer_first_orders column of the order that acquired the customer (cohort assignment). */
function acquiredColumn(settings: MetricSettings): Prisma.Sql {
  const paid = settings.cohortIncludeZeroValue ? "" : "paid_";
  const cancelled = settings.retentionIncludeCancelled ? "" : "uncancelled_";
  return Prisma.raw(`first_${paid}${cancelled}order_at`);
}

/** `customer_months` columns for the cancelled setting: all counted orders, or uncancelled ones. */
function monthColumns(settings: MetricSettings) {
  const pick = (all: string, uncancelled: string) => Prisma.raw(settings.retentionIncludeCancelled ? all : uncancelled);
  return {
    orders: pick("orders", "uncancelled_orders"),
    first: pick("first_order_at", "first_uncancelled_order_at"),
    last: pick("last_order_at", "last_uncancelled_order_at"),
    previous: pick("previous_order_at", "previous_uncancelled_order_at"),
    next: pick("next_month", "next_uncancelled_month"),
  };
}

/** The local months holding the first and the last instant of [start, end), as `a` and `b`. */
function monthsOf(start: Date, end: Date, timeZone: string): Prisma.Sql {
  return Prisma.sql`(SELECT date_trunc('month', ${start}::timestamptz AT TIME ZONE ${timeZone})::date AS a,
    date_trunc('month', (${end}::timestamptz - interval '1 millisecond') AT TIME ZONE ${timeZone})::date AS b)`;
}

/**
 * Customers with a counted order in [start, end) (start < end), as a scalar subquery. Months a
 * and b hold the window's first and last instants. Each customer is counted once: from their
 * row of month a when their last order there is at or after the start, or when it is before the
 * start and their next month with an order lies strictly between a and b (their first order in
 * the window is there); from `customer_month_counts` for a first order in the window in a month
 * strictly between a and b whose previous month with an order is before a; from their row of
 * month b when their first order there is before the end and their previous order before the
 * start. A window inside one month reads its orders.
 */
function activeBetween(shop: string, context: RetentionContext, start: Date, end: Date): Prisma.Sql {
  const { settings, timeZone } = context;
  const c = monthColumns(settings);
  return Prisma.sql`(SELECT CASE WHEN w.a = w.b THEN
      (SELECT count(DISTINCT o.customer_id) FROM orders o
        WHERE o.shop = ${shop} AND o.processed_at >= ${start} AND o.processed_at < ${end} AND ${counted("o", settings)})
    ELSE
      (SELECT count(*) FROM customer_months m
        WHERE m.shop = ${shop} AND m.month = w.a AND m.${c.orders} > 0
          AND (m.${c.last} >= ${start} OR m.${c.next} < w.b))
      + (SELECT coalesce(sum(n.customers), 0) FROM customer_month_counts n
        WHERE n.shop = ${shop} AND n.retention_include_cancelled = ${settings.retentionIncludeCancelled}
          AND n.month > w.a AND n.month < w.b AND n.previous_month < w.a)
      + (SELECT count(*) FROM customer_months m
        WHERE m.shop = ${shop} AND m.month = w.b AND m.${c.orders} > 0 AND m.${c.first} < ${end}
          AND (m.${c.previous} IS NULL OR m.${c.previous} < ${start}))
    END
    FROM ${monthsOf(start, end, timeZone)} w)`;
}

/**
 * Customers acquired in [start, end), as a scalar subquery: cohort sizes (`cohort_months`,
 * where month = cohort) for the months wholly inside, `customer_first_orders` (an index range
 * per setting combination) for the months the span starts and ends in.
 */
function acquiredBetween(shop: string, context: RetentionContext, start: Date, end: Date): Prisma.Sql {
  const { settings, timeZone } = context;
  const acquired = acquiredColumn(settings);
  const firsts = (from: Prisma.Sql, to: Prisma.Sql) => Prisma.sql`(SELECT count(*) FROM customer_first_orders f
    WHERE f.shop = ${shop} AND f.${acquired} >= ${from} AND f.${acquired} < ${to})`;
  return Prisma.sql`(SELECT CASE WHEN w.a = w.b THEN ${firsts(Prisma.sql`${start}`, Prisma.sql`${end}`)}
    ELSE
      ${firsts(Prisma.sql`${start}`, Prisma.sql`((w.a + interval '1 month') AT TIME ZONE ${timeZone})`)}
      + (SELECT coalesce(sum(c.customers), 0) FROM cohort_months c
        WHERE c.shop = ${shop} AND c.retention_include_cancelled = ${settings.retentionIncludeCancelled}
          AND c.cohort_include_zero_value = ${settings.cohortIncludeZeroValue}
          AND c.cohort > w.a AND c.cohort < w.b AND c.month = c.cohort)
      + ${firsts(Prisma.sql`(w.b::timestamp AT TIME ZONE ${timeZone})`, Prisma.sql`${end}`)}
    END
    FROM ${monthsOf(start, end, timeZone)} w)`;
}

/** Whether a range is made of whole local months (both ends on the 1st). */
function wholeMonths(plan: RatesPlan): boolean {
  return plan.range.from.endsWith("-01") && plan.range.to.endsWith("-01");
}

interface PeriodRow {
  customers: bigint;
  orders: bigint;
  repeat_customers: bigint;
  new_customers: bigint;
  returning_customers: bigint;
  returning_by_end: bigint;
}

/**
 * Customer activity in P. For whole months, from `customer_month_counts`: a customer's first
 * month with an order in P is the one whose previous month with an order is before P; they
 * ordered twice in P when they did in that month or their next month with an order is in P;
 * they had ordered before P (returning) when that previous month exists, or (non-zero orders
 * acquire) when a non-zero order came before; their only order by the end of P was their first
 * when that month has no previous month, one order and no next month in P.
 */
async function periodActivity(shop: string, context: RetentionContext, plan: RatesPlan): Promise<RatesParts["activity"]> {
  const { settings } = context;
  const { start, end } = plan.period;
  let row: PeriodRow;
  if (wholeMonths(plan)) {
    const from = plan.range.from;
    const to = plan.range.to;
    const returning = settings.cohortIncludeZeroValue
      ? Prisma.sql`previous_month < ${from}::date AND previous_month <> '-infinity'`
      : Prisma.sql`previous_month < ${from}::date AND paid_before`;
    [row] = await prisma.$queryRaw<PeriodRow[]>`
      SELECT
        coalesce(sum(customers) FILTER (WHERE previous_month < ${from}::date), 0)::bigint AS customers,
        coalesce(sum(orders), 0)::bigint AS orders,
        coalesce(sum(customers) FILTER (WHERE previous_month < ${from}::date AND (repeat OR next_month < ${to}::date)), 0)::bigint
          AS repeat_customers,
        ${acquiredBetween(shop, context, start, end)}::bigint AS new_customers,
        coalesce(sum(customers) FILTER (WHERE ${returning}), 0)::bigint AS returning_customers,
        (coalesce(sum(customers) FILTER (WHERE previous_month < ${from}::date), 0)
          - coalesce(sum(customers) FILTER (WHERE previous_month = '-infinity' AND NOT repeat AND next_month >= ${to}::date), 0))::bigint
          AS returning_by_end
      FROM customer_month_counts
      WHERE shop = ${shop} AND retention_include_cancelled = ${settings.retentionIncludeCancelled}
        AND month >= ${from}::date AND month < ${to}::date`;
  } else {
    const acquired = acquiredColumn(settings);
    [row] = await prisma.$queryRaw<PeriodRow[]>`
      WITH in_p AS (
        SELECT o.customer_id, count(*) AS n FROM orders o
        WHERE o.shop = ${shop} AND o.processed_at >= ${start} AND o.processed_at < ${end} AND ${counted("o", settings)}
        GROUP BY o.customer_id
      ),
      p AS (
        SELECT i.n, f.${firstOrderColumn(settings)} AS first_at, f.${acquired} AS acquired_at
        FROM in_p i LEFT JOIN customer_first_orders f ON f.shop = ${shop} AND f.customer_id = i.customer_id
      )
      SELECT
        count(*) AS customers,
        coalesce(sum(n), 0)::bigint AS orders,
        count(*) FILTER (WHERE n >= 2) AS repeat_customers,
        count(*) FILTER (WHERE acquired_at >= ${start} AND acquired_at < ${end}) AS new_customers,
        count(*) FILTER (WHERE acquired_at < ${start}) AS returning_customers,
        -- more than one counted order by the end of P: two in P, or one before it
        count(*) FILTER (WHERE n >= 2 OR first_at < ${start}) AS returning_by_end
      FROM p`;
  }
  return {
    customers: Number(row.customers),
    orders: Number(row.orders),
    newCustomers: Number(row.new_customers),
    returningCustomers: Number(row.returning_customers),
    repeatCustomers: Number(row.repeat_customers),
    returningByEnd: Number(row.returning_by_end),
  };
}

/**
 * The ids of the customers with a counted order in [start, end) (start < end), as a subquery
 * that may list a customer more than once: their `customer_months` rows of the months the window
 * covers, the first and last months only when the window's part of them holds an order (the
 * last order of the first month at or after the start, the first order of the last month before
 * the end). A window inside one month reads its orders.
 */
function customersBetween(shop: string, context: RetentionContext, start: Date, end: Date): Prisma.Sql {
  const { settings, timeZone } = context;
  const c = monthColumns(settings);
  return Prisma.sql`(
    SELECT o.customer_id FROM orders o, ${monthsOf(start, end, timeZone)} w
    WHERE w.a = w.b AND o.shop = ${shop} AND o.processed_at >= ${start} AND o.processed_at < ${end} AND ${counted("o", settings)}
    UNION ALL
    SELECT m.customer_id FROM customer_months m, ${monthsOf(start, end, timeZone)} w
    WHERE w.a < w.b AND m.shop = ${shop} AND m.month >= w.a AND m.month <= w.b AND m.${c.orders} > 0
      AND (m.month > w.a OR m.${c.last} >= ${start}) AND (m.month < w.b OR m.${c.first} < ${end}))`;
}

/**
 * S, E and S ∩ E of the customer retention rate. When the two windows overlap or touch, the
 * customers in both are |S| + |E| − the customers active over their union (one window);
 * otherwise the two sets of customers are intersected.
 */
async function retentionCounts(shop: string, context: RetentionContext, plan: RatesPlan): Promise<RatesParts["retention"]> {
  const s1 = plan.windowBeforeStart;
  const e1 = plan.period.start;
  const s2 = plan.windowBeforeEnd;
  const e2 = plan.retentionEnd;
  const overlap = s2.getTime() <= e1.getTime() && s1.getTime() <= e2.getTime();
  const first = (a: Date, b: Date) => (a.getTime() <= b.getTime() ? a : b);
  const last = (a: Date, b: Date) => (a.getTime() >= b.getTime() ? a : b);
  const union = overlap ? activeBetween(shop, context, first(s1, s2), last(e1, e2)) : Prisma.sql`NULL::bigint`;
  const both = overlap
    ? Prisma.sql`NULL::bigint`
    : Prisma.sql`(SELECT count(*) FROM (
        SELECT customer_id FROM ${customersBetween(shop, context, s1, e1)} a
        INTERSECT
        SELECT customer_id FROM ${customersBetween(shop, context, s2, e2)} b) x)`;
  const [row] = await prisma.$queryRaw<Array<{ active_at_start: bigint; active_at_end: bigint; active_over_union: bigint | null; retained: bigint | null }>>`
    SELECT ${activeBetween(shop, context, s1, e1)}::bigint AS active_at_start,
      ${activeBetween(shop, context, s2, e2)}::bigint AS active_at_end,
      ${union}::bigint AS active_over_union,
      ${both}::bigint AS retained`;
  const activeAtStart = Number(row.active_at_start);
  const activeAtEnd = Number(row.active_at_end);
  return {
    activeAtStart,
    activeAtEnd,
    retainedCustomers: overlap ? activeAtStart + activeAtEnd - Number(row.active_over_union) : Number(row.retained),
  };
}

async function ratesParts(shop: string, context: RetentionContext, plan: RatesPlan): Promise<RatesParts> {
  const [activity, retention] = await Promise.all([periodActivity(shop, context, plan), retentionCounts(shop, context, plan)]);
  return { activity, retention };
}

interface GapRow {
  first_count: bigint;
  first_p25: number | null;
  first_p50: number | null;
  first_p75: number | null;
  all_count: bigint;
  all_p25: number | null;
  all_p50: number | null;
  all_p75: number | null;
}

/**
 * Gaps (ms) between consecutive counted orders of the customers who ordered in P, for the
 * later order in P; percentile_cont interpolates linearly, like `percentile`.
 */
async function timeBetweenOrders(
  shop: string,
  settings: MetricSettings,
  plan: RetentionPlan,
): Promise<{ firstToSecond: Distribution; betweenOrders: Distribution }> {
  const { start, end } = plan.period;
  const [row] = await prisma.$queryRaw<GapRow[]>`
    WITH p_customers AS (
      SELECT DISTINCT o.customer_id FROM orders o
      WHERE o.shop = ${shop} AND o.processed_at >= ${start} AND o.processed_at < ${end} AND ${counted("o", settings)}
    ),
    ordered AS (
      SELECT o.processed_at, row_number() OVER w AS n,
        (extract(epoch FROM o.processed_at) * 1000 - extract(epoch FROM lag(o.processed_at) OVER w) * 1000)::float8 AS gap_ms
      FROM orders o
      JOIN p_customers c ON c.customer_id = o.customer_id
      WHERE o.shop = ${shop} AND o.processed_at < ${end} AND ${counted("o", settings)}
      WINDOW w AS (PARTITION BY o.customer_id ORDER BY o.processed_at, o.id)
    )
    SELECT
      count(*) FILTER (WHERE n = 2) AS first_count,
      percentile_cont(0.25) WITHIN GROUP (ORDER BY gap_ms) FILTER (WHERE n = 2) AS first_p25,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY gap_ms) FILTER (WHERE n = 2) AS first_p50,
      percentile_cont(0.75) WITHIN GROUP (ORDER BY gap_ms) FILTER (WHERE n = 2) AS first_p75,
      count(*) AS all_count,
      percentile_cont(0.25) WITHIN GROUP (ORDER BY gap_ms) AS all_p25,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY gap_ms) AS all_p50,
      percentile_cont(0.75) WITHIN GROUP (ORDER BY gap_ms) AS all_p75
    FROM ordered
    WHERE n >= 2 AND processed_at >= ${start}`;
  const days = (value: number | null) => msToDays(value === null ? null : Number(value));
  const of = (count: bigint, p25: number | null, p50: number | null, p75: number | null): Distribution => ({
    count: Number(count),
    p25: days(p25),
    median: days(p50),
    p75: days(p75),
  });
  return {
    firstToSecond: of(row.first_count, row.first_p25, row.first_p50, row.first_p75),
    betweenOrders: of(row.all_count, row.all_p25, row.all_p50, row.all_p75),
  };
}

interface CohortRow {
  kind: "size" | "customers" | "net";
  cohort: string;
  period: string | null;
  value: bigint;
}

/** The cohort grid from the cohorts' customers' orders (weekly cohorts). */
async function cohortsFromOrders(shop: string, context: RetentionContext, plan: RetentionPlan): Promise<CohortParts> {
  const result = emptyCohorts(plan);
  if (plan.cohorts.length === 0) return result;
  const { settings, timeZone, currency } = context;
  const unit = plan.cohortGranularity;
  const from = plan.cohorts[0].start;
  const cohortsEnd = plan.cohorts[plan.cohorts.length - 1].end;
  const periodsEnd = plan.periods[plan.periods.length - 1].end;
  const byRefundDate = settings.refundDating === "refund_date";
  const acquired = acquiredColumn(settings);
  const rows = await prisma.$queryRaw<CohortRow[]>`
    WITH members AS MATERIALIZED (
      SELECT customer_id, date_trunc(${unit}, ${acquired} AT TIME ZONE ${timeZone}) AS cohort
      FROM customer_first_orders
      WHERE shop = ${shop} AND ${acquired} >= ${from} AND ${acquired} < ${cohortsEnd}
    ),
    member_orders AS MATERIALIZED (
      SELECT m.cohort, o.id, o.customer_id, o.processed_at, o.currency_code, o.gross_sales - o.discounts AS net,
        date_trunc(${unit}, o.processed_at AT TIME ZONE ${timeZone}) AS period
      FROM members m
      JOIN orders o ON o.shop = ${shop} AND o.customer_id = m.customer_id
      WHERE ${counted("o", settings)}
    ),
    activity AS (
      SELECT cohort, period, count(*) AS customers
      FROM (
        SELECT DISTINCT cohort, period, customer_id FROM member_orders
        WHERE processed_at >= ${from} AND processed_at < ${periodsEnd}
      ) d
      GROUP BY 1, 2
    ),
    money AS (
      SELECT cohort, period, net AS amount FROM member_orders WHERE currency_code = ${currency}
      UNION ALL
      SELECT mo.cohort,
        CASE WHEN ${byRefundDate} THEN date_trunc(${unit}, r.processed_at AT TIME ZONE ${timeZone}) ELSE mo.period END,
        -r.returns
      FROM member_orders mo
      JOIN refunds r ON r.shop = ${shop} AND r.order_id = mo.id
      WHERE mo.currency_code = ${currency}
    ),
    revenue AS (
      SELECT cohort, period, sum(amount) AS net
      FROM money
      WHERE period >= date_trunc(${unit}, ${from}::timestamptz AT TIME ZONE ${timeZone})
        AND period < date_trunc(${unit}, ${periodsEnd}::timestamptz AT TIME ZONE ${timeZone})
      GROUP BY 1, 2
    )
    SELECT kind, to_char(cohort, 'YYYY-MM-DD') AS cohort, to_char(period, 'YYYY-MM-DD') AS period, value FROM (
      SELECT 'size' AS kind, cohort, NULL::timestamp AS period, count(*)::bigint AS value FROM members GROUP BY cohort
      UNION ALL
      SELECT 'customers', cohort, period, customers::bigint FROM activity
      UNION ALL
      SELECT 'net', cohort, period, net::bigint FROM revenue
    ) cells`;

  const cohortIndex = new Map(plan.cohorts.map((cohort, index) => [cohort.fromDay, index]));
  const periodIndex = new Map(plan.periods.map((period, index) => [period.fromDay, index]));
  for (const row of rows) {
    const c = cohortIndex.get(row.cohort);
    if (c === undefined) throw new Error(`cohort ${row.cohort} is not in the plan`);
    if (row.kind === "size") {
      result[c].size = Number(row.value);
      continue;
    }
    const p = periodIndex.get(row.period as string);
    // Periods before the cohort's own (refunds dated before it, for instance) are not cells.
    if (p === undefined || p < (periodIndex.get(plan.cohorts[c].fromDay) as number)) continue;
    (row.kind === "customers" ? result[c].customers : result[c].netSales).set(p, Number(row.value));
  }
  return result;
}

function emptyCohorts(plan: RetentionPlan): CohortParts {
  return plan.cohorts.map(() => ({ size: 0, customers: new Map<number, number>(), netSales: new Map<number, number>() }));
}

/** The monthly cohort grid: cells of `cohort_months` (the cell where month = cohort is its size). */
async function cohortsFromMonths(shop: string, context: RetentionContext, plan: RetentionPlan): Promise<CohortParts> {
  const result = emptyCohorts(plan);
  if (plan.cohorts.length === 0) return result;
  const { settings } = context;
  const from = plan.cohorts[0].fromDay;
  const cohortsTo = plan.cohorts[plan.cohorts.length - 1].toDay;
  const periodsTo = plan.periods[plan.periods.length - 1].toDay;
  const net = Prisma.raw(settings.refundDating === "refund_date" ? "net_sales_by_refund_date" : "net_sales_by_order_date");
  const rows = await prisma.$queryRaw<Array<{ cohort: string; period: string; customers: number; net: bigint }>>`
    SELECT to_char(cohort, 'YYYY-MM-DD') AS cohort, to_char(month, 'YYYY-MM-DD') AS period, customers, ${net} AS net
    FROM cohort_months
    WHERE shop = ${shop} AND retention_include_cancelled = ${settings.retentionIncludeCancelled}
      AND cohort_include_zero_value = ${settings.cohortIncludeZeroValue}
      AND cohort >= ${from}::date AND cohort < ${cohortsTo}::date AND month >= ${from}::date AND month < ${periodsTo}::date`;
  const cohortIndex = new Map(plan.cohorts.map((cohort, index) => [cohort.fromDay, index]));
  const periodIndex = new Map(plan.periods.map((period, index) => [period.fromDay, index]));
  for (const row of rows) {
    const c = cohortIndex.get(row.cohort);
    const p = periodIndex.get(row.period);
    if (c === undefined || p === undefined) throw new Error(`cohort_months cell ${row.cohort} × ${row.period} is not in the plan`);
    if (row.period === row.cohort) result[c].size = Number(row.customers);
    // Months before the cohort's own (orders before the acquiring one) are not cells.
    if (p < (periodIndex.get(plan.cohorts[c].fromDay) as number)) continue;
    if (Number(row.customers) > 0) result[c].customers.set(p, Number(row.customers));
    result[c].netSales.set(p, Number(row.net));
  }
  return result;
}

function cohorts(shop: string, context: RetentionContext, plan: RetentionPlan): Promise<CohortParts> {
  return plan.cohortGranularity === "month" ? cohortsFromMonths(shop, context, plan) : cohortsFromOrders(shop, context, plan);
}

async function retentionContext(shop: string, clock: Clock): Promise<RetentionContext> {
  const shopContext = await loadShopContext(shop);
  await ensureDailyRollups(shop, shopContext.timeZone, shopContext.currency);
  return { timeZone: shopContext.timeZone, currency: shopContext.currency, now: clock.now, settings: shopContext.settings };
}

/**
 * Retention for a shop (formulas in docs/metrics.md): customer activity in the range (new,
 * returning, repeat purchase rate, Shopify's returning customer rate, purchase frequency),
 * customer retention and churn over the trailing activity window, time between orders, and the
 * cohort grid (retention, revenue, lifetime value per customer). Throws InvalidRangeError and
 * UnknownShopError.
 */
export async function retentionOverview(shop: string, query: RetentionQuery, clock: Clock): Promise<RetentionReport> {
  validateRetentionQuery(query);
  const context = await retentionContext(shop, clock);
  const plan = retentionPlan(query, context);
  const [rates, gaps, grid] = await Promise.all([
    ratesParts(shop, context, plan),
    timeBetweenOrders(shop, context.settings, plan),
    cohorts(shop, context, plan),
  ]);
  return assembleRetentionReport(plan, context, { ...rates, ...gaps, cohorts: grid });
}

/**
 * The rates of the retention report alone (repeat purchase rate, returning customer rate,
 * new and returning customers, purchase frequency, customer retention and churn): a few sums
 * of rollup rows. Throws InvalidRangeError and UnknownShopError.
 */
export async function retentionRates(shop: string, query: RetentionRatesQuery, clock: Clock): Promise<RetentionRates> {
  validateRetentionQuery({ range: query.range });
  const context = await retentionContext(shop, clock);
  const plan = ratesPlan(query, context);
  return assembleRetentionRates(plan, context, await ratesParts(shop, context, plan));
}

/**
 * The cohort grid of the retention report alone (retention, revenue and lifetime value per
 * cohort and period). Throws InvalidRangeError and UnknownShopError.
 */
export async function cohortMatrix(shop: string, query: RetentionQuery, clock: Clock): Promise<CohortMatrix> {
  validateRetentionQuery(query);
  const context = await retentionContext(shop, clock);
  const plan = retentionPlan(query, context);
  return assembleCohortMatrix(plan, context, await cohorts(shop, context, plan));
}

interface LapsedRow {
  gaps: bigint;
  lapse_ms: number;
  total: bigint;
  customer_id: string | null;
  last_at: Date | null;
  last_day: string | null;
  orders: bigint | null;
  net_spend: bigint | null;
}

/**
 * Customers past the shop's lapse point as of `clock.now` (p90 of the gaps between consecutive
 * counted orders, at least 30 days), highest net spend first, with the count of all of them.
 * Reads the whole order history once. Throws InvalidRangeError (bad limit) and UnknownShopError.
 */
export async function atRiskOverview(shop: string, query: AtRiskQuery, clock: Clock): Promise<AtRiskReport> {
  const limit = atRiskLimit(query);
  const context = await retentionContext(shop, clock);
  const { settings, now, currency, timeZone } = context;
  const rows = await prisma.$queryRaw<LapsedRow[]>`
    WITH history AS MATERIALIZED (
      SELECT o.id, o.customer_id, o.processed_at, o.currency_code, o.gross_sales - o.discounts AS net
      FROM orders o
      WHERE o.shop = ${shop} AND o.processed_at < ${now} AND ${counted("o", settings)}
    ),
    lapse AS (
      SELECT count(gap_ms) AS gaps,
        greatest(${MIN_LAPSE_MS}::float8, percentile_cont(0.9) WITHIN GROUP (ORDER BY gap_ms)) AS lapse_ms
      FROM (
        SELECT (extract(epoch FROM processed_at) * 1000
          - extract(epoch FROM lag(processed_at) OVER (PARTITION BY customer_id ORDER BY processed_at)) * 1000)::float8 AS gap_ms
        FROM history
      ) g
    ),
    customers AS (
      SELECT customer_id, max(processed_at) AS last_at, count(*) AS orders,
        coalesce(sum(net) FILTER (WHERE currency_code = ${currency}), 0) AS net
      FROM history GROUP BY customer_id
    ),
    refunded AS (
      SELECT h.customer_id, sum(r.returns) AS returns
      FROM refunds r JOIN history h ON h.id = r.order_id
      WHERE r.shop = ${shop} AND r.processed_at < ${now} AND h.currency_code = ${currency}
      GROUP BY h.customer_id
    ),
    lapsed AS MATERIALIZED (
      SELECT c.customer_id, c.last_at, c.orders, (c.net - coalesce(x.returns, 0))::bigint AS net_spend
      FROM customers c
      LEFT JOIN refunded x USING (customer_id)
      CROSS JOIN lapse
      WHERE extract(epoch FROM ${now}::timestamptz) * 1000 - extract(epoch FROM c.last_at) * 1000 > lapse.lapse_ms
    )
    SELECT lapse.gaps, lapse.lapse_ms, t.total, l.customer_id::text AS customer_id, l.last_at,
      to_char(l.last_at AT TIME ZONE ${timeZone}, 'YYYY-MM-DD') AS last_day, l.orders, l.net_spend
    FROM lapse
    CROSS JOIN (SELECT count(*) AS total FROM lapsed) t
    LEFT JOIN LATERAL (
      SELECT * FROM lapsed ORDER BY net_spend DESC, last_at DESC, customer_id ASC LIMIT ${limit}
    ) l ON true`;
  const customers = rows
    .filter((row) => row.customer_id !== null)
    .map((row) => {
      const lastAt = row.last_at as Date;
      return {
        customerId: row.customer_id as string,
        lastOrderAt: lastAt.toISOString(),
        lastOrderDay: row.last_day as string,
        daysSinceLastOrder: Math.floor((now.getTime() - lastAt.getTime()) / DAY_MS),
        orders: Number(row.orders),
        netSpend: Number(row.net_spend),
      };
    })
    .sort(compareLapsed);
  return {
    currency,
    timeZone,
    settings: { ...settings },
    now: now.toISOString(),
    lapsePointDays: msToDays(Number(rows[0].lapse_ms)) as number,
    gaps: Number(rows[0].gaps),
    total: Number(rows[0].total),
    customers,
  };
}
