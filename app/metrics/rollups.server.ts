// Keeps the rollups in step with `orders` and `refunds`: `daily_sales` (sales per shop-local
// day, so sales reports read days instead of orders), `customer_first_orders` (each
// customer's first order under every setting, so retention never sorts the order history) and
// `customer_months` (each customer's activity and net sales per local month) with the two
// tables summed from it, `customer_month_counts` (customers by month and by their previous and
// next months with an order: retention rates) and `cohort_months` (the monthly cohort grid);
// `customer_weeks` and `cohort_weeks` likewise by ISO week; `customer_order_gaps` (each gap
// between a customer's consecutive orders) with `gap_months` (their counts by month and bucket:
// time between orders, the lapse point); and `customer_totals` (each customer's orders, last
// order, net spend and order instants: the at-risk list, spans that are not whole months).
//
// A day's rows are always recomputed whole from the source tables, and so are a customer's
// months, inside one transaction that holds a per-shop advisory lock (two refreshes of one shop
// never interleave). Which days and customers:
//   - `{ orderIds }`: the days those orders and their refunds touch now and touched at the
//     last refresh (`daily_sales_sources`), plus the days of their customers' first orders
//     before and after (`customer_first_orders`): of the customers' other orders, only those can
//     change kind ("first order") when an earlier order arrives, moves or disappears;
//     those customers' first orders and months are recomputed too (their old months' share of
//     the two sums is taken out first, the new one added);
//   - `{ fromDay?, toDay? }`: every day in that local-date range (no bound: no limit), and the
//     first orders and months of the customers with orders or refunds on those days;
//   - nothing: a rebuild of the whole shop, also done whenever the shop's time zone or currency
//     differs from the one the rollups were built in.
import { Prisma } from "@prisma/client";
import prisma from "#app/db.server";
import { UnknownShopError } from "./context.server";
import { assertLocalDate } from "./periods";

type Tx = Prisma.TransactionClient;

export type RollupScope = { fromDay?: string; toDay?: string } | { orderIds: ReadonlyArray<bigint | number | string> };

export interface RollupRefresh {
  /** "orders" and "days" refresh part of the shop; "full" rebuilt all of it. */
  mode: "full" | "days" | "orders";
  /** How many local days were recomputed. */
  days: number;
}

// A rebuild of a shop with a million orders takes a while; it must not hit Prisma's 5 s default.
export const ROLLUP_TRANSACTION_OPTIONS = { timeout: 15 * 60_000, maxWait: 60_000 };

async function lockShop(tx: Tx, shop: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`daily_sales:${shop}`}, 0))`;
}

/** The shop's time zone and currency: what the rollups' days, months and money are in. */
async function shopCalendar(tx: Tx | typeof prisma, shop: string): Promise<{ timeZone: string; currency: string }> {
  const row = await tx.shop.findUnique({ where: { domain: shop }, select: { ianaTimezone: true, currencyCode: true } });
  if (!row) throw new UnknownShopError(shop);
  return { timeZone: row.ianaTimezone, currency: row.currencyCode };
}

/**
 * Fresh statistics on the source tables before a rebuild. A shop just backfilled into a
 * database that holds other shops is otherwise unknown to the planner ("about one row"), which
 * then looks each order's refunds up by scanning all of the shop's refunds, and rebuilds take
 * hours instead of seconds. Outside the rebuild's transaction, so that rebuilds of two shops
 * do not wait on each other's ANALYZE lock; and only a help: when the tables are busy (a
 * long vacuum holds them past the lock timeout) the rebuild goes ahead without it.
 */
async function refreshStatistics(): Promise<void> {
  await prisma
    .$transaction([prisma.$executeRawUnsafe("SET LOCAL lock_timeout = '5s'"), prisma.$executeRawUnsafe("ANALYZE orders, refunds")])
    .catch(() => undefined);
}

/** The zone and currency the shop's rollups were last built in, if they were. */
async function builtIn(client: Tx | typeof prisma, shop: string): Promise<{ timeZone: string; currency: string | null } | null> {
  const [row] = await client.$queryRaw<Array<{ time_zone: string; currency_code: string | null }>>`
    SELECT time_zone, currency_code FROM daily_sales_state WHERE shop = ${shop}`;
  return row ? { timeZone: row.time_zone, currency: row.currency_code } : null;
}

/**
 * Replaces the rows of the given local days with sums recomputed from orders and refunds.
 * An order's day is PostgreSQL's `(processed_at AT TIME ZONE tz)::date`, a refund's likewise;
 * refunded amounts go both to the refund's day (by refund date) and to the order's day (by
 * order date). An order is the first of its customer when no other order of that customer
 * (neither test nor deleted, and for the second flag not cancelled) has an earlier
 * (processed_at, id).
 */
async function recomputeDays(tx: Tx, shop: string, timeZone: string, days: string[] | null): Promise<void> {
  if (days !== null && days.length === 0) return;
  // All days: one pass over the shop's rows. Some days: an index range scan around each day
  // (3 hours of slack on each side, more than any UTC offset change), then the exact local date;
  // a lateral subquery behind OFFSET 0, or the planner hashes the days against every order.
  // Everything else is a per-row index lookup, so no plan depends on table statistics (a
  // freshly imported shop has none yet).
  const target = Prisma.sql`(SELECT DISTINCT unnest(${days}::date[]) AS day)`;
  const dayOrders =
    days === null
      ? Prisma.sql`SELECT o.*, (o.processed_at AT TIME ZONE ${timeZone})::date AS day FROM orders o WHERE o.shop = ${shop}`
      : Prisma.sql`
        SELECT o.*, t.day
        FROM ${target} t
        CROSS JOIN LATERAL (
          SELECT * FROM orders o WHERE o.shop = ${shop}
            AND o.processed_at >= ((t.day - interval '3 hours') AT TIME ZONE ${timeZone})
            AND o.processed_at < ((t.day + interval '27 hours') AT TIME ZONE ${timeZone})
          OFFSET 0
        ) o
        WHERE (o.processed_at AT TIME ZONE ${timeZone})::date = t.day`;
  const dayRefunds =
    days === null
      ? Prisma.sql`
        SELECT r.order_id, r.returns, r.shipping, r.tax, (r.processed_at AT TIME ZONE ${timeZone})::date AS day
        FROM refunds r WHERE r.shop = ${shop}`
      : Prisma.sql`
        SELECT r.order_id, r.returns, r.shipping, r.tax, t.day
        FROM ${target} t
        CROSS JOIN LATERAL (
          SELECT * FROM refunds r WHERE r.shop = ${shop}
            AND r.processed_at >= ((t.day - interval '3 hours') AT TIME ZONE ${timeZone})
            AND r.processed_at < ((t.day + interval '27 hours') AT TIME ZONE ${timeZone})
          OFFSET 0
        ) r
        WHERE (r.processed_at AT TIME ZONE ${timeZone})::date = t.day`;
  // The kind of order `o` is: currency, cancelled, guest, and first of its customer.
  const kind = Prisma.sql`
    o.currency_code, o.cancelled_at IS NOT NULL AS cancelled, o.customer_id IS NULL AS guest,
    (o.customer_id IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM orders p
      WHERE p.shop = o.shop AND p.customer_id = o.customer_id AND NOT p.test AND p.deleted_at IS NULL
        AND (p.processed_at, p.id) < (o.processed_at, o.id))) AS first_order,
    (o.customer_id IS NOT NULL AND o.cancelled_at IS NULL AND NOT EXISTS (
      SELECT 1 FROM orders p
      WHERE p.shop = o.shop AND p.customer_id = o.customer_id AND NOT p.test AND p.deleted_at IS NULL
        AND p.cancelled_at IS NULL AND (p.processed_at, p.id) < (o.processed_at, o.id))) AS first_uncancelled_order`;
  await tx.$executeRaw`DELETE FROM daily_sales WHERE shop = ${shop}
    ${days === null ? Prisma.empty : Prisma.sql`AND day = ANY(${days}::date[])`}`;
  await tx.$executeRaw`
    WITH contributions AS (
      SELECT o.day, ${kind},
        1 AS orders, o.gross_sales, o.discounts, o.shipping, o.tax,
        0::bigint AS returns_by_refund_date, 0::bigint AS shipping_refunded_by_refund_date,
        0::bigint AS tax_refunded_by_refund_date,
        x.returns AS returns_by_order_date, x.shipping AS shipping_refunded_by_order_date,
        x.tax AS tax_refunded_by_order_date
      FROM (${dayOrders}) o
      CROSS JOIN LATERAL (
        SELECT coalesce(sum(r.returns), 0) AS returns, coalesce(sum(r.shipping), 0) AS shipping,
          coalesce(sum(r.tax), 0) AS tax
        FROM refunds r WHERE r.shop = ${shop} AND r.order_id = o.id
      ) x
      WHERE NOT o.test AND o.deleted_at IS NULL
      UNION ALL
      SELECT f.day, ${kind},
        0, 0, 0, 0, 0, f.returns, f.shipping, f.tax, 0, 0, 0
      FROM (${dayRefunds}) f
      JOIN orders o ON o.shop = ${shop} AND o.id = f.order_id
      WHERE NOT o.test AND o.deleted_at IS NULL
    )
    INSERT INTO daily_sales (shop, day, currency_code, cancelled, guest, first_order, first_uncancelled_order,
      orders, gross_sales, discounts, shipping, tax,
      returns_by_refund_date, shipping_refunded_by_refund_date, tax_refunded_by_refund_date,
      returns_by_order_date, shipping_refunded_by_order_date, tax_refunded_by_order_date)
    SELECT ${shop}, day, currency_code, cancelled, guest, first_order, first_uncancelled_order,
      sum(orders), sum(gross_sales), sum(discounts), sum(shipping), sum(tax),
      sum(returns_by_refund_date), sum(shipping_refunded_by_refund_date), sum(tax_refunded_by_refund_date),
      sum(returns_by_order_date), sum(shipping_refunded_by_order_date), sum(tax_refunded_by_order_date)
    FROM contributions
    GROUP BY day, currency_code, cancelled, guest, first_order, first_uncancelled_order`;
}

/** Recomputes the first-order instants of the given customers (all of the shop's when null). */
async function recomputeFirstOrders(tx: Tx, shop: string, customers: bigint[] | null): Promise<void> {
  const only = customers === null ? Prisma.empty : Prisma.sql`AND customer_id = ANY(${customers}::bigint[])`;
  await tx.$executeRaw`DELETE FROM customer_first_orders WHERE shop = ${shop} ${only}`;
  await tx.$executeRaw`
    INSERT INTO customer_first_orders (shop, customer_id, first_order_at, first_uncancelled_order_at,
      first_paid_order_at, first_paid_uncancelled_order_at)
    SELECT shop, customer_id,
      min(processed_at),
      min(processed_at) FILTER (WHERE cancelled_at IS NULL),
      min(processed_at) FILTER (WHERE total_price <> 0),
      min(processed_at) FILTER (WHERE cancelled_at IS NULL AND total_price <> 0)
    FROM orders
    WHERE shop = ${shop} AND customer_id IS NOT NULL AND NOT test AND deleted_at IS NULL ${only}
    GROUP BY shop, customer_id`;
}

/** `customer_months` columns of one setting variant: all counted orders, or uncancelled ones only. */
function monthColumns(includeCancelled: "v.cancelled" | boolean) {
  const pick = (all: string, uncancelled: string) =>
    includeCancelled === true
      ? Prisma.raw(`m.${all}`)
      : includeCancelled === false
        ? Prisma.raw(`m.${uncancelled}`)
        : Prisma.raw(`CASE WHEN v.cancelled THEN m.${all} ELSE m.${uncancelled} END`);
  return {
    orders: pick("orders", "uncancelled_orders"),
    previousMonth: pick("previous_month", "previous_uncancelled_month"),
    nextMonth: pick("next_month", "next_uncancelled_month"),
    paidCohort: pick("paid_cohort", "paid_uncancelled_cohort"),
  };
}

/**
 * Adds (sign 1) or takes away (sign -1) the contributions of the shop's `customer_months` rows
 * (of the given customers, or all of them) to `customer_month_counts` and `cohort_months`.
 * Cells left at zero are deleted, so the tables hold what a rebuild would.
 */
async function applyMonthContributions(tx: Tx, shop: string, customers: bigint[], sign: 1 | -1): Promise<void> {
  const only = Prisma.sql`AND m.customer_id = ANY(${customers}::bigint[])`;
  await tx.$executeRaw`
    INSERT INTO customer_month_counts AS t (shop, retention_include_cancelled, month, previous_month, next_month,
      paid_before, repeat, customers, orders)
    ${monthCountRows(shop, only, sign)}
    ON CONFLICT (shop, retention_include_cancelled, month, previous_month, next_month, paid_before, repeat)
    DO UPDATE SET customers = t.customers + EXCLUDED.customers, orders = t.orders + EXCLUDED.orders`;
  await tx.$executeRaw`
    INSERT INTO cohort_months AS t (shop, retention_include_cancelled, cohort_include_zero_value, cohort, month,
      customers, net_sales_by_refund_date, net_sales_by_order_date)
    ${cohortMonthRows(shop, only, sign)}
    ON CONFLICT (shop, retention_include_cancelled, cohort_include_zero_value, cohort, month)
    DO UPDATE SET customers = t.customers + EXCLUDED.customers,
      net_sales_by_refund_date = t.net_sales_by_refund_date + EXCLUDED.net_sales_by_refund_date,
      net_sales_by_order_date = t.net_sales_by_order_date + EXCLUDED.net_sales_by_order_date`;
  if (sign === 1) {
    await tx.$executeRaw`DELETE FROM customer_month_counts WHERE shop = ${shop} AND customers = 0 AND orders = 0`;
    await tx.$executeRaw`
      DELETE FROM cohort_months
      WHERE shop = ${shop} AND customers = 0 AND net_sales_by_refund_date = 0 AND net_sales_by_order_date = 0`;
  }
}

/** `customer_month_counts` rows summed from the shop's `customer_months` rows matching `filter`. */
function monthCountRows(shop: string, filter: Prisma.Sql, sign: 1 | -1): Prisma.Sql {
  const c = monthColumns("v.cancelled");
  return Prisma.sql`
    SELECT m.shop, v.cancelled, m.month,
      coalesce(${c.previousMonth}, '-infinity'::date), coalesce(${c.nextMonth}, 'infinity'::date),
      coalesce(${c.paidCohort} < m.month, false), ${c.orders} >= 2,
      ${sign} * count(*)::int, ${sign} * sum(${c.orders})::int
    FROM customer_months m CROSS JOIN (VALUES (true), (false)) v(cancelled)
    WHERE m.shop = ${shop} ${filter} AND ${c.orders} > 0
    GROUP BY 1, 2, 3, 4, 5, 6, 7`;
}

/** `cohort_months` rows summed from the shop's `customer_months` rows matching `filter`. */
function cohortMonthRows(shop: string, filter: Prisma.Sql, sign: 1 | -1): Prisma.Sql {
  const c = monthColumns("v.cancelled");
  const cohort = Prisma.sql`CASE WHEN v.cancelled
    THEN CASE WHEN v.zero_value THEN m.cohort ELSE m.paid_cohort END
    ELSE CASE WHEN v.zero_value THEN m.uncancelled_cohort ELSE m.paid_uncancelled_cohort END END`;
  return Prisma.sql`
    SELECT m.shop, v.cancelled, v.zero_value, ${cohort}, m.month,
      ${sign} * (count(*) FILTER (WHERE ${c.orders} > 0))::int,
      ${sign} * sum(m.net_sales_by_refund_date + CASE WHEN v.cancelled THEN m.cancelled_net_sales_by_refund_date ELSE 0 END)::bigint,
      ${sign} * sum(m.net_sales_by_order_date + CASE WHEN v.cancelled THEN m.cancelled_net_sales_by_order_date ELSE 0 END)::bigint
    FROM customer_months m CROSS JOIN (VALUES (true, true), (true, false), (false, true), (false, false)) v(cancelled, zero_value)
    WHERE m.shop = ${shop} ${filter} AND ${cohort} IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5`;
}

/**
 * Recomputes the `customer_months` rows of the given customers (all of the shop's when null)
 * from their counted orders and the refunds of those, months in the shop's zone and money in
 * `currency`, and with them `customer_month_counts` and `cohort_months`: incrementally (the old
 * rows' contributions out, the new ones' in) or, for the whole shop, from scratch.
 */
async function recomputeCustomerMonths(
  tx: Tx,
  shop: string,
  timeZone: string,
  currency: string,
  customers: bigint[] | null,
): Promise<void> {
  if (customers !== null && customers.length === 0) return;
  const only = customers === null ? Prisma.empty : Prisma.sql`AND o.customer_id = ANY(${customers}::bigint[])`;
  if (customers === null) {
    await tx.$executeRaw`DELETE FROM customer_month_counts WHERE shop = ${shop}`;
    await tx.$executeRaw`DELETE FROM cohort_months WHERE shop = ${shop}`;
    await tx.$executeRaw`DELETE FROM customer_months WHERE shop = ${shop}`;
  } else {
    await applyMonthContributions(tx, shop, customers, -1);
    await tx.$executeRaw`DELETE FROM customer_months WHERE shop = ${shop} AND customer_id = ANY(${customers}::bigint[])`;
  }
  await tx.$executeRaw`
    WITH counted AS (
      SELECT o.customer_id, o.processed_at, o.cancelled_at IS NULL AS uncancelled, o.total_price <> 0 AS paid,
        date_trunc('month', o.processed_at AT TIME ZONE ${timeZone})::date AS month,
        CASE WHEN o.currency_code = ${currency} THEN o.gross_sales - o.discounts ELSE 0 END AS net
      FROM orders o
      WHERE o.shop = ${shop} AND o.customer_id IS NOT NULL AND NOT o.test AND o.deleted_at IS NULL ${only}
    ),
    contributions AS (
      SELECT customer_id, month, processed_at, uncancelled, paid,
        CASE WHEN uncancelled THEN net ELSE 0 END AS net_by_refund_date,
        CASE WHEN uncancelled THEN net ELSE 0 END AS net_by_order_date,
        CASE WHEN uncancelled THEN 0 ELSE net END AS cancelled_net_by_refund_date,
        CASE WHEN uncancelled THEN 0 ELSE net END AS cancelled_net_by_order_date
      FROM counted
      UNION ALL
      -- Refunds of counted orders in the shop currency: on the refund's month (by refund date)
      -- and on the order's (by order date).
      SELECT o.customer_id, d.month, NULL, o.cancelled_at IS NULL, false,
        CASE WHEN o.cancelled_at IS NULL THEN d.by_refund_date ELSE 0 END,
        CASE WHEN o.cancelled_at IS NULL THEN d.by_order_date ELSE 0 END,
        CASE WHEN o.cancelled_at IS NULL THEN 0 ELSE d.by_refund_date END,
        CASE WHEN o.cancelled_at IS NULL THEN 0 ELSE d.by_order_date END
      FROM refunds r
      JOIN orders o ON o.shop = r.shop AND o.id = r.order_id
      CROSS JOIN LATERAL (VALUES
        (date_trunc('month', r.processed_at AT TIME ZONE ${timeZone})::date, -r.returns, 0::bigint),
        (date_trunc('month', o.processed_at AT TIME ZONE ${timeZone})::date, 0::bigint, -r.returns)
      ) d(month, by_refund_date, by_order_date)
      WHERE r.shop = ${shop} AND o.customer_id IS NOT NULL AND NOT o.test AND o.deleted_at IS NULL
        AND o.currency_code = ${currency} ${only}
    ),
    months AS (
      SELECT customer_id, month,
        count(processed_at)::int AS orders,
        (count(processed_at) FILTER (WHERE uncancelled))::int AS uncancelled_orders,
        min(processed_at) AS first_order_at, max(processed_at) AS last_order_at,
        min(processed_at) FILTER (WHERE uncancelled) AS first_uncancelled_order_at,
        max(processed_at) FILTER (WHERE uncancelled) AS last_uncancelled_order_at,
        bool_or(paid) AS paid, bool_or(paid AND uncancelled) AS paid_uncancelled,
        sum(net_by_refund_date) AS net_by_refund_date, sum(net_by_order_date) AS net_by_order_date,
        sum(cancelled_net_by_refund_date) AS cancelled_net_by_refund_date,
        sum(cancelled_net_by_order_date) AS cancelled_net_by_order_date
      FROM contributions
      GROUP BY customer_id, month
    )
    INSERT INTO customer_months (shop, customer_id, month, orders, uncancelled_orders,
      first_order_at, last_order_at, first_uncancelled_order_at, last_uncancelled_order_at,
      previous_order_at, previous_uncancelled_order_at, previous_month, previous_uncancelled_month,
      next_month, next_uncancelled_month, cohort, uncancelled_cohort, paid_cohort, paid_uncancelled_cohort,
      net_sales_by_refund_date, net_sales_by_order_date, cancelled_net_sales_by_refund_date, cancelled_net_sales_by_order_date)
    SELECT ${shop}, customer_id, month, orders, uncancelled_orders,
      first_order_at, last_order_at, first_uncancelled_order_at, last_uncancelled_order_at,
      max(last_order_at) OVER before, max(last_uncancelled_order_at) OVER before,
      max(month) FILTER (WHERE orders > 0) OVER before, max(month) FILTER (WHERE uncancelled_orders > 0) OVER before,
      min(month) FILTER (WHERE orders > 0) OVER after, min(month) FILTER (WHERE uncancelled_orders > 0) OVER after,
      min(month) FILTER (WHERE orders > 0) OVER customer, min(month) FILTER (WHERE uncancelled_orders > 0) OVER customer,
      min(month) FILTER (WHERE paid) OVER customer, min(month) FILTER (WHERE paid_uncancelled) OVER customer,
      net_by_refund_date, net_by_order_date, cancelled_net_by_refund_date, cancelled_net_by_order_date
    FROM months
    WINDOW customer AS (PARTITION BY customer_id),
      before AS (PARTITION BY customer_id ORDER BY month ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
      after AS (PARTITION BY customer_id ORDER BY month ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)`;
  if (customers === null) {
    await tx.$executeRaw`
      INSERT INTO customer_month_counts (shop, retention_include_cancelled, month, previous_month, next_month,
        paid_before, repeat, customers, orders)
      ${monthCountRows(shop, Prisma.empty, 1)}`;
    await tx.$executeRaw`
      INSERT INTO cohort_months (shop, retention_include_cancelled, cohort_include_zero_value, cohort, month,
        customers, net_sales_by_refund_date, net_sales_by_order_date)
      SELECT * FROM (${cohortMonthRows(shop, Prisma.empty, 1)}) c(shop, cancelled, zero_value, cohort, month, customers, by_refund, by_order)
      WHERE customers <> 0 OR by_refund <> 0 OR by_order <> 0`;
  } else {
    await applyMonthContributions(tx, shop, customers, 1);
  }
}

/** `cohort_weeks` rows summed from the shop's `customer_weeks` rows matching `filter`. */
function cohortWeekRows(shop: string, filter: Prisma.Sql, sign: 1 | -1): Prisma.Sql {
  const cohort = Prisma.sql`CASE WHEN v.cancelled
    THEN CASE WHEN v.zero_value THEN w.cohort ELSE w.paid_cohort END
    ELSE CASE WHEN v.zero_value THEN w.uncancelled_cohort ELSE w.paid_uncancelled_cohort END END`;
  const orders = Prisma.sql`CASE WHEN v.cancelled THEN w.orders ELSE w.uncancelled_orders END`;
  return Prisma.sql`
    SELECT w.shop, v.cancelled, v.zero_value, ${cohort}, w.week,
      ${sign} * (count(*) FILTER (WHERE ${orders} > 0))::int,
      ${sign} * sum(w.net_sales_by_refund_date + CASE WHEN v.cancelled THEN w.cancelled_net_sales_by_refund_date ELSE 0 END)::bigint,
      ${sign} * sum(w.net_sales_by_order_date + CASE WHEN v.cancelled THEN w.cancelled_net_sales_by_order_date ELSE 0 END)::bigint
    FROM customer_weeks w CROSS JOIN (VALUES (true, true), (true, false), (false, true), (false, false)) v(cancelled, zero_value)
    WHERE w.shop = ${shop} ${filter} AND ${cohort} IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5`;
}

/**
 * Recomputes the `customer_weeks` rows of the given customers (all of the shop's when null), as
 * `customer_months` by ISO week, and with them `cohort_weeks`: incrementally (the old rows'
 * contributions out, the new ones' in) or, for the whole shop, from scratch.
 */
async function recomputeCustomerWeeks(
  tx: Tx,
  shop: string,
  timeZone: string,
  currency: string,
  customers: bigint[] | null,
): Promise<void> {
  if (customers !== null && customers.length === 0) return;
  const only = customers === null ? Prisma.empty : Prisma.sql`AND o.customer_id = ANY(${customers}::bigint[])`;
  const mine = customers === null ? Prisma.empty : Prisma.sql`AND w.customer_id = ANY(${customers}::bigint[])`;
  const addCells = (sign: 1 | -1) => tx.$executeRaw`
    INSERT INTO cohort_weeks AS t (shop, retention_include_cancelled, cohort_include_zero_value, cohort, week,
      customers, net_sales_by_refund_date, net_sales_by_order_date)
    ${cohortWeekRows(shop, mine, sign)}
    ON CONFLICT (shop, retention_include_cancelled, cohort_include_zero_value, cohort, week)
    DO UPDATE SET customers = t.customers + EXCLUDED.customers,
      net_sales_by_refund_date = t.net_sales_by_refund_date + EXCLUDED.net_sales_by_refund_date,
      net_sales_by_order_date = t.net_sales_by_order_date + EXCLUDED.net_sales_by_order_date`;
  if (customers === null) {
    await tx.$executeRaw`DELETE FROM cohort_weeks WHERE shop = ${shop}`;
    await tx.$executeRaw`DELETE FROM customer_weeks WHERE shop = ${shop}`;
  } else {
    await addCells(-1);
    await tx.$executeRaw`DELETE FROM customer_weeks WHERE shop = ${shop} AND customer_id = ANY(${customers}::bigint[])`;
  }
  await tx.$executeRaw`
    WITH counted AS (
      SELECT o.customer_id, o.processed_at, o.cancelled_at IS NULL AS uncancelled, o.total_price <> 0 AS paid,
        date_trunc('week', o.processed_at AT TIME ZONE ${timeZone})::date AS week,
        CASE WHEN o.currency_code = ${currency} THEN o.gross_sales - o.discounts ELSE 0 END AS net
      FROM orders o
      WHERE o.shop = ${shop} AND o.customer_id IS NOT NULL AND NOT o.test AND o.deleted_at IS NULL ${only}
    ),
    contributions AS (
      SELECT customer_id, week, processed_at, uncancelled, paid,
        CASE WHEN uncancelled THEN net ELSE 0 END AS net_by_refund_date,
        CASE WHEN uncancelled THEN net ELSE 0 END AS net_by_order_date,
        CASE WHEN uncancelled THEN 0 ELSE net END AS cancelled_net_by_refund_date,
        CASE WHEN uncancelled THEN 0 ELSE net END AS cancelled_net_by_order_date
      FROM counted
      UNION ALL
      SELECT o.customer_id, d.week, NULL, o.cancelled_at IS NULL, false,
        CASE WHEN o.cancelled_at IS NULL THEN d.by_refund_date ELSE 0 END,
        CASE WHEN o.cancelled_at IS NULL THEN d.by_order_date ELSE 0 END,
        CASE WHEN o.cancelled_at IS NULL THEN 0 ELSE d.by_refund_date END,
        CASE WHEN o.cancelled_at IS NULL THEN 0 ELSE d.by_order_date END
      FROM refunds r
      JOIN orders o ON o.shop = r.shop AND o.id = r.order_id
      CROSS JOIN LATERAL (VALUES
        (date_trunc('week', r.processed_at AT TIME ZONE ${timeZone})::date, -r.returns, 0::bigint),
        (date_trunc('week', o.processed_at AT TIME ZONE ${timeZone})::date, 0::bigint, -r.returns)
      ) d(week, by_refund_date, by_order_date)
      WHERE r.shop = ${shop} AND o.customer_id IS NOT NULL AND NOT o.test AND o.deleted_at IS NULL
        AND o.currency_code = ${currency} ${only}
    ),
    weeks AS (
      SELECT customer_id, week,
        count(processed_at)::int AS orders,
        (count(processed_at) FILTER (WHERE uncancelled))::int AS uncancelled_orders,
        bool_or(paid) AS paid, bool_or(paid AND uncancelled) AS paid_uncancelled,
        sum(net_by_refund_date) AS net_by_refund_date, sum(net_by_order_date) AS net_by_order_date,
        sum(cancelled_net_by_refund_date) AS cancelled_net_by_refund_date,
        sum(cancelled_net_by_order_date) AS cancelled_net_by_order_date
      FROM contributions
      GROUP BY customer_id, week
    )
    INSERT INTO customer_weeks (shop, customer_id, week, orders, uncancelled_orders,
      cohort, uncancelled_cohort, paid_cohort, paid_uncancelled_cohort,
      net_sales_by_refund_date, net_sales_by_order_date, cancelled_net_sales_by_refund_date, cancelled_net_sales_by_order_date)
    SELECT ${shop}, customer_id, week, orders, uncancelled_orders,
      min(week) FILTER (WHERE orders > 0) OVER customer, min(week) FILTER (WHERE uncancelled_orders > 0) OVER customer,
      min(week) FILTER (WHERE paid) OVER customer, min(week) FILTER (WHERE paid_uncancelled) OVER customer,
      net_by_refund_date, net_by_order_date, cancelled_net_by_refund_date, cancelled_net_by_order_date
    FROM weeks
    WINDOW customer AS (PARTITION BY customer_id)`;
  if (customers === null) {
    await tx.$executeRaw`
      INSERT INTO cohort_weeks (shop, retention_include_cancelled, cohort_include_zero_value, cohort, week,
        customers, net_sales_by_refund_date, net_sales_by_order_date)
      SELECT * FROM (${cohortWeekRows(shop, Prisma.empty, 1)}) c(shop, cancelled, zero_value, cohort, week, customers, by_refund, by_order)
      WHERE customers <> 0 OR by_refund <> 0 OR by_order <> 0`;
  } else {
    await addCells(1);
    await tx.$executeRaw`
      DELETE FROM cohort_weeks
      WHERE shop = ${shop} AND customers = 0 AND net_sales_by_refund_date = 0 AND net_sales_by_order_date = 0`;
  }
}

/** The bucket of a gap of `gapMs` milliseconds (SQL): floor(48 × ln(1 + minutes)). */
export const GAP_BUCKET = (gapMs: Prisma.Sql) => Prisma.sql`floor(48 * ln(1 + (${gapMs})::float8 / 60000))::smallint`;

/**
 * Adds (sign 1) or takes away (sign -1) the given customers' `customer_order_gaps` rows to or
 * from `gap_months`; months left without gaps are deleted.
 */
async function applyGapContributions(tx: Tx, shop: string, timeZone: string, customers: bigint[], sign: 1 | -1): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO gap_months AS t (shop, retention_include_cancelled, month, bucket, gaps, second_gaps)
    SELECT shop, retention_include_cancelled, date_trunc('month', processed_at AT TIME ZONE ${timeZone})::date, bucket,
      ${sign} * count(*)::int, ${sign} * (count(*) FILTER (WHERE second))::int
    FROM customer_order_gaps
    WHERE shop = ${shop} AND customer_id = ANY(${customers}::bigint[])
    GROUP BY 1, 2, 3, 4
    ON CONFLICT (shop, retention_include_cancelled, month, bucket)
    DO UPDATE SET gaps = t.gaps + EXCLUDED.gaps, second_gaps = t.second_gaps + EXCLUDED.second_gaps`;
  if (sign === 1) await tx.$executeRaw`DELETE FROM gap_months WHERE shop = ${shop} AND gaps = 0`;
}

/**
 * Recomputes the given customers' (all of the shop's when null) `customer_order_gaps` and
 * `customer_totals` rows, for each value of the cancelled setting, from their counted orders
 * and the refunds of those; and `gap_months` with them, incrementally (the old rows'
 * contributions out, the new ones' in) or, for the whole shop, from scratch.
 */
async function recomputeCustomerHistories(
  tx: Tx,
  shop: string,
  timeZone: string,
  currency: string,
  customers: bigint[] | null,
): Promise<void> {
  if (customers !== null && customers.length === 0) return;
  const only = customers === null ? Prisma.empty : Prisma.sql`AND o.customer_id = ANY(${customers}::bigint[])`;
  if (customers === null) {
    await tx.$executeRaw`DELETE FROM gap_months WHERE shop = ${shop}`;
    await tx.$executeRaw`DELETE FROM customer_order_gaps WHERE shop = ${shop}`;
    await tx.$executeRaw`DELETE FROM customer_totals WHERE shop = ${shop}`;
  } else {
    await applyGapContributions(tx, shop, timeZone, customers, -1);
    await tx.$executeRaw`DELETE FROM customer_order_gaps WHERE shop = ${shop} AND customer_id = ANY(${customers}::bigint[])`;
    await tx.$executeRaw`DELETE FROM customer_totals WHERE shop = ${shop} AND customer_id = ANY(${customers}::bigint[])`;
  }
  // One pass over the customers' counted orders in order serves both values of the cancelled
  // setting: the previous order, and the previous uncancelled one (the latest before it).
  const ms = (later: Prisma.Sql, earlier: Prisma.Sql) =>
    Prisma.sql`((extract(epoch FROM ${later}) - extract(epoch FROM ${earlier})) * 1000)::bigint`;
  await tx.$executeRaw`
    INSERT INTO customer_order_gaps (shop, retention_include_cancelled, customer_id, order_id, processed_at, gap_ms, second, bucket)
    SELECT ${shop}, v.cancelled, g.customer_id, g.id, g.processed_at, v.gap_ms, v.n = 2, ${GAP_BUCKET(Prisma.sql`v.gap_ms`)}
    FROM (
      SELECT o.customer_id, o.id, o.processed_at, o.cancelled_at IS NULL AS uncancelled,
        lag(o.processed_at) OVER w AS previous_at, row_number() OVER w AS n,
        max(o.processed_at) FILTER (WHERE o.cancelled_at IS NULL)
          OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS previous_uncancelled_at,
        count(*) FILTER (WHERE o.cancelled_at IS NULL) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS uncancelled_n
      FROM orders o
      WHERE o.shop = ${shop} AND o.customer_id IS NOT NULL AND NOT o.test AND o.deleted_at IS NULL ${only}
      WINDOW w AS (PARTITION BY o.customer_id ORDER BY o.processed_at, o.id)
    ) g
    CROSS JOIN LATERAL (VALUES
      (true, ${ms(Prisma.sql`g.processed_at`, Prisma.sql`g.previous_at`)}, g.n),
      (false, CASE WHEN g.uncancelled THEN ${ms(Prisma.sql`g.processed_at`, Prisma.sql`g.previous_uncancelled_at`)} END, g.uncancelled_n)
    ) v(cancelled, gap_ms, n)
    WHERE v.gap_ms IS NOT NULL`;
  const refundOrders =
    customers === null
      ? Prisma.empty
      : Prisma.sql`AND r.order_id IN (SELECT id FROM orders WHERE shop = ${shop} AND customer_id = ANY(${customers}::bigint[]))`;
  // One group per customer, both values of the cancelled setting side by side, then a row each.
  await tx.$executeRaw`
    INSERT INTO customer_totals (shop, retention_include_cancelled, customer_id, orders, last_order_at, net_spend, last_activity_at,
      order_at, order_net, first_paid_order_at)
    SELECT ${shop}, v.cancelled, a.customer_id, v.orders, v.last_order_at, v.net_spend, v.last_activity_at, v.order_at, v.order_net, v.first_paid
    FROM (
      SELECT c.customer_id,
        count(*)::int AS orders, max(c.processed_at) AS last_at,
        coalesce(sum(c.net - coalesce(c.returns, 0)) FILTER (WHERE c.currency_code = ${currency}), 0)::bigint AS net,
        greatest(max(c.processed_at), max(c.refunded_at)) AS activity,
        array_agg(c.processed_at ORDER BY c.processed_at, c.id) AS order_at,
        array_agg(c.shop_net ORDER BY c.processed_at, c.id) AS order_net,
        min(c.processed_at) FILTER (WHERE c.paid) AS first_paid,
        (count(*) FILTER (WHERE c.uncancelled))::int AS u_orders, max(c.processed_at) FILTER (WHERE c.uncancelled) AS u_last_at,
        coalesce(sum(c.net - coalesce(c.returns, 0)) FILTER (WHERE c.uncancelled AND c.currency_code = ${currency}), 0)::bigint AS u_net,
        greatest(max(c.processed_at) FILTER (WHERE c.uncancelled), max(c.refunded_at) FILTER (WHERE c.uncancelled)) AS u_activity,
        array_agg(c.processed_at ORDER BY c.processed_at, c.id) FILTER (WHERE c.uncancelled) AS u_order_at,
        array_agg(c.shop_net ORDER BY c.processed_at, c.id) FILTER (WHERE c.uncancelled) AS u_order_net,
        min(c.processed_at) FILTER (WHERE c.paid AND c.uncancelled) AS u_first_paid
      FROM (
        SELECT o.customer_id, o.id, o.processed_at, o.currency_code, o.gross_sales - o.discounts AS net, o.total_price <> 0 AS paid,
          -- The order's net sales in the shop currency as refunded so far (0 in another currency).
          CASE WHEN o.currency_code = ${currency} THEN o.gross_sales - o.discounts - coalesce(r.returns, 0) ELSE 0 END AS shop_net,
          o.cancelled_at IS NULL AS uncancelled, r.returns, r.last_at AS refunded_at
        FROM orders o
        LEFT JOIN (
          SELECT r.order_id, sum(r.returns) AS returns, max(r.processed_at) AS last_at
          FROM refunds r WHERE r.shop = ${shop} ${refundOrders}
          GROUP BY r.order_id
        ) r ON r.order_id = o.id
        WHERE o.shop = ${shop} AND o.customer_id IS NOT NULL AND NOT o.test AND o.deleted_at IS NULL ${only}
      ) c
      GROUP BY c.customer_id
    ) a
    CROSS JOIN LATERAL (VALUES
      (true, a.orders, a.last_at, a.net, a.activity, a.order_at, a.order_net, a.first_paid),
      (false, a.u_orders, a.u_last_at, a.u_net, a.u_activity, a.u_order_at, a.u_order_net, a.u_first_paid)
    ) v(cancelled, orders, last_order_at, net_spend, last_activity_at, order_at, order_net, first_paid)
    WHERE v.orders > 0`;
  if (customers === null) {
    await tx.$executeRaw`
      INSERT INTO gap_months (shop, retention_include_cancelled, month, bucket, gaps, second_gaps)
      SELECT shop, retention_include_cancelled, date_trunc('month', processed_at AT TIME ZONE ${timeZone})::date, bucket,
        count(*)::int, (count(*) FILTER (WHERE second))::int
      FROM customer_order_gaps WHERE shop = ${shop}
      GROUP BY 1, 2, 3, 4`;
  } else {
    await applyGapContributions(tx, shop, timeZone, customers, 1);
  }
}

/** Records, for each given order still stored, its customer and the days it now touches. */
async function recordSources(tx: Tx, shop: string, timeZone: string, orderFilter: Prisma.Sql): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO daily_sales_sources (shop, order_id, customer_id, days)
    SELECT o.shop, o.id, o.customer_id,
      ARRAY(
        SELECT DISTINCT d FROM unnest(
          ARRAY[(o.processed_at AT TIME ZONE ${timeZone})::date] ||
          ARRAY(SELECT (r.processed_at AT TIME ZONE ${timeZone})::date FROM refunds r
                WHERE r.shop = o.shop AND r.order_id = o.id)
        ) AS d ORDER BY d)
    FROM orders o
    WHERE o.shop = ${shop} AND ${orderFilter}
    ON CONFLICT (shop, order_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, days = EXCLUDED.days`;
}

async function markBuilt(tx: Tx, shop: string, timeZone: string, currency: string): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO daily_sales_state (shop, time_zone, currency_code, refreshed_at) VALUES (${shop}, ${timeZone}, ${currency}, now())
    ON CONFLICT (shop) DO UPDATE SET time_zone = EXCLUDED.time_zone, currency_code = EXCLUDED.currency_code,
      refreshed_at = EXCLUDED.refreshed_at`;
}

async function refreshDayRange(
  tx: Tx,
  shop: string,
  { timeZone, currency }: { timeZone: string; currency: string },
  fromDay: string | null,
  toDay: string | null,
): Promise<number> {
  const from = fromDay ?? "-infinity";
  const to = toDay ?? "infinity";
  const found = await tx.$queryRaw<Array<{ day: string }>>`
    SELECT DISTINCT day::text AS day FROM (
      SELECT day FROM daily_sales WHERE shop = ${shop} AND day >= ${from}::date AND day < ${to}::date
      UNION
      SELECT (processed_at AT TIME ZONE ${timeZone})::date FROM orders
      WHERE shop = ${shop}
        AND processed_at >= ((${from}::date - 1)::timestamp AT TIME ZONE ${timeZone})
        AND processed_at < ((${to}::date + 1)::timestamp AT TIME ZONE ${timeZone})
      UNION
      SELECT (processed_at AT TIME ZONE ${timeZone})::date FROM refunds
      WHERE shop = ${shop}
        AND processed_at >= ((${from}::date - 1)::timestamp AT TIME ZONE ${timeZone})
        AND processed_at < ((${to}::date + 1)::timestamp AT TIME ZONE ${timeZone})
    ) d
    WHERE day >= ${from}::date AND day < ${to}::date`;
  const days = found.map((row) => row.day);
  await recomputeDays(tx, shop, timeZone, days);
  // The customers with orders on those days, and those whose orders were refunded on them.
  const customerRows = await tx.$queryRaw<Array<{ customer_id: bigint }>>`
    SELECT customer_id FROM orders
    WHERE shop = ${shop} AND customer_id IS NOT NULL
      AND processed_at >= ((${from}::date - 1)::timestamp AT TIME ZONE ${timeZone})
      AND processed_at < ((${to}::date + 1)::timestamp AT TIME ZONE ${timeZone})
      AND (processed_at AT TIME ZONE ${timeZone})::date = ANY(${days}::date[])
    UNION
    SELECT o.customer_id FROM refunds r JOIN orders o ON o.shop = r.shop AND o.id = r.order_id
    WHERE r.shop = ${shop} AND o.customer_id IS NOT NULL
      AND r.processed_at >= ((${from}::date - 1)::timestamp AT TIME ZONE ${timeZone})
      AND r.processed_at < ((${to}::date + 1)::timestamp AT TIME ZONE ${timeZone})
      AND (r.processed_at AT TIME ZONE ${timeZone})::date = ANY(${days}::date[])`;
  const customers = customerRows.map((row) => BigInt(row.customer_id));
  await recomputeFirstOrders(tx, shop, customers);
  await recomputeCustomerMonths(tx, shop, timeZone, currency, customers);
  await recomputeCustomerHistories(tx, shop, timeZone, currency, customers);
  await recomputeCustomerWeeks(tx, shop, timeZone, currency, customers);
  await recordSources(
    tx,
    shop,
    timeZone,
    Prisma.sql`(o.id IN (
      SELECT id FROM orders WHERE shop = ${shop} AND (processed_at AT TIME ZONE ${timeZone})::date = ANY(${days}::date[])
        AND processed_at >= ((${from}::date - 1)::timestamp AT TIME ZONE ${timeZone})
        AND processed_at < ((${to}::date + 1)::timestamp AT TIME ZONE ${timeZone})
      UNION
      SELECT order_id FROM refunds WHERE shop = ${shop} AND (processed_at AT TIME ZONE ${timeZone})::date = ANY(${days}::date[])
        AND processed_at >= ((${from}::date - 1)::timestamp AT TIME ZONE ${timeZone})
        AND processed_at < ((${to}::date + 1)::timestamp AT TIME ZONE ${timeZone})))`,
  );
  return days.length;
}

async function rebuild(tx: Tx, shop: string, { timeZone, currency }: { timeZone: string; currency: string }): Promise<number> {
  // Sorts and hashes over the whole shop: in memory rather than in temporary files.
  await tx.$executeRawUnsafe(`SET LOCAL work_mem = '128MB'`);
  await recomputeDays(tx, shop, timeZone, null);
  await recomputeFirstOrders(tx, shop, null);
  await recomputeCustomerMonths(tx, shop, timeZone, currency, null);
  await recomputeCustomerHistories(tx, shop, timeZone, currency, null);
  await recomputeCustomerWeeks(tx, shop, timeZone, currency, null);
  await tx.$executeRaw`DELETE FROM daily_sales_sources WHERE shop = ${shop}`;
  // Every order's days at once: its refunds' days grouped by order and joined, rather than
  // looked up order by order.
  await tx.$executeRaw`
    INSERT INTO daily_sales_sources (shop, order_id, customer_id, days)
    SELECT o.shop, o.id, o.customer_id,
      CASE WHEN r.days IS NULL THEN ARRAY[(o.processed_at AT TIME ZONE ${timeZone})::date]
        ELSE ARRAY(SELECT DISTINCT d FROM unnest(r.days || (o.processed_at AT TIME ZONE ${timeZone})::date) AS d ORDER BY d) END
    FROM orders o
    LEFT JOIN (
      SELECT order_id, array_agg((processed_at AT TIME ZONE ${timeZone})::date) AS days
      FROM refunds WHERE shop = ${shop} GROUP BY order_id
    ) r ON r.order_id = o.id
    WHERE o.shop = ${shop}`;
  await markBuilt(tx, shop, timeZone, currency);
  const [{ days }] = await tx.$queryRaw<Array<{ days: bigint }>>`
    SELECT count(DISTINCT day) AS days FROM daily_sales WHERE shop = ${shop}`;
  return Number(days);
}

async function refreshOrders(
  tx: Tx,
  shop: string,
  { timeZone, currency }: { timeZone: string; currency: string },
  orderIds: bigint[],
): Promise<number> {
  if (orderIds.length === 0) return 0;
  // The customers the given orders belong (or belonged) to.
  const customerRows = await tx.$queryRaw<Array<{ customer_id: bigint }>>`
    SELECT customer_id FROM daily_sales_sources
    WHERE shop = ${shop} AND order_id = ANY(${orderIds}::bigint[]) AND customer_id IS NOT NULL
    UNION
    SELECT customer_id FROM orders WHERE shop = ${shop} AND id = ANY(${orderIds}::bigint[]) AND customer_id IS NOT NULL`;
  const customers = customerRows.map((row) => BigInt(row.customer_id));
  // The days of those customers' first orders (both flags of `daily_sales`) and of their
  // refunds (which carry their order's kind), before and after: of the customers' other orders,
  // only these can change kind.
  const firstDays = async () =>
    (
      await tx.$queryRaw<Array<{ day: string }>>`
        WITH firsts AS (
          SELECT o.id, o.processed_at FROM customer_first_orders f
          JOIN orders o ON o.shop = f.shop AND o.customer_id = f.customer_id
            AND o.processed_at IN (f.first_order_at, f.first_uncancelled_order_at)
          WHERE f.shop = ${shop} AND f.customer_id = ANY(${customers}::bigint[])
        )
        SELECT DISTINCT day::text AS day FROM (
          SELECT (processed_at AT TIME ZONE ${timeZone})::date AS day FROM firsts
          UNION ALL
          SELECT (r.processed_at AT TIME ZONE ${timeZone})::date FROM firsts x JOIN refunds r ON r.shop = ${shop} AND r.order_id = x.id
        ) d`
    ).map((row) => row.day);
  const before = await firstDays();
  await recomputeFirstOrders(tx, shop, customers);
  const after = await firstDays();
  // The days the given orders and their refunds touch now and touched at the last refresh.
  const found = await tx.$queryRaw<Array<{ day: string }>>`
    SELECT DISTINCT day::text AS day FROM (
      SELECT unnest(days) AS day FROM daily_sales_sources WHERE shop = ${shop} AND order_id = ANY(${orderIds}::bigint[])
      UNION ALL
      SELECT (processed_at AT TIME ZONE ${timeZone})::date FROM orders WHERE shop = ${shop} AND id = ANY(${orderIds}::bigint[])
      UNION ALL
      SELECT (processed_at AT TIME ZONE ${timeZone})::date FROM refunds WHERE shop = ${shop} AND order_id = ANY(${orderIds}::bigint[])
    ) d`;
  const days = [...new Set([...found.map((row) => row.day), ...before, ...after])];
  await recomputeDays(tx, shop, timeZone, days);
  await recomputeCustomerMonths(tx, shop, timeZone, currency, customers);
  await recomputeCustomerHistories(tx, shop, timeZone, currency, customers);
  await recomputeCustomerWeeks(tx, shop, timeZone, currency, customers);
  await tx.$executeRaw`
    DELETE FROM daily_sales_sources s
    WHERE s.shop = ${shop} AND s.order_id = ANY(${orderIds}::bigint[])
      AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.shop = s.shop AND o.id = s.order_id)`;
  await recordSources(tx, shop, timeZone, Prisma.sql`o.id = ANY(${orderIds}::bigint[])`);
  return days.length;
}

function checkDay(value: string | undefined, label: string): string | null {
  if (value === undefined) return null;
  assertLocalDate(value, label);
  return value;
}

function parseScope(scope: RollupScope) {
  const orderIds = "orderIds" in scope ? scope.orderIds.map((id) => BigInt(id)) : null;
  const fromDay = orderIds ? null : checkDay((scope as { fromDay?: string }).fromDay, "fromDay");
  const toDay = orderIds ? null : checkDay((scope as { toDay?: string }).toDay, "toDay");
  const rebuildNeeded = (calendar: { timeZone: string; currency: string }, state: Awaited<ReturnType<typeof builtIn>>) =>
    !state ||
    state.timeZone !== calendar.timeZone ||
    state.currency !== calendar.currency ||
    (!orderIds && fromDay === null && toDay === null);
  return { orderIds, fromDay, toDay, rebuildNeeded };
}

/**
 * `refreshDailyRollups` inside a transaction of the caller's, so that rows written in it and
 * the rollups that count them commit (or roll back) together; erasing a customer does this.
 */
export async function refreshRollupsIn(tx: Tx, shop: string, scope: RollupScope = {}): Promise<RollupRefresh> {
  const { orderIds, fromDay, toDay, rebuildNeeded } = parseScope(scope);
  await lockShop(tx, shop);
  const calendar = await shopCalendar(tx, shop);
  const state = await builtIn(tx, shop);
  if (rebuildNeeded(calendar, state)) {
    return { mode: "full", days: await rebuild(tx, shop, calendar) };
  }
  const days = orderIds
    ? await refreshOrders(tx, shop, calendar, orderIds)
    : await refreshDayRange(tx, shop, calendar, fromDay, toDay);
  await markBuilt(tx, shop, calendar.timeZone, calendar.currency);
  return { mode: orderIds ? "orders" : "days", days };
}

/**
 * Brings a shop's rollups (daily sales, customers' first orders and months) up to date after
 * orders or refunds were written:
 * `{ orderIds }` for the orders just written (their old and new days and their customers'
 * other orders), `{ fromDay, toDay }` for local days `[fromDay, toDay)`, nothing for a rebuild.
 * A shop whose time zone or currency changed since the last refresh is always rebuilt.
 * Writes of orders and refunds go through app/sync/order-writer.server.ts, which calls this.
 */
export async function refreshDailyRollups(shop: string, scope: RollupScope = {}): Promise<RollupRefresh> {
  const { rebuildNeeded } = parseScope(scope);
  if (rebuildNeeded(await shopCalendar(prisma, shop), await builtIn(prisma, shop))) await refreshStatistics();
  return prisma.$transaction((tx) => refreshRollupsIn(tx, shop, scope), ROLLUP_TRANSACTION_OPTIONS);
}

/**
 * Makes sure the shop's rollups exist and were built in its current time zone and currency (a
 * rebuild otherwise). Cheap when they were: one primary-key read.
 */
export async function ensureDailyRollups(shop: string, timeZone: string, currency: string): Promise<void> {
  const state = await builtIn(prisma, shop);
  if (state && state.timeZone === timeZone && state.currency === currency) return;
  await refreshDailyRollups(shop);
}
