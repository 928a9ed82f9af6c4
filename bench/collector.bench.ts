// The pixel collector under concurrent load, on loopback: the production build (server/main.ts)
// on a throwaway PostgreSQL receives, in each of BENCH_COLLECTOR_ROUNDS (default 5) rounds,
// BENCH_COLLECTOR_BATCHES (default 1,500) batches of 20 pixel events, as the web pixel posts them
// (text/plain JSON with the shop's key, from the storefront's origin), over 20 keep-alive
// connections, spread over 4 installed shops. Each batch goes through
// the real path: the lean route ahead of Remix, the shop's key and origin, the body limit, the
// events' validation, the rate limits, the visitor hashes, the write into the intake.
//
// Baseline, measured in the same run with the same requests: a bare node:http server that only
// reads the body and parses its JSON, then answers 200. The two take turns, round by round, and
// each is reported by its median round: on a 2-core machine either one's throughput moves by
// half from one second to the next, and a single pair of runs compared the noise as much as the
// servers.
//
// Afterwards the intake is drained into pixel_events as the upkeep does (timed, with the
// database's CPU per event, against the rate the collector took them in) and every event must
// be stored once: a lost or doubled event throws. Goals on a 2-core machine: at least 5,000
// events/s, at least 0.3× the bare server, p99 under 100 ms.
import http from "node:http";
import { buildApp } from "../scripts/lib/app-server";
import { freePort } from "../scripts/lib/free-port";
import { withClient } from "../scripts/lib/postgres";
import { benchDatabase, withDatabaseCpu } from "./lib/database";
import { loadOverKeepAlive, medianOfRounds, withApp, type LoadRequest, type LoadResult, type LoadRound } from "./lib/http-load";
import { benchResult, note, timed, type BenchResult } from "./lib/timing";

const BATCHES = Number(process.env.BENCH_COLLECTOR_BATCHES ?? 1_500);
const ROUNDS = Number(process.env.BENCH_COLLECTOR_ROUNDS ?? 5);
const BATCH = 20;
const CONCURRENCY = 20;
const WARMUP = 100;
const SHOPS = Array.from({ length: 4 }, (_, i) => `collector-bench-${i}.myshopify.com`);
const KEY = "bench-pixel-key-0123456789abcdef";

/** `count` batches of 20 events, each event of its own visitor, shops in turn. */
function batches(count: number, label: string): LoadRequest[] {
  const now = Date.now();
  const names = ["page_viewed", "page_viewed", "product_added_to_cart", "checkout_started", "checkout_completed"];
  return Array.from({ length: count }, (_, b) => {
    const shop = SHOPS[b % SHOPS.length];
    const events = Array.from({ length: BATCH }, (_, i) => ({
      id: `${label}-${b}-${i}`,
      name: names[i % names.length],
      at: new Date(now - 60_000 + i * 1000).toISOString(),
      clientId: `${label}-client-${b}-${i}`,
      path: "/products/linen-shirt",
      referrer: "www.google.com",
      utm: { source: "newsletter", medium: "email" },
      device: "mobile",
    }));
    const body = JSON.stringify({ key: KEY, events });
    return {
      path: `/collect/${shop}`,
      headers: { "Content-Type": "text/plain", Origin: `https://${shop}`, "Content-Length": Buffer.byteLength(body) },
      body,
    };
  });
}

/** Events (not requests) per second: each request is a batch of BATCH. */
async function load(port: number, list: LoadRequest[]): Promise<LoadResult> {
  const result = await loadOverKeepAlive(port, list, CONCURRENCY);
  return { ...result, perSecond: result.perSecond * BATCH };
}

/** The floor: read the body, parse its JSON, answer 200. */
async function startBareServer(): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      try {
        const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { events?: unknown[] };
        response.writeHead(Array.isArray(parsed.events) ? 200 : 400, { "Content-Type": "application/json" }).end(`{"received":${parsed.events?.length ?? 0}}`);
      } catch {
        response.writeHead(400).end();
      }
    });
  });
  server.keepAliveTimeout = 10_000;
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export default async function collectorBench(): Promise<BenchResult[]> {
  const { url } = await benchDatabase();
  await withClient(url, async (client) => {
    for (const shop of SHOPS) {
      await client.query("INSERT INTO shops (domain, installed_at, updated_at) VALUES ($1, now(), now()) ON CONFLICT (domain) DO NOTHING", [shop]);
      await client.query("INSERT INTO pixel_settings (shop, key) VALUES ($1, $2) ON CONFLICT (shop) DO NOTHING", [shop, KEY]);
    }
  });
  note("building the app (remix vite:build)…");
  await buildApp();
  const warmup = batches(WARMUP, "warm");
  const lists = Array.from({ length: ROUNDS }, (_, round) => batches(BATCHES, `run${round}`));

  const bare = await startBareServer();
  const rounds: LoadRound[] = [];
  try {
    await load(bare.port, warmup);
    await withApp(url, load, warmup, async (app) => {
      for (const list of lists) {
        // The bare server, then the app, on the same requests.
        const baseline = await load(bare.port, list);
        if (baseline.failures > 0) throw new Error(`the bare server refused ${baseline.failures} batches`);
        const result = await app.measure(list);
        rounds.push({ baseline, result });
        note(
          `round ${rounds.length}: bare ${baseline.perSecond.toFixed(0)} events/s, collector ${result.perSecond.toFixed(0)} events/s ` +
            `(${(result.perSecond / baseline.perSecond).toFixed(2)}×), p99 ${result.p99.toFixed(1)} ms, ${result.failures} non-200`,
        );
      }
    });
  } finally {
    await bare.close();
  }
  const { baseline, result, cpu } = medianOfRounds(rounds);
  note(`baseline (JSON parse only), median of ${ROUNDS} rounds: ${baseline.perSecond.toFixed(0)} events/s, p50 ${baseline.p50.toFixed(1)} ms, worst p99 ${baseline.p99.toFixed(1)} ms`);
  note(`collector, median of ${ROUNDS} rounds: ${result.perSecond.toFixed(0)} events/s, p50 ${result.p50.toFixed(1)} ms, worst p99 ${result.p99.toFixed(1)} ms, ${result.failures} non-200`);
  const cpuMs = (ms: number | null) => (ms === null ? "?" : `${ms.toFixed(3)} ms`);
  note(`CPU per batch of ${BATCH}: app ${cpuMs(cpu.app)}, database ${cpuMs(cpu.database)}, load generator ${cpuMs(cpu.client)}`);

  const sent = (WARMUP + ROUNDS * BATCHES) * BATCH;
  // The drain the upkeep runs (and a shop's sessions refresh runs for its shop), in this process.
  const { drainPixelIntake } = await import("#app/collector/intake.server");
  const { endSqlPool } = await import("#app/db-pool.server");
  const drain = await withDatabaseCpu(() => timed(() => drainPixelIntake()));
  await endSqlPool();
  const drained = drain.result.result;
  const drainedPerSecond = drained / drain.result.seconds;
  const drainCpu = drain.databaseCpuSeconds === null ? "?" : `${((drain.databaseCpuSeconds * 1e6) / drained).toFixed(1)} µs`;
  note(`drained ${drained} events into pixel_events in ${drain.result.seconds.toFixed(1)} s (${drainedPerSecond.toFixed(0)} events/s; database CPU ${drainCpu} an event)`);
  const stored = await withClient(url, async (client) => {
    const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM pixel_events WHERE shop = ANY($1)", [SHOPS]);
    return Number(rows[0].n);
  });
  if (result.failures > 0 || stored !== sent) throw new Error(`the collector lost events: ${stored} of ${sent} stored, ${result.failures} answers other than 200`);
  const goals = result.perSecond >= 5_000 && result.perSecond >= 0.3 * baseline.perSecond && result.p99 < 100;
  note(`every event stored once (${stored}); goals (≥ 5,000 events/s, ≥ 0.3× bare, p99 < 100 ms) ${goals ? "met" : "NOT met"}`);

  return [
    benchResult(`collector: events/s in batches of ${BATCH} over ${CONCURRENCY} connections, median of ${ROUNDS} rounds (vs bare JSON-parsing server)`, "events/s", result.perSecond, baseline.perSecond),
    benchResult("collector: p50 latency per batch, median round (vs bare server)", "ms", result.p50, baseline.p50),
    benchResult("collector: p99 latency per batch, worst round (vs bare server)", "ms", result.p99, baseline.p99),
    benchResult("collector: events stored, none lost or doubled (vs events sent)", "events", stored, sent),
    benchResult("collector: intake drained into pixel_events, events/s (vs events/s taken in)", "events/s", drainedPerSecond, result.perSecond),
  ];
}
