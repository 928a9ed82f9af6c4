// GIVEN a shop's rollups, WHEN orders and refunds change and only the changed orders (or days)
// are refreshed, THEN every rollup table (daily sales, first orders and the customers acquired per day, customer months and the two
// tables summed from them, order gaps and their month sums, customer totals and their day sums, the weekly cohort grid) equals a rebuild from scratch, and the sales and retention reports
// still equal the reference on the changed rows.
import fs from "node:fs";
import pg from "pg";
import { beforeAll, describe, expect, it, vi } from "vitest";
import prisma from "#app/db.server";
import { errorMessage } from "#app/error-message";
import { UnknownShopError } from "./context.server";
import { InvalidRangeError } from "./periods";
import { atRiskReport, retentionRatesReport, retentionReport } from "./retention";
import { atRiskOverview, retentionOverview, retentionRates } from "./retention.server";
import { STATISTICS_MATTER_FROM_ROWS, statisticsStale } from "./planner-statistics.server";
import { ORDER_ROLLUP_INPUTS, REFUND_ROLLUP_INPUTS } from "./rollup-inputs";
import { ensureDailyRollups, refreshDailyRollups, refreshRollupsIn, ROLLUP_TRANSACTION_OPTIONS } from "./rollups.server";
import { salesReport } from "./sales";
import { salesOverview } from "./sales.server";
import { getMetricSettings } from "./settings.server";
import { order, refund } from "./test-helpers/fixtures";
import { generateStore, readStore, writeOrders, writeStore, type GeneratedStore } from "./test-helpers/store";

const NOW = new Date("2026-11-18T15:37:21Z");

async function snapshot(shop: string) {
  return prisma.$queryRaw<unknown[]>`
    SELECT day::text AS day, currency_code, cancelled, guest, first_order, first_uncancelled_order, orders,
      gross_sales::text AS gross, discounts::text AS discounts, shipping::text AS shipping, tax::text AS tax,
      returns_by_refund_date::text AS r1, shipping_refunded_by_refund_date::text AS s1, tax_refunded_by_refund_date::text AS t1,
      returns_by_order_date::text AS r2, shipping_refunded_by_order_date::text AS s2, tax_refunded_by_order_date::text AS t2
    FROM daily_sales WHERE shop = ${shop}
    ORDER BY day, currency_code, cancelled, guest, first_order, first_uncancelled_order`;
}

/** Every row of the month rollups, as text. */
async function months(shop: string) {
  return {
    customerMonths: await prisma.$queryRaw<unknown[]>`
      SELECT customer_id::text AS customer, month::text AS month, orders, uncancelled_orders,
        first_order_at, last_order_at, first_uncancelled_order_at, last_uncancelled_order_at,
        previous_order_at, previous_uncancelled_order_at, previous_month::text AS pm, previous_uncancelled_month::text AS pum,
        next_month::text AS nm, next_uncancelled_month::text AS num, cohort::text AS c, uncancelled_cohort::text AS uc,
        paid_cohort::text AS pc, paid_uncancelled_cohort::text AS puc,
        net_sales_by_refund_date::text AS n1, net_sales_by_order_date::text AS n2,
        cancelled_net_sales_by_refund_date::text AS n3, cancelled_net_sales_by_order_date::text AS n4
      FROM customer_months WHERE shop = ${shop} ORDER BY customer_id, month`,
    counts: await prisma.$queryRaw<unknown[]>`
      SELECT retention_include_cancelled, month::text AS month, previous_month::text AS pm, next_month::text AS nm,
        paid_before, repeat, customers, orders
      FROM customer_month_counts WHERE shop = ${shop}
      ORDER BY retention_include_cancelled, month, previous_month, next_month, paid_before, repeat`,
    cohorts: await prisma.$queryRaw<unknown[]>`
      SELECT retention_include_cancelled, cohort_include_zero_value, cohort::text AS cohort, month::text AS month,
        customers, net_sales_by_refund_date::text AS n1, net_sales_by_order_date::text AS n2
      FROM cohort_months WHERE shop = ${shop}
      ORDER BY retention_include_cancelled, cohort_include_zero_value, cohort, month`,
    cohortDays: await prisma.$queryRaw<unknown[]>`
      SELECT retention_include_cancelled, cohort_include_zero_value, day::text AS day, customers, orders, repeat_customers, paid_customers
      FROM cohort_days WHERE shop = ${shop}
      ORDER BY retention_include_cancelled, cohort_include_zero_value, day`,
    activityDays: await prisma.$queryRaw<unknown[]>`
      SELECT retention_include_cancelled, day::text AS day, customers, orders, repeat_customers, returning_by_end,
        first_customers, returning_customers, first_paid_customers, returning_paid_customers
      FROM activity_days WHERE shop = ${shop}
      ORDER BY retention_include_cancelled, day`,
    gapMonths: await prisma.$queryRaw<unknown[]>`
      SELECT retention_include_cancelled, month::text AS month, bucket, gaps, second_gaps
      FROM gap_months WHERE shop = ${shop}
      ORDER BY retention_include_cancelled, month, bucket`,
    sources: await prisma.$queryRaw<unknown[]>`
      SELECT order_id::text AS order_id, customer_id::text AS customer, day::text AS day, currency_code, cancelled,
        first_order, first_uncancelled_order, gross_sales::text AS gross, discounts::text AS discounts, shipping::text AS shipping,
        tax::text AS tax, returns::text AS returns, shipping_refunded::text AS shipping_refunded, tax_refunded::text AS tax_refunded,
        refund_days::text AS refund_days, refund_returns::text AS refund_returns, refund_shipping::text AS refund_shipping,
        refund_tax::text AS refund_tax, paid, processed_at, gap_ms::text AS gap, gap_bucket, second_order,
        uncancelled_gap_ms::text AS uncancelled_gap, uncancelled_gap_bucket, second_uncancelled_order
      FROM daily_sales_sources WHERE shop = ${shop} ORDER BY order_id`,
    cohortWeeks: await prisma.$queryRaw<unknown[]>`
      SELECT retention_include_cancelled, cohort_include_zero_value, cohort::text AS cohort, week::text AS week,
        customers, orders, repeat_customers, net_sales_by_refund_date::text AS n1, net_sales_by_order_date::text AS n2
      FROM cohort_weeks WHERE shop = ${shop}
      ORDER BY retention_include_cancelled, cohort_include_zero_value, cohort, week`,
    totals: await prisma.$queryRaw<unknown[]>`
      SELECT retention_include_cancelled, both_settings, customer_id::text AS customer, orders, last_order_at, net_spend::text AS net, last_activity_at,
        order_at::text AS order_at, order_net::text AS order_net, order_day::text AS order_day, first_paid_order_at
      FROM customer_totals WHERE shop = ${shop}
      ORDER BY retention_include_cancelled, customer_id`,
  };
}

/** Refreshes as asked, then checks the rollup against a rebuild and the report against the reference. */
async function expectConsistent(store: GeneratedStore, refresh: () => Promise<unknown>) {
  await refresh();
  const incremental = await snapshot(store.shop);
  const incrementalMonths = await months(store.shop);
  // Retention read from the incrementally refreshed rollups.
  const rows = await readStore(store.shop);
  const settings = await getMetricSettings(store.shop);
  const context = { timeZone: store.timeZone, currency: store.currency, now: NOW, settings };
  const retention = { range: { from: "2025-06-01", to: "2026-12-01" }, cohortGranularity: "month" as const };
  expect(await retentionOverview(store.shop, retention, { now: NOW })).toEqual(retentionReport(rows, retention, context));
  const weekly = { range: { from: "2025-12-08", to: "2026-03-02" }, cohortGranularity: "week" as const };
  expect(await retentionOverview(store.shop, weekly, { now: NOW })).toEqual(retentionReport(rows, weekly, context));
  const cut = { range: { from: "2025-10-01", to: "2026-03-01" } };
  expect(await retentionRates(store.shop, cut, { now: NOW })).toEqual(retentionRatesReport(rows, cut, context));
  expect(await atRiskOverview(store.shop, { limit: 20 }, { now: NOW })).toEqual(atRiskReport(rows, { limit: 20 }, context));

  const rebuilt = await refreshDailyRollups(store.shop);
  expect(rebuilt.mode).toBe("full");
  expect(incremental).toEqual(await snapshot(store.shop));
  expect(incrementalMonths).toEqual(await months(store.shop));
  expect(incrementalMonths.cohortDays.length).toBeGreaterThan(10);
  expect(incrementalMonths.customerMonths.length).toBeGreaterThan(30);
  expect(incrementalMonths.counts.length).toBeGreaterThan(30);
  expect(incrementalMonths.cohorts.length).toBeGreaterThan(30);
  expect((incrementalMonths.sources as Array<{ gap: string | null }>).filter((source) => source.gap !== null).length).toBeGreaterThan(30);
  expect(incrementalMonths.gapMonths.length).toBeGreaterThan(30);
  expect(incrementalMonths.activityDays.length).toBeGreaterThan(30);
  expect(incrementalMonths.totals.length).toBeGreaterThan(30);
  expect(incrementalMonths.cohortWeeks.length).toBeGreaterThan(30);
  const query = { range: { from: "2025-06-01", to: "2026-12-01" }, granularity: "week" as const, compareTo: "previous_year" as const };
  expect(await salesOverview(store.shop, query, { now: NOW })).toEqual(salesReport(rows, query, context));
}

describe("refreshDailyRollups", () => {
  let store: GeneratedStore;
  const customerOrders = async (customerId: bigint) =>
    prisma.order.findMany({ where: { shop: store.shop, customerId, test: false, deletedAt: null }, orderBy: [{ processedAt: "asc" }, { id: "asc" }] });

  beforeAll(async () => {
    store = generateStore({
      seed: 21,
      shop: "rollups.myshopify.com",
      timeZone: "America/New_York",
      now: NOW,
      start: "2025-06-01",
      orders: 300,
      customers: 40,
    });
    await writeStore(store);
    expect(await refreshDailyRollups(store.shop)).toMatchObject({ mode: "full" });
  });

  it("GIVEN an order moved to another month THEN refreshing it clears its old day too", async () => {
    const moved = store.orders.find((o) => !o.test && !o.deletedAt && o.customerId !== null)!;
    await prisma.order.update({
      where: { shop_id: { shop: store.shop, id: BigInt(moved.id) } },
      data: { processedAt: new Date(moved.processedAt.getTime() - 40 * 86_400_000) },
    });
    await expectConsistent(store, () => refreshDailyRollups(store.shop, { orderIds: [moved.id] }));
  });

  it("GIVEN a customer's first order re-keyed to another customer (merge) THEN both customers' first orders are right", async () => {
    const [first] = await customerOrders(7_000_000_000_001n);
    expect(first).toBeDefined();
    await prisma.order.update({ where: { shop_id: { shop: store.shop, id: first.id } }, data: { customerId: 7_000_000_000_002n } });
    await expectConsistent(store, () => refreshDailyRollups(store.shop, { orderIds: [first.id] }));
  });

  it("GIVEN an order earlier than a customer's first one arrives THEN the old first order becomes a returning one", async () => {
    const [first] = await customerOrders(7_000_000_000_003n);
    const earlier = order({
      id: "4000000000001",
      customerId: "7000000000003",
      at: new Date(first.processedAt.getTime() - 3 * 86_400_000).toISOString(),
      grossSales: 1234,
    });
    await writeOrders(store.shop, [earlier], [refund({ id: "4000000000002", orderId: earlier.id, at: NOW.toISOString().slice(0, 10) + "T00:00:00Z", returns: 200 })]);
    await expectConsistent(store, () => refreshDailyRollups(store.shop, { orderIds: [earlier.id] }));
  });

  it("GIVEN a first order cancelled, another deleted, another removed with its refunds THEN each refresh matches a rebuild", async () => {
    const [a] = await customerOrders(7_000_000_000_004n);
    const [b] = await customerOrders(7_000_000_000_005n);
    const [c] = await customerOrders(7_000_000_000_006n);
    await prisma.order.update({ where: { shop_id: { shop: store.shop, id: a.id } }, data: { cancelledAt: NOW } });
    await prisma.order.update({ where: { shop_id: { shop: store.shop, id: b.id } }, data: { deletedAt: NOW } });
    await prisma.refund.deleteMany({ where: { shop: store.shop, orderId: c.id } });
    await prisma.order.delete({ where: { shop_id: { shop: store.shop, id: c.id } } });
    await expectConsistent(store, () => refreshDailyRollups(store.shop, { orderIds: [a.id, b.id, c.id] }));
  });

  it("GIVEN a refund added and another removed THEN refreshing their orders moves both days", async () => {
    const withRefund = await prisma.refund.findFirstOrThrow({ where: { shop: store.shop } });
    await prisma.refund.delete({ where: { shop_id: { shop: store.shop, id: withRefund.id } } });
    const target = store.orders.find((o) => !o.test && !o.deletedAt && o.id !== String(withRefund.orderId))!;
    await prisma.refund.create({
      data: {
        shop: store.shop,
        id: 4_000_000_000_003n,
        orderId: BigInt(target.id),
        processedAt: new Date("2026-11-01T04:30:00Z"), // 00:30 on 1 November in New York
        createdAt: NOW,
        currencyCode: target.currencyCode,
        returns: 700n,
        shipping: 100n,
        tax: 56n,
        totalRefunded: 856n,
      },
    });
    await expectConsistent(store, () => refreshDailyRollups(store.shop, { orderIds: [withRefund.orderId, target.id] }));
  });

  it("GIVEN an amount corrected in place THEN refreshing its local day range is enough", async () => {
    const changed = store.orders.find((o) => !o.test && !o.deletedAt && o.customerId === null)!;
    await prisma.order.update({ where: { shop_id: { shop: store.shop, id: BigInt(changed.id) } }, data: { grossSales: 123_456n } });
    const day = changed.processedAt.toLocaleDateString("en-CA", { timeZone: store.timeZone });
    const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    await expectConsistent(store, async () => {
      const refreshed = await refreshDailyRollups(store.shop, { fromDay: day, toDay: next });
      expect(refreshed).toEqual({ mode: "days", days: 1 });
    });
  });

  it("GIVEN a customer's first order made zero-value and another's first non-zero one cancelled THEN their cohorts move", async () => {
    const [a] = await customerOrders(7_000_000_000_007n);
    const paid = (await customerOrders(7_000_000_000_008n)).find((o) => o.totalPrice !== 0n && o.cancelledAt === null)!;
    await prisma.order.update({ where: { shop_id: { shop: store.shop, id: a.id } }, data: { totalPrice: 0n, grossSales: 0n, discounts: 0n } });
    await prisma.order.update({ where: { shop_id: { shop: store.shop, id: paid.id } }, data: { cancelledAt: paid.processedAt } });
    await expectConsistent(store, () => refreshDailyRollups(store.shop, { orderIds: [a.id, paid.id] }));
  });

  it("GIVEN a zero-value order beside its customer's other one THEN the week's orders and repeat buyers move, its customers and sales not", async () => {
    const [first] = await customerOrders(7_000_000_000_009n);
    const beside = order({ id: "4000000000004", customerId: "7000000000009", at: new Date(first.processedAt.getTime() + 60_000).toISOString() });
    await writeOrders(store.shop, [beside], []);
    await expectConsistent(store, () => refreshDailyRollups(store.shop, { orderIds: [beside.id] }));
  });

  it("GIVEN a refund corrected in place, days after its order THEN refreshing the days from the order's to the refund's is enough", async () => {
    const customerRefund = await prisma.$queryRaw<Array<{ id: bigint; processed_at: Date; ordered_at: Date }>>`
      SELECT r.id, r.processed_at, o.processed_at AS ordered_at FROM refunds r JOIN orders o ON o.shop = r.shop AND o.id = r.order_id
      WHERE r.shop = ${store.shop} AND o.customer_id IS NOT NULL AND NOT o.test AND o.deleted_at IS NULL
        AND o.currency_code = ${store.currency}
        AND (r.processed_at AT TIME ZONE ${store.timeZone})::date <> (o.processed_at AT TIME ZONE ${store.timeZone})::date
      ORDER BY r.id LIMIT 1`;
    expect(customerRefund).toHaveLength(1);
    const [{ id, processed_at, ordered_at }] = customerRefund;
    await prisma.refund.update({ where: { shop_id: { shop: store.shop, id } }, data: { returns: 98_765n } });
    const localDay = (instant: Date) => instant.toLocaleDateString("en-CA", { timeZone: store.timeZone });
    const next = new Date(Date.parse(`${localDay(processed_at)}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    // The refund's day alone already brings its customer's months up to date (not the order's
    // day in daily_sales, where the refund counts by order date).
    await refreshDailyRollups(store.shop, { fromDay: localDay(processed_at), toDay: next });
    const refundDayOnly = await months(store.shop);
    await expectConsistent(store, () => refreshDailyRollups(store.shop, { fromDay: localDay(ordered_at), toDay: next }));
    expect(refundDayOnly).toEqual(await months(store.shop));
  });

  it("GIVEN the shop's currency changed THEN the next refresh rebuilds, summing money in the new currency", async () => {
    await prisma.shop.update({ where: { domain: store.shop }, data: { currencyCode: "CAD" } });
    const refreshed = await refreshDailyRollups(store.shop, { orderIds: [store.orders[0].id] });
    expect(refreshed.mode).toBe("full");
    const [{ currency_code }] = await prisma.$queryRaw<Array<{ currency_code: string }>>`
      SELECT currency_code FROM daily_sales_state WHERE shop = ${store.shop}`;
    expect(currency_code).toBe("CAD");
    await expectConsistent({ ...store, currency: "CAD" }, async () => {});
    // Reports rebuild a shop whose rollups are in another currency before reading them.
    await prisma.shop.update({ where: { domain: store.shop }, data: { currencyCode: store.currency } });
    await expectConsistent(store, () => retentionRates(store.shop, { range: { from: "2026-01-01", to: "2026-02-01" } }, { now: NOW }));
    const [state] = await prisma.$queryRaw<Array<{ currency_code: string }>>`
      SELECT currency_code FROM daily_sales_state WHERE shop = ${store.shop}`;
    expect(state.currency_code).toBe(store.currency);
  });

  it("rejects a day range that is not made of real dates, and an unknown shop", async () => {
    await expect(refreshDailyRollups(store.shop, { fromDay: "2026-02-30" })).rejects.toBeInstanceOf(InvalidRangeError);
    await expect(refreshDailyRollups(store.shop, { toDay: "26-03-01" })).rejects.toBeInstanceOf(InvalidRangeError);
    await expect(refreshDailyRollups("nobody.myshopify.com")).rejects.toBeInstanceOf(UnknownShopError);
  });

  it("GIVEN the shop moved to another time zone THEN the next refresh rebuilds every day in the new zone", async () => {
    await prisma.shop.update({ where: { domain: store.shop }, data: { ianaTimezone: "Asia/Tokyo" } });
    const refreshed = await refreshDailyRollups(store.shop, { orderIds: [store.orders[0].id] });
    expect(refreshed.mode).toBe("full");
    await expectConsistent({ ...store, timeZone: "Asia/Tokyo" }, async () => {});
  });

  it("GIVEN customer_totals with a row per value of the setting THEN its migration to one row for both writes what a rebuild does", async () => {
    const built = (await months(store.shop)).totals as Array<{ retention_include_cancelled: boolean; both_settings: boolean }>;
    // Customers of each kind: with no cancelled order (one row), and with one (a row per value).
    expect(built.some((row) => row.both_settings)).toBe(true);
    expect(built.some((row) => !row.retention_include_cancelled)).toBe(true);
    // The rows as they were before the migration: each value of the setting its own.
    const columns = await prisma.$queryRaw<Array<{ name: string }>>`
      SELECT column_name AS name FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = 'customer_totals'
        AND column_name NOT IN ('retention_include_cancelled', 'both_settings')`;
    const rest = columns.map(({ name }) => name).join(", ");
    await prisma.$transaction([
      prisma.$executeRawUnsafe(
        `INSERT INTO customer_totals (retention_include_cancelled, both_settings, ${rest})
         SELECT false, false, ${rest} FROM customer_totals WHERE shop = $1 AND both_settings`,
        store.shop,
      ),
      prisma.$executeRaw`UPDATE customer_totals SET both_settings = false WHERE shop = ${store.shop}`,
    ]);
    expect((await months(store.shop)).totals).toHaveLength(built.length + built.filter((row) => row.both_settings).length);
    const migration = fs.readFileSync(
      new URL("../../prisma/migrations/20261230000000_customer_totals_once_for_both_settings/migration.sql", import.meta.url),
      "utf8",
    );
    const merge = migration.slice(migration.indexOf("UPDATE"), migration.indexOf("-- The table again"));
    const statements = merge.split(/;\s*\n/).map((statement) => statement.trim()).filter((statement) => statement.length > 0);
    expect(statements).toHaveLength(2);
    await prisma.$transaction(statements.map((statement) => prisma.$executeRawUnsafe(statement)));
    expect((await months(store.shop)).totals).toEqual(built);
  });

  // A write whose orders change none of their inputs skips the refresh (rollup-inputs.ts): so no
  // other column may move a rollup. Every column of the tables, as the schema has them now.
  it("GIVEN every column of the orders and refunds outside what the rollups read changed THEN a rebuild comes out the same", async () => {
    const before = { days: await snapshot(store.shop), months: await months(store.shop) };
    const CHANGED: Record<string, (column: string) => string> = {
      text: (column) => `coalesce(${column}, '') || '~'`,
      "timestamp with time zone": (column) => `coalesce(${column}, now()) + interval '1 day 1 hour'`,
      boolean: (column) => `NOT coalesce(${column}, false)`,
      bigint: (column) => `coalesce(${column}, 0) + 7`,
      integer: (column) => `coalesce(${column}, 0) + 7`,
    };
    const changed: string[] = [];
    for (const [table, inputs] of [
      ["orders", ORDER_ROLLUP_INPUTS],
      ["refunds", REFUND_ROLLUP_INPUTS],
    ] as const) {
      const columns = await prisma.$queryRaw<Array<{ name: string; type: string }>>`
        SELECT column_name AS name, data_type AS type FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = ${table}`;
      const others = columns.filter(({ name }) => !["shop", "id", "order_id", ...inputs].includes(name));
      const assignments = others.map(({ name, type }) => {
        if (!CHANGED[type]) throw new Error(`${table}.${name}: no way to change a ${type} here yet`);
        return `${name} = ${CHANGED[type](name)}`;
      });
      await prisma.$executeRawUnsafe(`UPDATE ${table} SET ${assignments.join(", ")} WHERE shop = $1`, store.shop);
      changed.push(...others.map(({ name }) => `${table}.${name}`));
    }
    expect(changed).toEqual(expect.arrayContaining(["orders.name", "orders.updated_at", "orders.source_name", "orders.total_refunded", "refunds.currency_code"]));
    expect(await refreshDailyRollups(store.shop)).toMatchObject({ mode: "full" });
    expect({ days: await snapshot(store.shop), months: await months(store.shop) }).toEqual(before);
  });
});

describe("the planner's statistics before a rebuild", () => {
  /** `count` orders of `shop`, written straight into the table (no rollups). */
  async function insertOrders(shop: string, count: number) {
    await prisma.shop.upsert({ where: { domain: shop }, create: { domain: shop, ianaTimezone: "UTC", currencyCode: "USD" }, update: {} });
    await prisma.$executeRaw`
      INSERT INTO orders (shop, id, name, processed_at, created_at, updated_at, currency_code, gross_sales, discounts, shipping, tax, total_price, total_refunded)
      SELECT ${shop}, n, '#' || n, ${NOW}::timestamptz - n * interval '1 hour', ${NOW}::timestamptz, ${NOW}::timestamptz, 'USD', 1000, 0, 0, 0, 1000, 0
      FROM generate_series(1, ${count}::int) AS n`;
  }

  it("GIVEN a shop written after the last ANALYZE THEN only a rebuild of that shop, not of a small one, analyzes again", async () => {
    await insertOrders("stats-small.myshopify.com", STATISTICS_MATTER_FROM_ROWS - 1);
    await prisma.$executeRawUnsafe("ANALYZE orders, refunds");
    const large = "stats-large.myshopify.com";
    await insertOrders(large, STATISTICS_MATTER_FROM_ROWS * 2);

    // The planner still thinks the large shop has next to no orders; the small shop's plans are quick whatever it thinks.
    expect(await statisticsStale(large, ["orders", "refunds"])).toBe(true);
    expect(await statisticsStale("stats-small.myshopify.com", ["orders", "refunds"])).toBe(false);
    expect(await statisticsStale("stats-nothing.myshopify.com", ["orders", "refunds"])).toBe(false);

    // The rebuild of the large shop refreshes them first.
    await refreshDailyRollups(large);
    expect(await statisticsStale(large, ["orders", "refunds"])).toBe(false);
    const [{ orders }] = await prisma.$queryRaw<Array<{ orders: number }>>`SELECT sum(orders)::int AS orders FROM daily_sales WHERE shop = ${large}`;
    expect(orders).toBe(STATISTICS_MATTER_FROM_ROWS * 2);
  });
});

/** The advisory lock (key, key) a "wait" trigger of withTriggers waits for: a test holds it to hold a rebuild. */
const HOLD_KEY = 4242;

/**
 * Runs `work` with a statement trigger on each of `tables`: recording its writer (into
 * `test_rebuild_writers`), failing, or waiting for the HOLD_KEY lock, which the test holds.
 */
async function withTriggers<T>(tables: Record<string, "record" | "fail" | "wait">, work: () => Promise<T>): Promise<T> {
  await prisma.$executeRawUnsafe(`CREATE TABLE IF NOT EXISTS test_rebuild_writers (tbl text, xid xid8)`);
  await prisma.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION test_record_writer() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_ARGV[0] = 'fail' THEN RAISE EXCEPTION 'refused %', TG_TABLE_NAME; END IF;
      IF TG_ARGV[0] = 'wait' THEN PERFORM pg_advisory_xact_lock(${HOLD_KEY}, ${HOLD_KEY}); END IF;
      INSERT INTO test_rebuild_writers VALUES (TG_TABLE_NAME, pg_current_xact_id());
      RETURN NULL;
    END $$`);
  await prisma.$executeRawUnsafe(`TRUNCATE test_rebuild_writers`);
  for (const [table, kind] of Object.entries(tables)) {
    await prisma.$executeRawUnsafe(
      `CREATE TRIGGER test_writer AFTER INSERT ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION test_record_writer('${kind}')`,
    );
  }
  try {
    return await work();
  } finally {
    for (const table of Object.keys(tables)) await prisma.$executeRawUnsafe(`DROP TRIGGER test_writer ON ${table}`);
  }
}

describe("ensureDailyRollups", () => {
  /** How many times the shop's rollups were written (a trigger counts each refresh). */
  async function refreshes(shop: string): Promise<number> {
    const [row] = await prisma.$queryRaw<Array<{ version: number }>>`SELECT version::int AS version FROM prediction_data_versions WHERE shop = ${shop}`;
    return row?.version ?? 0;
  }

  it("GIVEN rollups never built WHEN a page reads six metrics at once THEN they share one rebuild", async () => {
    const store = generateStore({ seed: 91, shop: "ensure-once.myshopify.com", timeZone: "Europe/Warsaw", now: NOW, start: "2025-06-01", customers: 40, orders: 120 });
    await writeStore(store);
    await Promise.all(Array.from({ length: 6 }, () => ensureDailyRollups(store.shop, store.timeZone, store.currency)));
    expect(await refreshes(store.shop)).toBe(1);
    // Built, and built once more only when the shop's time zone changes.
    await ensureDailyRollups(store.shop, store.timeZone, store.currency);
    expect(await refreshes(store.shop)).toBe(1);
    await prisma.shop.update({ where: { domain: store.shop }, data: { ianaTimezone: "Asia/Tokyo" } });
    await Promise.all(Array.from({ length: 3 }, () => ensureDailyRollups(store.shop, "Asia/Tokyo", store.currency)));
    expect(await refreshes(store.shop)).toBe(2);
  });

  it("GIVEN another process rebuilding a stale shop WHEN a page makes sure of its rollups meanwhile THEN it waits for that rebuild and does not repeat it", async () => {
    const store = generateStore({ seed: 92, shop: "ensure-waits.myshopify.com", timeZone: "Europe/Warsaw", now: NOW, start: "2025-06-01", customers: 40, orders: 120 });
    await writeStore(store);
    await ensureDailyRollups(store.shop, store.timeZone, store.currency);
    expect(await refreshes(store.shop)).toBe(1);
    await prisma.shop.update({ where: { domain: store.shop }, data: { ianaTimezone: "Asia/Tokyo" } });
    const waitingForLock = async () => {
      const [{ n }] = await prisma.$queryRaw<Array<{ n: number }>>`
        SELECT count(*)::int AS n FROM pg_locks
        WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
      return n;
    };
    let page: Promise<boolean> | undefined;
    // The other process: the shop's lock held and the rebuild written, not yet committed, while
    // the page finds the rollups stale and queues behind the lock.
    await prisma.$transaction(async (tx) => {
      expect((await refreshRollupsIn(tx, store.shop)).mode).toBe("full");
      page = ensureDailyRollups(store.shop, "Asia/Tokyo", store.currency);
      await vi.waitFor(async () => expect(await waitingForLock()).toBe(1), { timeout: 30_000, interval: 50 });
    }, ROLLUP_TRANSACTION_OPTIONS);
    await page;
    expect(await refreshes(store.shop)).toBe(2);
    const [state] = await prisma.$queryRaw<Array<{ time_zone: string }>>`SELECT time_zone FROM daily_sales_state WHERE shop = ${store.shop}`;
    expect(state.time_zone).toBe("Asia/Tokyo");
  });

  it("GIVEN a rebuild that takes longer than a page waits WHEN the page makes sure of its rollups THEN it hears false in time, and a later look joins the same rebuild", async () => {
    const store = generateStore({ seed: 93, shop: "ensure-budget.myshopify.com", timeZone: "Europe/Warsaw", now: NOW, start: "2025-06-01", customers: 40, orders: 120 });
    await writeStore(store);
    await ensureDailyRollups(store.shop, store.timeZone, store.currency);
    await prisma.shop.update({ where: { domain: store.shop }, data: { ianaTimezone: "Asia/Tokyo" } });
    let looks: boolean[] = [];
    let joined: Promise<boolean> | undefined;
    // Another process holds the shop's lock (its own rebuild, uncommitted) for as long as the
    // page looks: the page's rebuild cannot finish meanwhile.
    await prisma.$transaction(async (tx) => {
      await refreshRollupsIn(tx, store.shop);
      looks = await Promise.all([ensureDailyRollups(store.shop, "Asia/Tokyo", store.currency, { waitMs: 0 }), ensureDailyRollups(store.shop, "Asia/Tokyo", store.currency, { waitMs: 200 })]);
      joined = ensureDailyRollups(store.shop, "Asia/Tokyo", store.currency);
    }, ROLLUP_TRANSACTION_OPTIONS);
    expect(looks).toEqual([false, false]);
    expect(await joined).toBe(true);
    expect(await ensureDailyRollups(store.shop, "Asia/Tokyo", store.currency, { waitMs: 0 })).toBe(true);
    // The other process's rebuild and none of the page's: once it held the lock, the page found them current.
    expect(await refreshes(store.shop)).toBe(2);
  });

  it("GIVEN more stale stores than may rebuild at once WHEN each is asked for THEN two rebuild, the others wait their turn, and the pool keeps connections for everything else", async () => {
    const stores = Array.from({ length: 5 }, (_, i) =>
      generateStore({ seed: 94 + i, shop: `ensure-turns-${i}.myshopify.com`, timeZone: "Europe/Warsaw", now: NOW, start: "2025-06-01", customers: 20, orders: 60 }),
    );
    for (const store of stores) {
      await writeStore(store);
      await ensureDailyRollups(store.shop, store.timeZone, store.currency);
      await prisma.shop.update({ where: { domain: store.shop }, data: { ianaTimezone: "Asia/Tokyo" } });
    }
    // Each rebuild's write of the gaps' counts waits for a lock that the test holds; the test
    // holds it and watches on a connection of its own, outside the app's pool.
    const watcher = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await watcher.connect();
    const held = async () => {
      const { rows } = await watcher.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = $1 AND objid = $1
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [HOLD_KEY],
      );
      return rows[0].n;
    };
    let rebuilds: Array<Promise<boolean>> = [];
    try {
      await withTriggers({ gap_months: "wait" }, async () => {
        try {
          await watcher.query(`BEGIN`);
          await watcher.query(`SELECT pg_advisory_xact_lock($1, $1)`, [HOLD_KEY]);
          rebuilds = stores.map((store) => ensureDailyRollups(store.shop, "Asia/Tokyo", store.currency));
          await vi.waitFor(async () => expect(await held()).toBe(2), { timeout: 30_000, interval: 50 });
          // Long enough for a third to have reached the lock, were it let start.
          await new Promise((resolve) => setTimeout(resolve, 2_500));
          expect(await held()).toBe(2);
          // A page's or a webhook's transaction still gets a connection within Prisma's default wait.
          expect(await prisma.$transaction((tx) => tx.$queryRaw<Array<{ one: number }>>`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
        } finally {
          await watcher.query(`COMMIT`);
          expect(await Promise.all(rebuilds)).toEqual(stores.map(() => true));
        }
      });
    } finally {
      await watcher.end();
    }
    const zones = await prisma.$queryRaw<Array<{ time_zone: string }>>`
      SELECT time_zone FROM daily_sales_state WHERE shop = ANY(${stores.map((store) => store.shop)}::text[])`;
    expect(zones).toEqual(stores.map(() => ({ time_zone: "Asia/Tokyo" })));
  });
});

describe("a rebuild in two halves", () => {
  const SHOP_ = "halves.myshopify.com";
  let store: GeneratedStore;
  /** The transactions (their ids) that wrote each rollup table in the rebuild under way. */
  const writers = () =>
    prisma.$queryRaw<Array<{ tbl: string; xid: string }>>`SELECT DISTINCT tbl, xid::text AS xid FROM test_rebuild_writers ORDER BY tbl`;
  const state = () => prisma.$queryRaw<unknown[]>`SELECT time_zone, currency_code, refreshed_at FROM daily_sales_state WHERE shop = ${SHOP_}`;
  const everything = async () => ({ days: await snapshot(SHOP_), rows: await months(SHOP_), state: await state() });

  beforeAll(async () => {
    store = generateStore({ seed: 57, shop: SHOP_, timeZone: "Europe/Warsaw", now: NOW, start: "2025-06-01", orders: 200, customers: 30 });
    await writeStore(store);
    await refreshDailyRollups(SHOP_);
  });

  it("GIVEN a rebuild THEN daily sales with the gaps and weekly cohorts are written in one transaction, months and totals in another, and the result is the one-transaction rebuild's", async () => {
    const before = await everything();
    const recorded = ["daily_sales", "cohort_weeks", "gap_months", "customer_months", "customer_totals", "cohort_days"];
    await withTriggers(Object.fromEntries(recorded.map((table) => [table, "record" as const])), () => refreshDailyRollups(SHOP_));
    const written = await writers();
    expect(written.map((w) => w.tbl)).toEqual([...recorded].sort());
    const xid = Object.fromEntries(written.map((w) => [w.tbl, w.xid]));
    for (const table of ["cohort_weeks", "gap_months"]) expect({ table, xid: xid[table] }).toEqual({ table, xid: xid.daily_sales });
    for (const table of ["customer_totals", "cohort_days"]) expect({ table, xid: xid[table] }).toEqual({ table, xid: xid.customer_months });
    expect(xid.customer_months).not.toBe(xid.daily_sales);
    const after = await everything();
    expect({ ...after, state: null }).toEqual({ ...before, state: null });
    expect(after.rows.cohortWeeks.length).toBeGreaterThan(30);
  });

  it("GIVEN a rebuild THEN the state records how long it took, and a refresh of some orders keeps that time", async () => {
    const recorded = () =>
      prisma.$queryRaw<Array<{ rebuild_ms: number | null; refreshed_at: Date }>>`SELECT rebuild_ms, refreshed_at FROM daily_sales_state WHERE shop = ${SHOP_}`;
    const began = Date.now();
    expect(await refreshDailyRollups(SHOP_)).toMatchObject({ mode: "full" });
    const took = Date.now() - began;
    const [rebuilt] = await recorded();
    expect(rebuilt.rebuild_ms).toBeGreaterThanOrEqual(0);
    expect(rebuilt.rebuild_ms).toBeLessThanOrEqual(took);
    // A customer's order cancelled: their totals change, so the state row is written again.
    const [order] = store.orders.filter((o) => !o.test && !o.deletedAt && !o.cancelledAt && o.customerId !== null);
    const key = { shop_id: { shop: SHOP_, id: BigInt(order.id) } };
    try {
      await prisma.order.update({ where: key, data: { cancelledAt: new Date(order.processedAt) } });
      expect(await refreshDailyRollups(SHOP_, { orderIds: [order.id] })).toMatchObject({ mode: "orders" });
      const [refreshed] = await recorded();
      expect(refreshed.refreshed_at.getTime()).toBeGreaterThan(rebuilt.refreshed_at.getTime());
      expect(refreshed.rebuild_ms).toBe(rebuilt.rebuild_ms);
    } finally {
      await prisma.order.update({ where: key, data: { cancelledAt: null } });
      await refreshDailyRollups(SHOP_, { orderIds: [order.id] });
    }
  });

  it("GIVEN the app's sessions, which price a random read for the pages, THEN a transaction writing rollups plans at PostgreSQL's default", async () => {
    const price = async (client: Pick<typeof prisma, "$queryRaw">) =>
      (await client.$queryRaw<Array<{ random_page_cost: string }>>`SHOW random_page_cost`)[0].random_page_cost;
    expect(await price(prisma)).toBe("1.1");
    const [order] = store.orders.filter((o) => !o.test && !o.deletedAt && o.customerId !== null);
    const inside = await prisma.$transaction(async (tx) => {
      await refreshRollupsIn(tx, SHOP_, { orderIds: [order.id] });
      return price(tx);
    }, ROLLUP_TRANSACTION_OPTIONS);
    expect(inside).toBe("4");
    // Only for that transaction: the session's next reads are priced as before.
    expect(await price(prisma)).toBe("1.1");
  });

  it("GIVEN a rebuild inside a caller's transaction THEN it is all done there, and counts what the caller wrote before it", async () => {
    const [order] = store.orders.filter((o) => !o.test && !o.deletedAt && o.customerId !== null);
    await withTriggers({ daily_sales: "record", customer_months: "record" }, () =>
      prisma.$transaction(async (tx) => {
        await tx.order.update({ where: { shop_id: { shop: SHOP_, id: BigInt(order.id) } }, data: { deletedAt: new Date() } });
        await refreshRollupsIn(tx, SHOP_);
      }, ROLLUP_TRANSACTION_OPTIONS),
    );
    expect(new Set((await writers()).map((w) => w.xid)).size).toBe(1);
    const sources = (await months(SHOP_)).sources as Array<{ order_id: string }>;
    expect(sources.some((s) => s.order_id === String(order.id))).toBe(false);
    await prisma.order.update({ where: { shop_id: { shop: SHOP_, id: BigInt(order.id) } }, data: { deletedAt: null } });
    await refreshDailyRollups(SHOP_);
  });

  it("GIVEN either half fails THEN neither is kept: every rollup and the built state are as they were", async () => {
    await prisma.shop.update({ where: { domain: SHOP_ }, data: { ianaTimezone: "Asia/Tokyo" } });
    try {
      const before = await everything();
      for (const failing of ["daily_sales", "customer_months", "gap_months", "cohort_weeks"]) {
        await expect(withTriggers({ [failing]: "fail" }, () => refreshDailyRollups(SHOP_))).rejects.toThrow(`refused ${failing}`);
        expect({ failing, ...(await everything()) }).toEqual({ failing, ...before });
      }
    } finally {
      await prisma.shop.update({ where: { domain: SHOP_ }, data: { ianaTimezone: store.timeZone } });
    }
    expect(await refreshDailyRollups(SHOP_)).toMatchObject({ mode: "full" });
  });

  it("GIVEN the first half fails while the second is still working THEN the second is stopped where it is, and the failure comes at once", async () => {
    await prisma.shop.update({ where: { domain: SHOP_ }, data: { ianaTimezone: "Asia/Tokyo" } });
    // The second half's first write, of months, waits for a lock this test holds until the
    // rebuild has answered: it can only answer before that if the second half is stopped.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let hold!: () => void;
    const holding = new Promise<void>((resolve) => (hold = resolve));
    const holder = prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${HOLD_KEY}::int, ${HOLD_KEY}::int)`;
        hold();
        await released;
      },
      { timeout: 120_000 },
    );
    try {
      await holding;
      const before = await everything();
      const answer = await withTriggers({ daily_sales: "fail", customer_months: "wait" }, async () => {
        const rebuild = refreshDailyRollups(SHOP_).then(
          () => "rebuilt",
          (error: unknown) => errorMessage(error),
        );
        // A bound for the test only: without the stop, the rebuild waits for the lock forever.
        const answer = await Promise.race([rebuild, new Promise<string>((resolve) => setTimeout(() => resolve("no answer yet"), 30_000))]);
        release();
        await rebuild;
        return answer;
      });
      expect(answer).toMatch(/refused daily_sales/);
      expect(await everything()).toEqual(before);
    } finally {
      release();
      await holder;
      await prisma.shop.update({ where: { domain: SHOP_ }, data: { ianaTimezone: store.timeZone } });
    }
    expect(await refreshDailyRollups(SHOP_)).toMatchObject({ mode: "full" });
  });
});

describe("a rebuild over the shop's rows", () => {
  const SHOP_ = "rebuild-again.myshopify.com";
  const PER_ROW_TABLES = ["daily_sales_sources", "customer_months", "customer_totals"];
  /** Each per-row table's row versions (ctid, xmin): a row rewritten gets a new one. */
  const versions = async () =>
    Object.fromEntries(
      await Promise.all(
        PER_ROW_TABLES.map(async (table) => [
          table,
          await prisma.$queryRawUnsafe<Array<{ v: string }>>(`SELECT ctid::text || '/' || xmin::text AS v FROM ${table} WHERE shop = $1 ORDER BY 1`, SHOP_),
        ]),
      ),
    ) as Record<string, Array<{ v: string }>>;

  it("GIVEN rows already as a rebuild would write them THEN a rebuild leaves them untouched, and rewrites only what an order's change moves", async () => {
    const store = generateStore({ seed: 61, shop: SHOP_, timeZone: "America/New_York", now: NOW, start: "2025-06-01", orders: 200, customers: 30 });
    await writeStore(store);
    await refreshDailyRollups(SHOP_);
    const before = await versions();
    const rows = await months(SHOP_);
    for (const table of PER_ROW_TABLES) expect({ table, some: before[table].length > 20 }).toEqual({ table, some: true });

    await refreshDailyRollups(SHOP_);
    expect(await versions()).toEqual(before);
    expect(await months(SHOP_)).toEqual(rows);

    // A customer's first order moved a month earlier, seen only by the rebuild: that customer's
    // rows change, the others stay.
    const counted = store.orders.filter((o) => !o.test && !o.deletedAt && o.customerId !== null);
    const ofCustomer = (o: (typeof counted)[number]) => counted.filter((other) => other.customerId === o.customerId);
    const moved = counted.find(
      (o) => o.processedAt > new Date("2025-10-01") && ofCustomer(o).length >= 2 && ofCustomer(o).every((other) => other.processedAt > o.processedAt || other === o),
    )!;
    const at = new Date(moved.processedAt.getTime() - 31 * 86_400_000);
    await prisma.order.update({ where: { shop_id: { shop: SHOP_, id: BigInt(moved.id) } }, data: { processedAt: at } });
    await refreshDailyRollups(SHOP_);
    const after = await versions();
    for (const table of PER_ROW_TABLES) {
      const kept = new Set(before[table].map((row) => row.v));
      const rewritten = after[table].filter((row) => !kept.has(row.v)).length;
      expect({ table, rewritten: rewritten > 0 && rewritten < after[table].length / 4 }).toEqual({ table, rewritten: true });
    }
    // And what it wrote is what a build from nothing writes.
    const rebuilt = await months(SHOP_);
    for (const table of PER_ROW_TABLES) await prisma.$executeRawUnsafe(`DELETE FROM ${table} WHERE shop = $1`, SHOP_);
    await refreshDailyRollups(SHOP_);
    expect(await months(SHOP_)).toEqual(rebuilt);
    expect(rebuilt).not.toEqual(rows);
  });
});
