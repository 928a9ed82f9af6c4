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
import { CURRENCY, generateStore, loadRows, NOW, ORDERS, SHOP, TIME_ZONE } from "./lib/metrics-store";
import { note, timed, type BenchResult } from "./lib/timing";

const RUNS = 15;
const REFERENCE_RUNS = 3;
/** The last 24 months, the current (unfinished) one included. */
const RANGE = { from: "2024-12-01", to: "2026-12-01" };

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
