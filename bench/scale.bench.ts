// Many stores at once: the simulator hosts BENCH_SCALE_STORES (default 200) stores of mixed
// sizes — one of 50,000 orders (BENCH_SCALE_LARGEST), two of a quarter of that, and the rest of
// 100 to 5,000, log-uniform (most stores are small) — in six time zones and five currencies, each
// with its plan's Admin API limits (the largest on Plus, the next two on Advanced, the rest on a
// standard plan). The app runs as in production, scaled out: two web processes (the production
// build; the simulator sends each store's webhooks to one of them, as a load balancer would) and
// worker processes on the same PostgreSQL, two at first and a third added once half the stores
// are synced. Every store installs (its admin's first load: token exchange, then the install
// hook queues its backfill), the largest first, the worst order for the small ones; while they
// sync, webhooks for every store keep arriving (orders placed, refunded, edited).
//
// Measured, each against a baseline from the same run:
// - the time until every store is synced, against the sum of each store's own sync time (what
//   one store at a time would take);
// - each store's wait between its install and the start of its backfill (the longest wait of a
//   small store, against the largest store's backfill), and how many small stores were already
//   queued when a large store's backfill started (against all of them): no small store waits
//   behind a large one;
// - the Admin API points each store spent (median, against the largest store) and how many sync
//   runs THROTTLED answers failed (against how many THROTTLED answers there were);
// - the database's size added per million orders, against the same stores' data as JSON;
// - a small store's Overview page while the large stores sync, against the same page after;
// - and at the end, each store's orders, refunds and customers against the simulator's truth.
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@prisma/client";
import pg from "pg";
import { generateStore, placeOrder, refundOrder, sessionToken, startSimulator, touchOrder, type SimStore } from "#simulator/index";
import { buildApp, startApp, type AppServer } from "../scripts/lib/app-server";
import { freePort } from "../scripts/lib/free-port";
import { BROWSER_USER_AGENT, DEMO_API_KEY, DEMO_API_SECRET, hostParam } from "../scripts/lib/stack";
import { startWorkerProcess, stopWorkerProcess, type WorkerProcess } from "../scripts/lib/worker-process";
import { expectedCustomers, expectedOrders, expectedRefunds, storedCustomers, storedOrders, storedRefunds } from "../tests/support/truth";
import { benchDatabaseOfItsOwn, onBenchShutdown } from "./lib/database";
import { median, percentile } from "./lib/measure";
import { benchResult, machineLoad, note, seededRandom, type BenchResult } from "./lib/timing";

const STORES = Number(process.env.BENCH_SCALE_STORES ?? 200);
/**
 * Orders of the largest store; the next two have a quarter of it each. The simulator builds a
 * bulk operation's whole result in its memory, on its one thread, while it answers every other
 * store: past about 50,000 orders that holds up the other stores' calls and downloads for longer
 * than the app waits for them (docs/scaling.md), so 200,000 is a setting, not the default.
 */
const LARGEST = Number(process.env.BENCH_SCALE_LARGEST ?? 50_000);
const ZONES = ["America/New_York", "Europe/Warsaw", "Asia/Tokyo", "Australia/Sydney", "America/Los_Angeles", "UTC"];
const CURRENCIES = ["USD", "EUR", "PLN", "JPY", "GBP"];
/** A store counts as small below this many orders. */
const SMALL = 5_000;
/** The simulator's generated stores place about this many orders per customer record. */
const ORDERS_PER_CUSTOMER = 1.6;
const INSTALL_CONCURRENCY = 10;
/** Between two changes of a store (each 2–4 webhooks): a few changes a second over all stores. */
const TRAFFIC_PAUSE_MS = 250;
/** Shopify's retries of a delivery not answered 200. */
const WEBHOOK_RETRIES = 8;
const SYNC_TIMEOUT_MS = 45 * 60_000;

const domain = (i: number) => `scale-${String(i).padStart(3, "0")}.myshopify.com`;

/** Orders per store: the largest first (installed first), then the small ones spread log-uniformly. */
function storeSizes(count: number): number[] {
  const large = [LARGEST, LARGEST / 4, LARGEST / 4].slice(0, count);
  const small = Array.from({ length: count - large.length }, (_, i) => Math.round(100 * Math.pow(SMALL / 100, (i * 0.618034) % 1)));
  return [...large, ...small];
}

/** Runs `work` over `items`, `concurrency` at a time. */
async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

export default async function scaleBench(): Promise<BenchResult[]> {
  // Its own database: its workers take on every installed shop they find, and it counts every
  // order and byte of the database, so the shops of the benchmarks before it must not be there.
  const { url: databaseUrl } = await benchDatabaseOfItsOwn("metryka_bench_scale");
  note(`machine load before the run: ${machineLoad()}`);
  note("building the app (remix vite:build)…");
  await buildApp();

  // --- The stores ------------------------------------------------------------------------------
  const now = new Date().toISOString();
  const sizes = storeSizes(STORES);
  const generating = performance.now();
  const stores: SimStore[] = sizes.map((orders, i) =>
    generateStore({
      seed: 7_000 + i,
      now,
      domain: domain(i),
      name: `Scale store ${i}`,
      timeZone: ZONES[i % ZONES.length],
      currencyCode: CURRENCIES[i % CURRENCIES.length],
      customers: Math.max(50, Math.round(orders / ORDERS_PER_CUSTOMER)),
      // The largest store on Shopify Plus, the next two on Advanced, the rest on a standard plan:
      // each has its plan's Admin API limits.
      plan: { publicDisplayName: i === 0 ? "Plus" : i < 3 ? "Advanced" : "Grow", partnerDevelopment: false, shopifyPlus: i === 0 },
    }),
  );
  const orderCount = new Map(stores.map((s) => [s.shop.domain, s.orders.length]));
  const totalOrders = stores.reduce((sum, s) => sum + s.orders.length, 0);
  note(`${STORES} stores, ${totalOrders.toLocaleString("en")} orders (largest ${Math.max(...orderCount.values()).toLocaleString("en")}, smallest ${Math.min(...orderCount.values())}) generated in ${((performance.now() - generating) / 1000).toFixed(0)} s`);

  // --- The deployment: two web processes, worker processes, one database ---------------------
  const webPorts = [await freePort(), await freePort()];
  const webUrls = webPorts.map((port) => `http://localhost:${port}`);
  const webFor = (shop: string) => webUrls[Number(shop.slice(6, 9)) % webUrls.length];
  const simulator = await startSimulator({
    apiKey: DEMO_API_KEY,
    apiSecret: DEMO_API_SECRET,
    stores,
    bucketsByPlan: true,
    appUrl: webUrls[0],
    webhookAddress: (topic, shop) => `${webFor(shop)}/webhooks/${topic}`,
  });
  const env = {
    DATABASE_URL: databaseUrl,
    SHOPIFY_API_KEY: DEMO_API_KEY,
    SHOPIFY_API_SECRET: DEMO_API_SECRET,
    SHOPIFY_APP_URL: webUrls[0],
    SHOPIFY_SIMULATOR_URL: simulator.url,
    METRYKA_INLINE_WORKER: "false",
  };
  const webs: AppServer[] = [];
  const workers: WorkerProcess[] = [];
  const startWorker = () => startWorkerProcess({ ...process.env, ...env });
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const stopAll = async () => {
    for (const worker of workers) await stopWorkerProcess(worker, "SIGTERM");
    for (const web of webs) await web.stop();
    await simulator.close();
    await client.end().catch(() => undefined);
  };
  onBenchShutdown(stopAll);

  try {
    // What the database holds before any store: the size a million orders adds is measured from here.
    const { rows: empty } = await client.query<{ bytes: string }>("SELECT pg_database_size(current_database()) AS bytes");
    for (const port of webPorts) webs.push(await startApp({ port, mode: "production", env }));
    workers.push(startWorker(), startWorker());
    const embeddedUrl = (shop: string, page = "/app") =>
      `${webFor(shop)}${page}?${new URLSearchParams({
        embedded: "1",
        shop,
        host: hostParam(shop),
        id_token: sessionToken({ shop, apiKey: DEMO_API_KEY, apiSecret: DEMO_API_SECRET }),
      })}`;

    // --- Webhooks for every store, all along ------------------------------------------------
    const random = seededRandom(20_261_203);
    let trafficOn = true;
    const traffic = { deliveries: 0, refused: 0, givenUp: 0, statuses: new Map<number, number>() };
    const trafficDone = (async () => {
      let seed = 1;
      while (trafficOn) {
        const store = stores[Math.floor(random() * stores.length)];
        const at = new Date().toISOString();
        const roll = random();
        const recent = store.orders.filter((o) => !o.test && o.cancelledAt === null).slice(-50);
        const { events } =
          roll < 0.5 || recent.length === 0
            ? placeOrder(store, { at, customerId: random() < 0.4 ? "new" : null, seed: seed++ })
            : roll < 0.75
              ? refundOrder(store, { orderId: recent[Math.floor(random() * recent.length)].id, at, kind: "partial", seed: seed++ })
              : touchOrder(store, { orderId: recent[Math.floor(random() * recent.length)].id, at, tag: `scale-${seed++}` });
        // Shopify retries a delivery that was not answered 200 (8 times over 4 hours); here at once.
        const report = await simulator.deliverEvents(store.shop.domain, events, { chaos: { seed, retries: WEBHOOK_RETRIES } });
        traffic.deliveries += report.attempts.length;
        for (const attempt of report.attempts.filter((a) => a.status !== 200)) {
          traffic.refused++;
          traffic.statuses.set(attempt.status, (traffic.statuses.get(attempt.status) ?? 0) + 1);
        }
        // Given up on (every retry refused): what reconciliation is there for, not the intake.
        const answered = new Set(report.attempts.filter((a) => a.status === 200).map((a) => a.index));
        traffic.givenUp += new Set(report.attempts.filter((a) => !answered.has(a.index)).map((a) => a.index)).size;
        await new Promise((resolve) => setTimeout(resolve, TRAFFIC_PAUSE_MS));
      }
    })();

    // --- Sync state, watched ----------------------------------------------------------------
    const installedAt = new Map<string, number>();
    /** When each store's first admin load answered: its backfill was queued by then. */
    const installedBy = new Map<string, number>();
    const installSeconds: number[] = [];
    const startedAt = new Map<string, number>();
    const syncedAt = new Map<string, number>();
    /** Failed runs seen (shop and error, once each): a retryable failure is run again and may still end synced. */
    const failed = new Set<string>();
    const watch = async () => {
      const { rows } = await client.query<{ shop: string; status: string; started_at: Date | null; finished_at: Date | null; error: string | null }>(
        "SELECT shop, status, started_at, finished_at, error FROM sync_state",
      );
      for (const row of rows) {
        if (row.started_at && !startedAt.has(row.shop)) startedAt.set(row.shop, row.started_at.getTime());
        if (row.status === "succeeded" && row.finished_at && !syncedAt.has(row.shop)) syncedAt.set(row.shop, row.finished_at.getTime());
        if (row.status === "failed") failed.add(`${row.shop}: ${row.error ?? "failed"}`);
      }
    };

    // --- Installs: every store's admin opens the app, the largest stores first ---------------
    const started = Date.now();
    await inParallel(
      stores.map((s) => s.shop.domain),
      INSTALL_CONCURRENCY,
      async (shop) => {
        const at = performance.now();
        installedAt.set(shop, Date.now());
        const response = await fetch(embeddedUrl(shop), { headers: { "User-Agent": BROWSER_USER_AGENT } });
        if (!response.ok) {
          const errors = /"errors":.{0,800}/.exec(await response.text())?.[0] ?? "";
          throw new Error(`installing into ${shop} answered ${response.status}: ${errors}\n${webs.map((web) => web.output().slice(-4000)).join("\n---\n")}`);
        }
        await response.arrayBuffer();
        installSeconds.push((performance.now() - at) / 1000);
        installedBy.set(shop, Date.now());
      },
    );
    const installAll = (Date.now() - started) / 1000;
    note(`${STORES} stores installed in ${installAll.toFixed(1)} s`);

    // --- Until every store is synced: a small store's dashboard, watched while large ones sync --
    const large = stores.filter((s) => s.orders.length >= SMALL).map((s) => s.shop.domain);
    // The first small store to be synced: its dashboard is read while the large ones still sync.
    let smallStore: string | null = null;
    const busyLatencies: number[] = [];
    const overview = async () => {
      const at = performance.now();
      const response = await fetch(embeddedUrl(smallStore!), { headers: { "User-Agent": BROWSER_USER_AGENT } });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`the Overview of ${smallStore} answered ${response.status}`);
      return performance.now() - at;
    };
    let thirdWorkerAt: number | null = null;
    const deadline = Date.now() + SYNC_TIMEOUT_MS;
    for (;;) {
      await watch();
      if (syncedAt.size === STORES) break;
      if (Date.now() > deadline) throw new Error(`${STORES - syncedAt.size} stores not synced after ${SYNC_TIMEOUT_MS / 60_000} min\n${workers.map((w) => w.output.join("").slice(-2000)).join("\n---\n")}`);
      if (thirdWorkerAt === null && syncedAt.size >= STORES / 2) {
        workers.push(startWorker());
        thirdWorkerAt = Date.now();
        note(`${syncedAt.size} stores synced after ${((thirdWorkerAt - started) / 1000).toFixed(0)} s: a third worker process joins`);
      }
      smallStore ??= stores.find((s) => s.orders.length < SMALL && syncedAt.has(s.shop.domain))?.shop.domain ?? null;
      if (smallStore && large.some((shop) => !syncedAt.has(shop))) busyLatencies.push(await overview());
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const allSynced = (Math.max(...syncedAt.values()) - started) / 1000;
    note(`every store synced ${allSynced.toFixed(0)} s after the first install (${machineLoad()})`);

    // --- Webhooks stop; everything delivered is applied ---------------------------------------
    trafficOn = false;
    await trafficDone;
    for (;;) {
      const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM webhook_events WHERE processed_at IS NULL AND parked_at IS NULL");
      if (Number(rows[0].n) === 0) break;
      if (Date.now() > deadline) throw new Error(`${rows[0].n} webhook events never applied`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const { rows: parked } = await client.query<{ n: string }>("SELECT count(*) AS n FROM webhook_events WHERE parked_at IS NOT NULL");
    const statuses = [...traffic.statuses].map(([status, n]) => `${n} × ${status}`).join(", ");
    note(`${traffic.deliveries} webhook deliveries during the run, ${traffic.refused} refused${statuses ? ` (${statuses})` : ""}, ${traffic.givenUp} given up after every retry, ${parked[0].n} parked`);

    // --- Idle: the same page, now that nothing syncs ------------------------------------------
    const idleLatencies: number[] = [];
    smallStore ??= stores.find((s) => s.orders.length < SMALL)!.shop.domain;
    for (let i = 0; i < 20; i++) idleLatencies.push(await overview());

    // --- Waits, Admin API cost, failures, size ------------------------------------------------
    const waits = stores.map((s) => ({ shop: s.shop.domain, orders: s.orders.length, wait: (startedAt.get(s.shop.domain)! - installedAt.get(s.shop.domain)!) / 1000 }));
    const smallWaits = waits.filter((w) => w.orders < SMALL);
    const longestSmall = smallWaits.reduce((a, b) => (a.wait >= b.wait ? a : b));
    const syncSeconds = (shop: string) => (syncedAt.get(shop)! - startedAt.get(shop)!) / 1000;
    const largest = stores[0].shop.domain;
    for (const w of [...waits].sort((a, b) => b.orders - a.orders).filter((_, i) => i < 3 || i % Math.max(1, Math.floor(STORES / 10)) === 0)) {
      note(`  ${w.shop}: ${w.orders} orders, waited ${w.wait.toFixed(1)} s, synced in ${syncSeconds(w.shop).toFixed(1)} s`);
    }
    // Small stores first: a small store already queued when a large store's backfill started waited behind it.
    const largeStarts = large.map((shop) => startedAt.get(shop)!);
    const behindLarge = smallWaits.filter((w) => largeStarts.some((at) => installedBy.get(w.shop)! < at && at < startedAt.get(w.shop)!));
    note(`small stores already queued when a large store's backfill started: ${behindLarge.length} of ${smallWaits.length}`);
    note(`wait before the backfill started: small stores median ${median(smallWaits.map((w) => w.wait)).toFixed(1)} s, longest ${longestSmall.wait.toFixed(1)} s (${longestSmall.shop}, ${longestSmall.orders} orders); the largest store's backfill took ${syncSeconds(largest).toFixed(0)} s`);
    const usage = stores.map((s) => ({ shop: s.shop.domain, orders: s.orders.length, ...simulator.admin.usage(s.shop.domain) }));
    const throttled = usage.reduce((sum, u) => sum + u.throttled, 0);
    const { rows: failedJobs } = await client.query<{ n: string }>("SELECT count(*) AS n FROM pgboss.job WHERE state = 'failed'");
    const throttledFailures = [...failed].filter((run) => /throttl/i.test(run)).length;
    note(`Admin API: ${usage.reduce((sum, u) => sum + u.requests, 0)} calls, ${throttled} answered THROTTLED; points per store: median ${median(usage.map((u) => u.cost))}, largest store ${usage[0].cost}`);
    note(`${failed.size} failed runs seen (${throttledFailures} of them THROTTLED), every store synced in the end; ${failedJobs[0].n} jobs failed for good${failed.size > 0 ? `:\n  ${[...failed].join("\n  ")}` : ""}`);
    const { rows: size } = await client.query<{ bytes: string }>("SELECT pg_database_size(current_database()) AS bytes");
    const { rows: stored } = await client.query<{ n: string }>("SELECT count(*) AS n FROM orders");
    const storedOrderCount = Number(stored[0].n);
    const asJson = stores.reduce(
      (sum, s) => sum + s.orders.reduce((n, o) => n + JSON.stringify(o).length, 0) + s.customers.reduce((n, c) => n + JSON.stringify(c).length, 0),
      0,
    );
    const mbPerMillion = (bytes: number) => (bytes / 2 ** 20 / storedOrderCount) * 1e6;

    // --- Every store equal to its ground truth -------------------------------------------------
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
    onBenchShutdown(() => prisma.$disconnect());
    let equal = 0;
    const different: string[] = [];
    for (const store of stores) {
      const shop = store.shop.domain;
      try {
        assert.deepEqual(await storedOrders(prisma, shop), expectedOrders(store));
        assert.deepEqual(await storedRefunds(prisma, shop), expectedRefunds(store));
        assert.deepEqual(await storedCustomers(prisma, shop), expectedCustomers(store));
        equal++;
      } catch (error) {
        different.push(`${shop}: ${(error instanceof Error ? error.message : String(error)).slice(0, 1500)}`);
      }
    }
    note(`${equal} of ${STORES} stores equal their ground truth${different.length > 0 ? `; different:\n  ${different.join("\n  ")}` : ""}`);
    note(
      busyLatencies.length > 0
        ? `Overview of ${smallStore} (${orderCount.get(smallStore!)} orders) while large stores synced: median ${median(busyLatencies).toFixed(0)} ms, p95 ${percentile([...busyLatencies].sort((a, b) => a - b), 95).toFixed(0)} ms over ${busyLatencies.length} loads; idle median ${median(idleLatencies).toFixed(0)} ms`
        : `the large stores were synced before any small one: no Overview read while they synced; idle median ${median(idleLatencies).toFixed(0)} ms`,
    );

    return [
      benchResult(`scale: ${STORES} stores, ${totalOrders} orders, time until every store is synced (vs the sum of each store's own sync time)`, "s", allSynced, [...syncedAt.keys()].reduce((sum, shop) => sum + syncSeconds(shop), 0)),
      benchResult(`scale: ${STORES} installs, ${INSTALL_CONCURRENCY} at a time (vs one after another)`, "s", installAll, installSeconds.reduce((a, b) => a + b, 0)),
      benchResult("scale: longest wait of a small store before its backfill started (vs the largest store's backfill)", "s", longestSmall.wait, syncSeconds(largest)),
      benchResult("scale: small stores already queued when a large store's backfill started (vs small stores)", "stores", behindLarge.length, smallWaits.length),
      benchResult("scale: Admin API points per store, median (vs the largest store)", "points", median(usage.map((u) => u.cost)), usage[0].cost),
      benchResult("scale: sync runs failed by THROTTLED answers (vs THROTTLED answers)", "runs", throttledFailures, throttled),
      benchResult("scale: database size added per million orders (vs the same stores as JSON)", "MiB", mbPerMillion(Number(size[0].bytes) - Number(empty[0].bytes)), mbPerMillion(asJson)),
      benchResult("scale: a small store's Overview while the large stores sync, median (vs idle afterwards)", "ms", busyLatencies.length > 0 ? median(busyLatencies) : Number.NaN, median(idleLatencies)),
      benchResult("scale: stores equal to the simulator's ground truth (vs stores)", "stores", equal, STORES),
    ];
  } finally {
    await stopAll();
  }
}
