// Predictions over a large store: a synthetic shop of 1,000,000 orders from 250,000 customers
// over four years whose purchases follow the models (bench/lib/prediction-store.ts, sized and
// timed like the metric benchmarks' store), its rollups built once, then:
//   - the fit: every customer's summary read from the rollups (`customerSummariesSql`) and both
//     models fitted to them (`fitModels`: BG/NBD and Gamma-Gamma, from three starts each,
//     searched on a sample of the customers and refined on all of them);
//   - the Customers page's prediction groups (its loader's `predictionGroupsSection`, default
//     query: the first 50 "likely to return" by expected spend) from the cached fit.
// Each warm, the median of RUNS runs. Baselines, measured in the same run over every row loaded
// into memory once beforehand (only the computation is timed), median of REFERENCE_RUNS: the
// pure reference (`customerSummaries` + `fitModels`), and for the page the same plus each
// customer's prediction, the group's sort and its first page (what a page without the cache
// would do). Results must be deep-equal, or the benchmark fails. `ratio` = baseline ÷ value.
// BENCH_METRICS_ORDERS sets another size for a quick run (customers: a quarter of the orders).
import assert from "node:assert/strict";
import pg from "pg";
import { benchDatabase, onBenchShutdown } from "./lib/database";
import { durationResult, measure, median } from "./lib/measure";
import { CURRENCY, NOW, ORDERS, TIME_ZONE } from "./lib/metrics-store";
import { generatePredictionStore, loadPredictionRows, PREDICTION_SHOP as SHOP } from "./lib/prediction-store";
import { machineLoad, note, timed, type BenchResult } from "./lib/timing";

const RUNS = 5;
const REFERENCE_RUNS = 3;
const PAGE_RUNS = 15;

const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

export default async function predictionBench(): Promise<BenchResult[]> {
  const { url } = await benchDatabase();
  // App modules read the environment when imported: only now that it is set.
  const { default: prisma } = await import("#app/db.server");
  const { refreshDailyRollups } = await import("#app/metrics/rollups.server");
  const { customerSummariesSql, refreshPredictions } = await import("#app/metrics/prediction.server");
  const { customerSummaries, fitModels, predictCustomer } = await import("#app/metrics/prediction");
  const { getMetricSettings } = await import("#app/metrics/settings.server");
  const { PREDICTION_PAGE_SIZE, predictionGroupsQuery, predictionGroupsSection } = await import("#app/dashboard/customers-page.server");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  onBenchShutdown(async () => {
    await client.end();
    await prisma.$disconnect();
  });

  const generated = await timed(() => generatePredictionStore(client));
  note(`generated the store (${ORDERS} orders) in ${generated.seconds.toFixed(1)} s`);
  const built = await timed(() => refreshDailyRollups(SHOP));
  note(`rollups rebuilt in ${built.seconds.toFixed(1)} s`);
  await client.query(`SET synchronous_commit = on`);
  for (const table of ["orders", "customer_totals"]) await client.query(`VACUUM ANALYZE ${table}`);
  const clock = { now: NOW };
  const context = { timeZone: TIME_ZONE, currency: CURRENCY, now: NOW, settings: await getMetricSettings(SHOP) };
  note(`before the runs: ${machineLoad()}`);

  // --- SQL first, before a million rows sit in this process's heap ------------------------------
  const fit = await measure(RUNS, 1, async () => {
    const summaries = await customerSummariesSql(SHOP, clock);
    return { summaries, models: fitModels(summaries) };
  });
  // Where the fit's time goes: the summaries' query alone.
  const summariesOnly = await measure(3, 0, () => customerSummariesSql(SHOP, clock));
  note(`of which the summaries from the rollups: median ${median(summariesOnly.ms).toFixed(0)} ms (${summariesOnly.ms.map((ms) => ms.toFixed(0)).join(" ")})`);
  const job = await timed(() => refreshPredictions(SHOP, clock));
  assert.equal(job.result, "fitted", "the first job run fits");
  note(`the predictions job (summaries now and 90 days before, both fits twice, forecast, ${fit.result.summaries.length} rows stored): ${job.seconds.toFixed(1)} s`);
  const query = predictionGroupsQuery(new URLSearchParams(""));
  const page = await measure(PAGE_RUNS, 2, () => predictionGroupsSection(SHOP, query));
  note(`after the runs: ${machineLoad()}`);

  // --- The references, over every row -----------------------------------------------------------
  const loaded = await timed(() => loadPredictionRows(client));
  const rows = loaded.result;
  note(`${rows.orders.length} orders and ${rows.refunds.length} refunds loaded for the reference in ${loaded.seconds.toFixed(1)} s`);
  const fitReference = await measure(REFERENCE_RUNS, 0, () => {
    const summaries = customerSummaries(rows, context);
    return { summaries, models: fitModels(summaries) };
  });
  assert.deepEqual(json(fit.result), json(fitReference.result), "the fit differs from the reference");
  const { params } = fit.result.models.purchases;
  note(
    `fit: ${fit.result.summaries.length} customers, median ${median(fit.ms).toFixed(0)} ms (runs ${fit.ms.map((ms) => ms.toFixed(0)).join(" ")}); ` +
      `reference ${median(fitReference.ms).toFixed(0)} ms (${fitReference.ms.map((ms) => ms.toFixed(0)).join(" ")}); ` +
      `r ${params.r.toPrecision(4)}, α ${params.alpha.toPrecision(4)}, a ${params.a.toPrecision(4)}, b ${params.b.toPrecision(4)}`,
  );

  const pageReference = await measure(REFERENCE_RUNS, 0, () => {
    const summaries = customerSummaries(rows, context);
    const models = fitModels(summaries);
    const members = summaries.map((s) => predictCustomer(models, s)).filter((p) => p.group === query.group);
    members.sort((p, q) => q.expectedSpend365 - p.expectedSpend365 || (BigInt(p.customerId) < BigInt(q.customerId) ? -1 : 1));
    return { customers: members.slice(query.offset, query.offset + PREDICTION_PAGE_SIZE), total: members.length };
  });
  assert.deepEqual(
    json({ customers: page.result.customers, total: page.result.total }),
    json(pageReference.result),
    "the prediction groups differ from the reference",
  );
  note(
    `prediction groups: ${page.result.total} likely to return; median ${median(page.ms).toFixed(1)} ms (runs ${page.ms.map((ms) => ms.toFixed(0)).join(" ")}); ` +
      `reference ${median(pageReference.ms).toFixed(0)} ms`,
  );

  return [
    durationResult(`prediction fit: summaries from the rollups + BG/NBD + Gamma-Gamma (${ORDERS} orders, warm median)`, median(fit.ms), median(fitReference.ms)),
    durationResult(
      `Customers page prediction groups: first ${PREDICTION_PAGE_SIZE} likely to return from the cached fit (${ORDERS} orders, warm median)`,
      median(page.ms),
      median(pageReference.ms),
    ),
  ];
}
