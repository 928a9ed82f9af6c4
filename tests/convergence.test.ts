// GIVEN a generated store and real worker processes, WHEN the install's backfill starts and
// the worker running it is killed (SIGKILL) while its bulk operations run, another worker takes
// the job over; the store then keeps changing (orders placed, refunded, cancelled, edited and
// deleted; customers created, deleted and merged) and its webhooks reach the app's routes the
// way Shopify delivers them (some twice, out of order, 10 % never), all while Shopify throttles
// and fails a share of the Admin API calls; THEN after a reconciliation job Metryka's rows equal
// the simulator's ground truth exactly, and every metric over them equals the reference metric
// computed from that truth.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cancelOrder,
  createCustomer,
  deleteCustomer,
  deleteOrder,
  generateStore,
  mergeCustomers,
  placeOrder,
  refundOrder,
  touchOrder,
  type SimStore,
  type SimulatorHandle,
} from "#simulator/index";
import type { SimEvent } from "#simulator/mutations";
import { createRandom } from "#simulator/random";
import {
  expectedCustomers,
  expectedOrders,
  expectedRefunds,
  storedCustomers,
  storedDeletedOrderIds,
  storedOrders,
  storedRefunds,
  truthMetricRows,
} from "./support/truth";
import { startWorkerProcess, stopWorkerProcess, type WorkerProcess } from "../scripts/lib/worker-process";
import { startAppWebhooks } from "./support/app-webhooks";
import { installOffline, startSimulatorForApp } from "./support/simulated-shop";

const NOW = new Date("2026-11-15T12:00:00Z");
let prisma: typeof import("#app/db.server").default;
let simulator: SimulatorHandle;
let appWebhooks: Awaited<ReturnType<typeof startAppWebhooks>>;
let store: SimStore;
const workers: WorkerProcess[] = [];

/** A worker process on this test's database and simulator, stopped with the test. */
function startWorker(): WorkerProcess {
  const worker = startWorkerProcess();
  workers.push(worker);
  return worker;
}

/** Polls `probe` until it returns a value (not undefined); fails after `ms`, showing the workers' output. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}\n${workers.map((w) => w.output.join("")).join("\n---\n")}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  store = generateStore({ seed: 41, now: NOW.toISOString(), customers: 60, domain: "converge.myshopify.com" });
  appWebhooks = await startAppWebhooks();
  const appUrl = appWebhooks.url;
  simulator = await startSimulatorForApp({
    stores: [store],
    bucket: { maximumAvailable: 20_000, restoreRate: 1_000 },
    // Long enough for the first worker to be killed while Shopify writes the files.
    bulkDelayMs: 2_000,
    appUrl,
    // Completion is found by polling: the job of the killed worker is what has to finish it.
    webhookAddress: (topic) => (topic === "bulk_operations/finish" ? null : `${appUrl}/webhooks/${topic}`),
    // Throughout: a share of the Admin API calls answered THROTTLED or 503, and every answer slow.
    faults: { seed: 5, throttleRate: 0.15, serverErrorRate: 0.05, slowMs: 5 },
  });
  prisma = (await import("#app/db.server")).default;
  await installOffline(simulator, store.shop.domain);
});

afterAll(async () => {
  for (const worker of workers) await stopWorkerProcess(worker, "SIGKILL");
  await simulator?.bulk.settled();
  await simulator?.close();
  await appWebhooks?.close();
  const { stopJobQueue } = await import("#app/jobs/queue.server");
  await stopJobQueue();
});

/**
 * A while of store activity after `startMs`, one change every few seconds of store time.
 * Deletions touch only what existed before (so the copy's tombstones are exactly the deleted ids).
 */
function mutateStore(s: SimStore, startMs: number, changes: number): SimEvent[] {
  const rng = createRandom(99);
  const events: SimEvent[] = [];
  const existing = new Set(s.orders.map((o) => o.id));
  let at = startMs;
  const tick = () => new Date((at += 1000 + rng.int(0, 5000))).toISOString();
  const pick = <T>(items: T[]): T => items[rng.int(0, items.length - 1)];
  for (let i = 0; i < changes; i++) {
    const roll = rng.next();
    const refundable = s.orders.filter((o) => !o.test && o.cancelledAt === null && Date.parse(o.processedAt) < at);
    const buyers = new Set(s.orders.map((o) => o.customerId));
    if (roll < 0.35) {
      const customerId = rng.chance(0.3) ? "new" : rng.chance(0.2) ? null : pick(s.customers).id;
      events.push(...placeOrder(s, { at: tick(), customerId, seed: 1000 + i }).events);
    } else if (roll < 0.55) {
      const order = pick(refundable);
      events.push(...refundOrder(s, { orderId: order.id, at: tick(), kind: rng.chance(0.3) ? "full" : "partial", seed: 2000 + i }).events);
    } else if (roll < 0.63) {
      events.push(...cancelOrder(s, { orderId: pick(refundable).id, at: tick(), refund: rng.chance(0.7) }).events);
    } else if (roll < 0.75) {
      events.push(...touchOrder(s, { orderId: pick(s.orders).id, at: tick(), tag: `t${i}` }).events);
    } else if (roll < 0.83) {
      events.push(...createCustomer(s, { at: tick() }).events);
    } else if (roll < 0.9) {
      events.push(...deleteOrder(s, { orderId: pick(s.orders.filter((o) => existing.has(o.id))).id, at: tick() }).events);
    } else if (roll < 0.96) {
      const kept = pick(s.customers);
      const merged = pick(s.customers.filter((c) => c.id !== kept.id && buyers.has(c.id)));
      events.push(...mergeCustomers(s, { keptId: kept.id, deletedId: merged.id, at: tick() }).events);
    } else {
      const idle = s.customers.filter((c) => !buyers.has(c.id));
      if (idle.length > 0) events.push(...deleteCustomer(s, { customerId: pick(idle).id, at: tick() }).events);
    }
  }
  return events;
}

describe("a killed worker, chaotic webhooks and a failing Admin API, then a reconciliation", () => {
  it("converge on the store's ground truth, rows and metrics", async () => {
    const shop = store.shop.domain;
    const { onShopInstalled } = await import("#app/jobs/requests.server");
    const { enqueueShopJob, jobQueue, QUEUES } = await import("#app/jobs/queue.server");
    const boss = await jobQueue();
    const bulkOperations = () => simulator.bulk.all().filter((r) => r.shop === shop);

    // The install queues the first sync: a bulk backfill. The worker running it dies while
    // Shopify is still writing both files.
    const first = startWorker();
    await onShopInstalled(shop, "read_orders,read_customers,read_all_orders");
    await waitFor("both bulk operations recorded", async () => {
      const state = await prisma.syncState.findUnique({ where: { shop } });
      return state?.bulkOrdersOperation && state.bulkCustomersOperation ? true : undefined;
    });
    await stopWorkerProcess(first, "SIGKILL");
    expect(bulkOperations()).toHaveLength(2);
    expect(await prisma.syncState.findUniqueOrThrow({ where: { shop } })).toMatchObject({ status: "running", lastSuccessAt: null });

    // Another worker notices the silence, starts the job again, and the backfill resumes with the
    // same two operations.
    const second = startWorker();
    const afterBackfill = await waitFor("the backfill to succeed", async () => {
      const state = await prisma.syncState.findUnique({ where: { shop } });
      if (state?.status === "failed") throw new Error(`The backfill failed: ${state.error}`);
      return state?.status === "succeeded" ? state : undefined;
    });
    expect(afterBackfill.error).toBeNull();
    expect(second.output.join("")).toContain("was queued again");
    expect(bulkOperations().map((r) => r.status)).toEqual(["COMPLETED", "COMPLETED"]);
    expect(await storedOrders(prisma, shop)).toEqual(expectedOrders(store));

    // The store changes; Shopify delivers its webhooks with duplicates, reordering and losses,
    // and the worker applies what arrived.
    const events = mutateStore(store, Date.now() + 1000, 150);
    expect(new Set(events.map((e) => e.topic))).toEqual(
      new Set(["orders/create", "orders/updated", "orders/cancelled", "refunds/create", "orders/delete", "customers/create", "customers/update", "customers/delete", "customers/merge"]),
    );
    const report = await simulator.deliverEvents(shop, events, { chaos: { seed: 7, duplicateRate: 0.15, dropRate: 0.1, shuffle: true } });
    expect(report.dropped.length).toBeGreaterThan(0);
    expect(report.duplicated.length).toBeGreaterThan(0);
    expect(report.attempts.every((a) => a.status === 200)).toBe(true);
    await waitFor("every delivered event to be applied", async () =>
      (await prisma.webhookEvent.count({ where: { shop, processedAt: null } })) === 0 ? true : undefined,
    );

    // Lost deliveries leave the copy behind until the reconciliation.
    expect(await storedOrders(prisma, shop)).not.toEqual(expectedOrders(store));

    // The scheduled reconciliation, run by the worker.
    const jobId = await enqueueShopJob({ shop, kind: "reconcile" });
    const finished = await waitFor("the reconciliation", async () => {
      const job = await boss.getJobById(QUEUES.shop, jobId!);
      return job && ["completed", "failed", "cancelled"].includes(job.state) ? job.state : undefined;
    });
    expect(finished).toBe("completed");
    const state = await prisma.syncState.findUniqueOrThrow({ where: { shop } });
    expect({ status: state.status, error: state.error }).toEqual({ status: "succeeded", error: null });
    await stopWorkerProcess(second, "SIGTERM");
    // No new bulk query: the reconciliation pages.
    expect(bulkOperations()).toHaveLength(2);
    // Shopify did throttle and fail along the way.
    expect(simulator.faults.counts().throttled).toBeGreaterThan(0);
    expect(simulator.faults.counts().serverErrors).toBeGreaterThan(0);

    // Rows: every live order, refund and customer equals the truth; each deleted order is a tombstone.
    expect(await storedOrders(prisma, shop)).toEqual(expectedOrders(store));
    expect(await storedDeletedOrderIds(prisma, shop)).toEqual(store.deletedOrders.map((d) => BigInt(d.id)).sort((a, b) => (a < b ? -1 : 1)));
    expect(await storedRefunds(prisma, shop)).toEqual(expectedRefunds(store));
    expect(await storedCustomers(prisma, shop)).toEqual(expectedCustomers(store));

    // Metrics: each equals its reference computed from the truth.
    const { salesOverview } = await import("#app/metrics/sales.server");
    const { salesReport } = await import("#app/metrics/sales");
    const { retentionOverview, atRiskOverview } = await import("#app/metrics/retention.server");
    const { retentionReport, atRiskReport } = await import("#app/metrics/retention");
    const { getMetricSettings } = await import("#app/metrics/settings.server");
    const now = new Date(Date.now() + 86_400_000);
    const truth = truthMetricRows(store);
    const context = { timeZone: store.shop.ianaTimezone, currency: store.shop.currencyCode, now, settings: await getMetricSettings(shop) };
    const whole = { from: "2024-01-01", to: "2027-01-01" };
    const recent = { from: "2026-10-01", to: "2026-12-01" };
    for (const query of [
      { range: whole, granularity: "month" as const },
      { range: recent, granularity: "day" as const, compareTo: "previous_period" as const },
    ]) {
      const overview = await salesOverview(shop, query, { now });
      expect(overview).toEqual(salesReport(truth, query, context));
    }
    for (const query of [
      { range: whole, cohortGranularity: "month" as const },
      { range: recent, cohortGranularity: "week" as const },
    ]) {
      expect(await retentionOverview(shop, query, { now })).toEqual(retentionReport(truth, query, context));
    }
    expect(await atRiskOverview(shop, { limit: 500 }, { now })).toEqual(atRiskReport(truth, { limit: 500 }, context));
  });
});
