// Metrics over a large store: a seeded synthetic shop of 1,000,000 orders and 250,000
// customers over four years (generated in SQL), its rollups built once, then:
//   - the overview: sales with growth (`salesOverview`, 24 months by month, compared with the
//     previous period) and the retention rates over the same range (`retentionRates`: repeat
//     purchase rate, returning customer rate, customer retention and churn), both requested at
//     once as a page would;
//   - the 24 × 24 monthly cohort grid (`cohortMatrix`);
//   - each page's whole loader, and the weekly cohort grid; the Overview again during a busy
//     day's pixel traffic (lib/live-traffic.ts), new events arriving before each load;
//   - the full rollup rebuild, and 1,000 order updates written with their rollups: once right
//     after the pages, then WRITES more times (their median), once more changing nothing the
//     rollups read (no refresh), one at a time (webhooks arriving apart), and as 1,000
//     orders/updated webhooks arriving at once, through the intake and the worker's handler;
//   - the full rebuild again over the shop's rows, as they are and after a change of time zone;
//   - what the first build's largest tables cost to write alone, nothing computed
//     (lib/rollup-floor.ts): with their indexes, as into tables every shop shares, and indexed
//     after, as a table of the shop's own would allow.
// Each read is warm, the median of 15 runs. Baseline, measured in the same run: the pure reference
// implementations (`salesReport` + `retentionRatesReport`, `cohortMatrixReport`) over every row,
// loaded into memory once beforehand (only the computation is timed), median of 3 runs. Both
// results must be equal, or the benchmark fails. `ratio` = baseline ÷ value (times faster).
// BENCH_METRICS_ORDERS sets another size for a quick run (customers: a quarter of the orders).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { formatMinor } from "../simulator/money";
import { webhookHeaders } from "../simulator/webhooks";
import { benchDatabase, onBenchShutdown, withDatabaseCpu } from "./lib/database";
import {
  CURRENCY,
  EVENTS,
  generatePixelEvents,
  generateStore,
  loadPixelEvents,
  loadRows,
  NOW,
  ORDERS,
  SHOP,
  TIME_ZONE,
} from "./lib/metrics-store";
import { arriveNow, insertTodaysEvents, LIVE_EVENTS } from "./lib/live-traffic";
import { durationResult, measure, median } from "./lib/measure";
import { rollupWritesAlone } from "./lib/rollup-floor";
import { machineLoad, note, timed, type BenchResult } from "./lib/timing";
import type { OrderRows } from "../app/sync/order-rows";

const RUNS = 15;
const REFERENCE_RUNS = 3;
/** Writes of 1,000 order updates timed after the first one. */
const WRITES = 5;
/** The last 24 months, the current (unfinished) one included. */
const RANGE = { from: "2024-12-01", to: "2026-12-01" };
/** Twelve months, starting and ending mid-month. */
const MID_MONTH = { from: "2025-11-17", to: "2026-11-18" };
/** The last 13 whole weeks' cohorts. */
const WEEKLY = { range: { from: "2026-08-17", to: "2026-11-16" }, cohortGranularity: "week" as const };

const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

/** `count` orders with a customer, spread over the history, each as a newer version that cancels it. */
async function orderUpdates(client: pg.Client, count: number): Promise<OrderRows[]> {
  const { rows } = await client.query<{
    id: string;
    name: string;
    customer_id: string;
    processed_at: Date;
    created_at: Date;
    updated_at: Date;
    currency_code: string;
    discounts: string;
    shipping: string;
    tax: string;
    total_price: string;
  }>(
    `SELECT id::text, name, customer_id::text, processed_at, created_at, updated_at, currency_code, discounts, shipping, tax, total_price
     FROM orders WHERE shop = $1 AND customer_id IS NOT NULL AND NOT test AND deleted_at IS NULL AND cancelled_at IS NULL
       AND total_refunded = 0
     ORDER BY hashint8extended(id, 7) LIMIT $2`,
    [SHOP, count],
  );
  assert.equal(rows.length, count, "enough orders to update");
  return rows.map((row) => ({
    order: {
      shop: SHOP,
      id: BigInt(row.id),
      name: row.name,
      customerId: BigInt(row.customer_id),
      processedAt: row.processed_at,
      createdAt: row.created_at,
      updatedAt: new Date(row.updated_at.getTime() + 86_400_000),
      cancelledAt: new Date(row.processed_at.getTime() + 3_600_000),
      test: false,
      currencyCode: row.currency_code,
      taxesIncluded: false,
      sourceName: "web",
      discounts: BigInt(row.discounts),
      shipping: BigInt(row.shipping),
      tax: BigInt(row.tax),
      totalPrice: BigInt(row.total_price),
      totalRefunded: 0n,
    },
    lineItems: [],
    refunds: [],
    refundLineItems: [],
    refundShipping: [],
  }));
}

/** The orders/updated payload (REST, as Shopify sends it) of an update: the fields Metryka reads. */
function orderUpdatedPayload({ order }: OrderRows): Record<string, unknown> {
  const money = (minor: bigint) => ({ shop_money: { amount: formatMinor(Number(minor), order.currencyCode), currency_code: order.currencyCode } });
  return {
    id: String(order.id),
    name: order.name,
    created_at: order.createdAt.toISOString(),
    updated_at: order.updatedAt.toISOString(),
    processed_at: order.processedAt.toISOString(),
    cancelled_at: order.cancelledAt?.toISOString() ?? null,
    test: order.test,
    taxes_included: order.taxesIncluded,
    source_name: order.sourceName,
    customer: order.customerId === null ? null : { id: String(order.customerId) },
    total_discounts_set: money(order.discounts),
    total_shipping_price_set: money(order.shipping),
    total_tax_set: money(order.tax),
    total_price_set: money(order.totalPrice),
    line_items: [],
    refunds: [],
  };
}

export default async function metricsBench(): Promise<BenchResult[]> {
  const { url } = await benchDatabase();
  // App modules read the environment when imported: only now that it is set.
  const { default: prisma } = await import("#app/db.server");
  const { refreshDailyRollups } = await import("#app/metrics/rollups.server");
  const { salesOverview } = await import("#app/metrics/sales.server");
  const { cohortMatrix, retentionRates } = await import("#app/metrics/retention.server");
  const { salesReport } = await import("#app/metrics/sales");
  const { activitySeriesReport, cohortMatrixReport, customerActivityReport, retentionRatesReport } = await import("#app/metrics/retention");
  const { comparisonRange } = await import("#app/metrics/periods");
  const { getMetricSettings } = await import("#app/metrics/settings.server");
  const { atRiskReport, retentionReport } = await import("#app/metrics/retention");
  const { conversionReport } = await import("#app/metrics/conversion");
  const { overviewHeadline, overviewPage } = await import("#app/dashboard/overview.server");
  const { retentionPage } = await import("#app/dashboard/retention-page.server");
  const { customersPage } = await import("#app/dashboard/customers-page.server");
  const { comparisonQuery, conversionComparison, conversionPage } = await import("#app/dashboard/conversion-page.server");
  const { refreshPixelSessions } = await import("#app/metrics/pixel-sessions.server");
  const { writeOrders } = await import("#app/sync/order-writer.server");
  const { receiveWebhookBody } = await import("#app/sync/webhooks.server");
  const { stopJobQueue } = await import("#app/jobs/queue.server");
  const { processQueuedWebhooks } = await import("../tests/support/jobs");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { endSqlPool } = await import("#app/db-pool.server");
  onBenchShutdown(async () => {
    await stopJobQueue();
    await endSqlPool();
    await client.end();
    await prisma.$disconnect();
  });

  const generated = await timed(async () => {
    await generateStore(client);
    await generatePixelEvents(client);
  });
  // What the collector's upkeep does as events arrive: the visits into their rollup.
  const sessions = await timed(() => refreshPixelSessions(SHOP));
  note(`pixel sessions built into their rollup in ${sessions.seconds.toFixed(1)} s`);
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
  const { result: built, databaseCpuSeconds: buildCpu } = await withDatabaseCpu(() => timed(() => refreshDailyRollups(SHOP)));
  note(`rollups rebuilt (${built.result.days} days) in ${built.seconds.toFixed(1)} s, ${buildCpu?.toFixed(1) ?? "?"} CPU-seconds of the database`);
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
      "cohort_days",
      "customer_months",
      "customer_month_counts",
      "cohort_months",
      "gap_months",
      "activity_days",
      "customer_totals",
      "cohort_weeks",
      "pixel_events",
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
  // A session's first reads of the shared buffers cost much more without huge pages (ADR 024):
  // say which this run had. (PostgreSQL 17 and newer report it.)
  const hugePages = await client.query(`SHOW huge_pages_status`).then(
    ({ rows }) => String(rows[0].huge_pages_status),
    () => "not reported",
  );
  note(`before the pages: ${machineLoad()}; the server's shared buffers in huge pages: ${hugePages}`);
  const clock = { now: NOW };
  const context = { timeZone: TIME_ZONE, currency: CURRENCY, now: NOW, settings: await getMetricSettings(SHOP) };
  const salesQuery = { range: RANGE, granularity: "month" as const, compareTo: "previous_period" as const };
  const gridQuery = { range: RANGE, cohortGranularity: "month" as const };

  // --- SQL first, before a million rows sit in this process's heap ------------------------------
  const overview = await measure(RUNS, 2, () =>
    Promise.all([salesOverview(SHOP, salesQuery, clock), retentionRates(SHOP, { range: RANGE }, clock)]),
  );
  const grid = await measure(RUNS, 2, () => cohortMatrix(SHOP, gridQuery, clock));
  // Each page's whole loader (after authentication), as a merchant opens it: its default range
  // (the last twelve months), the Overview by week, by day and over a range that starts and ends
  // mid-month, the Retention page over 24 months and over that range; the weekly cohort grid of
  // the last 13 weeks.
  const params = (query: string) => new URLSearchParams(query);
  const pages = {
    overview: await measure(RUNS, 2, () => overviewPage(SHOP, params(""), NOW)),
    overviewWeekly: await measure(RUNS, 2, () => overviewPage(SHOP, params("granularity=week"), NOW)),
    overviewDaily: await measure(RUNS, 2, () => overviewPage(SHOP, params("granularity=day"), NOW)),
    overviewMidMonth: await measure(RUNS, 2, () => overviewPage(SHOP, params(`from=${MID_MONTH.from}&to=${MID_MONTH.to}`), NOW)),
    retention: await measure(RUNS, 2, () => retentionPage(SHOP, params(""), NOW)),
    retention24: await measure(RUNS, 2, () => retentionPage(SHOP, params(`from=${RANGE.from}&to=${RANGE.to}`), NOW)),
    midMonth: await measure(RUNS, 2, () => retentionPage(SHOP, params(`from=${MID_MONTH.from}&to=${MID_MONTH.to}`), NOW)),
    customers: await measure(RUNS, 2, () => customersPage(SHOP, params(""), NOW)),
    conversion: await measure(RUNS, 2, () => conversionPage(SHOP, params(""), NOW)),
    weekly: await measure(RUNS, 2, () => cohortMatrix(SHOP, WEEKLY, clock)),
  };

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

  const events = await loadPixelEvents(client);
  const [overviewData, retentionData, retention24Data, midMonthData, customersData, conversionData] = [
    pages.overview.result,
    pages.retention.result,
    pages.retention24.result,
    pages.midMonth.result,
    pages.customers.result,
    pages.conversion.result,
  ];
  const retentionOf = (range: { from: string; to: string }) => () => retentionReport(rows, { range, cohortGranularity: "month" }, context);
  // The Overview page's sales report and everything beside it (rates, trend lines, conversion,
  // the comparison range's), from the reference reports through the page's own assembly.
  const overviewPageReference = ({ range, granularity }: { range: { from: string; to: string }; granularity: typeof overviewData.granularity }) => {
    const previous = comparisonRange(range, "previous_period", context);
    const conversionOf = (of: { from: string; to: string }) =>
      conversionReport({ events, days: [] }, { range: of, granularity, source: null }, { timeZone: TIME_ZONE, now: NOW });
    const report = salesReport(rows, { range, granularity, compareTo: "previous_period" }, context);
    return {
      report,
      ...overviewHeadline({
        report,
        current: {
          rates: customerActivityReport(rows, { range }, context),
          activity: activitySeriesReport(rows, { range, granularity }, context),
          conversion: conversionOf(range),
        },
        compared: {
          rates: customerActivityReport(rows, { range: previous }, context),
          conversion: conversionOf(previous),
        },
      }),
    };
  };
  /** What of the Overview page's data the reference gives. */
  const overviewReport = (data: typeof overviewData) => ({
    report: data.report,
    rates: data.rates,
    comparisonRates: data.comparisonRates,
    ratesGrowth: data.ratesGrowth,
    customerTypes: data.customerTypes,
    comparisonSeries: data.comparisonSeries,
    activity: data.activity,
    conversion: data.conversion,
  });
  const references = {
    overview: await measure(REFERENCE_RUNS, 1, () => overviewPageReference(overviewData)),
    overviewWeekly: await measure(REFERENCE_RUNS, 1, () => overviewPageReference(pages.overviewWeekly.result)),
    // One run: the reference computes each of its 365 days as a range over every customer
    // (minutes), and the page's ratio to it is in the thousands either way.
    overviewDaily: await measure(1, 0, () => overviewPageReference(pages.overviewDaily.result)),
    overviewMidMonth: await measure(REFERENCE_RUNS, 1, () => overviewPageReference(pages.overviewMidMonth.result)),
    retention: await measure(REFERENCE_RUNS, 1, retentionOf(retentionData.range)),
    retention24: await measure(REFERENCE_RUNS, 1, retentionOf(retention24Data.range)),
    midMonth: await measure(REFERENCE_RUNS, 1, retentionOf(midMonthData.range)),
    customers: await measure(REFERENCE_RUNS, 1, () => atRiskReport(rows, { limit: customersData.limit, offset: 0 }, context)),
    // The page's report and its comparison with the previous period, as the page assembles them.
    conversion: await measure(REFERENCE_RUNS, 1, () => {
      const clock = { timeZone: TIME_ZONE, now: NOW };
      const report = conversionReport({ events, days: [] }, { range: conversionData.range, granularity: "month", source: null }, clock);
      const base = conversionReport({ events, days: [] }, comparisonQuery(report, "previous_period"), clock);
      return { report, comparison: conversionComparison(report, base, "previous_period", NOW) };
    }),
    weekly: await measure(REFERENCE_RUNS, 1, () => cohortMatrixReport(rows, WEEKLY, context)),
  };
  const pageReports = {
    overview: overviewReport(overviewData),
    overviewWeekly: overviewReport(pages.overviewWeekly.result),
    overviewDaily: overviewReport(pages.overviewDaily.result),
    overviewMidMonth: overviewReport(pages.overviewMidMonth.result),
    retention: retentionData.report,
    retention24: retention24Data.report,
    midMonth: midMonthData.report,
    customers: customersData.report,
    conversion: { report: conversionData.report, comparison: conversionData.comparison },
    weekly: pages.weekly.result,
  };
  for (const key of Object.keys(pages) as Array<keyof typeof pages>) {
    assert.deepEqual(json(pageReports[key]), json(references[key].result), `${key} differs from the reference`);
    note(
      `${key}: median ${median(pages[key].ms).toFixed(1)} ms (runs ${pages[key].ms.map((ms) => ms.toFixed(0)).join(" ")}); ` +
        `reference ${median(references[key].ms).toFixed(0)} ms`,
    );
  }
  const retentionRow = retention24Data.report!.retention;
  note(`24 months: retention ${retentionRow.retentionRate} (${retentionRow.retainedCustomers} of ${retentionRow.activeAtStart})`);

  // --- The Overview during a busy day's pixel traffic (lib/live-traffic.ts): today's events so
  // far, their sessions built once as the day's first load builds them, then 100 events of 20
  // new visitors received just before each load, whose sessions the load's refresh builds. Today
  // is after NOW, outside every range of the page: its figures equal the same reference.
  await insertTodaysEvents(prisma, SHOP);
  await refreshPixelSessions(SHOP);
  let arrivals = 0;
  const overviewLive = await measure(RUNS, 2, () => overviewPage(SHOP, params(""), NOW), () => arriveNow(prisma, SHOP, arrivals++));
  assert.deepEqual(json(overviewReport(overviewLive.result)), json(references.overview.result), "the overview with live traffic differs from the reference");
  note(`overview with live traffic (${LIVE_EVENTS} events today): median ${median(overviewLive.ms).toFixed(1)} ms (runs ${overviewLive.ms.map((ms) => ms.toFixed(0)).join(" ")})`);

  // --- Writes: 1,000 orders updated (each cancelled, an hour after it was placed), the rollups
  // refreshed with them: as one batch (a reconciliation's page), first once right after the
  // pages, then WRITES more times with other orders each (warm, their median: one write alone
  // moved by a third from run to run), one at a time (webhooks arriving apart), and as 1,000
  // orders/updated webhooks arriving at once: recorded by the intake, then applied as a worker
  // does, by its handler over the jobs it fetches at once. Baseline: the full rebuild they spare.
  const updates = await orderUpdates(client, (WRITES + 3) * 1000);
  const batches = Array.from({ length: WRITES + 1 }, (_, i) => updates.slice(i * 1000, (i + 1) * 1000));
  const writes: number[] = [];
  for (const batch of batches) {
    const write = await timed(() => writeOrders(SHOP, batch));
    assert.equal(write.result.length, 1000, "every order of the batch is applied");
    writes.push(write.seconds * 1000);
  }
  const [firstWrite, ...warmWrites] = writes;
  // The first batch again as its next versions, which change nothing the rollups read (what a
  // fulfilment's or a tag's orders/updated is): the orders are written, no rollup is refreshed.
  const fulfilled = batches[0].map((update) => ({ ...update, order: { ...update.order, updatedAt: new Date(update.order.updatedAt.getTime() + 86_400_000) } }));
  const unchanged = await timed(() => writeOrders(SHOP, fulfilled));
  assert.equal(unchanged.result.length, 1000, "every order of the batch is applied");
  const single = await timed(async () => {
    for (const update of updates.slice((WRITES + 1) * 1000, (WRITES + 2) * 1000)) await writeOrders(SHOP, [update]);
  });
  const secret = process.env.SHOPIFY_API_SECRET!;
  const intake = await timed(() =>
    Promise.all(
      updates.slice((WRITES + 2) * 1000).map(async (update) => {
        const body = JSON.stringify(orderUpdatedPayload(update));
        const headers = webhookHeaders({ url: "", topic: "orders/updated", shopDomain: SHOP, payload: null, secret, eventId: randomUUID() }, body);
        const answer = await receiveWebhookBody(new Headers(headers), new TextEncoder().encode(body));
        assert.equal(answer.status, 200, `the intake answered ${answer.status}: ${answer.text}`);
      }),
    ),
  );
  // As a worker takes them: the jobs due, WEBHOOK_JOBS_AT_ONCE at a time, through its handler.
  const burst = await timed(() => processQueuedWebhooks());
  assert.equal(burst.result, 1000, "every webhook is applied");
  const { rows: unapplied } = await client.query(`SELECT count(*)::int AS n FROM webhook_events WHERE shop = $1 AND (processed_at IS NULL OR error IS NOT NULL)`, [SHOP]);
  assert.equal(unapplied[0].n, 0, "every webhook is applied without error");
  note(
    `1,000 order updates in one write: first ${firstWrite.toFixed(0)} ms, then ${warmWrites.map((ms) => ms.toFixed(0)).join(" ")} ms; ` +
      `changing nothing the rollups read ${(unchanged.seconds * 1000).toFixed(0)} ms; ` +
      `one at a time ${(single.seconds * 1000).toFixed(0)} ms; as webhooks arriving at once: recorded in ${(intake.seconds * 1000).toFixed(0)} ms, ` +
      `applied in ${(burst.seconds * 1000).toFixed(0)} ms`,
  );
  const after = await loadRows(client);
  const atRiskAfter = await customersPage(SHOP, params(""), NOW);
  assert.deepEqual(json(atRiskAfter.report), json(atRiskReport(after, { limit: atRiskAfter.limit, offset: 0 }, context)), "the at-risk list after the updates differs");
  const retentionAfter = await retentionPage(SHOP, params(""), NOW);
  assert.deepEqual(
    json(retentionAfter.report),
    json(retentionReport(after, { range: retentionAfter.range, cohortGranularity: "month" }, context)),
    "the retention report after the updates differs",
  );

  // --- Rebuilds over the shop's rows, which write only the rows that differ (ADR 023): as after
  // another backfill (nothing changed), and after a change of the store's time zone. Baseline:
  // the first build, into empty tables. The Retention page after the second equals the reference
  // in the new zone.
  const again = await timed(() => refreshDailyRollups(SHOP));
  const OTHER_ZONE = "Asia/Tokyo";
  await client.query(`UPDATE shops SET iana_timezone = $2 WHERE domain = $1`, [SHOP, OTHER_ZONE]);
  const moved = await timed(() => refreshDailyRollups(SHOP));
  const retentionMoved = await retentionPage(SHOP, params(""), NOW);
  assert.equal(retentionMoved.timeZone, OTHER_ZONE);
  assert.deepEqual(
    json(retentionMoved.report),
    json(retentionReport(after, { range: retentionMoved.range, cohortGranularity: "month" }, { ...context, timeZone: OTHER_ZONE })),
    "the retention report after the change of time zone differs",
  );
  note(`rebuilds over the shop's rows: as they were ${again.seconds.toFixed(1)} s; to ${OTHER_ZONE} ${moved.seconds.toFixed(1)} s`);

  // --- The first build's writes alone, its rows computed already (lib/rollup-floor.ts) ----------
  const floorWith = await rollupWritesAlone(url, SHOP, "with");
  const floorAfter = await rollupWritesAlone(url, SHOP, "after");
  for (const [label, floor] of [["with their indexes", floorWith], ["indexed after", floorAfter]] as const) {
    note(`${floor.rows} rows of the three largest rollup tables written alone, ${label}: ${floor.seconds.toFixed(1)} s, ${floor.cpuSeconds?.toFixed(1) ?? "?"} CPU-seconds`);
  }

  const page = (label: string, key: keyof typeof pages) =>
    durationResult(`${label} (${ORDERS} orders, warm median)`, median(pages[key].ms), median(references[key].ms));
  const rebuildMs = built.seconds * 1000;
  return [
    page("Overview page loader: sales, rates, trend lines and conversion of the last 12 months by month, with the previous period's", "overview"),
    durationResult(
      `Overview page loader, as above, during live pixel traffic (${LIVE_EVENTS.toLocaleString("en")} events today, 100 new before each load), warm median`,
      median(overviewLive.ms),
      median(references.overview.ms),
    ),
    page("Overview page loader by week (last 12 months)", "overviewWeekly"),
    page("Overview page loader by day (last 12 months)", "overviewDaily"),
    page(`Overview page loader by month over a range starting and ending mid-month (${MID_MONTH.from} to ${MID_MONTH.to})`, "overviewMidMonth"),
    page("Retention page loader: rates, time between orders, 12 monthly cohorts (last 12 months)", "retention"),
    page("Retention page loader over 24 months", "retention24"),
    page(`Retention page loader over a range starting and ending mid-month (${MID_MONTH.from} to ${MID_MONTH.to})`, "midMonth"),
    page("Customers page loader: first 50 at-risk customers by net spend", "customers"),
    page(`Conversion page loader with the previous period (${EVENTS} pixel events)`, "conversion"),
    page("weekly cohort grid: 13 weekly cohorts", "weekly"),
    durationResult(`full rollup rebuild (${ORDERS} orders); baseline: reading every order and refund once`, rebuildMs, loaded.seconds * 1000),
    durationResult(`1,000 order updates in one write, rollups included, warm median of ${WRITES}; baseline: a full rollup rebuild`, median(warmWrites), rebuildMs),
    durationResult(`1,000 order updates in one write, rollups included, the first after the pages; baseline: a full rollup rebuild`, firstWrite, rebuildMs),
    durationResult(
      `1,000 order updates in one write that change nothing the rollups read (fulfilments, tags); baseline: 1,000 that do, warm median`,
      unchanged.seconds * 1000,
      median(warmWrites),
    ),
    durationResult(`1,000 order updates one at a time (webhooks arriving apart), rollups included; baseline: a full rollup rebuild`, single.seconds * 1000, rebuildMs),
    durationResult(
      `1,000 orders/updated webhooks arriving at once, applied by the worker's handler, rollups included; baseline: a full rollup rebuild`,
      burst.seconds * 1000,
      rebuildMs,
    ),
    durationResult(`full rollup rebuild over the shop's rows, nothing changed; baseline: the first build`, again.seconds * 1000, rebuildMs),
    durationResult(`full rollup rebuild over the shop's rows after a change of time zone; baseline: the first build`, moved.seconds * 1000, rebuildMs),
    durationResult(
      `the first build's writes alone: its three largest tables' rows, computed already, into empty copies with their indexes (as into tables every shop shares); baseline: the first build`,
      floorWith.seconds * 1000,
      rebuildMs,
    ),
    durationResult(
      `the same rows inserted bare and indexed after (as into a table of the shop's own); baseline: the first build`,
      floorAfter.seconds * 1000,
      rebuildMs,
    ),
    durationResult(
      `overview: sales 24 months by month with previous period + retention rates (${ORDERS} orders, warm median)`,
      median(overview.ms),
      median(overviewReference.ms),
    ),
    durationResult(`cohort matrix: 24 × 24 monthly cohorts (${ORDERS} orders, warm median)`, median(grid.ms), median(gridReference.ms)),
  ];
}
