// The Conversion overview over a year of a busy store's pixel: BENCH_CONVERSION_EVENTS (default
// 10,000,000) stored events, 2 million visits of five events each spread over the year
// (generated in SQL, then vacuumed and analysed as autovacuum would), their sessions built once
// into their rollups (timed, noted), then `conversionOverview` for the year by month from the
// pixel, warm, the median of 15 runs.
// Baseline, measured in the same run: the same report from the raw events (the whole UTC days
// around the range, as sessions never cross midnight UTC), sessions built by SQL window
// functions on every request (what the page did before the rollup), median of 3.
// Both must give the same sessions and funnel per month, or the benchmark fails. Then the same
// page with live traffic (below): each load's refresh of today's new visitors included.
// `ratio` = baseline ÷ value (times faster). Goals: under 150 ms and at least 20× the baseline.
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { benchDatabase, onBenchShutdown } from "./lib/database";
import { arriveNow, forgetTodaysSessions, insertTodaysEvents, LIVE_EVENTS } from "./lib/live-traffic";
import { note, timed, type BenchResult } from "./lib/timing";

const EVENTS = Number(process.env.BENCH_CONVERSION_EVENTS ?? 10_000_000);
const VISITS = Math.round(EVENTS / 5);
const SHOP = "conversion-bench.myshopify.com";
const TIME_ZONE = "Europe/Berlin";
const RANGE = { from: "2025-12-01", to: "2026-12-01" };
const NOW = new Date("2026-11-30T12:00:00Z");
const RUNS = 15;
const BASELINE_RUNS = 3;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The funnel per month from raw events: the collector's session rule in SQL, on every request. */
const RAW_FUNNEL = `
  WITH events AS (
    SELECT visitor_id, name, occurred_at, lag(occurred_at) OVER w AS previous
    FROM pixel_events WHERE shop = $1
      AND occurred_at >= date_trunc('day', $2::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
      AND occurred_at < date_trunc('day', $3::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + interval '1 day' 
    WINDOW w AS (PARTITION BY visitor_id ORDER BY occurred_at)
  ),
  marked AS (
    SELECT *, CASE WHEN previous IS NULL OR occurred_at - previous > interval '30 minutes'
      OR (occurred_at AT TIME ZONE 'UTC')::date <> (previous AT TIME ZONE 'UTC')::date THEN 1 ELSE 0 END AS starts_session
    FROM events
  ),
  numbered AS (
    SELECT *, sum(starts_session) OVER (PARTITION BY visitor_id ORDER BY occurred_at, starts_session DESC ROWS UNBOUNDED PRECEDING) AS n
    FROM marked
  ),
  sessions AS (
    SELECT min(occurred_at) AS started_at, bool_or(name = 'product_added_to_cart') AS cart,
      bool_or(name IN ('checkout_started', 'checkout_completed')) AS checkout, bool_or(name = 'checkout_completed') AS completed
    FROM numbered GROUP BY visitor_id, n
  )
  SELECT to_char(date_trunc('month', started_at AT TIME ZONE $4), 'YYYY-MM') AS period, count(*)::int AS sessions,
    count(*) FILTER (WHERE cart)::int AS cart, count(*) FILTER (WHERE checkout)::int AS checkout, count(*) FILTER (WHERE completed)::int AS completed
  FROM sessions WHERE started_at >= $2 AND started_at < $3 GROUP BY 1 ORDER BY 1`;

export default async function conversionBench(): Promise<BenchResult[]> {
  const { url } = await benchDatabase();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("INSERT INTO shops (domain, iana_timezone, installed_at, updated_at) VALUES ($1, $2, now(), now())", [SHOP, TIME_ZONE]);
    note(`generating ${EVENTS.toLocaleString("en")} pixel events…`);
    const generated = await timed(() =>
      client.query(
        `INSERT INTO pixel_events (shop, id, visitor_id, name, occurred_at)
         SELECT $1, v || '-' || k, 'visitor-' || (v % ($2::int / 3)),
           CASE k WHEN 0 THEN 'page_viewed' WHEN 1 THEN 'page_viewed'
             WHEN 2 THEN CASE WHEN hashint4(v) % 3 = 0 THEN 'product_added_to_cart' ELSE 'page_viewed' END
             WHEN 3 THEN CASE WHEN hashint4(v) % 9 = 0 THEN 'checkout_started' ELSE 'page_viewed' END
             ELSE CASE WHEN hashint4(v) % 27 = 0 THEN 'checkout_completed' ELSE 'page_viewed' END END,
           timestamptz '2025-11-30 00:00:00+00' + ((hashint4(v * 7) & 2147483647) % (366 * 86400)) * interval '1 second' + k * interval '3 minutes'
         FROM generate_series(1, $2::int) AS v, generate_series(0, 4) AS k`,
        [SHOP, VISITS],
      ),
    );
    // As autovacuum leaves a table after a bulk insert: analysed, and the arrival index's block
    // ranges summarized (the drain's own inserts have them summarized as they fill them).
    note(`generated in ${generated.seconds.toFixed(0)} s; vacuuming and analysing…`);
    await client.query("VACUUM (ANALYZE) pixel_events");
  } finally {
    await client.end();
  }

  const { refreshPixelSessions } = await import("#app/metrics/pixel-sessions.server");
  const { conversionOverview } = await import("#app/metrics/conversion.server");
  const { default: prisma } = await import("#app/db.server");
  const { endSqlPool } = await import("#app/db-pool.server");
  // The collector's drain, which each refresh runs first, holds a connection of the plain pool.
  onBenchShutdown(async () => {
    await endSqlPool();
    await prisma.$disconnect();
  });
  const built = await timed(() => refreshPixelSessions(SHOP));
  note(`sessions built into the rollup in ${built.seconds.toFixed(1)} s`);
  const query = { range: RANGE, granularity: "month" as const, source: "pixel" as const };
  await conversionOverview(SHOP, query, { now: NOW });

  const times: number[] = [];
  let report = await conversionOverview(SHOP, query, { now: NOW });
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    report = await conversionOverview(SHOP, query, { now: NOW });
    times.push(performance.now() - start);
  }
  const value = median(times);

  const from = new Date(report.series[0].start);
  const to = new Date(report.series[report.series.length - 1].end);
  const baselineTimes: number[] = [];
  let raw: Array<{ period: string; sessions: number; cart: number; checkout: number; completed: number }> = [];
  for (let i = 0; i < BASELINE_RUNS; i++) {
    const start = performance.now();
    raw = await prisma.$queryRawUnsafe(RAW_FUNNEL, SHOP, from, to, TIME_ZONE);
    baselineTimes.push(performance.now() - start);
  }
  const baseline = median(baselineTimes);
  assert.deepEqual(
    report.series.filter((p) => (p.sessions ?? 0) > 0).map((p) => ({ period: p.period, sessions: p.sessions, cart: p.sessionsWithCartAdditions, checkout: p.sessionsReachedCheckout, completed: p.sessionsCompletedCheckout })),
    raw,
  );
  note(`overview ${value.toFixed(1)} ms (median of ${RUNS}), raw events ${baseline.toFixed(0)} ms; ${report.totals.sessions?.toLocaleString("en")} sessions`);
  note(`goals (< 150 ms, ≥ 20× the raw-event report) ${value < 150 && baseline / value >= 20 ? "met" : "NOT met"}`);

  // --- Live traffic: today's events so far, and a few visitors arriving before each load --------
  // LIVE_EVENTS received over today until two minutes ago (in arrival order), today's sessions
  // built once, as the day's first load would. Then each load of this month follows 100 new
  // events of 20 new visitors received just now: a refresh rebuilds those visitors' sessions.
  // Baseline, in the same run: loads whose refresh rebuilds today whole from its raw events (its
  // stored sessions deleted first), what every load with new events did before sessions were
  // stored. The last load is checked against the raw-event report of the month.
  await insertTodaysEvents(prisma, SHOP);
  await refreshPixelSessions(SHOP);
  const today = new Date();
  const monthStart = (date: Date, months = 0) => new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1)).toISOString().slice(0, 10);
  const liveQuery = { range: { from: monthStart(today), to: monthStart(today, 1) }, granularity: "month" as const, source: "pixel" as const };
  const liveTimes: number[] = [];
  const rebuiltTimes: number[] = [];
  let live = report;
  for (let i = 0; i < RUNS + BASELINE_RUNS; i++) {
    await arriveNow(prisma, SHOP, i);
    const rebuildToday = i >= RUNS;
    if (rebuildToday) await forgetTodaysSessions(prisma, SHOP);
    const start = performance.now();
    live = await conversionOverview(SHOP, liveQuery, { now: new Date() });
    (rebuildToday ? rebuiltTimes : liveTimes).push(performance.now() - start);
  }
  await arriveNow(prisma, SHOP, RUNS + BASELINE_RUNS);
  live = await conversionOverview(SHOP, liveQuery, { now: new Date() });
  const liveRaw: typeof raw = await prisma.$queryRawUnsafe(
    RAW_FUNNEL, SHOP, new Date(live.series[0].start), new Date(live.series[live.series.length - 1].end), TIME_ZONE);
  assert.deepEqual(
    live.series.filter((p) => (p.sessions ?? 0) > 0).map((p) => ({ period: p.period, sessions: p.sessions, cart: p.sessionsWithCartAdditions, checkout: p.sessionsReachedCheckout, completed: p.sessionsCompletedCheckout })),
    liveRaw,
  );
  const liveValue = median(liveTimes);
  const rebuilt = median(rebuiltTimes);
  note(`with live traffic (${LIVE_EVENTS.toLocaleString("en")} events today): ${liveValue.toFixed(1)} ms a load, ${rebuilt.toFixed(0)} ms rebuilding today whole; ${live.totals.sessions?.toLocaleString("en")} sessions this month`);
  return [
    {
      name: `conversion overview, a year by month, ${EVENTS.toLocaleString("en")} pixel events (vs sessions from raw events per request)`,
      unit: "ms",
      value: Number(value.toFixed(1)),
      baseline: Number(baseline.toFixed(1)),
      ratio: Number((baseline / value).toFixed(1)),
    },
    {
      name: `conversion overview of this month with live traffic (${LIVE_EVENTS.toLocaleString("en")} events today, 100 new before each load), its refresh included (vs rebuilding today's sessions whole)`,
      unit: "ms",
      value: Number(liveValue.toFixed(1)),
      baseline: Number(rebuilt.toFixed(1)),
      ratio: Number((rebuilt / liveValue).toFixed(1)),
    },
  ];
}
