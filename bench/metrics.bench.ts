// Metrics over a large store: a seeded synthetic shop of 1,000,000 orders and 250,000
// customers over four years (generated in SQL), its rollups built once, then:
//   - the overview: sales with growth (`salesOverview`, 24 months by month, compared with the
//     previous period) and the retention rates over the same range (`retentionRates`: repeat
//     purchase rate, returning customer rate, customer retention and churn), both requested at
//     once as a page would;
//   - the 24 × 24 monthly cohort grid (`cohortMatrix`).
// Each is warm, the median of 15 runs. Baseline, measured in the same run: the pure reference
// implementations (`salesReport` + `retentionRatesReport`, `cohortMatrixReport`) over every row,
// loaded into memory once beforehand (only the computation is timed), median of 3 runs. Both
// results must be equal, or the benchmark fails. `ratio` = baseline ÷ value (times faster).
// BENCH_METRICS_ORDERS sets another size for a quick run (customers: a quarter of the orders).
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { benchDatabase, onBenchShutdown } from "./lib/database";
import { note, timed, type BenchResult } from "./lib/timing";

const ORDERS = Number(process.env.BENCH_METRICS_ORDERS ?? 1_000_000);
const CUSTOMERS = Math.round(ORDERS / 4);
const SEED = 20_261_118;
const RUNS = 15;
const REFERENCE_RUNS = 3;
const SHOP = "metrics.myshopify.com";
const TIME_ZONE = "America/New_York";
const CURRENCY = "USD";
const NOW = new Date("2026-11-18T15:37:21Z");
/** Four years of history before NOW, starting at a local midnight. */
const START = "2022-12-01T05:00:00Z";
/** The last 24 months, the current (unfinished) one included. */
const RANGE = { from: "2024-12-01", to: "2026-12-01" };

/** A value in [0, 1) from a hash of `expr` (SQL): the same for the same seed and row. */
const uniform = (expr: string, salt: number) =>
  `((hashint8extended((${expr})::bigint, ${SEED * 64 + salt}) & 281474976710655)::float8 / 281474976710656)`;

/**
 * The store, in SQL: customers arriving ever faster over four years (a growing shop), 35% of
 * them buying once, the others coming back with geometric counts of orders at random gaps of
 * one to four months on average; guest orders fill up to ORDERS. About 2% of orders are
 * cancelled, 0.3% test, 0.2% deleted, 1% zero-value, 1% in another currency, and 6% of the
 * others refunded (20–100% of their net, 1–45 days later, some with shipping).
 */
async function generateStore(client: pg.Client): Promise<void> {
  const span = `extract(epoch FROM '${NOW.toISOString()}'::timestamptz - '${START}'::timestamptz)`;
  await client.query(`INSERT INTO shops (domain, iana_timezone, currency_code, updated_at) VALUES ($1, $2, $3, now())`, [
    SHOP,
    TIME_ZONE,
    CURRENCY,
  ]);
  await client.query(`
    CREATE TEMP TABLE bench_customers AS
    SELECT c,
      '${START}'::timestamptz + make_interval(secs => sqrt(${uniform("c", 1)}) * ${span}) AS arrival,
      CASE WHEN ${uniform("c", 2)} < 0.35 THEN 0 ELSE 1 + floor(ln(1 - ${uniform("c", 3)}) / ln(0.8))::int END AS more,
      7 + 120 * ${uniform("c", 4)} AS mean_gap_days
    FROM generate_series(1, ${CUSTOMERS}) c`);
  await client.query(`
    CREATE TEMP TABLE bench_orders AS
    SELECT c AS customer, processed_at FROM (
      SELECT g.c, g.arrival + make_interval(secs => sum(CASE WHEN j = 0 THEN 0
          ELSE -ln(1 - ${uniform("g.c * 1000 + j", 5)}) * g.mean_gap_days * 86400 END)
        OVER (PARTITION BY g.c ORDER BY j)) AS processed_at
      FROM bench_customers g, generate_series(0, g.more) j
    ) x
    WHERE processed_at < '${NOW.toISOString()}'`);
  const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM bench_orders`);
  const customerOrders = Math.min(rows[0].n, ORDERS);
  await client.query(`DELETE FROM bench_orders WHERE ctid IN (SELECT ctid FROM bench_orders OFFSET ${customerOrders})`);
  await client.query(`
    INSERT INTO bench_orders
    SELECT NULL, '${START}'::timestamptz + make_interval(secs => sqrt(${uniform("g", 6)}) * ${span})
    FROM generate_series(1, ${ORDERS - customerOrders}) g`);
  // Whether an order is refunded and by how much is a function of its id, so the refunds
  // written next agree with the orders' total_refunded without a second pass over the orders.
  const refunded = `total_price > 0 AND ${uniform("id", 18)} < 0.06`;
  const returns = `round((gross_sales - discounts) * (0.2 + 0.8 * ${uniform("id", 16)}))::bigint`;
  const shippingBack = `CASE WHEN ${uniform("id", 17)} < 0.3 THEN shipping ELSE 0 END`;
  const refundTotal = `${returns} + round(${returns} * 0.08)::bigint + ${shippingBack}`;
  await client.query(`
    INSERT INTO orders (shop, id, name, customer_id, processed_at, created_at, updated_at, cancelled_at, deleted_at, test,
      currency_code, taxes_included, source_name, gross_sales, discounts, shipping, tax, total_price, total_refunded)
    SELECT '${SHOP}', id, '#' || (id - 5000000000000 + 1000), customer_id, processed_at, processed_at, processed_at,
      cancelled_at, deleted_at, test, currency_code, false, 'web', gross_sales, discounts, shipping, tax, total_price,
      CASE WHEN ${refunded} THEN ${refundTotal} ELSE 0 END
    FROM (
      SELECT *, gross_sales - discounts + shipping + tax AS total_price FROM (
        SELECT *, round((gross_sales - discounts) * 0.08)::bigint AS tax FROM (
          SELECT id, customer_id, processed_at, gross_sales,
            CASE WHEN ${uniform("id", 7)} < 0.02 THEN processed_at + interval '5 hours' END AS cancelled_at,
            CASE WHEN ${uniform("id", 8)} < 0.002 THEN '${NOW.toISOString()}'::timestamptz END AS deleted_at,
            ${uniform("id", 9)} < 0.003 AS test,
            CASE WHEN ${uniform("id", 10)} < 0.01 THEN 'CAD' ELSE '${CURRENCY}' END AS currency_code,
            CASE WHEN zero THEN gross_sales WHEN ${uniform("id", 12)} < 0.1 THEN round(gross_sales * 0.1)::bigint ELSE 0 END AS discounts,
            CASE WHEN zero OR ${uniform("id", 13)} < 0.5 THEN 0 ELSE 490 END AS shipping
          FROM (
            SELECT id, 7000000000000 + customer AS customer_id, processed_at, ${uniform("id", 11)} < 0.01 AS zero,
              (500 + floor(exp(${uniform("id", 14)} * 5.3) * 100))::bigint AS gross_sales
            FROM (
              SELECT 5000000000000 + row_number() OVER (ORDER BY processed_at, customer) AS id, customer, processed_at
              FROM bench_orders
            ) n
          ) a
        ) b
      ) c
    ) d`);
  await client.query(`
    INSERT INTO refunds (shop, id, order_id, processed_at, created_at, currency_code, returns, tax, shipping, total_refunded)
    SELECT shop, id + 4000000000000, id, at, at, currency_code, returns, round(returns * 0.08)::bigint, shipping_back, total_refunded
    FROM (
      SELECT shop, id, currency_code, total_refunded, ${returns} AS returns, ${shippingBack} AS shipping_back,
        least(processed_at + make_interval(secs => (1 + 44 * ${uniform("id", 15)}) * 86400),
          '${NOW.toISOString()}'::timestamptz - interval '1 second') AS at
      FROM orders WHERE shop = '${SHOP}' AND ${refunded}
    ) r`);
  await client.query(`DROP TABLE bench_customers, bench_orders`);
}

/** The shop's orders and refunds as the reference implementations read them. */
async function loadRows(client: pg.Client) {
  const orders = await client.query<{
    id: string;
    customer_id: string | null;
    processed_at: Date;
    cancelled_at: Date | null;
    deleted_at: Date | null;
    test: boolean;
    currency_code: string;
    gross_sales: string;
    discounts: string;
    shipping: string;
    tax: string;
    total_price: string;
  }>(
    `SELECT id::text, customer_id::text, processed_at, cancelled_at, deleted_at, test, currency_code,
       gross_sales, discounts, shipping, tax, total_price
     FROM orders WHERE shop = $1`,
    [SHOP],
  );
  const refunds = await client.query<{ id: string; order_id: string; processed_at: Date; returns: string; shipping: string; tax: string }>(
    `SELECT id::text, order_id::text, processed_at, returns, shipping, tax FROM refunds WHERE shop = $1`,
    [SHOP],
  );
  return {
    orders: orders.rows.map((o) => ({
      id: o.id,
      customerId: o.customer_id,
      processedAt: o.processed_at,
      cancelledAt: o.cancelled_at,
      deletedAt: o.deleted_at,
      test: o.test,
      currencyCode: o.currency_code,
      grossSales: Number(o.gross_sales),
      discounts: Number(o.discounts),
      shipping: Number(o.shipping),
      tax: Number(o.tax),
      totalPrice: Number(o.total_price),
    })),
    refunds: refunds.rows.map((r) => ({
      id: r.id,
      orderId: r.order_id,
      processedAt: r.processed_at,
      returns: Number(r.returns),
      shipping: Number(r.shipping),
      tax: Number(r.tax),
    })),
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** Milliseconds of each of `runs` runs of `work`, after `warmup` untimed ones; the last result. */
async function measure<T>(runs: number, warmup: number, work: () => T | Promise<T>): Promise<{ ms: number[]; result: T }> {
  let result = await work();
  for (let i = 1; i < warmup; i++) result = await work();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    result = await work();
    ms.push(performance.now() - start);
  }
  return { ms, result };
}

/** A duration against its baseline: `ratio` is how many times faster (baseline ÷ value). */
function durationResult(name: string, value: number, baseline: number): BenchResult {
  const round = (x: number, digits: number) => Number(x.toFixed(digits));
  return { name, unit: "ms", value: round(value, 1), baseline: round(baseline, 1), ratio: round(baseline / value, 2) };
}

const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

export default async function metricsBench(): Promise<BenchResult[]> {
  const { url } = await benchDatabase();
  // App modules read the environment when imported: only now that it is set.
  const { default: prisma } = await import("#app/db.server");
  const { refreshDailyRollups } = await import("#app/metrics/rollups.server");
  const { salesOverview } = await import("#app/metrics/sales.server");
  const { cohortMatrix, retentionRates } = await import("#app/metrics/retention.server");
  const { salesReport } = await import("#app/metrics/sales");
  const { cohortMatrixReport, retentionRatesReport } = await import("#app/metrics/retention");
  const { getMetricSettings } = await import("#app/metrics/settings.server");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  onBenchShutdown(async () => {
    await client.end();
    await prisma.$disconnect();
  });

  const generated = await timed(() => generateStore(client));
  const { rows: shape } = await client.query(
    `SELECT count(*)::int AS orders, count(DISTINCT customer_id)::int AS customers,
       count(*) FILTER (WHERE customer_id IS NULL)::int AS guests, count(*) FILTER (WHERE cancelled_at IS NOT NULL)::int AS cancelled,
       (SELECT count(*)::int FROM refunds WHERE shop = $1) AS refunds
     FROM orders WHERE shop = $1`,
    [SHOP],
  );
  note(
    `generated ${shape[0].orders} orders (${shape[0].guests} guest, ${shape[0].cancelled} cancelled), ` +
      `${shape[0].customers} customers, ${shape[0].refunds} refunds in ${generated.seconds.toFixed(1)} s`,
  );
  const built = await timed(() => refreshDailyRollups(SHOP));
  note(`rollups rebuilt (${built.result.days} days) in ${built.seconds.toFixed(1)} s`);
  // What autovacuum does after a bulk write (statistics, and the visibility map index-only scans
  // use), done now; then wait until no autovacuum worker shares the two cores with the runs.
  const vacuumed = await timed(async () => {
    // The bench server commits asynchronously, and rows whose commit (or that of a later
    // transaction in the same commit-log page) is not flushed yet cannot be marked visible to all:
    // commit synchronously here.
    await client.query(`SET synchronous_commit = on`);
    for (const table of [
      "orders",
      "refunds",
      "daily_sales",
      "daily_sales_sources",
      "customer_first_orders",
      "customer_months",
      "customer_month_counts",
      "cohort_months",
    ]) {
      await client.query(`VACUUM ANALYZE ${table}`);
    }
    for (let waited = 0; waited < 60; waited++) {
      const { rows: workers } = await client.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'`);
      if (workers[0].n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  });
  note(`VACUUM ANALYZE (and autovacuum done) in ${vacuumed.seconds.toFixed(1)} s`);
  const clock = { now: NOW };
  const context = { timeZone: TIME_ZONE, currency: CURRENCY, now: NOW, settings: await getMetricSettings(SHOP) };
  const salesQuery = { range: RANGE, granularity: "month" as const, compareTo: "previous_period" as const };
  const gridQuery = { range: RANGE, cohortGranularity: "month" as const };

  // --- SQL first, before a million rows sit in this process's heap ------------------------------
  const overview = await measure(RUNS, 2, () =>
    Promise.all([salesOverview(SHOP, salesQuery, clock), retentionRates(SHOP, { range: RANGE }, clock)]),
  );
  const grid = await measure(RUNS, 2, () => cohortMatrix(SHOP, gridQuery, clock));

  // --- The references, over every row -----------------------------------------------------------
  const loaded = await timed(() => loadRows(client));
  const rows = loaded.result;
  note(`${rows.orders.length} orders and ${rows.refunds.length} refunds loaded for the reference in ${loaded.seconds.toFixed(1)} s`);
  const overviewReference = await measure(REFERENCE_RUNS, 1, () => [
    salesReport(rows, salesQuery, context),
    retentionRatesReport(rows, { range: RANGE }, context),
  ]);
  assert.deepEqual(json(overview.result), json(overviewReference.result), "the overview differs from the reference");
  const [, rates] = overview.result;
  note(
    `overview: median ${median(overview.ms).toFixed(1)} ms (runs ${overview.ms.map((ms) => ms.toFixed(0)).join(" ")}); ` +
      `reference ${median(overviewReference.ms).toFixed(0)} ms (${overviewReference.ms.map((ms) => ms.toFixed(0)).join(" ")}); ` +
      `${rates.activity.customers} customers, repeat ${rates.activity.repeatPurchaseRate}, returning ${rates.activity.returningCustomerRate}, ` +
      `retention ${rates.retention.retentionRate}`,
  );

  const gridReference = await measure(REFERENCE_RUNS, 1, () => cohortMatrixReport(rows, gridQuery, context));
  assert.deepEqual(json(grid.result), json(gridReference.result), "the cohort grid differs from the reference");
  const cells = grid.result.cohorts.reduce((sum, cohort) => sum + cohort.cells.length, 0);
  note(
    `cohort grid (${grid.result.cohorts.length} cohorts, ${cells} cells): median ${median(grid.ms).toFixed(1)} ms ` +
      `(runs ${grid.ms.map((ms) => ms.toFixed(0)).join(" ")}); reference ${median(gridReference.ms).toFixed(0)} ms ` +
      `(${gridReference.ms.map((ms) => ms.toFixed(0)).join(" ")})`,
  );

  return [
    durationResult(
      `overview: sales 24 months by month with previous period + retention rates (${ORDERS} orders, warm median)`,
      median(overview.ms),
      median(overviewReference.ms),
    ),
    durationResult(`cohort matrix: 24 × 24 monthly cohorts (${ORDERS} orders, warm median)`, median(grid.ms), median(gridReference.ms)),
  ];
}
