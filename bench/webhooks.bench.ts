// Webhook intake under concurrent load, on loopback: the production build (server/main.ts) on a
// throwaway PostgreSQL receives, in each of BENCH_WEBHOOK_ROUNDS (default 5) rounds,
// BENCH_WEBHOOKS (default 2,000) signed orders/updated deliveries, REST payloads built by the
// simulator, over 20 keep-alive connections. Each request goes through
// the real path: the HMAC check, the stored part of the payload, the insert into webhook_events
// (unique on the event id) and a pg-boss job committed (deliveries that arrive together share
// a transaction and its job), 200. No worker runs: applying is the worker's time, not Shopify's.
//
// Baseline, measured in the same run with the same requests: a bare node:http server that only
// verifies the HMAC in constant time and answers 200, i.e. the floor for this machine and this
// client. The ratios show what the app's intake costs on top of that. The two take turns, round
// by round, and each is reported by its median round: a single pair of runs measured the floor
// anywhere between 4,300 and 8,400 deliveries/s on the same machine.
//
// Afterwards every delivery must be in webhook_events: a lost event throws. Goals: at least
// 0.3× the HMAC-only server, 500 requests/s and a p99 latency under 100 ms. The notes say where
// the CPU went per delivery (the app, the database, the load generator).
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import http from "node:http";
import pg from "pg";
import { buildApp } from "../scripts/lib/app-server";
import { generateStore } from "../simulator/seed";
import { orderWebhookPayload, webhookHeaders } from "../simulator/webhooks";
import { benchDatabase } from "./lib/database";
import { loadOverKeepAlive, medianOfRounds, withApp, type LoadRequest, type LoadRound } from "./lib/http-load";
import { benchResult, note, type BenchResult } from "./lib/timing";
import { freePort } from "../scripts/lib/free-port";

const DELIVERIES = Number(process.env.BENCH_WEBHOOKS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_WEBHOOK_ROUNDS ?? 5);
const CONCURRENCY = 20;
const WARMUP = 200;
const SHOP = "webhooks-bench.myshopify.com";
const TOPIC = "orders/updated";
const PATH = "/webhooks/orders/updated";

/** Signed deliveries of the simulator's orders, one event id each. */
function deliveries(count: number, secret: string): LoadRequest[] {
  const store = generateStore({ seed: 5, now: "2026-11-15T12:00:00Z", customers: 300, domain: SHOP });
  const out: LoadRequest[] = [];
  for (let i = 0; i < count; i++) {
    const order = store.orders[i % store.orders.length];
    const body = JSON.stringify(orderWebhookPayload(order, store.shop));
    const headers = webhookHeaders({ url: "", topic: TOPIC, shopDomain: SHOP, payload: null, secret, eventId: randomUUID() }, body);
    out.push({ path: PATH, headers: { ...headers, "Content-Length": String(Buffer.byteLength(body)) }, body });
  }
  return out;
}

const cpuMs = (ms: number | null) => (ms === null ? "?" : `${ms.toFixed(3)} ms`);
const load = (port: number, list: LoadRequest[]) => loadOverKeepAlive(port, list, CONCURRENCY);

/** The floor: read the body, check its HMAC in constant time, answer 200 (401 otherwise). */
async function startHmacOnlyServer(secret: string): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const expected = createHmac("sha256", secret).update(Buffer.concat(chunks)).digest();
      const given = Buffer.from(String(request.headers["x-shopify-hmac-sha256"] ?? ""), "base64");
      const ok = given.length === expected.length && timingSafeEqual(given, expected);
      response.writeHead(ok ? 200 : 401).end();
    });
  });
  server.keepAliveTimeout = 10_000;
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function countEvents(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM webhook_events WHERE shop = $1", [SHOP]);
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}

/** The shop the deliveries are for, installed (intake answers 404 for a shop it does not know). */
async function installShop(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("INSERT INTO shops (domain, updated_at) VALUES ($1, now()) ON CONFLICT (domain) DO NOTHING", [SHOP]);
  } finally {
    await client.end();
  }
}

export default async function webhooksBench(): Promise<BenchResult[]> {
  const { url } = await benchDatabase();
  await installShop(url);
  const secret = process.env.SHOPIFY_API_SECRET as string;
  note("building the app (remix vite:build)…");
  await buildApp();
  const warmup = deliveries(WARMUP, secret);
  const lists = Array.from({ length: ROUNDS }, () => deliveries(DELIVERIES, secret));

  const floor = await startHmacOnlyServer(secret);
  const rounds: LoadRound[] = [];
  try {
    await load(floor.port, warmup);
    await withApp(url, load, warmup, async (app) => {
      for (const list of lists) {
        // The HMAC-only server, then the app, on the same deliveries.
        const baseline = await load(floor.port, list);
        if (baseline.failures > 0) throw new Error(`the HMAC-only server refused ${baseline.failures} deliveries`);
        const result = await app.measure(list);
        rounds.push({ baseline, result });
        note(
          `round ${rounds.length}: HMAC only ${baseline.perSecond.toFixed(0)} req/s, app ${result.perSecond.toFixed(0)} req/s ` +
            `(${(result.perSecond / baseline.perSecond).toFixed(2)}×), p99 ${result.p99.toFixed(1)} ms, ${result.failures} non-200`,
        );
      }
    });
  } finally {
    await floor.close();
  }
  const { baseline, result, cpu } = medianOfRounds(rounds);
  note(`baseline (HMAC only), median of ${ROUNDS} rounds: ${baseline.perSecond.toFixed(0)} req/s, p50 ${baseline.p50.toFixed(1)} ms, worst p99 ${baseline.p99.toFixed(1)} ms`);
  note(`app, median of ${ROUNDS} rounds: ${result.perSecond.toFixed(0)} req/s, p50 ${result.p50.toFixed(1)} ms, worst p99 ${result.p99.toFixed(1)} ms, ${result.failures} non-200`);
  note(`CPU per delivery: app ${cpuMs(cpu.app)}, database ${cpuMs(cpu.database)}, load generator ${cpuMs(cpu.client)}`);

  const sent = WARMUP + ROUNDS * DELIVERIES;
  const recorded = await countEvents(url);
  if (result.failures > 0 || recorded !== sent) {
    throw new Error(`webhook intake lost events: ${recorded} of ${sent} recorded, ${result.failures} answers other than 200`);
  }
  const goals = result.perSecond >= 0.3 * baseline.perSecond && result.perSecond >= 500 && result.p99 < 100;
  note(`every event recorded (${recorded}); goals (≥ 0.3× the floor, ≥ 500 req/s, p99 < 100 ms) ${goals ? "met" : "NOT met"}`);

  return [
    benchResult(`webhook intake: ${TOPIC} deliveries/s over ${CONCURRENCY} connections, median of ${ROUNDS} rounds (vs HMAC-only server)`, "req/s", result.perSecond, baseline.perSecond),
    benchResult("webhook intake: p50 latency, median round (vs HMAC-only server)", "ms", result.p50, baseline.p50),
    benchResult("webhook intake: p99 latency, worst round (vs HMAC-only server)", "ms", result.p99, baseline.p99),
    benchResult("webhook intake: events recorded, none lost (vs deliveries sent)", "events", recorded, sent),
  ];
}
