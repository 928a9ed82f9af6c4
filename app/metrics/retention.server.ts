// Retention from PostgreSQL, over the rollups of rollups.server.ts; no read scans a shop's orders.
// - Rates (activity in P, customer retention over it): for a P of whole local months, sums of
//   `customer_month_counts` (customers by month and by their previous and next months with an
//   order); otherwise the customers first seen in P with no order after it from `cohort_days`
//   (their orders, repeat buyers and acquisitions summed by the day of their first order), and
//   the `customer_totals` rows of the others with an order in P (one before P, or one after it),
//   counting each one's orders in P by binary search of its order instants (for a P within two
//   months long past, the rows of its months' customers, by key). Whole weeks of an activity
//   series: sums of their `cohort_weeks` cells. "Active in
//   a window" is exact to the instant: the months wholly inside the window are summed from
//   `customer_month_counts`, and the two months the window starts and ends in are read from
//   `customer_months` (first, last and previous order instants of each customer in them).
//   Customers active in both windows: |S| + |E| − active over their union when the windows meet
//   or only a few days lie between them (with the customers who ordered only in those days,
//   searched in their `customer_totals` rows); otherwise the `customer_totals` rows of those who
//   ordered both before the earlier window ended and since the later one began, searched for an
//   order in each. New customers: customers acquired per local day (`cohort_days`).
// - Cohorts: cells of `cohort_months` or `cohort_weeks`.
// - Time between orders and the lapse point: percentiles of the gaps recorded with each order's
//   contribution (`daily_sales_sources`), located by bucket counts (`gap_months` for whole
//   months) and read from one bucket each.
// - The at-risk list: `customer_totals`, indexed in the list's order.
// Reports are assembled by the same code as the reference.
import { Prisma } from "@prisma/client";
import { DateTime } from "luxon";
import prisma from "#app/db.server";
import { loadShopContext, type Clock, type ShopContext } from "./context.server";
import {
  activitySeriesPlan,
  assembleActivity,
  assembleActivitySeries,
  assembleCohortMatrix,
  assembleHistogram,
  assembleRetentionRates,
  assembleRetentionReport,
  atRiskLimit,
  atRiskOffset,
  assembleCustomerStanding,
  compareCustomers,
  customerFilters,
  customerSort,
  customerStandingParts,
  matchesFilters,
  DAY_MS,
  GAP_HISTOGRAM_EDGES_DAYS,
  lapsePointMs,
  msToDays,
  ratesPlan,
  retentionPlan,
  validateRetentionQuery,
  type ActivitySeries,
  type ActivitySeriesQuery,
  type AtRiskQuery,
  type AtRiskReport,
  type CustomerFilters,
  type CustomerList,
  type CustomerSortKey,
  type CohortMatrix,
  type CustomerActivity,
  type CohortParts,
  type CustomerStanding,
  type Distribution,
  type GapHistogram,
  type LapsedCustomer,
  type RatesParts,
  type RatesPlan,
  type RetentionContext,
  type RetentionPlan,
  type RetentionQuery,
  type RetentionRates,
  type RetentionRatesQuery,
  type RetentionReport,
} from "./retention";
import { ensureDailyRollups, GAP_BUCKET, totalsUnder } from "./rollups.server";
import { addDays, nextPeriodStartDay, periodStartDay, startOfLocalDay, type Bucket } from "./periods";
import { metricOrder, metricRefund, type MetricOrder, type MetricRefund } from "./rows";
import type { MetricSettings } from "./settings";

/** `o` counts for customers: has one, not test, not deleted, cancelled per setting. */
function counted(alias: string, settings: MetricSettings): Prisma.Sql {
  const o = Prisma.raw(alias);
  return Prisma.sql`${o}.customer_id IS NOT NULL AND NOT ${o}.test AND ${o}.deleted_at IS NULL
    AND (${settings.retentionIncludeCancelled} OR ${o}.cancelled_at IS NULL)`;
}

/** For each name, the column of all counted orders or that of uncancelled ones, as the cancelled setting says. */
function settingColumns<K extends string>(settings: MetricSettings, columns: Record<K, [all: string, uncancelled: string]>): Record<K, Prisma.Sql> {
  const entries = Object.entries(columns) as Array<[K, [string, string]]>;
  return Object.fromEntries(
    entries.map(([name, [all, uncancelled]]) => [name, Prisma.raw(settings.retentionIncludeCancelled ? all : uncancelled)]),
  ) as Record<K, Prisma.Sql>;
}

/** `customer_months` columns for the cancelled setting: all counted orders, or uncancelled ones. */
function monthColumns(settings: MetricSettings) {
  return settingColumns(settings, {
    orders: ["orders", "uncancelled_orders"],
    first: ["first_order_at", "first_uncancelled_order_at"],
    last: ["last_order_at", "last_uncancelled_order_at"],
    previous: ["previous_order_at", "previous_uncancelled_order_at"],
    next: ["next_month", "next_uncancelled_month"],
  });
}

/**
 * `daily_sales_sources`' gap columns for the cancelled setting (each counted order of a customer
 * with an earlier one: the gap since it, its bucket, whether it is the second): since the
 * previous counted order, or, of uncancelled orders, since the previous uncancelled one. Each
 * set is indexed by bucket, then time, where its gap is not null.
 */
function gapColumns(settings: MetricSettings) {
  return settingColumns(settings, {
    gap: ["gap_ms", "uncancelled_gap_ms"],
    bucket: ["gap_bucket", "uncancelled_gap_bucket"],
    second: ["second_order", "second_uncancelled_order"],
  });
}

/** The local months holding the first and the last instant of [start, end), as `a` and `b`. */
function monthsOf(start: Date, end: Date, timeZone: string): Prisma.Sql {
  return Prisma.sql`(SELECT date_trunc('month', ${start}::timestamptz AT TIME ZONE ${timeZone})::date AS a,
    date_trunc('month', (${end}::timestamptz - interval '1 millisecond') AT TIME ZONE ${timeZone})::date AS b)`;
}

/**
 * A condition on `customer_months` row `m` (columns `c`): it has an order at or after `start` and
 * one before `end`, so it may hold an order in [start, end).
 */
function monthRowReaches(c: ReturnType<typeof monthColumns>, start: Date, end: Date): Prisma.Sql {
  return Prisma.sql`m.${c.orders} > 0 AND m.${c.last} >= ${start} AND m.${c.first} < ${end}`;
}

/**
 * A condition on `customer_totals` row `t`: its customer is one of those whose `customer_months`
 * rows may hold an order in one of `spans` (each [start, end), start < end): in the months
 * holding the span, an order there at or after its start and one before its end. A superset of
 * the customers with an order in the spans (the callers count each one's orders exactly), found
 * in the index on a month's customers; each row then read by its key, whatever the planner
 * guesses of how many.
 */
function amongCustomersOfSpans(shop: string, context: RetentionContext, spans: Array<[Date, Date]>): Prisma.Sql {
  const c = monthColumns(context.settings);
  const perSpan = spans.map(
    ([start, end]) => Prisma.sql`SELECT m.customer_id FROM customer_months m
      WHERE m.shop = ${shop} AND m.month >= date_trunc('month', ${start}::timestamptz AT TIME ZONE ${context.timeZone})::date
        AND m.month <= date_trunc('month', (${end}::timestamptz - interval '1 millisecond') AT TIME ZONE ${context.timeZone})::date
        AND ${monthRowReaches(c, start, end)}`,
  );
  return Prisma.sql`t.customer_id = ANY(ARRAY(${Prisma.join(perSpan, " UNION ALL ")}))`;
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

/** Customers acquired on local days [from, to) (date expressions), as a scalar subquery: a sum of `cohort_days`. */
function acquiredBetween(shop: string, context: RetentionContext, from: Prisma.Sql, to: Prisma.Sql): Prisma.Sql {
  const { settings } = context;
  return Prisma.sql`(SELECT coalesce(sum(d.customers), 0) FROM cohort_days d
    WHERE d.shop = ${shop} AND d.retention_include_cancelled = ${settings.retentionIncludeCancelled}
      AND d.cohort_include_zero_value = ${settings.cohortIncludeZeroValue} AND d.day >= ${from} AND d.day < ${to})`;
}

/** Whether a range is made of whole local months (both ends on the 1st). */
function wholeMonths({ from, to }: { from: string; to: string }): boolean {
  return from.endsWith("-01") && to.endsWith("-01");
}

/** How many of a `customer_totals` row's (`t`) orders are before `end`: a binary search of `order_at`. */
function ordersBefore(end: Date): Prisma.Sql {
  // Instants are whole milliseconds: "before end" is "at or before end − 1 ms".
  return Prisma.sql`width_bucket(${end}::timestamptz - interval '1 millisecond', t.order_at)`;
}

/** How many of a `customer_totals` row's (`t`) orders are in [start, end). */
function ordersIn(start: Date, end: Date): Prisma.Sql {
  return Prisma.sql`(${ordersBefore(end)} - ${ordersBefore(start)})`;
}

/**
 * CTEs: `p`, the `customer_totals` rows (`t`) that match `candidates`, each with its orders
 * before each window's start and end counted by binary search of its order instants (all of
 * them when its last one is before), once per row (OFFSET 0 keeps the subquery whole: inlined,
 * each FILTER would search the row's instants again); then, named as each window is, their
 * activity in that window (one row of PeriodRow's columns).
 */
function searchedActivity(
  shop: string,
  context: RetentionContext,
  windows: Array<{ name: string; start: Date; end: Date }>,
  candidates: Prisma.Sql,
): Prisma.Sql {
  const { settings } = context;
  const instants = [...new Set(windows.flatMap(({ start, end }) => [start.getTime(), end.getTime()]))].map((ms) => new Date(ms));
  const column = (instant: Date) => Prisma.raw(`b${instants.findIndex((at) => at.getTime() === instant.getTime())}`);
  const before = Prisma.join(
    instants.map((instant, i) => Prisma.sql`CASE WHEN t.last_order_at < ${instant} THEN t.orders ELSE ${ordersBefore(instant)} END AS ${Prisma.raw(`b${i}`)}`),
  );
  const activity = windows.map(({ name, start, end }) => {
    const [beforeStart, byEnd] = [column(start), column(end)];
    const n = Prisma.sql`(${byEnd} - ${beforeStart})`;
    const acquiredIn = settings.cohortIncludeZeroValue
      ? Prisma.sql`${beforeStart} = 0`
      : Prisma.sql`first_paid_order_at >= ${start} AND first_paid_order_at < ${end}`;
    const acquiredBefore = settings.cohortIncludeZeroValue ? Prisma.sql`${beforeStart} > 0` : Prisma.sql`first_paid_order_at < ${start}`;
    return Prisma.sql`${Prisma.raw(name)} AS (
      SELECT
        count(*) FILTER (WHERE ${n} > 0) AS customers,
        coalesce(sum(${n}), 0) AS orders,
        count(*) FILTER (WHERE ${n} >= 2) AS repeat_customers,
        count(*) FILTER (WHERE ${n} > 0 AND ${acquiredIn}) AS new_customers,
        count(*) FILTER (WHERE ${n} > 0 AND ${acquiredBefore}) AS returning_customers,
        count(*) FILTER (WHERE ${n} > 0 AND ${byEnd} >= 2) AS returning_by_end
      FROM p
    )`;
  });
  return Prisma.sql`
    p AS (
      SELECT ${before}, t.first_paid_order_at
      FROM customer_totals t
      WHERE t.shop = ${shop} AND ${totalsUnder("t", settings.retentionIncludeCancelled)} AND ${candidates}
      OFFSET 0
    ),
    ${Prisma.join(activity, ", ")}`;
}

/** The first day of the local month of a local date. */
const monthOf = (day: string) => periodStartDay(day, "month");

/** The first day of the first local month that starts on or after a local date. */
const nextMonthStart = (day: string) => (day === monthOf(day) ? day : nextPeriodStartDay(monthOf(day), "month"));

/** Whether P holds at least one whole local month. */
function spansWholeMonths(plan: RatesPlan): boolean {
  return nextMonthStart(plan.range.from) < monthOf(plan.range.to);
}

/**
 * Whether P ended two months or more before now. The customers who ordered since it began are
 * then many more than those of the (at most two) months it is cut in, whom its customers with
 * an order before it or after it are searched among instead. A cost choice: both ways are exact.
 */
function endedLongAgo(context: RetentionContext, plan: RatesPlan): boolean {
  return plan.period.end.getTime() <= context.now.getTime() - 62 * DAY_MS;
}

/** Whether P lies within one local month. */
function withinOneMonth(plan: RatesPlan): boolean {
  return monthOf(plan.range.from) === monthOf(addDays(plan.range.to, -1));
}

/** Whether P began less than a week before now. */
function beganLastWeek(context: RetentionContext, plan: RatesPlan): boolean {
  return plan.period.start.getTime() > context.now.getTime() - 7 * DAY_MS;
}

/** Whether P lies within two local months (one, or two consecutive ones). */
function withinTwoMonths(plan: RatesPlan): boolean {
  return monthOf(addDays(plan.range.to, -1)) <= nextPeriodStartDay(monthOf(plan.range.from), "month");
}

interface PeriodRow {
  customers: bigint;
  orders: bigint;
  repeat_customers: bigint;
  new_customers: bigint;
  returning_customers: bigint;
  returning_by_end: bigint;
}

const activityOf = (row: PeriodRow): RatesParts["activity"] => ({
  customers: Number(row.customers),
  orders: Number(row.orders),
  newCustomers: Number(row.new_customers),
  returningCustomers: Number(row.returning_customers),
  repeatCustomers: Number(row.repeat_customers),
  returningByEnd: Number(row.returning_by_end),
});

/**
 * The activity over each span of whole local months [from, to) (both on the 1st), one row of
 * PeriodRow's columns per span with its index `k`, from `customer_month_counts` (see
 * periodActivity): one statement and one plan for every whole month of a trend line.
 */
function wholeMonthsActivity(shop: string, context: RetentionContext, spans: Array<{ from: string; to: string }>): Prisma.Sql {
  const { settings } = context;
  const returning = settings.cohortIncludeZeroValue
    ? Prisma.sql`c.previous_month < b.from_day AND c.previous_month <> '-infinity'`
    : Prisma.sql`c.previous_month < b.from_day AND c.paid_before`;
  return Prisma.sql`
    WITH b(k, from_day, to_day) AS (
      SELECT k::int - 1, from_day, to_day
      FROM unnest(${spans.map((span) => span.from)}::date[], ${spans.map((span) => span.to)}::date[]) WITH ORDINALITY AS u(from_day, to_day, k)
    )
    SELECT b.k,
      coalesce(sum(c.customers) FILTER (WHERE c.previous_month < b.from_day), 0)::bigint AS customers,
      coalesce(sum(c.orders), 0)::bigint AS orders,
      coalesce(sum(c.customers) FILTER (WHERE c.previous_month < b.from_day AND (c.repeat OR c.next_month < b.to_day)), 0)::bigint
        AS repeat_customers,
      ${acquiredBetween(shop, context, Prisma.sql`b.from_day`, Prisma.sql`b.to_day`)}::bigint AS new_customers,
      coalesce(sum(c.customers) FILTER (WHERE ${returning}), 0)::bigint AS returning_customers,
      (coalesce(sum(c.customers) FILTER (WHERE c.previous_month < b.from_day), 0)
        - coalesce(sum(c.customers) FILTER (WHERE c.previous_month = '-infinity' AND NOT c.repeat AND c.next_month >= b.to_day), 0))::bigint
        AS returning_by_end
    FROM b
    LEFT JOIN customer_month_counts c ON c.shop = ${shop} AND c.retention_include_cancelled = ${settings.retentionIncludeCancelled}
      AND c.month >= b.from_day AND c.month < b.to_day
    GROUP BY b.k, b.from_day, b.to_day`;
}

/** The activity over the whole local months [from, to) (both on the 1st): one row of PeriodRow's columns. */
function wholeMonthActivity(shop: string, context: RetentionContext, from: string, to: string): Prisma.Sql {
  return Prisma.sql`
    SELECT m.customers, m.orders, m.repeat_customers, m.new_customers, m.returning_customers, m.returning_by_end
    FROM (${wholeMonthsActivity(shop, context, [{ from, to }])}) m`;
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
  const [row] = await prisma.$queryRaw<PeriodRow[]>(periodActivitySql(shop, context, plan));
  return activityOf(row);
}

/** periodActivity's statement: one row of PeriodRow's columns. */
function periodActivitySql(shop: string, context: RetentionContext, plan: RatesPlan): Prisma.Sql {
  const { settings } = context;
  const { start, end } = plan.period;
  if (wholeMonths(plan.range)) {
    return wholeMonthActivity(shop, context, plan.range.from, plan.range.to);
  } else if (settings.cohortIncludeZeroValue && withinOneMonth(plan) && !beganLastWeek(context, plan)) {
    // A range within one local month M, when any order acquires: a customer whose orders in M
    // all lie in the range is counted from their row of M alone (in the index on a month's
    // customers): their orders there are their orders in it, they had ordered before it exactly
    // when they had before M, and so had two orders by its end when that or two in M. Only the
    // few with orders in M on both sides of one of its ends are searched in `customer_totals`.
    // (When only non-zero orders acquire, the first of those is not in M's row: the paths below.
    // A range that began in the last week has fewer customers since its start than M: the last
    // path reads those.)
    const c = monthColumns(settings);
    return Prisma.sql`
      WITH inside AS (
        SELECT count(*) FILTER (WHERE inside) AS customers, coalesce(sum(n) FILTER (WHERE inside), 0) AS orders,
          count(*) FILTER (WHERE inside AND n >= 2) AS repeat_customers,
          count(*) FILTER (WHERE inside AND previous_at IS NULL) AS new_customers,
          count(*) FILTER (WHERE inside AND previous_at IS NOT NULL) AS returning_customers,
          count(*) FILTER (WHERE inside AND (previous_at IS NOT NULL OR n >= 2)) AS returning_by_end,
          array_agg(customer_id) FILTER (WHERE NOT inside) AS others
        FROM (
          SELECT m.customer_id, m.${c.orders} AS n, m.${c.previous} AS previous_at, m.${c.first} >= ${start} AND m.${c.last} < ${end} AS inside
          FROM customer_months m
          WHERE m.shop = ${shop} AND m.month = ${monthOf(plan.range.from)}::date AND ${monthRowReaches(c, start, end)}
        ) m
      ),
      ${searchedActivity(shop, context, [{ name: "searched", ...plan.period }], Prisma.sql`t.customer_id = ANY(coalesce((SELECT others FROM inside), ARRAY[]::bigint[]))`)}
      SELECT
        (i.customers + x.customers)::bigint AS customers,
        (i.orders + x.orders)::bigint AS orders,
        (i.repeat_customers + x.repeat_customers)::bigint AS repeat_customers,
        (i.new_customers + x.new_customers)::bigint AS new_customers,
        (i.returning_customers + x.returning_customers)::bigint AS returning_customers,
        (i.returning_by_end + x.returning_by_end)::bigint AS returning_by_end
      FROM inside i, searched x`;
  } else if (withinTwoMonths(plan) && endedLongAgo(context, plan)) {
    // A range within two local months, well before now: the customers with an order in it are
    // among those of its months whose first order there is before its end and last one at or
    // after its start, each then searched in its `customer_totals` row. Fewer than the customers
    // who ordered since it began, whom the path below reads.
    const candidates = amongCustomersOfSpans(shop, context, [[start, end]]);
    return Prisma.sql`
      WITH ${searchedActivity(shop, context, [{ name: "searched", ...plan.period }], candidates)}
      SELECT customers::bigint, orders::bigint, repeat_customers::bigint, new_customers::bigint, returning_customers::bigint,
        returning_by_end::bigint
      FROM searched`;
  } else if (spansWholeMonths(plan) && endedLongAgo(context, plan)) {
    // P cut mid-month around whole months B: the activity over B from the monthly sums, with that
    // of the customers who ordered in P's cut months, before B or after it (H and T: the rows of
    // those two months with an order at or after P's start, or before its end), counted over P
    // instead of over B. Everyone else has all their orders in P inside B, where the counts are
    // the same: acquired in P or before it exactly when in or before B, two orders by P's end
    // exactly when by B's end.
    const from = nextMonthStart(plan.range.from);
    const to = monthOf(plan.range.to);
    const b = { start: startOfLocalDay(from, context.timeZone), end: startOfLocalDay(to, context.timeZone) };
    const cut: Array<[Date, Date]> = [
      [start, b.start],
      [b.end, end],
    ];
    const candidates = amongCustomersOfSpans(shop, context, cut.filter(([spanStart, spanEnd]) => spanStart < spanEnd));
    return Prisma.sql`
      WITH whole AS (${wholeMonthActivity(shop, context, from, to)}),
      ${searchedActivity(shop, context, [{ name: "x", ...plan.period }, { name: "y", ...b }], candidates)}
      SELECT
        (w.customers - y.customers + x.customers)::bigint AS customers,
        (w.orders - y.orders + x.orders)::bigint AS orders,
        (w.repeat_customers - y.repeat_customers + x.repeat_customers)::bigint AS repeat_customers,
        (w.new_customers - y.new_customers + x.new_customers)::bigint AS new_customers,
        (w.returning_customers - y.returning_customers + x.returning_customers)::bigint AS returning_customers,
        (w.returning_by_end - y.returning_by_end + x.returning_by_end)::bigint AS returning_by_end
      FROM whole w, x, y`;
  } else {
    // Customers first seen in P (its whole local days) whose orders all fall in it, from the sums
    // of `cohort_days` by the day of their first order: each one's orders in P are all their
    // orders. The others with an order in P ordered before it began, or again at or after its end
    // (the few with a last order that late are found in the index and taken out of those sums).
    const variant = settings.retentionIncludeCancelled;
    // Of the customers first seen in P and only there, the new ones: all of them, or (acquired by
    // a non-zero order) those with one, which is then in P too.
    const firstSeenNew = settings.cohortIncludeZeroValue ? Prisma.sql`customers` : Prisma.sql`paid_customers`;
    const candidates = Prisma.sql`((t.last_order_at >= ${start} AND t.first_order_at < ${start}) OR (t.last_order_at >= ${end} AND t.first_order_at < ${end}))`;
    return Prisma.sql`
      WITH seen AS (
        SELECT coalesce(sum(customers), 0) AS customers, coalesce(sum(orders), 0) AS orders,
          coalesce(sum(repeat_customers), 0) AS repeat_customers, coalesce(sum(${firstSeenNew}), 0) AS new_customers
        FROM cohort_days
        WHERE shop = ${shop} AND retention_include_cancelled = ${variant} AND cohort_include_zero_value
          AND day >= ${plan.range.from}::date AND day < ${plan.range.to}::date
      ),
      seen_later AS (
        SELECT count(*) AS customers, coalesce(sum(t.orders), 0) AS orders, count(*) FILTER (WHERE t.orders >= 2) AS repeat_customers,
          count(*) FILTER (WHERE ${settings.cohortIncludeZeroValue} OR t.first_paid_order_at IS NOT NULL) AS new_customers
        FROM customer_totals t
        WHERE t.shop = ${shop} AND ${totalsUnder("t", variant)}
          AND t.last_order_at >= ${end} AND t.first_order_at >= ${start} AND t.first_order_at < ${end}
      ),
      ${searchedActivity(shop, context, [{ name: "searched", ...plan.period }], candidates)}
      SELECT
        (a.customers - l.customers + x.customers)::bigint AS customers,
        (a.orders - l.orders + x.orders)::bigint AS orders,
        (a.repeat_customers - l.repeat_customers + x.repeat_customers)::bigint AS repeat_customers,
        (a.new_customers - l.new_customers + x.new_customers)::bigint AS new_customers,
        x.returning_customers::bigint AS returning_customers,
        (a.repeat_customers - l.repeat_customers + x.returning_by_end)::bigint AS returning_by_end
      FROM seen a, seen_later l, searched x`;
  }
}

/**
 * S, E and S ∩ E of the customer retention rate. When the two windows overlap or touch, the
 * customers in both are |S| + |E| − the customers active over their union (one window).
 * Otherwise, with the days between them (the gap) few against the later window's, also
 * |S| + |E| − the customers active from the earlier window's start to the later one's end, but
 * plus those of them whose orders there are all in the gap: the customers with an order in the
 * gap (their rows of `customer_months` in the months it spans) searched in their
 * `customer_totals` row. With a longer gap, each customer who ordered since the later window
 * started and before the earlier one ended (found in the index on the last and first orders) is
 * searched for an order in both windows (`customer_totals.order_at`).
 */
async function retentionCounts(shop: string, context: RetentionContext, plan: RatesPlan): Promise<RatesParts["retention"]> {
  const { settings } = context;
  const variant = settings.retentionIncludeCancelled;
  const s1 = plan.windowBeforeStart;
  const e1 = plan.period.start;
  const s2 = plan.windowBeforeEnd;
  const e2 = plan.retentionEnd;
  const overlap = s2.getTime() <= e1.getTime() && s1.getTime() <= e2.getTime();
  const first = (a: Date, b: Date) => (a.getTime() <= b.getTime() ? a : b);
  const last = (a: Date, b: Date) => (a.getTime() >= b.getTime() ? a : b);
  const [earlier, later] = s1.getTime() <= s2.getTime() ? [[s1, e1], [s2, e2]] : [[s2, e2], [s1, e1]];
  // Read by key, a customer's row costs many times what it does in a scan of them all: only a gap
  // of a few days against the later window's (at most a sixteenth of it) is read that way.
  const gapFirst = !overlap && (later[0].getTime() - earlier[1].getTime()) * 16 <= later[1].getTime() - later[0].getTime();
  const union = overlap || gapFirst ? activeBetween(shop, context, first(s1, s2), last(e1, e2)) : Prisma.sql`NULL::bigint`;
  let both = Prisma.sql`NULL::bigint`;
  if (gapFirst) {
    const [from, to] = [earlier[1], later[0]];
    both = Prisma.sql`(SELECT count(*) FROM customer_totals t
      WHERE t.shop = ${shop} AND ${totalsUnder("t", variant)}
        AND ${amongCustomersOfSpans(shop, context, [[from, to]])}
        AND ${ordersIn(from, to)} > 0 AND ${ordersIn(earlier[0], earlier[1])} = 0 AND ${ordersIn(later[0], later[1])} = 0)`;
  } else if (!overlap) {
    // The customers with an order in each: their rows with an order at or after the later
    // window's start and one before the earlier window's end (both found in the index on the last
    // and first orders), each searched for an order in the earlier one; in the later one too only
    // when their last order is after it.
    both = Prisma.sql`(SELECT count(*) FROM customer_totals t
      WHERE t.shop = ${shop} AND ${totalsUnder("t", variant)}
        AND t.last_order_at >= ${later[0]} AND t.first_order_at < ${earlier[1]}
        AND (t.last_order_at < ${later[1]} OR ${ordersIn(later[0], later[1])} > 0)
        AND ${ordersIn(earlier[0], earlier[1])} > 0)`;
  }
  const [row] = await prisma.$queryRaw<Array<{ active_at_start: bigint; active_at_end: bigint; active_over_union: bigint | null; both: bigint | null }>>`
    SELECT ${activeBetween(shop, context, s1, e1)}::bigint AS active_at_start,
      ${activeBetween(shop, context, s2, e2)}::bigint AS active_at_end,
      ${union}::bigint AS active_over_union,
      ${both}::bigint AS both`;
  const activeAtStart = Number(row.active_at_start);
  const activeAtEnd = Number(row.active_at_end);
  const inUnion = activeAtStart + activeAtEnd - Number(row.active_over_union);
  return {
    activeAtStart,
    activeAtEnd,
    retainedCustomers: overlap ? inUnion : gapFirst ? inUnion + Number(row.both) : Number(row.both),
  };
}

async function ratesParts(shop: string, context: RetentionContext, plan: RatesPlan): Promise<RatesParts> {
  const [activity, retention] = await Promise.all([periodActivity(shop, context, plan), retentionCounts(shop, context, plan)]);
  return { activity, retention };
}

/** The whole local months inside [start, end) (`start` null: unbounded) and the spans outside them. */
function monthSpans(timeZone: string, start: Date | null, end: Date): { months: { from: string | null; to: string } | null; spans: Array<[Date | null, Date]> } {
  const endMonth = DateTime.fromJSDate(end, { zone: timeZone }).startOf("month");
  let startMonth: DateTime | null = null;
  if (start !== null) {
    const local = DateTime.fromJSDate(start, { zone: timeZone });
    startMonth = local.startOf("month");
    if (startMonth.toMillis() !== local.toMillis()) startMonth = startMonth.plus({ months: 1 }).startOf("month");
    if (startMonth.toMillis() >= endMonth.toMillis()) return { months: null, spans: [[start, end]] };
  }
  const spans: Array<[Date | null, Date]> = [];
  if (start !== null && startMonth !== null && startMonth.toMillis() > start.getTime()) spans.push([start, startMonth.toJSDate()]);
  if (endMonth.toMillis() < end.getTime()) spans.push([endMonth.toJSDate(), end]);
  return { months: { from: startMonth?.toISODate() ?? null, to: endMonth.toISODate() as string }, spans };
}

/** A percentile of n sorted values, from the values at its two closest ranks (`valueAt`). */
function percentileOf(n: number, p: number, valueAt: (rank: number) => number): number | null {
  if (n === 0) return null;
  const h = p * (n - 1);
  const lower = Math.floor(h);
  const low = valueAt(lower);
  const high = valueAt(Math.ceil(h));
  return low + (high - low) * (h - lower);
}

/** gapBucketCounts' rows: each gap bucket with its gaps, and its gaps of second orders. */
type GapBucketCounts = Array<{ bucket: number; gaps: bigint; second_gaps: bigint }>;

/**
 * How many gaps between consecutive counted orders, and of second orders, each gap bucket holds
 * for the later orders in [start, end) (`start` null: unbounded), smallest bucket first: from
 * `gap_months` for whole local months and from the orders' gaps (gapColumns) for the rest.
 */
async function gapBucketCounts(shop: string, context: RetentionContext, start: Date | null, end: Date): Promise<GapBucketCounts> {
  const { settings, timeZone } = context;
  const variant = settings.retentionIncludeCancelled;
  const g = gapColumns(settings);
  const { months, spans } = monthSpans(timeZone, start, end);
  const inSpan = ([a, b]: [Date | null, Date]) =>
    a === null ? Prisma.sql`s.processed_at < ${b}` : Prisma.sql`s.processed_at >= ${a} AND s.processed_at < ${b}`;
  // The gaps are indexed by bucket, then time: a span's are one index range per bucket, from 0 to
  // the largest there is (a few hundred), each span on its own.
  const spanRows = Prisma.join(
    (spans.length === 0 ? [null] : spans).map((span) =>
      span === null
        ? Prisma.sql`SELECT 0::smallint, 0::bigint, 0::bigint WHERE false`
        : Prisma.sql`
      SELECT b.bucket::smallint, x.gaps, x.second_gaps
      FROM generate_series(0, (SELECT max(${g.bucket}) FROM daily_sales_sources WHERE shop = ${shop} AND ${g.bucket} IS NOT NULL)) b(bucket)
      CROSS JOIN LATERAL (
        SELECT count(*)::bigint AS gaps, (count(*) FILTER (WHERE s.${g.second}))::bigint AS second_gaps FROM daily_sales_sources s
        WHERE s.shop = ${shop} AND s.${g.bucket} = b.bucket AND ${inSpan(span)}
      ) x
      WHERE x.gaps > 0`,
    ),
    " UNION ALL ",
  );
  const monthRows = months
    ? Prisma.sql`
      SELECT bucket, gaps::bigint AS gaps, second_gaps::bigint AS second_gaps FROM gap_months
      WHERE shop = ${shop} AND retention_include_cancelled = ${variant}
        ${months.from === null ? Prisma.empty : Prisma.sql`AND month >= ${months.from}::date`} AND month < ${months.to}::date
      UNION ALL`
    : Prisma.empty;
  return prisma.$queryRaw<GapBucketCounts>`
    SELECT bucket, sum(gaps)::bigint AS gaps, sum(second_gaps)::bigint AS second_gaps FROM (
      ${monthRows}
      ${spanRows}
    ) x
    GROUP BY bucket ORDER BY bucket`;
}

/**
 * Percentiles (ms) of the gaps between consecutive counted orders whose later order is in
 * [start, end) (`start` null: unbounded), of all of them and of second orders only, with their
 * counts. The gaps per bucket come from `gap_months` for whole local months and from the
 * orders' gaps (gapColumns) for the rest; each rank a percentile needs is then read from its
 * bucket (an index range in gap order), so no more than a few thousand gaps are read, never
 * sorted.
 */
async function gapPercentiles(
  shop: string,
  context: RetentionContext,
  start: Date | null,
  end: Date,
  ps: number[],
  counts: Promise<GapBucketCounts> = gapBucketCounts(shop, context, start, end),
): Promise<{ all: { count: number; values: Array<number | null> }; second: { count: number; values: Array<number | null> } }> {
  const g = gapColumns(context.settings);
  const buckets = await counts;

  // Which bucket, and which place in it, holds each rank a percentile needs.
  type Need = { second: boolean; bucket: number; skip: number; take: number };
  const needs: Need[] = [];
  const locate = (second: boolean) => {
    const counts = buckets.map((row) => Number(second ? row.second_gaps : row.gaps));
    const n = counts.reduce((sum, count) => sum + count, 0);
    const lookups = new Map<number, { bucket: number; first: number; need: Need }>();
    const at = (rank: number) => {
      let before = 0;
      for (let i = 0; i < counts.length; i++) {
        if (rank < before + counts[i]) return { bucket: buckets[i].bucket, place: rank - before };
        before += counts[i];
      }
      throw new Error(`rank ${rank} is beyond the ${n} gaps`);
    };
    const ranks = new Set<number>();
    for (const p of ps) {
      if (n === 0) continue;
      const h = p * (n - 1);
      ranks.add(Math.floor(h));
      ranks.add(Math.ceil(h));
    }
    const where = new Map<number, { bucket: number; place: number }>();
    for (const rank of ranks) {
      const found = at(rank);
      where.set(rank, found);
      const seen = lookups.get(found.bucket);
      if (!seen) {
        const need = { second, bucket: found.bucket, skip: found.place, take: 1 };
        lookups.set(found.bucket, { bucket: found.bucket, first: found.place, need });
        needs.push(need);
      } else {
        const from = Math.min(seen.need.skip, found.place);
        const to = Math.max(seen.need.skip + seen.need.take - 1, found.place);
        seen.need.skip = from;
        seen.need.take = to - from + 1;
      }
    }
    return { n, where };
  };
  const all = locate(false);
  const second = locate(true);
  const fetched =
    needs.length === 0
      ? []
      : await prisma.$queryRaw<Array<{ k: bigint; gaps: bigint[] }>>`
        SELECT t.k, x.gaps FROM unnest(${needs.map((need) => need.second)}::boolean[], ${needs.map((need) => need.bucket)}::int[],
          ${needs.map((need) => need.skip)}::int[], ${needs.map((need) => need.take)}::int[]) WITH ORDINALITY t(second, bucket, skip, take, k)
        CROSS JOIN LATERAL (
          SELECT array_agg(gap_ms ORDER BY gap_ms) AS gaps FROM (
            SELECT s.${g.gap} AS gap_ms FROM daily_sales_sources s
            WHERE s.shop = ${shop} AND s.${g.bucket} = t.bucket
              AND (NOT t.second OR s.${g.second})
              ${start === null ? Prisma.empty : Prisma.sql`AND s.processed_at >= ${start}`} AND s.processed_at < ${end}
            ORDER BY s.${g.gap} OFFSET t.skip LIMIT t.take
          ) y
        ) x`;
  const values = new Map<Need, number[]>();
  for (const row of fetched) values.set(needs[Number(row.k) - 1], row.gaps.map(Number));
  const result = (kind: boolean, { n, where }: ReturnType<typeof locate>) => ({
    count: n,
    values: ps.map((p) =>
      percentileOf(n, p, (rank) => {
        const { bucket, place } = where.get(rank)!;
        const need = needs.find((candidate) => candidate.second === kind && candidate.bucket === bucket)!;
        const value = values.get(need)?.[place - need.skip];
        if (value === undefined) throw new Error(`the gap at rank ${rank} was not found in bucket ${bucket}`);
        return value;
      }),
    ),
  });
  return { all: result(false, all), second: result(true, second) };
}

/** Time between orders for the later orders in P (see gapPercentiles). */
async function timeBetweenOrders(
  shop: string,
  context: RetentionContext,
  plan: RetentionPlan,
  counts?: Promise<GapBucketCounts>,
): Promise<{ firstToSecond: Distribution; betweenOrders: Distribution }> {
  const { all, second } = await gapPercentiles(shop, context, plan.period.start, plan.period.end, [0.25, 0.5, 0.75], counts);
  const of = ({ count, values }: { count: number; values: Array<number | null> }): Distribution => ({
    count,
    p25: msToDays(values[0]),
    median: msToDays(values[1]),
    p75: msToDays(values[2]),
  });
  return { firstToSecond: of(second), betweenOrders: of(all) };
}

function emptyCohorts(plan: RetentionPlan): CohortParts {
  return plan.cohorts.map(() => ({ size: 0, customers: new Map<number, number>(), netSales: new Map<number, number>() }));
}

/**
 * The cohort grid: cells of `cohort_months` (monthly cohorts) or `cohort_weeks` (weekly); the
 * cell where the period is the cohort's own holds its size.
 */
async function cohorts(shop: string, context: RetentionContext, plan: RetentionPlan): Promise<CohortParts> {
  const result = emptyCohorts(plan);
  if (plan.cohorts.length === 0) return result;
  const { settings } = context;
  const from = plan.cohorts[0].fromDay;
  const cohortsTo = plan.cohorts[plan.cohorts.length - 1].toDay;
  const periodsTo = plan.periods[plan.periods.length - 1].toDay;
  const net = Prisma.raw(settings.refundDating === "refund_date" ? "net_sales_by_refund_date" : "net_sales_by_order_date");
  const [table, period] =
    plan.cohortGranularity === "month" ? [Prisma.raw("cohort_months"), Prisma.raw("month")] : [Prisma.raw("cohort_weeks"), Prisma.raw("week")];
  const rows = await prisma.$queryRaw<Array<{ cohort: string; period: string; customers: number; net: bigint }>>`
    SELECT to_char(cohort, 'YYYY-MM-DD') AS cohort, to_char(${period}, 'YYYY-MM-DD') AS period, customers, ${net} AS net
    FROM ${table}
    WHERE shop = ${shop} AND retention_include_cancelled = ${settings.retentionIncludeCancelled}
      AND cohort_include_zero_value = ${settings.cohortIncludeZeroValue}
      AND cohort >= ${from}::date AND cohort < ${cohortsTo}::date AND ${period} >= ${from}::date AND ${period} < ${periodsTo}::date`;
  const cohortIndex = new Map(plan.cohorts.map((cohort, index) => [cohort.fromDay, index]));
  const periodIndex = new Map(plan.periods.map((bucket, index) => [bucket.fromDay, index]));
  for (const row of rows) {
    const c = cohortIndex.get(row.cohort);
    const p = periodIndex.get(row.period);
    if (c === undefined || p === undefined) throw new Error(`cohort cell ${row.cohort} × ${row.period} is not in the plan`);
    if (row.period === row.cohort) result[c].size = Number(row.customers);
    // Periods before the cohort's own (orders before the acquiring one) are not cells.
    if (p < (periodIndex.get(plan.cohorts[c].fromDay) as number)) continue;
    if (Number(row.customers) > 0) result[c].customers.set(p, Number(row.customers));
    result[c].netSales.set(p, Number(row.net));
  }
  return result;
}

async function retentionContext(shop: string, clock: Clock, loaded?: ShopContext): Promise<RetentionContext> {
  const shopContext = loaded ?? (await loadShopContext(shop));
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
  return retentionReportOf(shop, context, retentionPlan(query, context));
}

/**
 * retentionOverview and gapHistogram over the same range, as the Retention page shows them: one
 * context, and the gaps per bucket (gapBucketCounts) read once for both, all at once. Over a
 * range that is not whole months that read is one of the page's longest (about 20 ms at a
 * million orders). Throws InvalidRangeError and UnknownShopError.
 */
export async function retentionOverviewWithHistogram(
  shop: string,
  query: RetentionQuery,
  clock: Clock,
): Promise<{ report: RetentionReport; histogram: GapHistogram }> {
  validateRetentionQuery(query);
  const context = await retentionContext(shop, clock);
  const plan = retentionPlan(query, context);
  const counts = gapBucketCounts(shop, context, plan.period.start, plan.period.end);
  const [report, histogram] = await Promise.all([retentionReportOf(shop, context, plan, counts), gapHistogramOf(shop, context, plan.period, counts)]);
  return { report, histogram };
}

/** The retention report of `plan` (retentionOverview); `counts`: its gaps per bucket, when read already. */
async function retentionReportOf(shop: string, context: RetentionContext, plan: RetentionPlan, counts?: Promise<GapBucketCounts>): Promise<RetentionReport> {
  const [rates, gaps, grid] = await Promise.all([
    ratesParts(shop, context, plan),
    timeBetweenOrders(shop, context, plan, counts),
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
 * Customer activity in P alone (new customers, returning customer rate, repeat purchase rate…):
 * `retentionRates(…).activity` without customer retention's windows, for a page that shows no
 * retention rate. Throws InvalidRangeError and UnknownShopError.
 */
export async function customerActivity(shop: string, query: RetentionRatesQuery, clock: Clock): Promise<CustomerActivity> {
  validateRetentionQuery({ range: query.range });
  const context = await retentionContext(shop, clock);
  const plan = ratesPlan(query, context);
  return assembleActivity(await periodActivity(shop, context, plan));
}

/**
 * The activity in each bucket as a range of its own (periodActivity), in one statement: on a
 * few cores, one session reading the buckets one after the other is faster than a session each.
 */
async function bucketsActivity(shop: string, context: RetentionContext, buckets: Bucket[]): Promise<Array<RatesParts["activity"]>> {
  if (buckets.length === 0) return [];
  const parts = buckets.map(
    (bucket, k) =>
      Prisma.sql`SELECT ${Prisma.raw(String(k))} AS k, b.* FROM (${periodActivitySql(shop, context, ratesPlan({ range: { from: bucket.fromDay, to: bucket.toDay } }, context))}) b`,
  );
  return activitiesInOrder(buckets, await prisma.$queryRaw<Array<PeriodRow & { k: number }>>`${Prisma.join(parts, " UNION ALL ")}`);
}

/** Each bucket's activity from the rows of a statement that answers one row per bucket index `k`. */
function activitiesInOrder(buckets: Bucket[], rows: Array<PeriodRow & { k: number }>): Array<RatesParts["activity"]> {
  const byBucket = new Map(rows.map((row) => [Number(row.k), row]));
  return buckets.map((_, k) => activityOf(byBucket.get(k)!));
}

/** The activity in each bucket of whole local months, as a range of its own (wholeMonthsActivity). */
async function wholeMonthBucketsActivity(shop: string, context: RetentionContext, buckets: Bucket[]): Promise<Array<RatesParts["activity"]>> {
  if (buckets.length === 0) return [];
  const spans = buckets.map((bucket) => ({ from: bucket.fromDay, to: bucket.toDay }));
  return activitiesInOrder(buckets, await prisma.$queryRaw<Array<PeriodRow & { k: number }>>(wholeMonthsActivity(shop, context, spans)));
}

/**
 * The activity of whole ISO weeks (their Mondays), each as a range of its own, from their cells
 * of `cohort_weeks`: cells under the zero-value setting's true value count every customer with
 * an order in the week (each has a cohort, the week of their first order), their orders and
 * those with two or more; cells under the shop's setting tell the new (cohort = week) and the
 * returning (earlier cohort); by the week's end, a customer had two orders when they had ordered
 * in an earlier week, or twice in their first one.
 */
async function wholeWeekActivity(shop: string, context: RetentionContext, weeks: string[]): Promise<Map<string, RatesParts["activity"]>> {
  const { settings } = context;
  const none: PeriodRow = { customers: 0n, orders: 0n, repeat_customers: 0n, new_customers: 0n, returning_customers: 0n, returning_by_end: 0n };
  const activity = new Map(weeks.map((week) => [week, activityOf(none)]));
  if (weeks.length === 0) return activity;
  const all = Prisma.sql`cohort_include_zero_value`;
  const chosen = Prisma.sql`cohort_include_zero_value = ${settings.cohortIncludeZeroValue}`;
  const rows = await prisma.$queryRaw<Array<PeriodRow & { week: string }>>`
    SELECT to_char(week, 'YYYY-MM-DD') AS week,
      coalesce(sum(customers) FILTER (WHERE ${all}), 0)::bigint AS customers,
      coalesce(sum(orders) FILTER (WHERE ${all}), 0)::bigint AS orders,
      coalesce(sum(repeat_customers) FILTER (WHERE ${all}), 0)::bigint AS repeat_customers,
      coalesce(sum(customers) FILTER (WHERE ${chosen} AND cohort = week), 0)::bigint AS new_customers,
      coalesce(sum(customers) FILTER (WHERE ${chosen} AND cohort < week), 0)::bigint AS returning_customers,
      (coalesce(sum(customers) FILTER (WHERE ${all} AND cohort < week), 0)
        + coalesce(sum(repeat_customers) FILTER (WHERE ${all} AND cohort = week), 0))::bigint AS returning_by_end
    FROM cohort_weeks
    WHERE shop = ${shop} AND retention_include_cancelled = ${settings.retentionIncludeCancelled}
      AND cohort_include_zero_value IN (true, ${settings.cohortIncludeZeroValue}) AND week = ANY(${weeks}::date[])
    GROUP BY week`;
  for (const row of rows) activity.set(row.week, activityOf(row));
  return activity;
}

/**
 * Customer activity per bucket of a range (each bucket counted as a range of its own): the
 * overview's trend lines of new customers, the returning customer rate and the repeat purchase
 * rate. By week, whole weeks are sums of their cells of `cohort_weeks` (one query for them all);
 * by month or longer, the buckets of whole months are sums of the monthly rollups (one query for
 * them all), and a bucket the range cuts is a range of its own, as for customerActivity; so is a
 * week cut by the range. By day, each day's row of `activity_days` (app/metrics/rollups.server.ts).
 * Throws InvalidRangeError and UnknownShopError.
 */
export async function activitySeries(shop: string, query: ActivitySeriesQuery, clock: Clock): Promise<ActivitySeries> {
  const context = await retentionContext(shop, clock);
  const buckets = activitySeriesPlan(query, context);
  if (query.granularity === "week") {
    const whole = buckets.filter((bucket) => bucket.toDay === addDays(bucket.fromDay, 7));
    const cut = buckets.filter((bucket) => !whole.includes(bucket));
    const [weeks, cutActivity] = await Promise.all([
      wholeWeekActivity(shop, context, whole.map((bucket) => bucket.fromDay)),
      bucketsActivity(shop, context, cut),
    ]);
    return assembleActivitySeries(query, buckets, context, buckets.map((bucket) => cutActivity[cut.indexOf(bucket)] ?? weeks.get(bucket.fromDay)!));
  }
  if (query.granularity !== "day") {
    // By month or longer: the buckets of whole months in one grouped statement, the one or two a
    // range cuts each as a range of its own, the two statements at once.
    const whole = buckets.filter((bucket) => wholeMonths({ from: bucket.fromDay, to: bucket.toDay }));
    const cut = buckets.filter((bucket) => !whole.includes(bucket));
    const [wholeActivity, cutActivity] = await Promise.all([
      wholeMonthBucketsActivity(shop, context, whole),
      bucketsActivity(shop, context, cut),
    ]);
    return assembleActivitySeries(query, buckets, context, buckets.map((bucket) => cutActivity[cut.indexOf(bucket)] ?? wholeActivity[whole.indexOf(bucket)]));
  }
  // By day: each day's row of `activity_days` (a bucket is one local day).
  const { settings } = context;
  const paid = settings.cohortIncludeZeroValue ? "" : "_paid";
  const rows = await prisma.$queryRaw<Array<PeriodRow & { day: string }>>`
    SELECT to_char(day, 'YYYY-MM-DD') AS day, customers, orders, repeat_customers, returning_by_end,
      ${Prisma.raw(`first${paid}_customers`)} AS new_customers, ${Prisma.raw(`returning${paid}_customers`)} AS returning_customers
    FROM activity_days
    WHERE shop = ${shop} AND retention_include_cancelled = ${settings.retentionIncludeCancelled}
      AND day >= ${buckets[0].fromDay}::date AND day < ${buckets[buckets.length - 1].toDay}::date`;
  const byDay = new Map(rows.map((row) => [row.day, row]));
  const parts = buckets.map((bucket) => {
    const row = byDay.get(bucket.fromDay);
    return {
      customers: Number(row?.customers ?? 0),
      orders: Number(row?.orders ?? 0),
      newCustomers: Number(row?.new_customers ?? 0),
      returningCustomers: Number(row?.returning_customers ?? 0),
      repeatCustomers: Number(row?.repeat_customers ?? 0),
      returningByEnd: Number(row?.returning_by_end ?? 0),
    };
  });
  return assembleActivitySeries(query, buckets, context, parts);
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
  customer_id: string;
  last_at: Date;
  last_day: string;
  orders: number | bigint;
  net_spend: bigint;
}

function lapsedCustomer(row: LapsedRow, now: Date): LapsedCustomer {
  return {
    customerId: row.customer_id,
    lastOrderAt: row.last_at.toISOString(),
    lastOrderDay: row.last_day,
    daysSinceLastOrder: Math.floor((now.getTime() - row.last_at.getTime()) / DAY_MS),
    orders: Number(row.orders),
    netSpend: Number(row.net_spend),
  };
}

/**
 * Customers past the shop's lapse point as of `clock.now` (p90 of the gaps between consecutive
 * counted orders before now, at least 30 days), highest net spend first unless `sort` says
 * otherwise, narrowed by `filters`, with the count of all of them; `offset` and `limit` choose
 * the page. The lapse point comes from the gap rollups (gapPercentiles); the customers from
 * `customer_totals` (an index in the default order, and one on the last order for the count),
 * except those with an order or a refund at or after now, whose figures before now are read
 * from their orders. Throws InvalidRangeError (bad limit, offset, filter or sort) and
 * UnknownShopError.
 */
export async function atRiskOverview(shop: string, query: AtRiskQuery, clock: Clock): Promise<AtRiskReport> {
  return customerListOverview(shop, "at_risk", query, clock);
}

/**
 * Customers with two or more counted orders before `clock.now` (repeatBuyersReport), filtered,
 * sorted and paged as the at-risk list is, from `customer_totals`. Throws as atRiskOverview.
 */
export async function repeatBuyersOverview(shop: string, query: AtRiskQuery, clock: Clock): Promise<AtRiskReport> {
  return customerListOverview(shop, "repeat", query, clock);
}

const SORT_COLUMNS: Record<CustomerSortKey, string> = { net_spend: "net_spend", orders: "orders", last_order: "last_order_at" };

/**
 * The filters on `customer_totals` columns as of now: days since = ⌊(now − last) / day⌋, so
 * days ≥ d ⇔ last ≤ now − d days, and days ≤ d ⇔ last > now − (d + 1) days.
 */
function filterSql(filters: CustomerFilters, now: Date): Prisma.Sql {
  const parts: Prisma.Sql[] = [Prisma.sql`TRUE`];
  if (filters.minOrders !== undefined) parts.push(Prisma.sql`orders >= ${filters.minOrders}`);
  if (filters.maxOrders !== undefined) parts.push(Prisma.sql`orders <= ${filters.maxOrders}`);
  if (filters.minNetSpend !== undefined) parts.push(Prisma.sql`net_spend >= ${BigInt(filters.minNetSpend)}`);
  if (filters.maxNetSpend !== undefined) parts.push(Prisma.sql`net_spend <= ${BigInt(filters.maxNetSpend)}`);
  if (filters.minDaysSince !== undefined) parts.push(Prisma.sql`last_order_at <= ${new Date(now.getTime() - filters.minDaysSince * DAY_MS)}`);
  if (filters.maxDaysSince !== undefined) parts.push(Prisma.sql`last_order_at > ${new Date(now.getTime() - (filters.maxDaysSince + 1) * DAY_MS)}`);
  return Prisma.join(parts, " AND ");
}

/** One customer list from the rollups (customerListReport's definition). */
export async function customerListOverview(shop: string, list: CustomerList, query: AtRiskQuery, clock: Clock): Promise<AtRiskReport> {
  const limit = atRiskLimit(query);
  const offset = atRiskOffset(query);
  const filters = customerFilters(query.filters);
  const sort = customerSort(query.sort);
  const context = await retentionContext(shop, clock);
  const { settings, now, currency, timeZone } = context;
  const variant = settings.retentionIncludeCancelled;
  const { all } = await gapPercentiles(shop, context, null, now, [0.9]);
  const lapseMs = lapsePointMs(all.values[0]);
  // now − last > lapseMs, in whole milliseconds: last < now − ⌊lapseMs⌋.
  const cutoff = new Date(now.getTime() - Math.floor(lapseMs));
  const onList = list === "at_risk" ? Prisma.sql`last_order_at < ${cutoff}` : Prisma.sql`orders >= 2`;
  const where = Prisma.sql`shop = ${shop} AND ${totalsUnder(null, variant)} AND ${onList} AND last_activity_at < ${now}
    AND ${filterSql(filters, now)}`;
  const order = Prisma.raw(`${SORT_COLUMNS[sort.key]} ${sort.direction === "asc" ? "ASC" : "DESC"}`);
  const [[{ total }], page, lateRows] = await Promise.all([
    prisma.$queryRaw<Array<{ total: bigint }>>`SELECT count(*) AS total FROM customer_totals WHERE ${where}`,
    prisma.$queryRaw<LapsedRow[]>`
      SELECT customer_id::text AS customer_id, last_order_at AS last_at,
        to_char(last_order_at AT TIME ZONE ${timeZone}, 'YYYY-MM-DD') AS last_day, orders, net_spend
      FROM customer_totals
      WHERE ${where}
      ORDER BY ${order}, net_spend DESC, last_order_at DESC, customer_id ASC
      LIMIT ${offset + limit}`,
    // Customers with activity at or after now (none, unless now is in the past): from their orders.
    prisma.$queryRaw<LapsedRow[]>`
      WITH late AS (
        -- An order at or after now, or a refund then of one of their counted orders.
        SELECT customer_id FROM customer_totals
        WHERE shop = ${shop} AND ${totalsUnder(null, variant)} AND last_order_at >= ${now}
        UNION
        SELECT t.customer_id FROM customer_totals t
        WHERE t.shop = ${shop} AND ${totalsUnder("t", variant)} AND t.last_activity_at >= ${now}
          AND t.customer_id IN (
            SELECT o.customer_id FROM refunds r JOIN orders o ON o.shop = r.shop AND o.id = r.order_id
            WHERE r.shop = ${shop} AND r.processed_at >= ${now} AND o.customer_id IS NOT NULL
          )
      ),
      history AS MATERIALIZED (
        SELECT o.id, o.customer_id, o.processed_at, o.currency_code, o.gross_sales - o.discounts AS net
        FROM orders o
        WHERE o.shop = ${shop} AND o.customer_id IN (SELECT customer_id FROM late) AND o.processed_at < ${now}
          AND ${counted("o", settings)}
      ),
      refunded AS (
        SELECT h.customer_id, sum(r.returns) AS returns
        FROM refunds r JOIN history h ON h.id = r.order_id
        WHERE r.shop = ${shop} AND r.processed_at < ${now} AND h.currency_code = ${currency}
        GROUP BY h.customer_id
      ),
      customers AS (
        SELECT customer_id, max(processed_at) AS last_at, count(*) AS orders,
          coalesce(sum(net) FILTER (WHERE currency_code = ${currency}), 0) AS net
        FROM history GROUP BY customer_id
      )
      SELECT c.customer_id::text AS customer_id, c.last_at, to_char(c.last_at AT TIME ZONE ${timeZone}, 'YYYY-MM-DD') AS last_day,
        c.orders, (c.net - coalesce(x.returns, 0))::bigint AS net_spend
      FROM customers c LEFT JOIN refunded x USING (customer_id)
      WHERE ${list === "at_risk" ? Prisma.sql`c.last_at < ${cutoff}` : Prisma.sql`c.orders >= 2`}`,
  ]);
  const late = lateRows.map((row) => lapsedCustomer(row, now)).filter((customer) => matchesFilters(customer, filters));
  const customers = [...page.map((row) => lapsedCustomer(row, now)), ...late]
    .sort(compareCustomers(sort))
    .slice(offset, offset + limit);
  return {
    currency,
    timeZone,
    settings: { ...settings },
    now: now.toISOString(),
    lapsePointDays: msToDays(lapseMs) as number,
    gaps: all.count,
    total: Number(total) + late.length,
    offset,
    customers,
  };
}

/** A customer id as stored (a positive 64-bit integer in decimal), or null for anything else. */
export function parseCustomerId(value: string): bigint | null {
  if (!/^[1-9]\d{0,18}$/.test(value)) return null;
  const id = BigInt(value);
  return id <= 9_223_372_036_854_775_807n ? id : null;
}

/**
 * Whether the shop knows the customer: a record of theirs that is not deleted, or an order
 * under their id. Another shop's customer is unknown here.
 */
async function knownCustomer(shop: string, customerId: bigint): Promise<boolean> {
  const [{ known }] = await prisma.$queryRaw<Array<{ known: boolean }>>`
    SELECT EXISTS (SELECT 1 FROM customers WHERE shop = ${shop} AND id = ${customerId} AND deleted_at IS NULL)
      OR EXISTS (SELECT 1 FROM orders WHERE shop = ${shop} AND customer_id = ${customerId}) AS known`;
  return known;
}

/**
 * One customer's orders (before `before` when given) and those orders' refunds, as reference
 * rows: an index range of the orders table (shop, customer, time), for the one customer. With
 * each order's name in the admin, and whether it was only imported from a file, by order id
 * (what the customer's view shows of an order beside its figures).
 */
export async function customerRows(
  shop: string,
  customerId: bigint,
  before?: Date,
): Promise<{ orders: MetricOrder[]; refunds: MetricRefund[]; orderNames: Map<string, { name: string; imported: boolean }> }> {
  const orders = await prisma.order.findMany({
    where: { shop, customerId, ...(before ? { processedAt: { lt: before } } : {}) },
    orderBy: [{ processedAt: "asc" }, { id: "asc" }],
  });
  const refunds =
    orders.length === 0
      ? []
      : await prisma.refund.findMany({ where: { shop, orderId: { in: orders.map((order) => order.id) } }, orderBy: { processedAt: "asc" } });
  return {
    orders: orders.map(metricOrder),
    refunds: refunds.map(metricRefund),
    orderNames: new Map(orders.map((order) => [String(order.id), { name: order.name, imported: order.imported }])),
  };
}

/**
 * A customer's standing as of `clock.now` (customerStandingReport's definition): the lapse point
 * from the gap rollups (gapPercentiles), the customer's figures from their `customer_totals`
 * row; only when something of theirs happened at or after now (a past `now`) are their figures
 * read from their own orders. Null when the shop does not know the customer (another shop's, or
 * no such id). Throws UnknownShopError. `shopContext`: the shop's, when the caller has read it.
 */
export async function customerStanding(shop: string, customerId: bigint, clock: Clock, shopContext?: ShopContext): Promise<CustomerStanding | null> {
  const context = await retentionContext(shop, clock, shopContext);
  const { settings, now } = context;
  const [{ all }, [row], known] = await Promise.all([
    gapPercentiles(shop, context, null, now, [0.9]),
    prisma.$queryRaw<Array<{ order_at: Date[]; net_spend: bigint; first_paid_order_at: Date | null; last_activity_at: Date }>>`
      SELECT order_at, net_spend, first_paid_order_at, last_activity_at FROM customer_totals
      WHERE shop = ${shop} AND ${totalsUnder(null, settings.retentionIncludeCancelled)} AND customer_id = ${customerId}`,
    knownCustomer(shop, customerId),
  ]);
  if (!row && !known) return null;
  const lapseMs = lapsePointMs(all.values[0]);
  const id = customerId.toString();
  if (row && row.last_activity_at.getTime() >= now.getTime()) {
    return assembleCustomerStanding(id, customerStandingParts(await customerRows(shop, customerId, now), id, context), lapseMs, context);
  }
  const parts = row
    ? {
        orderAt: row.order_at,
        netSpend: Number(row.net_spend),
        acquiredAt: settings.cohortIncludeZeroValue ? row.order_at[0] ?? null : row.first_paid_order_at,
      }
    : { orderAt: [], netSpend: 0, acquiredAt: null };
  return assembleCustomerStanding(id, parts, lapseMs, context);
}

/**
 * The time-between-orders histogram for the later orders in P (gapHistogramReport's bins): the
 * gaps shorter than each edge are those of the buckets below the edge's bucket (`gapBucketCounts`)
 * and those shorter than the edge in its own bucket, read from that bucket's index range in P.
 * Throws InvalidRangeError and UnknownShopError.
 */
export async function gapHistogram(shop: string, query: RetentionRatesQuery, clock: Clock): Promise<GapHistogram> {
  validateRetentionQuery({ range: query.range });
  const context = await retentionContext(shop, clock);
  const { start, end } = ratesPlan(query, context).period;
  return gapHistogramOf(shop, context, { start, end }, gapBucketCounts(shop, context, start, end));
}

/** gapHistogram over [start, end), from its gaps per bucket (`counts`, gapBucketCounts'). */
async function gapHistogramOf(
  shop: string,
  context: RetentionContext,
  { start, end }: { start: Date; end: Date },
  counts: Promise<GapBucketCounts>,
): Promise<GapHistogram> {
  const g = gapColumns(context.settings);
  const edgesMs = GAP_HISTOGRAM_EDGES_DAYS.map((days) => days * DAY_MS);
  const [buckets, edges] = await Promise.all([
    counts,
    prisma.$queryRaw<Array<{ edge_ms: bigint; bucket: number; gaps: bigint; second_gaps: bigint }>>`
      SELECT e.edge_ms, e.bucket, x.gaps, x.second_gaps
      FROM (SELECT edge_ms, ${GAP_BUCKET(Prisma.sql`edge_ms`)} AS bucket FROM unnest(${edgesMs}::bigint[]) edge_ms) e
      CROSS JOIN LATERAL (
        SELECT count(*)::bigint AS gaps, (count(*) FILTER (WHERE s.${g.second}))::bigint AS second_gaps FROM daily_sales_sources s
        WHERE s.shop = ${shop} AND s.${g.bucket} = e.bucket
          AND s.processed_at >= ${start} AND s.processed_at < ${end} AND s.${g.gap} < e.edge_ms
      ) x
      ORDER BY e.edge_ms`,
  ]);
  const below = (second: boolean) =>
    edges.map((edge) =>
      buckets
        .filter((row) => row.bucket < edge.bucket)
        .reduce((sum, row) => sum + Number(second ? row.second_gaps : row.gaps), Number(second ? edge.second_gaps : edge.gaps)),
    );
  const total = (second: boolean) => buckets.reduce((sum, row) => sum + Number(second ? row.second_gaps : row.gaps), 0);
  return { firstToSecond: assembleHistogram(below(true), total(true)), betweenOrders: assembleHistogram(below(false), total(false)) };
}

// ---------------------------------------------------------------------------------------------
// Several shops at once (the Portfolio page): the customer activity of retentionRates, one query.
// ---------------------------------------------------------------------------------------------

/**
 * The customer activity in the range (`retentionRates(…).activity`: new and returning customers,
 * repeat purchase rate, returning customer rate, purchase frequency) for each of `contexts`'
 * shops, from one query: periodActivity's sums, with each shop's own settings and its range's
 * instants in its own zone. Each equals what retentionRates gives for that shop. The caller has
 * loaded each shop's context and brought its rollups up to date (ensureDailyRollups).
 */
export async function retentionActivityOfShops(
  contexts: ShopContext[],
  query: RetentionRatesQuery,
  clock: Clock,
): Promise<Map<string, RetentionRates["activity"]>> {
  validateRetentionQuery({ range: query.range });
  // A plan depends only on the zone and the activity window (and the query and now): shops
  // alike in both share it.
  const plans = new Map<string, RatesPlan>();
  const shops = contexts.map((shopContext) => {
    const context: RetentionContext = { timeZone: shopContext.timeZone, currency: shopContext.currency, now: clock.now, settings: shopContext.settings };
    const key = `${context.timeZone} ${context.settings.activityWindowDays}`;
    let plan = plans.get(key);
    if (!plan) plans.set(key, (plan = ratesPlan(query, context)));
    return { shop: shopContext.shop, context, plan };
  });
  const result = new Map<string, RetentionRates["activity"]>();
  if (shops.length === 0) return result;
  let rows: Array<PeriodRow & { shop: string }>;
  // Every shop's range has the same local dates: whole months for all of them, or for none.
  if (wholeMonths(shops[0].plan.range)) {
    rows = await prisma.$queryRaw`
      WITH p(shop, variant, zero_value, from_day, to_day) AS (
        SELECT * FROM unnest(${shops.map((s) => s.shop)}::text[], ${shops.map((s) => s.context.settings.retentionIncludeCancelled)}::boolean[],
          ${shops.map((s) => s.context.settings.cohortIncludeZeroValue)}::boolean[], ${shops.map((s) => s.plan.range.from)}::date[],
          ${shops.map((s) => s.plan.range.to)}::date[])
      )
      SELECT p.shop, x.* FROM p CROSS JOIN LATERAL (
        SELECT
          coalesce(sum(n.customers) FILTER (WHERE n.previous_month < p.from_day), 0)::bigint AS customers,
          coalesce(sum(n.orders), 0)::bigint AS orders,
          coalesce(sum(n.customers) FILTER (WHERE n.previous_month < p.from_day AND (n.repeat OR n.next_month < p.to_day)), 0)::bigint
            AS repeat_customers,
          (SELECT coalesce(sum(d.customers), 0) FROM cohort_days d
            WHERE d.shop = p.shop AND d.retention_include_cancelled = p.variant AND d.cohort_include_zero_value = p.zero_value
              AND d.day >= p.from_day AND d.day < p.to_day)::bigint AS new_customers,
          coalesce(sum(n.customers) FILTER (WHERE n.previous_month < p.from_day
            AND CASE WHEN p.zero_value THEN n.previous_month <> '-infinity' ELSE n.paid_before END), 0)::bigint AS returning_customers,
          (coalesce(sum(n.customers) FILTER (WHERE n.previous_month < p.from_day), 0)
            - coalesce(sum(n.customers) FILTER (WHERE n.previous_month = '-infinity' AND NOT n.repeat AND n.next_month >= p.to_day), 0))::bigint
            AS returning_by_end
        FROM customer_month_counts n
        WHERE n.shop = p.shop AND n.retention_include_cancelled = p.variant AND n.month >= p.from_day AND n.month < p.to_day
      ) x`;
  } else {
    // Each customer's orders in P, and before its end, counted in their `customer_totals` row.
    rows = await prisma.$queryRaw`
      WITH p(shop, variant, zero_value, start_at, end_at) AS (
        SELECT * FROM unnest(${shops.map((s) => s.shop)}::text[], ${shops.map((s) => s.context.settings.retentionIncludeCancelled)}::boolean[],
          ${shops.map((s) => s.context.settings.cohortIncludeZeroValue)}::boolean[],
          ${shops.map((s) => s.plan.period.start.toISOString())}::timestamptz[], ${shops.map((s) => s.plan.period.end.toISOString())}::timestamptz[])
      )
      SELECT p.shop, x.* FROM p CROSS JOIN LATERAL (
        SELECT
          count(*) FILTER (WHERE c.n > 0) AS customers,
          coalesce(sum(c.n), 0)::bigint AS orders,
          count(*) FILTER (WHERE c.n >= 2) AS repeat_customers,
          count(*) FILTER (WHERE c.n > 0 AND c.acquired_at >= p.start_at AND c.acquired_at < p.end_at) AS new_customers,
          count(*) FILTER (WHERE c.n > 0 AND c.acquired_at < p.start_at) AS returning_customers,
          count(*) FILTER (WHERE c.n > 0 AND c.by_end >= 2) AS returning_by_end
        FROM (
          SELECT width_bucket(p.end_at - interval '1 millisecond', t.order_at)
              - width_bucket(p.start_at - interval '1 millisecond', t.order_at) AS n,
            width_bucket(p.end_at - interval '1 millisecond', t.order_at) AS by_end,
            CASE WHEN p.zero_value THEN t.order_at[1] ELSE t.first_paid_order_at END AS acquired_at
          FROM customer_totals t
          WHERE t.shop = p.shop AND ${totalsUnder("t", Prisma.sql`p.variant`)} AND t.last_order_at >= p.start_at
        ) c
      ) x`;
  }
  const byShop = new Map(rows.map((row) => [row.shop, row]));
  // The activity does not depend on the retention counts, which this reads none of.
  const noRetention = { activeAtStart: 0, activeAtEnd: 0, retainedCustomers: 0 };
  for (const { shop, context, plan } of shops) {
    const activity = activityOf(byShop.get(shop)!);
    result.set(shop, assembleRetentionRates(plan, context, { activity, retention: noRetention }).activity);
  }
  return result;
}
