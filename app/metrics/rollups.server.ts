// Keeps the rollups in step with `orders` and `refunds`: `daily_sales` (sales per shop-local
// day, so sales reports read days instead of orders); `customer_months` (each customer's
// activity and net sales per local month) with the two tables summed from it,
// `customer_month_counts` (customers by month and by their previous and next months with an
// order: retention rates) and `cohort_months` (the monthly cohort grid); `cohort_weeks` (the
// weekly cohort grid, summed from each customer's weeks as computed from `daily_sales_sources`
// and kept nowhere else); `gap_months` (the gaps between each customer's consecutive orders,
// recorded with the later order's contribution in `daily_sales_sources`, counted by month and
// bucket: time between orders, the lapse point); and `customer_totals` (each customer's orders,
// first, first paid and last order, net spend, order instants and their local dates: the
// at-risk list, spans that are not whole months, the predictions' purchase days) with the two
// tables summed from it, `activity_days` (customers with an order per local day, their orders,
// repeat, new and returning ones: activity by day) and `cohort_days` (customers acquired per
// local day, with their orders to date: new customers, and the activity of those first seen in
// a range of days).
//
// Everything happens inside one transaction that holds a per-shop advisory lock (two refreshes
// of one shop never interleave); a rebuild may do half of its work in a second transaction
// beside it, committed with it (docs/decisions/023-a-rebuild-in-two-halves.md).
// `daily_sales_sources` records what each counted order last contributed to `daily_sales`
// (its day and kind, amounts, refunds by day, whether it is paid, the gap since the customer's
// previous order), so a refresh changes `daily_sales`, `cohort_weeks` and `gap_months` by
// difference; per-customer rows are recomputed whole for the customers concerned, and the
// cells summed from them (`cohort_days`, `customer_month_counts`, `cohort_months`,
// `activity_days`) change by the difference between those customers' rows before and after.
// Which orders and customers:
//   - `{ orderIds }`: those orders and every order of their customers, now and at the last
//     refresh (a customer's other orders can change kind, "first order", when an earlier order
//     arrives, moves or disappears);
//   - `{ fromDay?, toDay? }`: the orders placed or refunded on local days in that range (no
//     bound: no limit), and those recorded there at the last refresh, then as above;
//   - nothing: a rebuild of the whole shop, also done whenever the shop's time zone or currency
//     differs from the one the rollups were built in.
import { Prisma } from "@prisma/client";
import pLimit from "p-limit";
import prisma, { ROLLUP_WRITE_PLANNING } from "#app/db.server";
import { UnknownShopError } from "./context.server";
import { refreshStatisticsFor } from "./planner-statistics.server";
import { assertLocalDate } from "./periods";
import type { RebuildProgress } from "./rebuild-progress";
import { shopLockKey, shopLockStatement } from "./rollup-lock";
import { rowsThatDiffer, sameKey, updateIfChanged } from "./upserts.server";
import { doneWithin } from "#app/done-within";
import { errorMessage } from "#app/error-message";

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

/**
 * Takes the shop's lock for a transaction that writes its rollups, and has the transaction plan
 * at PostgreSQL's default price of a random read, at which the writes were tuned (ROLLUP_WRITE_PLANNING).
 */
async function lockShop(tx: Tx, shop: string): Promise<void> {
  await tx.$executeRaw(shopLockStatement(shop));
  await tx.$executeRawUnsafe(ROLLUP_WRITE_PLANNING);
}

/** The shop's time zone and currency: what the rollups' days, months and money are in. */
async function shopCalendar(tx: Tx | typeof prisma, shop: string): Promise<{ timeZone: string; currency: string }> {
  const row = await tx.shop.findUnique({ where: { domain: shop }, select: { ianaTimezone: true, currencyCode: true } });
  if (!row) throw new UnknownShopError(shop);
  return { timeZone: row.ianaTimezone, currency: row.currencyCode };
}

/**
 * Fresh statistics on the source tables before a rebuild, when the planner is wrong about the
 * shop (planner-statistics.server.ts): without them it looks each order's refunds up by
 * scanning all of the shop's refunds, and a rebuild of a shop just backfilled takes hours
 * instead of seconds. Outside the rebuild's transaction, so that rebuilds of two shops do not
 * wait on each other's ANALYZE lock.
 */
const refreshStatistics = (shop: string) => refreshStatisticsFor(shop, ["orders", "refunds"]);

/** The zone and currency the shop's rollups were last built in, if they were. */
async function builtIn(client: Tx | typeof prisma, shop: string): Promise<{ timeZone: string; currency: string | null } | null> {
  const [row] = await client.$queryRaw<Array<{ time_zone: string; currency_code: string | null }>>`
    SELECT time_zone, currency_code FROM daily_sales_state WHERE shop = ${shop}`;
  return row ? { timeZone: row.time_zone, currency: row.currency_code } : null;
}

/**
 * Each counted order's (neither test nor deleted) contribution to `daily_sales`, as
 * `daily_sales_sources` rows: of all the shop's orders, or of the orders matching `filter` (on
 * `o`), which must hold every counted order of each customer among them (a customer's first
 * orders are found among them). An order's day is PostgreSQL's `(processed_at AT TIME ZONE
 * tz)::date`, a refund's likewise; refunded amounts go both to the refund's day (by refund date)
 * and to the order's day (by order date). An order is the first of its customer when no other
 * counted order of that customer has an earlier (processed_at, id), the first uncancelled one
 * likewise among the uncancelled ones. Each order of a customer with an earlier counted order
 * records the gap since the latest of those (time between orders, the lapse point), its bucket
 * and whether it is the customer's second; each uncancelled one likewise among the uncancelled
 * ones. A gap is the difference of float8 epochs in milliseconds, exact (the instants are whole
 * milliseconds) and cheaper than extract's numeric. One pass over the orders in customer order,
 * their refunds summed per local day and joined.
 */
function orderContributions(shop: string, timeZone: string, filter: Prisma.Sql | null): Prisma.Sql {
  const refundsOf =
    filter === null
      ? Prisma.empty
      : Prisma.sql`AND r.order_id IN (SELECT o.id FROM orders o WHERE o.shop = ${shop} AND ${filter})`;
  const gapSince = (previous: string) =>
    Prisma.raw(`((date_part('epoch', c.processed_at) - date_part('epoch', c.${previous})) * 1000)::bigint`);
  const computed: Record<string, Prisma.Sql> = {
    gap_ms: Prisma.sql`g.gap_ms`,
    gap_bucket: GAP_BUCKET(Prisma.sql`g.gap_ms`),
    uncancelled_gap_ms: Prisma.sql`g.uncancelled_gap_ms`,
    uncancelled_gap_bucket: GAP_BUCKET(Prisma.sql`g.uncancelled_gap_ms`),
  };
  const columns = Prisma.join(SOURCE_VALUES.map((column) => computed[column] ?? Prisma.raw(`c.${column}`)));
  return Prisma.sql`
    SELECT c.shop, c.order_id, ${columns}
    FROM (
      SELECT o.shop, o.id AS order_id, o.customer_id, (o.processed_at AT TIME ZONE ${timeZone})::date AS day, o.currency_code,
        o.cancelled_at IS NOT NULL AS cancelled,
        o.customer_id IS NOT NULL AND row_number() OVER customer = 1 AS first_order,
        o.customer_id IS NOT NULL AND o.cancelled_at IS NULL
          AND count(*) FILTER (WHERE o.cancelled_at IS NULL) OVER customer = 1 AS first_uncancelled_order,
        o.gross_sales, o.discounts, o.shipping, o.tax,
        coalesce(r.returns, 0)::bigint AS returns, coalesce(r.shipping, 0)::bigint AS shipping_refunded,
        coalesce(r.tax, 0)::bigint AS tax_refunded,
        r.days AS refund_days, r.day_returns AS refund_returns, r.day_shipping AS refund_shipping, r.day_tax AS refund_tax,
        o.total_price <> 0 AS paid, o.processed_at,
        o.customer_id IS NOT NULL AND row_number() OVER customer = 2 AS second_order,
        o.customer_id IS NOT NULL AND o.cancelled_at IS NULL
          AND count(*) FILTER (WHERE o.cancelled_at IS NULL) OVER customer = 2 AS second_uncancelled_order,
        CASE WHEN o.customer_id IS NOT NULL THEN lag(o.processed_at) OVER customer END AS previous_at,
        CASE WHEN o.customer_id IS NOT NULL AND o.cancelled_at IS NULL
          THEN max(o.processed_at) FILTER (WHERE o.cancelled_at IS NULL) OVER before END AS previous_uncancelled_at
      FROM orders o
      LEFT JOIN (
        SELECT order_id, sum(returns) AS returns, sum(shipping) AS shipping, sum(tax) AS tax,
          array_agg(day ORDER BY day) AS days, array_agg(returns ORDER BY day) AS day_returns,
          array_agg(shipping ORDER BY day) AS day_shipping, array_agg(tax ORDER BY day) AS day_tax
        FROM (
          SELECT r.order_id, (r.processed_at AT TIME ZONE ${timeZone})::date AS day,
            sum(r.returns)::bigint AS returns, sum(r.shipping)::bigint AS shipping, sum(r.tax)::bigint AS tax
          FROM refunds r WHERE r.shop = ${shop} ${refundsOf}
          GROUP BY 1, 2
        ) d
        GROUP BY order_id
      ) r ON r.order_id = o.id
      WHERE o.shop = ${shop} AND NOT o.test AND o.deleted_at IS NULL ${filter === null ? Prisma.empty : Prisma.sql`AND ${filter}`}
      WINDOW customer AS (PARTITION BY o.customer_id ORDER BY o.processed_at, o.id ROWS UNBOUNDED PRECEDING),
        before AS (PARTITION BY o.customer_id ORDER BY o.processed_at, o.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
    ) c
    CROSS JOIN LATERAL (SELECT ${gapSince("previous_at")} AS gap_ms, ${gapSince("previous_uncancelled_at")} AS uncancelled_gap_ms) g`;
}

/** `daily_sales_sources`' columns after its key (shop, order_id). */
const SOURCE_VALUES = [
  "customer_id",
  "day",
  "currency_code",
  "cancelled",
  "first_order",
  "first_uncancelled_order",
  "gross_sales",
  "discounts",
  "shipping",
  "tax",
  "returns",
  "shipping_refunded",
  "tax_refunded",
  "refund_days",
  "refund_returns",
  "refund_shipping",
  "refund_tax",
  "paid",
  "processed_at",
  "gap_ms",
  "gap_bucket",
  "second_order",
  "uncancelled_gap_ms",
  "uncancelled_gap_bucket",
  "second_uncancelled_order",
];
const SOURCE_COLUMNS = Prisma.raw(["shop", "order_id", ...SOURCE_VALUES].join(", "));

/**
 * Sets the shop's rows of `table` to `rows` (a SELECT of the columns `key` then `values`, in that
 * order), as a rebuild does. Into a table holding none of the shop's rows (a first build) they
 * are inserted. Otherwise only what differs is written: rows new or changed inserted or
 * updated, rows no longer there deleted, identical rows left as they are. A rebuild after
 * another backfill, or after a change of time zone, finds most rows as they were (the gaps do
 * not depend on the zone), and writing a row and its index entries costs several times
 * comparing it.
 */
async function replaceShopRows(tx: Tx, shop: string, table: string, key: string[], values: string[], rows: Prisma.Sql): Promise<void> {
  const target = Prisma.raw(table);
  const columns = Prisma.raw([...key, ...values].join(", "));
  const [{ present }] = await tx.$queryRaw<Array<{ present: boolean }>>`
    SELECT EXISTS (SELECT 1 FROM ${target} WHERE shop = ${shop}) AS present`;
  if (!present) {
    await tx.$executeRaw`INSERT INTO ${target} (${columns}) ${rows}`;
    return;
  }
  // The rows named by the column list, whatever their SELECT calls them, and of the table's
  // types, as an insert would make them (a sum of bigints is numeric), so that they compare.
  const types = await tx.$queryRaw<Array<{ name: string; type: string }>>`
    SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
    WHERE attrelid = ${table}::regclass AND attnum > 0 AND NOT attisdropped`;
  const typeOf = new Map(types.map((column) => [column.name, column.type]));
  const typed = Prisma.raw([...key, ...values].map((column) => `r.${column}::${typeOf.get(column)}`).join(", "));
  await tx.$executeRaw`
    WITH new AS MATERIALIZED (SELECT ${typed} FROM (${rows}) r (${columns})),
    written AS (
      INSERT INTO ${target} AS t (${columns}) ${rowsThatDiffer(table, key, values)}
      ON CONFLICT (${Prisma.raw(key.join(", "))}) ${updateIfChanged(values)}
    )
    DELETE FROM ${target} t WHERE t.shop = ${shop} AND NOT EXISTS (SELECT 1 FROM new n WHERE ${Prisma.raw(sameKey(key, "n", "t"))})`;
}

const DAILY_SALES_KEY = Prisma.raw(`day, currency_code, cancelled, guest, first_order, first_uncancelled_order`);
const DAILY_SALES_SUMS = [
  "orders",
  "gross_sales",
  "discounts",
  "shipping",
  "tax",
  "returns_by_refund_date",
  "shipping_refunded_by_refund_date",
  "tax_refunded_by_refund_date",
  "returns_by_order_date",
  "shipping_refunded_by_order_date",
  "tax_refunded_by_order_date",
];

/**
 * `daily_sales` rows summed from `daily_sales_sources` rows (`sources`, a FROM item), each
 * counted `sign` times: the order on its day, each of its refunds' days with the refunds by
 * refund date, in the order's kind (`computed`: the rows are computed, not read from the
 * table, and computed once). Groups whose sums are all zero are left out (a rebuild
 * never writes such a row, and a refresh deletes one it leaves).
 */
function dailySalesRows(shop: string, sources: Prisma.Sql, { computed }: { computed: boolean }): Prisma.Sql {
  const sums = Prisma.raw(DAILY_SALES_SUMS.map((column) => `sum(${column})::${column === "orders" ? "int" : "bigint"}`).join(", "));
  const nonZero = Prisma.raw(DAILY_SALES_SUMS.map((column) => `sum(${column}) <> 0`).join(" OR "));
  return Prisma.sql`
    WITH sources AS ${computed ? Prisma.sql`MATERIALIZED` : Prisma.sql`NOT MATERIALIZED`} ${sources}
    SELECT ${shop}, ${DAILY_SALES_KEY}, ${sums}
    FROM (
      SELECT s.day, s.currency_code, s.cancelled, s.customer_id IS NULL AS guest, s.first_order, s.first_uncancelled_order,
        s.sign AS orders, s.sign * s.gross_sales AS gross_sales, s.sign * s.discounts AS discounts, s.sign * s.shipping AS shipping,
        s.sign * s.tax AS tax, 0::bigint AS returns_by_refund_date, 0::bigint AS shipping_refunded_by_refund_date,
        0::bigint AS tax_refunded_by_refund_date, s.sign * s.returns AS returns_by_order_date,
        s.sign * s.shipping_refunded AS shipping_refunded_by_order_date, s.sign * s.tax_refunded AS tax_refunded_by_order_date
      FROM sources s
      UNION ALL
      SELECT u.day, s.currency_code, s.cancelled, s.customer_id IS NULL, s.first_order, s.first_uncancelled_order,
        0, 0, 0, 0, 0, s.sign * u.returns, s.sign * u.shipping, s.sign * u.tax, 0, 0, 0
      FROM sources s
      CROSS JOIN LATERAL unnest(s.refund_days, s.refund_returns, s.refund_shipping, s.refund_tax) u(day, returns, shipping, tax)
      -- Most orders have no refund: no unnest set up for each of them (1.8 s → 0.4 s at a million orders).
      WHERE s.refund_days IS NOT NULL
    ) c
    GROUP BY ${DAILY_SALES_KEY}
    HAVING ${nonZero}`;
}

/**
 * Rebuilds the shop's `daily_sales_sources`, written in the order of their key (each entry of
 * their primary key next to the last, ADR 032), and, summed from them, its `daily_sales`: written
 * in the order of its key, so that a span of days (what every sales read asks for) lies on a few
 * pages rather than one page a row (the hash aggregate's order). The sums are hashed, then their
 * few rows sorted (groupedByHashing).
 */
async function rebuildDays(tx: Tx, shop: string, timeZone: string): Promise<void> {
  await tx.$executeRaw`DELETE FROM daily_sales WHERE shop = ${shop}`;
  await replaceShopRows(
    tx,
    shop,
    "daily_sales_sources",
    ["shop", "order_id"],
    SOURCE_VALUES,
    Prisma.sql`SELECT * FROM (${orderContributions(shop, timeZone, null)}) c ORDER BY c.order_id`,
  );
  await groupedByHashing(
    tx,
    () => tx.$executeRaw`
      WITH sums AS MATERIALIZED (
        ${dailySalesRows(shop, Prisma.sql`(SELECT ${SOURCE_COLUMNS}, 1 AS sign FROM daily_sales_sources WHERE shop = ${shop})`, { computed: false })}
      )
      INSERT INTO daily_sales (shop, ${DAILY_SALES_KEY}, ${Prisma.raw(DAILY_SALES_SUMS.join(", "))})
      SELECT * FROM sums ORDER BY ${DAILY_SALES_KEY}`,
  );
}

/** Rebuilds the shop's `cohort_weeks`, summed from the week rows of its `daily_sales_sources` (as written by rebuildDays). */
async function rebuildWeeks(tx: Tx, shop: string, currency: string): Promise<void> {
  await tx.$executeRaw`DELETE FROM cohort_weeks WHERE shop = ${shop}`;
  const sources = Prisma.sql`(SELECT * FROM daily_sales_sources WHERE shop = ${shop})`;
  await groupedBySorting(
    tx,
    () => tx.$executeRaw`
      INSERT INTO cohort_weeks (shop, retention_include_cancelled, cohort_include_zero_value, cohort, week,
        ${Prisma.raw(cohortValueColumns(WEEK).join(", "))})
      ${cohortRows(WEEK, shop, Prisma.sql`(SELECT w.*, 1 AS sign FROM (${customerWeekRows(currency, sources)}) w)`)}`,
  );
}

/**
 * Runs a rebuild's statement that groups all of a shop's rows by customer and period (a local
 * month or week) with hash aggregation off (`SET LOCAL`, for that statement only). The planner
 * cannot count those groups (a period is an expression of the shop's zone, a parameter): at a
 * million orders it guesses 40,000 where there are about 650,000 to 775,000, hashes them,
 * spilling to disk, then sorts the result by customer for the window over each customer's
 * periods. Sorted once by customer and period instead, the rows are grouped in that order and
 * reach the window already sorted (ADR 032).
 */
async function groupedBySorting<T>(tx: Tx, statement: () => Promise<T>): Promise<T> {
  return withPlannerMethodOff(tx, "enable_hashagg", statement);
}

/**
 * Runs a rebuild's statement that sums all of a shop's order contributions into a few groups
 * (local days and kinds) with sorting off, for that statement only. The planner takes those
 * groups for many: at a million orders it guesses 640,000 where there are about 14,000, and
 * sorts the million contributions on disk to group them, where a hash of the groups fits in
 * memory (2.5 s against 1.4 to 1.6 s at a million orders). The statement sums in a MATERIALIZED
 * CTE and sorts the few sums outside it, so that the one sort it needs is in either plan, and
 * only the sorted grouping has another (ADR 032).
 */
async function groupedByHashing<T>(tx: Tx, statement: () => Promise<T>): Promise<T> {
  return withPlannerMethodOff(tx, "enable_sort", statement);
}

/** Runs `statement` with one of the planner's methods off (`SET LOCAL`), then back to its default. */
async function withPlannerMethodOff<T>(tx: Tx, method: "enable_hashagg" | "enable_sort", statement: () => Promise<T>): Promise<T> {
  await tx.$executeRawUnsafe(`SET LOCAL ${method} = off`);
  const result = await statement();
  await tx.$executeRawUnsafe(`SET LOCAL ${method} TO DEFAULT`);
  return result;
}

/**
 * Brings `daily_sales` up to date by difference for the given orders and every order of the
 * given customers: their recorded contributions (`daily_sales_sources`) out, their current ones
 * in, and their records brought up to date, in one statement that computes the current ones
 * once and writes only the records that change (a cancelled order changes its own, and at most
 * the first-order flags and gaps of its customer's others). In the same statement `cohort_weeks`
 * and `gap_months` by difference: the customers' week rows and gaps as the records were −1 and
 * as they are +1. Returns how many local days changed.
 */
async function refreshDaysOf(
  tx: Tx,
  shop: string,
  { timeZone, currency }: Calendar,
  orderIds: bigint[],
  customers: bigint[],
): Promise<number> {
  // The records of the given orders and of the customers' orders, found by order id: the
  // customers' orders are those `orders` holds for them, as every change of an order's customer
  // is refreshed with it (or, in a bulk run, by the rebuild that ends it). The records have no
  // index by customer (ADR 032). Of those found, the ones recorded for one of the customers, so
  // that each customer's weeks are computed from all of their records or none.
  // The statement reads them once (`old`), and removes those of orders no longer counted from
  // that reading.
  const recorded = Prisma.sql`s.shop = ${shop}
    AND s.order_id = ANY(${orderIds}::bigint[] || ARRAY(SELECT o.id FROM orders o WHERE o.shop = ${shop} AND o.customer_id = ANY(${customers}::bigint[])))
    AND (s.order_id = ANY(${orderIds}::bigint[]) OR s.customer_id = ANY(${customers}::bigint[]))`;
  const current = Prisma.sql`(o.id = ANY(${orderIds}::bigint[]) OR o.customer_id = ANY(${customers}::bigint[]))`;
  const setSums = Prisma.raw(DAILY_SALES_SUMS.map((column) => `${column} = t.${column} + EXCLUDED.${column}`).join(", "));
  const allZero = Prisma.raw(DAILY_SALES_SUMS.map((column) => `${column} = 0`).join(" AND "));
  // The customers' contributions as recorded (−1) and as they are now (+1): what every cell the
  // statement moves is summed from.
  const delta = Prisma.sql`(SELECT *, -1 AS sign FROM old UNION ALL SELECT *, 1 FROM new)`;
  const weeksOf = (sources: string, sign: number) =>
    Prisma.sql`SELECT w.*, ${Prisma.raw(String(sign))} AS sign FROM (${customerWeekRows(currency, Prisma.raw(sources))}) w`;
  const changed = await tx.$queryRaw<Array<{ day: string | null; tbl: string | null; ctid: string | null; empty: boolean }>>`
    WITH new (${SOURCE_COLUMNS}) AS MATERIALIZED (${orderContributions(shop, timeZone, current)}),
    old AS MATERIALIZED (SELECT ${SOURCE_COLUMNS} FROM daily_sales_sources s WHERE ${recorded}),
    written AS (
      INSERT INTO daily_sales_sources AS t (${SOURCE_COLUMNS}) ${rowsThatDiffer("old", ["order_id"], SOURCE_VALUES)}
      ON CONFLICT (shop, order_id) ${updateIfChanged(SOURCE_VALUES)}
    ),
    dropped AS (
      DELETE FROM daily_sales_sources t
      WHERE t.shop = ${shop} AND t.order_id IN (SELECT order_id FROM old) AND t.order_id NOT IN (SELECT order_id FROM new)
    ),
    day_cells AS (
      INSERT INTO daily_sales AS t (shop, ${DAILY_SALES_KEY}, ${Prisma.raw(DAILY_SALES_SUMS.join(", "))})
      ${dailySalesRows(shop, delta, { computed: true })}
      ON CONFLICT (shop, ${DAILY_SALES_KEY}) DO UPDATE SET ${setSums}
      RETURNING day::text AS day, ${allZero} AS empty
    ),
    week_cells AS (${upsertCohortCells(WEEK, shop, Prisma.sql`(${weeksOf("old", -1)} UNION ALL ${weeksOf("new", 1)})`)}),
    gap_cells AS (
      INSERT INTO gap_months AS t (shop, retention_include_cancelled, month, bucket, gaps, second_gaps)
      ${gapMonthRows(shop, delta)}
      ON CONFLICT (shop, retention_include_cancelled, month, bucket)
      DO UPDATE SET gaps = t.gaps + EXCLUDED.gaps, second_gaps = t.second_gaps + EXCLUDED.second_gaps
      RETURNING 'gap_months'::text AS tbl, t.ctid::text AS ctid, t.gaps = 0 AS empty
    )
    SELECT day, NULL::text AS tbl, NULL::text AS ctid, empty FROM day_cells
    UNION ALL
    SELECT NULL, tbl, ctid, empty FROM week_cells WHERE empty
    UNION ALL
    SELECT NULL, tbl, ctid, empty FROM gap_cells WHERE empty`;
  const days = changed.filter((row) => row.day !== null);
  const emptied = [...new Set(days.filter((row) => row.empty).map((row) => row.day))];
  if (emptied.length > 0) {
    await tx.$executeRaw`DELETE FROM daily_sales WHERE shop = ${shop} AND day = ANY(${emptied}::date[]) AND ${allZero}`;
  }
  await deleteEmptyCellsOf(tx, changed, { cohort_weeks: COHORT_EMPTY, gap_months: "gaps = 0" });
  return new Set(days.map((row) => row.day)).size;
}

const COHORT_DAY_COLUMNS = Prisma.raw(
  "shop, retention_include_cancelled, cohort_include_zero_value, day, customers, orders, repeat_customers, paid_customers",
);

/**
 * `cohort_days` rows summed from `customer_totals`-shaped rows (`rows`, a FROM item with
 * retention_include_cancelled, first_order_at, first_paid_order_at, orders and a `sign`): each
 * customer's row under a value of the cancelled setting holds their first counted order, their
 * first paid one and how many they have, so it is acquired on the day of the first (zero-value
 * orders counted) or of the first paid (not counted): the customers whose acquiring order is on
 * each local day, their counted orders, how many of them have two or more and how many a
 * non-zero one; cells whose sums are zero are left out. Both cohort settings' rows as a UNION ALL
 * over one pass rather than a LATERAL VALUES per customer (ADR 023).
 */
function cohortDayRows(shop: string, timeZone: string, rows: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    WITH f AS MATERIALIZED (SELECT retention_include_cancelled, first_order_at, first_paid_order_at, orders, sign FROM ${rows} r)
    SELECT ${shop}, v.cancelled, v.zero_value, (v.at AT TIME ZONE ${timeZone})::date, sum(v.sign)::int,
      sum(v.sign * v.orders)::int, sum(v.sign * (v.orders >= 2)::int)::int, sum(v.sign * v.paid::int)::int
    FROM (
      SELECT retention_include_cancelled AS cancelled, true AS zero_value, first_order_at AS at, orders,
        first_paid_order_at IS NOT NULL AS paid, sign
      FROM f
      UNION ALL
      SELECT retention_include_cancelled, false, first_paid_order_at, orders, true, sign FROM f WHERE first_paid_order_at IS NOT NULL
    ) v
    GROUP BY 2, 3, 4
    HAVING sum(v.sign) <> 0 OR sum(v.sign * v.orders) <> 0 OR sum(v.sign * (v.orders >= 2)::int) <> 0 OR sum(v.sign * v.paid::int) <> 0`;
}

/**
 * Deletes the cells of `table` among `ctids` that are still all zero (`empty`, SQL): those an
 * upsert of summed cells returned as empty (`RETURNING ctid`). The shop's lock keeps every other
 * writer off these rows until the transaction ends, so a row version's ctid stays valid: a later
 * pass that updates the cell again returns its new one, and a delete by an outdated one finds
 * nothing.
 */
async function deleteEmptyCells(tx: Tx, table: string, empty: string, ctids: string[]): Promise<void> {
  if (ctids.length === 0) return;
  await tx.$executeRaw`DELETE FROM ${Prisma.raw(table)} WHERE ctid = ANY(${ctids}::tid[]) AND ${Prisma.raw(empty)}`;
}

/**
 * Deletes the cells left empty by one statement's upserts into several tables: `cells` are the
 * rows it returned (`tbl`, `ctid`, `empty`; rows it returned for something else, without a
 * table or a ctid, are passed over), `emptyWhen` each table's all-zero condition (SQL).
 */
async function deleteEmptyCellsOf(
  tx: Tx,
  cells: Array<{ tbl: string | null; ctid: string | null; empty: boolean }>,
  emptyWhen: Record<string, string>,
): Promise<void> {
  for (const [table, empty] of Object.entries(emptyWhen)) {
    const ctids = cells.flatMap((cell) => (cell.empty && cell.tbl === table && cell.ctid !== null ? [cell.ctid] : []));
    await deleteEmptyCells(tx, table, empty, ctids);
  }
}

/** Which customers a recompute is for, as a condition on their orders `o` (all of the shop's when null). */
function customersOnly(customers: bigint[] | null): Prisma.Sql {
  return customers === null ? Prisma.empty : Prisma.sql`AND o.customer_id = ANY(${customers}::bigint[])`;
}

/**
 * A cohort grid: by local month (`cohort_months`, summed from `customer_months`) or by ISO week
 * starting Monday (`cohort_weeks`, summed from week rows computed from `daily_sales_sources`).
 */
interface Period {
  unit: "month" | "week";
  cohortTable: "cohort_months" | "cohort_weeks";
  /**
   * Whether each cohort cell also sums its customers' orders and counts those with two or more
   * (the activity of whole weeks is read from the cells of `cohort_weeks`).
   */
  cellActivity: boolean;
}

const COHORT_COLUMNS = ["cohort", "uncancelled_cohort", "paid_cohort", "paid_uncancelled_cohort"];
const NET_COLUMNS = [
  "net_sales_by_refund_date",
  "net_sales_by_order_date",
  "cancelled_net_sales_by_refund_date",
  "cancelled_net_sales_by_order_date",
];
const MONTH: Period = { unit: "month", cohortTable: "cohort_months", cellActivity: false };
const WEEK: Period = { unit: "week", cohortTable: "cohort_weeks", cellActivity: true };
/** `customer_months`' columns after its key (shop, customer_id, month). */
const MONTH_COLUMNS = [
  "orders",
  "uncancelled_orders",
  "first_order_at",
  "last_order_at",
  "first_uncancelled_order_at",
  "last_uncancelled_order_at",
  "previous_order_at",
  "previous_uncancelled_order_at",
  "previous_month",
  "previous_uncancelled_month",
  "next_month",
  "next_uncancelled_month",
  ...COHORT_COLUMNS,
  ...NET_COLUMNS,
];
const COHORT_EMPTY = "customers = 0 AND net_sales_by_refund_date = 0 AND net_sales_by_order_date = 0";
const MONTH_COUNT_EMPTY = "customers = 0 AND orders = 0";

/** The cohort grid's summed columns after (shop, settings, cohort, unit). */
function cohortValueColumns(period: Period): string[] {
  return ["customers", ...(period.cellActivity ? ["orders", "repeat_customers"] : []), "net_sales_by_refund_date", "net_sales_by_order_date"];
}

/**
 * Cohort grid rows (`cohort_months` or `cohort_weeks`) summed from per-customer rows (`rows`, a
 * FROM item of the per-customer table's shape, each with a `sign`), for the four setting
 * combinations; cells whose sums are all zero are left out.
 */
function cohortRows(period: Period, shop: string, rows: Prisma.Sql): Prisma.Sql {
  const cohort = Prisma.sql`CASE WHEN v.cancelled
    THEN CASE WHEN v.zero_value THEN g.cohort ELSE g.paid_cohort END
    ELSE CASE WHEN v.zero_value THEN g.uncancelled_cohort ELSE g.paid_uncancelled_cohort END END`;
  const pick = (all: string, uncancelled: string) => Prisma.raw(`CASE WHEN v.cancelled THEN g.${all} ELSE g.${uncancelled} END`);
  const customers = Prisma.sql`sum(${pick("customers", "uncancelled_customers")})::int`;
  const cellOrders = Prisma.sql`sum(${pick("orders", "uncancelled_orders")})::int`;
  const repeat = Prisma.sql`sum(${pick("repeat", "uncancelled_repeat")})::int`;
  const activity = period.cellActivity ? Prisma.sql`${cellOrders}, ${repeat},` : Prisma.empty;
  // A change of orders alone (a zero-value order beside another) moves no customer and no sale.
  const activityChanged = period.cellActivity ? Prisma.sql`OR ${cellOrders} <> 0 OR ${repeat} <> 0` : Prisma.empty;
  const byRefund = Prisma.sql`sum(g.by_refund_date + CASE WHEN v.cancelled THEN g.cancelled_by_refund_date ELSE 0 END)::bigint`;
  const byOrder = Prisma.sql`sum(g.by_order_date + CASE WHEN v.cancelled THEN g.cancelled_by_order_date ELSE 0 END)::bigint`;
  return Prisma.sql`
    SELECT ${shop}, v.cancelled, v.zero_value, ${cohort}, g.period, ${customers}, ${activity} ${byRefund}, ${byOrder}
    FROM (
      -- The rows summed by their four cohorts and period first: most customers share one cohort
      -- under every setting, so the settings' combinations then count far fewer groups than rows.
      SELECT m.cohort, m.uncancelled_cohort, m.paid_cohort, m.paid_uncancelled_cohort, m.${Prisma.raw(period.unit)} AS period,
        sum(m.sign * (m.orders > 0)::int) AS customers, sum(m.sign * (m.uncancelled_orders > 0)::int) AS uncancelled_customers,
        sum(m.sign * m.orders) AS orders, sum(m.sign * m.uncancelled_orders) AS uncancelled_orders,
        sum(m.sign * (m.orders >= 2)::int) AS repeat, sum(m.sign * (m.uncancelled_orders >= 2)::int) AS uncancelled_repeat,
        sum(m.sign * m.net_sales_by_refund_date) AS by_refund_date, sum(m.sign * m.cancelled_net_sales_by_refund_date) AS cancelled_by_refund_date,
        sum(m.sign * m.net_sales_by_order_date) AS by_order_date, sum(m.sign * m.cancelled_net_sales_by_order_date) AS cancelled_by_order_date
      FROM ${rows} m
      GROUP BY 1, 2, 3, 4, 5
    ) g
    CROSS JOIN (VALUES (true, true), (true, false), (false, true), (false, false)) v(cancelled, zero_value)
    WHERE ${cohort} IS NOT NULL
    GROUP BY 2, 3, 4, 5
    HAVING ${customers} <> 0 OR ${byRefund} <> 0 OR ${byOrder} <> 0 ${activityChanged}`;
}

/**
 * `customer_month_counts` rows summed from `customer_months` rows (`rows`, each with a `sign`)
 * for both values of the cancelled setting; cells whose sums are zero are left out.
 */
function monthCountRows(shop: string, rows: Prisma.Sql): Prisma.Sql {
  const pick = (all: string, uncancelled: string) => Prisma.raw(`CASE WHEN v.cancelled THEN m.${all} ELSE m.${uncancelled} END`);
  const orders = pick("orders", "uncancelled_orders");
  return Prisma.sql`
    SELECT ${shop}, v.cancelled, m.month,
      coalesce(${pick("previous_month", "previous_uncancelled_month")}, '-infinity'::date),
      coalesce(${pick("next_month", "next_uncancelled_month")}, 'infinity'::date),
      coalesce(${pick("paid_cohort", "paid_uncancelled_cohort")} < m.month, false), ${orders} >= 2,
      sum(m.sign)::int, sum(m.sign * ${orders})::int
    FROM ${rows} m CROSS JOIN (VALUES (true), (false)) v(cancelled)
    WHERE ${orders} > 0
    GROUP BY 2, 3, 4, 5, 6, 7
    HAVING sum(m.sign) <> 0 OR sum(m.sign * ${orders}) <> 0`;
}

/**
 * The `customer_months` rows (shop, customer_id, month, then MONTH_COLUMNS) of the customers
 * whose orders match `only` (on `o`): each customer's counted orders and the refunds of those
 * per local month, money in `currency`, with their cohorts (first month with an order, under
 * each setting combination), their first and last orders and their previous and next months
 * with an order.
 */
function customerMonthRows(shop: string, timeZone: string, currency: string, only: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    WITH counted AS (
      SELECT o.customer_id, o.processed_at, o.cancelled_at IS NULL AS uncancelled, o.total_price <> 0 AS paid,
        date_trunc('month', o.processed_at AT TIME ZONE ${timeZone})::date AS period,
        CASE WHEN o.currency_code = ${currency} THEN o.gross_sales - o.discounts ELSE 0 END AS net
      FROM orders o
      WHERE o.shop = ${shop} AND o.customer_id IS NOT NULL AND NOT o.test AND o.deleted_at IS NULL ${only}
    ),
    contributions AS (
      SELECT customer_id, period, processed_at, uncancelled, paid,
        CASE WHEN uncancelled THEN net ELSE 0 END AS net_by_refund_date,
        CASE WHEN uncancelled THEN net ELSE 0 END AS net_by_order_date,
        CASE WHEN uncancelled THEN 0 ELSE net END AS cancelled_net_by_refund_date,
        CASE WHEN uncancelled THEN 0 ELSE net END AS cancelled_net_by_order_date
      FROM counted
      UNION ALL
      -- Refunds of counted orders in the shop currency: on the refund's period (by refund date)
      -- and on the order's (by order date).
      SELECT o.customer_id, d.period, NULL, o.cancelled_at IS NULL, false,
        CASE WHEN o.cancelled_at IS NULL THEN d.by_refund_date ELSE 0 END,
        CASE WHEN o.cancelled_at IS NULL THEN d.by_order_date ELSE 0 END,
        CASE WHEN o.cancelled_at IS NULL THEN 0 ELSE d.by_refund_date END,
        CASE WHEN o.cancelled_at IS NULL THEN 0 ELSE d.by_order_date END
      FROM refunds r
      JOIN orders o ON o.shop = r.shop AND o.id = r.order_id
      CROSS JOIN LATERAL (VALUES
        (date_trunc('month', r.processed_at AT TIME ZONE ${timeZone})::date, -r.returns, 0::bigint),
        (date_trunc('month', o.processed_at AT TIME ZONE ${timeZone})::date, 0::bigint, -r.returns)
      ) d(period, by_refund_date, by_order_date)
      WHERE r.shop = ${shop} AND o.customer_id IS NOT NULL AND NOT o.test AND o.deleted_at IS NULL
        AND o.currency_code = ${currency} ${only}
    ),
    periods AS (
      SELECT customer_id, period,
        count(processed_at)::int AS orders,
        (count(processed_at) FILTER (WHERE uncancelled))::int AS uncancelled_orders,
        min(processed_at) AS first_order_at, max(processed_at) AS last_order_at,
        min(processed_at) FILTER (WHERE uncancelled) AS first_uncancelled_order_at,
        max(processed_at) FILTER (WHERE uncancelled) AS last_uncancelled_order_at,
        bool_or(paid) AS paid, bool_or(paid AND uncancelled) AS paid_uncancelled,
        sum(net_by_refund_date)::bigint AS net_by_refund_date, sum(net_by_order_date)::bigint AS net_by_order_date,
        sum(cancelled_net_by_refund_date)::bigint AS cancelled_net_by_refund_date,
        sum(cancelled_net_by_order_date)::bigint AS cancelled_net_by_order_date
      FROM contributions
      GROUP BY customer_id, period
    )
    SELECT ${shop} AS shop, customer_id, period AS month, orders, uncancelled_orders,
      first_order_at, last_order_at, first_uncancelled_order_at, last_uncancelled_order_at,
      max(last_order_at) OVER before, max(last_uncancelled_order_at) OVER before,
      max(period) FILTER (WHERE orders > 0) OVER before, max(period) FILTER (WHERE uncancelled_orders > 0) OVER before,
      min(period) FILTER (WHERE orders > 0) OVER after, min(period) FILTER (WHERE uncancelled_orders > 0) OVER after,
      min(period) FILTER (WHERE orders > 0) OVER customer, min(period) FILTER (WHERE uncancelled_orders > 0) OVER customer,
      min(period) FILTER (WHERE paid) OVER customer, min(period) FILTER (WHERE paid_uncancelled) OVER customer,
      net_by_refund_date, net_by_order_date, cancelled_net_by_refund_date, cancelled_net_by_order_date
    FROM periods
    WINDOW customer AS (PARTITION BY customer_id),
      before AS (PARTITION BY customer_id ORDER BY period ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
      after AS (PARTITION BY customer_id ORDER BY period ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)`;
}

/**
 * Each customer's rows by local ISO week (customer_id, week, orders, uncancelled_orders, then the
 * cohort and net columns of `customer_months`), from `sources`, a FROM item of
 * `daily_sales_sources` rows holding every counted order of each customer among them: the same
 * weeks `customer_months` has by month, kept nowhere. The sources hold each order's local day,
 * its refunds by local day and whether it is paid; money in `currency` (an order in another
 * currency counts, its sales do not). A refresh sums the rows as the sources were and as they
 * are into `cohort_weeks`; a rebuild sums them from the sources it has just written.
 */
function customerWeekRows(currency: string, sources: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    SELECT customer_id, week, orders, uncancelled_orders,
      min(week) FILTER (WHERE orders > 0) OVER customer AS cohort,
      min(week) FILTER (WHERE uncancelled_orders > 0) OVER customer AS uncancelled_cohort,
      min(week) FILTER (WHERE paid) OVER customer AS paid_cohort,
      min(week) FILTER (WHERE paid_uncancelled) OVER customer AS paid_uncancelled_cohort,
      coalesce(by_refund_date, 0) AS net_sales_by_refund_date, coalesce(by_order_date, 0) AS net_sales_by_order_date,
      coalesce(cancelled_by_refund_date, 0) AS cancelled_net_sales_by_refund_date,
      coalesce(cancelled_by_order_date, 0) AS cancelled_net_sales_by_order_date
    FROM (
      SELECT customer_id, week,
        (count(*) FILTER (WHERE is_order))::int AS orders, (count(*) FILTER (WHERE is_order AND uncancelled))::int AS uncancelled_orders,
        bool_or(paid) AS paid, bool_or(paid AND uncancelled) AS paid_uncancelled,
        (sum(by_refund_date) FILTER (WHERE uncancelled))::bigint AS by_refund_date,
        (sum(by_order_date) FILTER (WHERE uncancelled))::bigint AS by_order_date,
        (sum(by_refund_date) FILTER (WHERE NOT uncancelled))::bigint AS cancelled_by_refund_date,
        (sum(by_order_date) FILTER (WHERE NOT uncancelled))::bigint AS cancelled_by_order_date
      FROM (
        -- Each order in its week: its net sales there by refund date, and net of all its refunds
        -- by order date.
        SELECT s.customer_id, date_trunc('week', s.day::timestamp)::date AS week, true AS is_order, NOT s.cancelled AS uncancelled, s.paid,
          CASE WHEN s.currency_code = ${currency} THEN s.gross_sales - s.discounts ELSE 0 END AS by_refund_date,
          CASE WHEN s.currency_code = ${currency} THEN s.gross_sales - s.discounts - s.returns ELSE 0 END AS by_order_date
        FROM ${sources} s
        WHERE s.customer_id IS NOT NULL
        UNION ALL
        -- Its refunds in the weeks of their days, by refund date.
        SELECT s.customer_id, date_trunc('week', u.day::timestamp)::date, false, NOT s.cancelled, false, -u.returns, 0
        FROM ${sources} s CROSS JOIN LATERAL unnest(s.refund_days, s.refund_returns) u(day, returns)
        WHERE s.customer_id IS NOT NULL AND s.refund_days IS NOT NULL AND s.currency_code = ${currency}
      ) c
      GROUP BY customer_id, week
    ) w
    WINDOW customer AS (PARTITION BY customer_id)`;
}

/** The cohort grid's upsert of summed cells, returning each cell's ctid and whether it is now empty. */
function upsertCohortCells(period: Period, shop: string, rows: Prisma.Sql): Prisma.Sql {
  const unit = Prisma.raw(period.unit);
  return Prisma.sql`
    INSERT INTO ${Prisma.raw(period.cohortTable)} AS t (shop, retention_include_cancelled, cohort_include_zero_value, cohort, ${unit},
      ${Prisma.raw(cohortValueColumns(period).join(", "))})
    ${cohortRows(period, shop, rows)}
    ON CONFLICT (shop, retention_include_cancelled, cohort_include_zero_value, cohort, ${unit})
    DO UPDATE SET ${Prisma.raw(cohortValueColumns(period).map((column) => `${column} = t.${column} + EXCLUDED.${column}`).join(", "))}
    RETURNING ${period.cohortTable}::text AS tbl, t.ctid::text AS ctid, ${Prisma.raw(COHORT_EMPTY)} AS empty`;
}

/** `customer_month_counts`' upsert of summed cells, returning each cell's ctid and whether it is now empty. */
function upsertMonthCountCells(shop: string, rows: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO customer_month_counts AS t (shop, retention_include_cancelled, month, previous_month, next_month,
      paid_before, repeat, customers, orders)
    ${monthCountRows(shop, rows)}
    ON CONFLICT (shop, retention_include_cancelled, month, previous_month, next_month, paid_before, repeat)
    DO UPDATE SET customers = t.customers + EXCLUDED.customers, orders = t.orders + EXCLUDED.orders
    RETURNING 'customer_month_counts'::text AS tbl, t.ctid::text AS ctid, ${Prisma.raw(MONTH_COUNT_EMPTY)} AS empty`;
}

/**
 * Recomputes the `customer_months` rows of the given customers (all of the shop's when null),
 * and with them the cells summed from them (`cohort_months` and `customer_month_counts`). For
 * the whole shop from scratch; for some customers in one statement: their rows as they were (the
 * statement's snapshot) counted −1 and as they are now +1, so that only the cells whose sums
 * change are written, while their rows are rewritten and those of months left without activity
 * deleted; the cells left empty are deleted after.
 */
async function recomputeCustomerMonths(tx: Tx, shop: string, timeZone: string, currency: string, customers: bigint[] | null): Promise<void> {
  if (customers !== null && customers.length === 0) return;
  const columns = Prisma.raw(["shop", "customer_id", "month", ...MONTH_COLUMNS].join(", "));
  if (customers === null) {
    await tx.$executeRaw`DELETE FROM customer_month_counts WHERE shop = ${shop}`;
    await tx.$executeRaw`DELETE FROM cohort_months WHERE shop = ${shop}`;
    await groupedBySorting(tx, () =>
      replaceShopRows(
        tx,
        shop,
        "customer_months",
        ["shop", "customer_id", "month"],
        MONTH_COLUMNS,
        customerMonthRows(shop, timeZone, currency, customersOnly(customers)),
      ),
    );
    const rows = Prisma.sql`(SELECT *, 1 AS sign FROM customer_months WHERE shop = ${shop})`;
    await tx.$executeRaw`
      INSERT INTO customer_month_counts (shop, retention_include_cancelled, month, previous_month, next_month,
        paid_before, repeat, customers, orders)
      ${monthCountRows(shop, rows)}`;
    await tx.$executeRaw`
      INSERT INTO cohort_months (shop, retention_include_cancelled, cohort_include_zero_value, cohort, month,
        ${Prisma.raw(cohortValueColumns(MONTH).join(", "))})
      ${cohortRows(MONTH, shop, rows)}`;
    return;
  }
  const delta = Prisma.sql`(SELECT *, -1 AS sign FROM old UNION ALL SELECT *, 1 FROM new)`;
  const cells = await tx.$queryRaw<Array<{ tbl: string; ctid: string; empty: boolean }>>`
    WITH new (${columns}) AS MATERIALIZED (
      ${customerMonthRows(shop, timeZone, currency, customersOnly(customers))}
    ),
    old AS MATERIALIZED (SELECT ${columns} FROM customer_months WHERE shop = ${shop} AND customer_id = ANY(${customers}::bigint[])),
    written AS (
      INSERT INTO customer_months AS t (${columns}) ${rowsThatDiffer("old", ["customer_id", "month"], MONTH_COLUMNS)}
      ON CONFLICT (shop, customer_id, month) ${updateIfChanged(MONTH_COLUMNS)}
    ),
    dropped AS (
      -- NOT IN a subquery: hashed, whatever the planner guesses of the CTE's size.
      DELETE FROM customer_months t
      WHERE t.shop = ${shop} AND t.customer_id = ANY(${customers}::bigint[])
        AND (t.customer_id, t.month) NOT IN (SELECT customer_id, month FROM new)
    ),
    cohort_cells AS (${upsertCohortCells(MONTH, shop, delta)}),
    count_cells AS (${upsertMonthCountCells(shop, delta)})
    SELECT tbl, ctid, empty FROM cohort_cells WHERE empty
    UNION ALL
    SELECT tbl, ctid, empty FROM count_cells WHERE empty`;
  await deleteEmptyCellsOf(tx, cells, { cohort_months: COHORT_EMPTY, customer_month_counts: MONTH_COUNT_EMPTY });
}

/** `customer_totals`' key: a customer's row under a value of the cancelled setting (ADR 037). */
const TOTAL_KEY = ["shop", "customer_id", "retention_include_cancelled"];
/** `customer_totals`' columns after its key. */
const TOTAL_VALUES = [
  "both_settings",
  "orders",
  "last_order_at",
  "net_spend",
  "last_activity_at",
  "order_at",
  "order_net",
  "order_day",
  "first_order_at",
  "first_paid_order_at",
];

/** An order row `u` of activityDayCells that is its customer's first of its day. */
const FIRST_OF_DAY = "u.day IS DISTINCT FROM u.previous_day";
/**
 * `activity_days`' sums after its key (shop, retention_include_cancelled, day), each counting the
 * order rows `u` of activityDayCells that meet its condition. A customer's orders of one day are
 * neighbours in their `order_day`: the first of them counts the customer (and as new or
 * returning), the last one's place in their orders is how many they had by the day's end.
 */
const ACTIVITY_DAY_SUMS: Array<[column: string, when: string]> = [
  ["customers", FIRST_OF_DAY],
  ["orders", "true"],
  ["repeat_customers", `${FIRST_OF_DAY} AND u.day = u.next_day`],
  ["returning_by_end", "u.day IS DISTINCT FROM u.next_day AND u.i >= 2"],
  ["first_customers", `${FIRST_OF_DAY} AND u.day = u.first_day`],
  ["returning_customers", `${FIRST_OF_DAY} AND u.day > u.first_day`],
  ["first_paid_customers", `${FIRST_OF_DAY} AND u.day = u.first_paid_day`],
  ["returning_paid_customers", `${FIRST_OF_DAY} AND u.day > u.first_paid_day`],
];
const ACTIVITY_DAY_COLUMNS = Prisma.raw(["shop", "retention_include_cancelled", "day", ...ACTIVITY_DAY_SUMS.map(([column]) => column)].join(", "));

/**
 * The `activity_days` cells of `customer_totals`-shaped rows (retention_include_cancelled,
 * order_day, first_paid_order_at), each with a `sign` (1 counted in, −1 taken out), summed by
 * setting and local day; a cell whose sums are all zero is left out.
 */
function activityDayCells(shop: string, timeZone: string, rows: Prisma.Sql): Prisma.Sql {
  const sum = (when: string) => `sum(CASE WHEN ${when} THEN u.sign ELSE 0 END)`;
  return Prisma.sql`
    SELECT ${shop} AS shop, u.retention_include_cancelled, DATE '1970-01-01' + u.day AS day,
      ${Prisma.raw(ACTIVITY_DAY_SUMS.map(([column, when]) => `${sum(when)}::int AS ${column}`).join(", "))}
    FROM (
      -- The arrays side by side, unnested in step (the shorter padded with nulls).
      SELECT r.retention_include_cancelled, r.sign, r.first_day, r.first_paid_day,
        unnest(r.order_day) AS day, unnest(array_prepend(NULL::int, r.order_day)) AS previous_day,
        unnest(r.order_day[2:]) AS next_day, generate_series(1, cardinality(r.order_day)) AS i
      FROM (
        -- Once per customer (OFFSET 0 keeps it apart), not once per order.
        SELECT r.retention_include_cancelled, r.sign, r.order_day, r.order_day[1] AS first_day,
          (r.first_paid_order_at AT TIME ZONE ${timeZone})::date - DATE '1970-01-01' AS first_paid_day
        FROM ${rows} r
        OFFSET 0
      ) r
    ) u
    WHERE u.day IS NOT NULL
    GROUP BY u.retention_include_cancelled, u.day
    HAVING ${Prisma.raw(ACTIVITY_DAY_SUMS.map(([, when]) => `${sum(when)} <> 0`).join(" OR "))}`;
}

/**
 * A condition on `customer_totals` row `alias` (none: the table's own columns): it holds its
 * customer's figures under `includeCancelled`, a value of the cancelled setting (or SQL of one),
 * as the row for that value or the one for both (ADR 037).
 */
export function totalsUnder(alias: string | null, includeCancelled: boolean | Prisma.Sql): Prisma.Sql {
  const column = (name: string) => Prisma.raw(alias === null ? name : `${alias}.${name}`);
  return Prisma.sql`(${column("retention_include_cancelled")} = ${includeCancelled} OR ${column("both_settings")})`;
}

/** The bucket of a gap of `gapMs` milliseconds (SQL): floor(48 × ln(1 + minutes)). */
export const GAP_BUCKET = (gapMs: Prisma.Sql) => Prisma.sql`floor(48 * ln(1 + (${gapMs})::float8 / 60000))::smallint`;

/**
 * `gap_months` rows summed from `daily_sales_sources` rows (`rows`, a FROM item, each with a
 * `sign`): the gaps of their orders under each value of the cancelled setting, by the local
 * month of the later order and bucket; cells whose sums are zero are left out.
 */
function gapMonthRows(shop: string, rows: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    SELECT ${shop}, g.cancelled, date_trunc('month', g.day::timestamp)::date, g.bucket, sum(g.sign)::int, sum(g.sign * g.second::int)::int
    FROM (
      SELECT true AS cancelled, s.day, s.gap_bucket AS bucket, s.second_order AS second, s.sign
      FROM ${rows} s WHERE s.gap_bucket IS NOT NULL
      UNION ALL
      SELECT false, s.day, s.uncancelled_gap_bucket, s.second_uncancelled_order, s.sign
      FROM ${rows} s WHERE s.uncancelled_gap_bucket IS NOT NULL
    ) g
    GROUP BY 2, 3, 4
    HAVING sum(g.sign) <> 0 OR sum(g.sign * g.second::int) <> 0`;
}

/** Rebuilds the shop's `gap_months` from the gaps of its `daily_sales_sources` (as written by rebuildDays). */
async function rebuildGapMonths(tx: Tx, shop: string): Promise<void> {
  await tx.$executeRaw`DELETE FROM gap_months WHERE shop = ${shop}`;
  await tx.$executeRaw`
    INSERT INTO gap_months (shop, retention_include_cancelled, month, bucket, gaps, second_gaps)
    ${gapMonthRows(shop, Prisma.sql`(SELECT day, gap_bucket, second_order, uncancelled_gap_bucket, second_uncancelled_order, 1 AS sign
      FROM daily_sales_sources WHERE shop = ${shop})`)}`;
}

/**
 * Recomputes the given customers' (all of the shop's when null) `customer_totals` rows, for each
 * value of the cancelled setting (one row for both when they count the same orders), from their
 * counted orders and the refunds of those; and the cells summed from them, `activity_days` and
 * `cohort_days`, incrementally (the old rows' contributions out, the new ones' in) or, for the
 * whole shop, from scratch. Returns whether any of those rows was written or deleted (always, for
 * the whole shop): they are all the predictions read.
 */
async function recomputeCustomerTotals(
  tx: Tx,
  shop: string,
  timeZone: string,
  currency: string,
  customers: bigint[] | null,
): Promise<boolean> {
  if (customers !== null && customers.length === 0) return false;
  const only = customersOnly(customers);
  if (customers === null) {
    await tx.$executeRaw`DELETE FROM activity_days WHERE shop = ${shop}`;
    await tx.$executeRaw`DELETE FROM cohort_days WHERE shop = ${shop}`;
  }
  const refundOrders =
    customers === null
      ? Prisma.empty
      : Prisma.sql`AND r.order_id IN (SELECT id FROM orders WHERE shop = ${shop} AND customer_id = ANY(${customers}::bigint[]))`;
  // One group per customer, both values of the cancelled setting side by side, then its rows (a
  // UNION ALL over the groups, as for the gaps): one for both values when the customer has no
  // cancelled order (every figure is the same), otherwise one for each value that counts an order.
  const totals = Prisma.sql`
    WITH a AS MATERIALIZED (
      SELECT c.customer_id,
        count(*)::int AS orders, max(c.processed_at) AS last_at,
        coalesce(sum(c.net - coalesce(c.returns, 0)) FILTER (WHERE c.currency_code = ${currency}), 0)::bigint AS net,
        greatest(max(c.processed_at), max(c.refunded_at)) AS activity,
        array_agg(c.processed_at ORDER BY c.processed_at, c.id) AS order_at,
        array_agg(c.shop_net ORDER BY c.processed_at, c.id) AS order_net,
        array_agg(c.day ORDER BY c.processed_at, c.id) AS order_day,
        min(c.processed_at) FILTER (WHERE c.paid) AS first_paid,
        (count(*) FILTER (WHERE c.uncancelled))::int AS u_orders, max(c.processed_at) FILTER (WHERE c.uncancelled) AS u_last_at,
        coalesce(sum(c.net - coalesce(c.returns, 0)) FILTER (WHERE c.uncancelled AND c.currency_code = ${currency}), 0)::bigint AS u_net,
        greatest(max(c.processed_at) FILTER (WHERE c.uncancelled), max(c.refunded_at) FILTER (WHERE c.uncancelled)) AS u_activity,
        array_agg(c.processed_at ORDER BY c.processed_at, c.id) FILTER (WHERE c.uncancelled) AS u_order_at,
        array_agg(c.shop_net ORDER BY c.processed_at, c.id) FILTER (WHERE c.uncancelled) AS u_order_net,
        array_agg(c.day ORDER BY c.processed_at, c.id) FILTER (WHERE c.uncancelled) AS u_order_day,
        min(c.processed_at) FILTER (WHERE c.paid AND c.uncancelled) AS u_first_paid
      FROM (
        SELECT o.customer_id, o.id, o.processed_at, o.currency_code, o.gross_sales - o.discounts AS net, o.total_price <> 0 AS paid,
          -- The order's net sales in the shop currency as refunded so far (0 in another currency).
          CASE WHEN o.currency_code = ${currency} THEN o.gross_sales - o.discounts - coalesce(r.returns, 0) ELSE 0 END AS shop_net,
          -- The order's shop-local date, as days since 1970-01-01.
          (o.processed_at AT TIME ZONE ${timeZone})::date - DATE '1970-01-01' AS day,
          o.cancelled_at IS NULL AS uncancelled, r.returns, r.last_at AS refunded_at
        FROM orders o
        LEFT JOIN (
          SELECT r.order_id, sum(r.returns)::bigint AS returns, max(r.processed_at) AS last_at
          FROM refunds r WHERE r.shop = ${shop} ${refundOrders}
          GROUP BY r.order_id
        ) r ON r.order_id = o.id
        WHERE o.shop = ${shop} AND o.customer_id IS NOT NULL AND NOT o.test AND o.deleted_at IS NULL ${only}
      ) c
      GROUP BY c.customer_id
    )
    SELECT ${shop} AS shop, customer_id, true AS retention_include_cancelled, u_orders = orders AS both_settings, orders,
      last_at AS last_order_at, net AS net_spend, activity AS last_activity_at, order_at, order_net, order_day,
      order_at[1] AS first_order_at, first_paid AS first_paid_order_at
    FROM a
    UNION ALL
    SELECT ${shop}, customer_id, false, false, u_orders, u_last_at, u_net, u_activity, u_order_at, u_order_net, u_order_day, u_order_at[1], u_first_paid
    FROM a WHERE u_orders > 0 AND u_orders < orders`;
  const values = Prisma.raw(TOTAL_VALUES.join(", "));
  // `customer_totals`-shaped rows of `table` (those matching `where`, SQL) as activityDayCells
  // and cohortDayRows read them, counted `sign` times: a row for both values of the setting
  // under each of them.
  const rowsOf = (table: string, sign: number, where: Prisma.Sql = Prisma.sql`true`) => {
    const [from, columns] = [Prisma.raw(table), Prisma.raw(`order_day, first_order_at, first_paid_order_at, orders, ${sign} AS sign`)];
    return Prisma.sql`SELECT retention_include_cancelled, ${columns} FROM ${from} WHERE ${where}
      UNION ALL SELECT false, ${columns} FROM ${from} WHERE ${where} AND both_settings`;
  };
  if (customers === null) {
    await replaceShopRows(tx, shop, "customer_totals", TOTAL_KEY, TOTAL_VALUES, totals);
    const rows = Prisma.sql`(${rowsOf("customer_totals", 1, Prisma.sql`shop = ${shop}`)})`;
    await tx.$executeRaw`INSERT INTO activity_days (${ACTIVITY_DAY_COLUMNS}) ${activityDayCells(shop, timeZone, rows)}`;
    await tx.$executeRaw`INSERT INTO cohort_days (${COHORT_DAY_COLUMNS}) ${cohortDayRows(shop, timeZone, rows)}`;
    return true;
  }
  // Only the rows that change are written (a cancelled order leaves the figures of the row that
  // counts cancelled orders as they were); rows no longer made (a customer left without a
  // counted order, or a row for one value where there is now one for both) are deleted. In the
  // same statement, the rows as they were −1 and as they are +1 into `activity_days` and
  // `cohort_days`, as for `gap_months`.
  const delta = Prisma.sql`(${rowsOf("old", -1)} UNION ALL ${rowsOf("new", 1)})`;
  const returned = await tx.$queryRaw<Array<{ tbl: string; ctid: string | null; empty: boolean }>>`
    WITH new (shop, customer_id, retention_include_cancelled, ${values}) AS MATERIALIZED (${totals}),
    old AS MATERIALIZED (
      SELECT customer_id, retention_include_cancelled, ${values} FROM customer_totals
      WHERE shop = ${shop} AND customer_id = ANY(${customers}::bigint[])
    ),
    written AS (
      INSERT INTO customer_totals AS t (shop, customer_id, retention_include_cancelled, ${values})
      ${rowsThatDiffer("old", ["customer_id", "retention_include_cancelled"], TOTAL_VALUES)}
      ON CONFLICT (shop, customer_id, retention_include_cancelled) ${updateIfChanged(TOTAL_VALUES)}
      RETURNING 1
    ),
    dropped AS (
      DELETE FROM customer_totals t
      WHERE t.shop = ${shop} AND t.customer_id = ANY(${customers}::bigint[])
        AND (t.customer_id, t.retention_include_cancelled) NOT IN (SELECT customer_id, retention_include_cancelled FROM new)
      RETURNING 1
    ),
    activity_cells AS (
      INSERT INTO activity_days AS t (${ACTIVITY_DAY_COLUMNS})
      ${activityDayCells(shop, timeZone, delta)}
      ON CONFLICT (shop, retention_include_cancelled, day)
      DO UPDATE SET ${Prisma.raw(ACTIVITY_DAY_SUMS.map(([column]) => `${column} = t.${column} + EXCLUDED.${column}`).join(", "))}
      RETURNING 'activity_days'::text AS tbl, t.ctid::text AS ctid, t.orders = 0 AS empty
    ),
    day_cells AS (
      INSERT INTO cohort_days AS t (${COHORT_DAY_COLUMNS})
      ${cohortDayRows(shop, timeZone, delta)}
      ON CONFLICT (shop, retention_include_cancelled, cohort_include_zero_value, day)
      DO UPDATE SET customers = t.customers + EXCLUDED.customers, orders = t.orders + EXCLUDED.orders,
        repeat_customers = t.repeat_customers + EXCLUDED.repeat_customers, paid_customers = t.paid_customers + EXCLUDED.paid_customers
      RETURNING 'cohort_days'::text AS tbl, t.ctid::text AS ctid, t.customers = 0 AS empty
    )
    SELECT tbl, ctid, empty FROM activity_cells WHERE empty
    UNION ALL
    SELECT tbl, ctid, empty FROM day_cells WHERE empty
    UNION ALL
    -- One row when any of the customers' rows was written or deleted.
    SELECT 'customer_totals', NULL, false FROM (SELECT 1 FROM written UNION ALL SELECT 1 FROM dropped LIMIT 1) w`;
  await deleteEmptyCellsOf(tx, returned, { activity_days: "orders = 0", cohort_days: "customers = 0" });
  return returned.some((row) => row.tbl === "customer_totals");
}

/**
 * Writes the shop's state row: its zone and currency, now. `rebuilt`: by a full rebuild, whose
 * time (since its transaction began) is recorded; a refresh leaves the last rebuild's.
 */
async function markBuilt(tx: Tx, shop: string, timeZone: string, currency: string, { rebuilt }: { rebuilt: boolean }): Promise<void> {
  const took = rebuilt ? Prisma.sql`(extract(epoch FROM clock_timestamp() - now()) * 1000)::int` : Prisma.sql`NULL::int`;
  await tx.$executeRaw`
    INSERT INTO daily_sales_state (shop, time_zone, currency_code, refreshed_at, rebuild_ms)
    VALUES (${shop}, ${timeZone}, ${currency}, now(), ${took})
    ON CONFLICT (shop) DO UPDATE SET time_zone = EXCLUDED.time_zone, currency_code = EXCLUDED.currency_code,
      refreshed_at = EXCLUDED.refreshed_at, rebuild_ms = coalesce(EXCLUDED.rebuild_ms, daily_sales_state.rebuild_ms)`;
}

/** What a refresh of part of a shop changed. */
interface PartRefreshed {
  /** How many local days of `daily_sales` changed. */
  days: number;
  /** Whether a `customer_totals` row changed: what the predictions read. */
  totalsChanged: boolean;
}

/**
 * Brings the rollups of the given orders up to date, and those of every order of their
 * customers (now and at the last refresh): `daily_sales` by difference, per order; each such
 * customer's rows of the per-customer tables recomputed, the cells summed from them by
 * difference.
 */
async function refreshOrders(
  tx: Tx,
  shop: string,
  { timeZone, currency }: { timeZone: string; currency: string },
  orderIds: bigint[],
): Promise<PartRefreshed> {
  if (orderIds.length === 0) return { days: 0, totalsChanged: false };
  // The customers the given orders belong (or belonged) to.
  const customerRows = await tx.$queryRaw<Array<{ customer_id: bigint }>>`
    SELECT customer_id FROM daily_sales_sources
    WHERE shop = ${shop} AND order_id = ANY(${orderIds}::bigint[]) AND customer_id IS NOT NULL
    UNION
    SELECT customer_id FROM orders WHERE shop = ${shop} AND id = ANY(${orderIds}::bigint[]) AND customer_id IS NOT NULL`;
  const customers = customerRows.map((row) => BigInt(row.customer_id));
  const days = await refreshDaysOf(tx, shop, { timeZone, currency }, orderIds, customers);
  await recomputeCustomerMonths(tx, shop, timeZone, currency, customers);
  const totalsChanged = await recomputeCustomerTotals(tx, shop, timeZone, currency, customers);
  return { days, totalsChanged };
}

/**
 * Refreshes local days [fromDay, toDay) (null: unbounded): the orders placed or refunded on
 * them now, and those that contributed to them at the last refresh.
 */
async function refreshDayRange(
  tx: Tx,
  shop: string,
  calendar: { timeZone: string; currency: string },
  fromDay: string | null,
  toDay: string | null,
): Promise<PartRefreshed> {
  const { timeZone } = calendar;
  const from = fromDay ?? "-infinity";
  const to = toDay ?? "infinity";
  // Rows of `table` on those days: instants a day early and late bound the index range, the
  // local date decides.
  const onDays = (table: "orders" | "refunds") => Prisma.sql`
    FROM ${Prisma.raw(table)}
    WHERE shop = ${shop}
      AND processed_at >= ((${from}::date - 1)::timestamp AT TIME ZONE ${timeZone})
      AND processed_at < ((${to}::date + 1)::timestamp AT TIME ZONE ${timeZone})
      AND (processed_at AT TIME ZONE ${timeZone})::date >= ${from}::date AND (processed_at AT TIME ZONE ${timeZone})::date < ${to}::date`;
  const orders = await tx.$queryRaw<Array<{ id: bigint }>>`
    SELECT id ${onDays("orders")}
    UNION
    SELECT order_id ${onDays("refunds")}
    UNION
    SELECT order_id FROM daily_sales_sources
    WHERE shop = ${shop} AND ((day >= ${from}::date AND day < ${to}::date)
      OR EXISTS (SELECT 1 FROM unnest(refund_days) d WHERE d >= ${from}::date AND d < ${to}::date))`;
  return refreshOrders(
    tx,
    shop,
    calendar,
    orders.map((row) => BigInt(row.id)),
  );
}

/** A shop's calendar: the zone its local days are in and the currency its sums are in. */
interface Calendar {
  timeZone: string;
  currency: string;
}

/** A part of a rebuild: reads only `orders` and `refunds`, writes only its own tables; what it returns is not read. */
type RebuildPart = (tx: Tx, shop: string, calendar: Calendar) => Promise<unknown>;

/**
 * A rebuild in two halves that share no table, each about half of the time at a million orders
 * (daily sales with the gaps, weekly cohorts; months and totals): one runs in the transaction of the refresh,
 * the other beside it in a transaction of its own (`startRebuildAlongside`) when one can be
 * had, so that a rebuild uses two of the database's cores.
 */
const REBUILD_HALVES: [RebuildPart[], RebuildPart[]] = [
  [
    (tx, shop, { timeZone }) => rebuildDays(tx, shop, timeZone),
    (tx, shop, { currency }) => rebuildWeeks(tx, shop, currency),
    (tx, shop) => rebuildGapMonths(tx, shop),
  ],
  [
    (tx, shop, { timeZone, currency }) => recomputeCustomerMonths(tx, shop, timeZone, currency, null),
    (tx, shop, { timeZone, currency }) => recomputeCustomerTotals(tx, shop, timeZone, currency, null),
  ],
];

/** Sorts and hashes over the whole shop: in memory rather than in temporary files. */
const REBUILD_WORK_MEM = `SET LOCAL work_mem = '128MB'`;

/**
 * How long a rebuild waits for a second connection for its other half; without one (every
 * pooled connection busy) it does both halves itself.
 */
const ALONGSIDE_MAX_WAIT_MS = 2_000;

class RebuildAbandoned extends Error {
  constructor() {
    super("the rebuild's other half failed");
  }
}

/** How often an abandoned half is asked again to stop, until it has. */
const CANCEL_RETRY_MS = 50;

/**
 * Stops the statement that transaction `xid` runs on backend `pid`, again and again until
 * `stopped` settles (between two of its statements there is nothing to stop). Only while that
 * transaction is still the one on the backend: once it has ended, the pooled connection may run
 * someone else's statement.
 */
async function cancelUntilStopped(backend: { pid: number; xid: string }, stopped: Promise<unknown>): Promise<void> {
  let done = false;
  void stopped.finally(() => (done = true));
  while (!done) {
    await prisma.$queryRaw`
      SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE pid = ${backend.pid} AND backend_xid::text = ${backend.xid}`;
    await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, CANCEL_RETRY_MS))]);
  }
}

/**
 * Starts `parts` in a transaction of their own, beside the caller's. Returns how to end it:
 * `finish(true)` once the caller's half is done commits it (and throws if it failed, so that the
 * caller rolls back too), `finish(false)` rolls it back; null when no connection was free.
 *
 * It commits just before the caller's transaction, and deletes the shop's `daily_sales_state`
 * row as it does: until the caller's commit writes the row again, the shop reads as not built
 * (a page says its figures are being recomputed), never as half of one rebuild and half of the
 * last. Should the caller's commit fail after this one, the shop stays so until the next
 * refresh rebuilds it. The caller holds the shop's lock throughout, so no other refresh writes
 * these tables meanwhile; each half reads the orders as its own statements see them, as the
 * parts of a rebuild in one transaction do (each table is consistent with what it summed, and
 * the next refresh of an order changes each by difference).
 *
 * `finish(false)` stops the half where it is (cancelUntilStopped) rather than letting it run on
 * to its end: a failed rebuild gives back the shop's lock, its connections and its error at
 * once, not after the other half's tens of seconds at a million orders.
 */
async function startRebuildAlongside(shop: string, calendar: Calendar, parts: RebuildPart[]): Promise<((ok: boolean) => Promise<void>) | null> {
  let decide!: (ok: boolean) => void;
  const decision = new Promise<boolean>((resolve) => (decide = resolve));
  let begin!: () => void;
  const begun = new Promise<true>((resolve) => (begin = () => resolve(true)));
  let backend: { pid: number; xid: string } | null = null;
  const transaction = prisma.$transaction(
    async (tx) => {
      // Its backend and transaction id (assigned now: it is going to write), to be stopped by.
      [backend] = await tx.$queryRaw<Array<{ pid: number; xid: string }>>`
        SELECT pg_backend_pid() AS pid, (txid_current() % 4294967296)::text AS xid`;
      begin();
      await tx.$executeRawUnsafe(ROLLUP_WRITE_PLANNING);
      await tx.$executeRawUnsafe(REBUILD_WORK_MEM);
      for (const part of parts) await part(tx, shop, calendar);
      await tx.$executeRaw`DELETE FROM daily_sales_state WHERE shop = ${shop}`;
      if (!(await decision)) throw new RebuildAbandoned();
    },
    { ...ROLLUP_TRANSACTION_OPTIONS, maxWait: ALONGSIDE_MAX_WAIT_MS },
  );
  // Settled from the start: a failure while the caller's half runs is read when it finishes.
  const outcome = transaction.then(
    () => null,
    (error: unknown) => error,
  );
  if (!(await Promise.race([begun, outcome.then(() => false as const)]))) return null;
  return async (ok) => {
    decide(ok);
    if (!ok && backend) await cancelUntilStopped(backend, outcome);
    const error = await outcome;
    if (ok && error !== null) throw error;
  };
}

/**
 * Rebuilds every rollup of the shop. `alongside`: the transaction has written nothing yet (a
 * transaction beside it would not see its writes), so half of the work may run beside it.
 */
async function rebuild(tx: Tx, shop: string, calendar: Calendar, { alongside }: { alongside: boolean }): Promise<number> {
  await tx.$executeRawUnsafe(REBUILD_WORK_MEM);
  const finish = alongside ? await startRebuildAlongside(shop, calendar, REBUILD_HALVES[1]) : null;
  try {
    for (const part of finish ? REBUILD_HALVES[0] : REBUILD_HALVES.flat()) await part(tx, shop, calendar);
  } catch (error) {
    await finish?.(false);
    throw error;
  }
  await finish?.(true);
  await markBuilt(tx, shop, calendar.timeZone, calendar.currency, { rebuilt: true });
  const [{ days }] = await tx.$queryRaw<Array<{ days: bigint }>>`
    SELECT count(DISTINCT day) AS days FROM daily_sales WHERE shop = ${shop}`;
  return Number(days);
}

function checkDay(value: string | undefined, label: string): string | null {
  if (value === undefined) return null;
  assertLocalDate(value, label);
  return value;
}

/** Whether rollups last built as `state` are in the shop's current zone and currency. */
function builtCurrent(state: Awaited<ReturnType<typeof builtIn>>, calendar: { timeZone: string; currency: string }): boolean {
  return state !== null && state.timeZone === calendar.timeZone && state.currency === calendar.currency;
}

function parseScope(scope: RollupScope) {
  const orderIds = "orderIds" in scope ? scope.orderIds.map((id) => BigInt(id)) : null;
  const fromDay = orderIds ? null : checkDay((scope as { fromDay?: string }).fromDay, "fromDay");
  const toDay = orderIds ? null : checkDay((scope as { toDay?: string }).toDay, "toDay");
  const rebuildNeeded = (calendar: { timeZone: string; currency: string }, state: Awaited<ReturnType<typeof builtIn>>) =>
    !builtCurrent(state, calendar) || (!orderIds && fromDay === null && toDay === null);
  return { orderIds, fromDay, toDay, rebuildNeeded };
}

/**
 * `refreshDailyRollups` inside a transaction of the caller's, so that rows written in it and
 * the rollups that count them commit (or roll back) together; erasing a customer does this.
 */
export async function refreshRollupsIn(tx: Tx, shop: string, scope: RollupScope = {}): Promise<RollupRefresh> {
  return refreshIn(tx, shop, scope, { alongside: false });
}

async function refreshIn(tx: Tx, shop: string, scope: RollupScope, { alongside }: { alongside: boolean }): Promise<RollupRefresh> {
  const { orderIds, fromDay, toDay, rebuildNeeded } = parseScope(scope);
  await lockShop(tx, shop);
  const calendar = await shopCalendar(tx, shop);
  const state = await builtIn(tx, shop);
  if (rebuildNeeded(calendar, state)) {
    return { mode: "full", days: await rebuild(tx, shop, calendar, { alongside }) };
  }
  const { days, totalsChanged } = orderIds
    ? await refreshOrders(tx, shop, calendar, orderIds)
    : await refreshDayRange(tx, shop, calendar, fromDay, toDay);
  // The state row is current already (zone and currency); written again, it bumps the data
  // version and the next predictions job refits. An update that changed nothing the predictions
  // read (a fulfilment, a tag, a guest's order) leaves it as it is.
  if (totalsChanged) await markBuilt(tx, shop, calendar.timeZone, calendar.currency, { rebuilt: false });
  return { mode: orderIds ? "orders" : "days", days };
}

/**
 * Brings a shop's rollups (daily sales, customers' months, gaps and totals, the cohort grids) up to date after
 * orders or refunds were written:
 * `{ orderIds }` for the orders just written (their old and new days and their customers'
 * other orders), `{ fromDay, toDay }` for local days `[fromDay, toDay)`, nothing for a rebuild.
 * A shop whose time zone or currency changed since the last refresh is always rebuilt.
 * Writes of orders and refunds go through app/sync/order-writer.server.ts, which calls this.
 */
export async function refreshDailyRollups(shop: string, scope: RollupScope = {}): Promise<RollupRefresh> {
  const { rebuildNeeded } = parseScope(scope);
  const refresh = () => prisma.$transaction((tx) => refreshIn(tx, shop, scope, { alongside: true }), ROLLUP_TRANSACTION_OPTIONS);
  if (!rebuildNeeded(await shopCalendar(prisma, shop), await builtIn(prisma, shop))) return refresh();
  return rebuildTurns(async () => {
    await refreshStatistics(shop);
    return refresh();
  });
}

/**
 * Rebuilds this process runs at once; the others wait their turn. Each holds two of the pool's
 * connections (pg's default of ten) for as long as it runs, a minute at a million orders: two
 * rebuilds leave six for pages, webhooks and writes, whose transactions wait for a connection
 * only 2 s (Prisma's default). A Portfolio that finds many stores stale, or pages of several
 * stores after a deploy, would otherwise take the whole pool.
 */
const REBUILDS_AT_ONCE = 2;
const rebuildTurns = pLimit(REBUILDS_AT_ONCE);

/**
 * A rebuild of the shop, unless its rollups turn out current once its lock is held: another
 * process (the worker, a webhook's write, another web process) may have rebuilt them while
 * this one waited, and a second rebuild of a large shop costs a minute for nothing.
 */
async function rebuildUnlessCurrent(shop: string): Promise<void> {
  await rebuildTurns(async () => {
    await refreshStatistics(shop);
    await prisma.$transaction(async (tx) => {
      await lockShop(tx, shop);
      const calendar = await shopCalendar(tx, shop);
      if (!builtCurrent(await builtIn(tx, shop), calendar)) await rebuild(tx, shop, calendar, { alongside: true });
    }, ROLLUP_TRANSACTION_OPTIONS);
  });
}

/**
 * The shop's rebuild as far as the database shows it: the lock its writer holds (`pg_locks`
 * shows a bigint key as its high and low halves) and when that transaction began, and the last
 * rebuild's time from the state row, which a running rebuild has not replaced yet. Reads only.
 */
export async function rebuildProgress(shop: string): Promise<RebuildProgress> {
  return (await rebuildProgressOfShops([shop])).get(shop)!;
}

/** `rebuildProgress` of each of `shops`, in one query (the Portfolio's stores being recomputed). */
export async function rebuildProgressOfShops(shops: string[]): Promise<Map<string, RebuildProgress>> {
  if (shops.length === 0) return new Map();
  const rows = await prisma.$queryRaw<Array<{ shop: string; elapsed: number | null; last: number | null }>>`
    WITH lock AS (SELECT s.shop, ${shopLockKey(Prisma.raw("s.shop"))} AS k FROM unnest(${shops}::text[]) s(shop))
    SELECT lock.shop,
      (SELECT extract(epoch FROM now() - min(a.xact_start))::float8
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND l.classid = ((lock.k >> 32) & 4294967295)::oid AND l.objid = (lock.k & 4294967295)::oid) AS elapsed,
      (SELECT rebuild_ms / 1000.0 FROM daily_sales_state d WHERE d.shop = lock.shop)::float8 AS last
    FROM lock`;
  return new Map(rows.map((row) => [row.shop, { elapsedSeconds: row.elapsed, lastSeconds: row.last }]));
}

/** The rebuilds `ensureDailyRollups` started in this process and not yet finished, by shop, zone and currency. */
const ensuring = new Map<string, Promise<unknown>>();

/**
 * Makes sure the shop's rollups exist and were built in its current time zone and currency (a
 * rebuild otherwise). Cheap when they were: one primary-key read. A page reads several metrics
 * at once, each making sure first: they share one rebuild rather than queue one each behind
 * the shop's lock; and one that waited behind another process's rebuild uses it.
 *
 * With `waitMs`, waits at most that long: false if the rebuild is still running then (it goes
 * on; a later call joins it), true once the rollups are current. A page uses it to say that its
 * figures are being recomputed rather than keep the merchant waiting a minute for a large store.
 */
export async function ensureDailyRollups(shop: string, timeZone: string, currency: string, { waitMs }: { waitMs?: number } = {}): Promise<boolean> {
  if (builtCurrent(await builtIn(prisma, shop), { timeZone, currency })) return true;
  const key = `${shop}\u0000${timeZone}\u0000${currency}`;
  let rebuild = ensuring.get(key);
  if (!rebuild) {
    rebuild = rebuildUnlessCurrent(shop).finally(() => ensuring.delete(key));
    // Nobody may be waiting for it any more when it fails: its callers see the error, and so
    // does the log.
    rebuild.catch((error: unknown) => console.error(`[rollups] rebuild of ${shop} failed: ${errorMessage(error)}`));
    ensuring.set(key, rebuild);
  }
  return doneWithin(rebuild, waitMs);
}
