// GIVEN a generated store in the simulator and the app installed with an offline token, WHEN the
// app backfills it with bulk operations (orders and customers at once, then refund details and
// the paged catch-up), THEN Metryka's rows equal the simulator's ground truth exactly; also when
// a bulk operation fails and is retried, when a run dies halfway and is run again, when the
// end of an operation comes by its bulk_operations/finish webhook rather than by polling, and
// when the job hands its slot back while Shopify writes the files and a later job finishes the run,
// and when a large store's backfill gives way to the other shops' jobs waiting (not to its own).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateStore, refundReturns, type SimStore, type SimulatorHandle } from "#simulator/index";
import { installOffline, startSimulatorForApp } from "../../tests/support/simulated-shop";
import {
  expectedCustomers,
  expectedOrders,
  expectedRefunds,
  storedCustomers,
  storedOrders,
  storedRefunds,
} from "../../tests/support/truth";
import { startAppWebhooks } from "../../tests/support/app-webhooks";
import { BULK_OPERATION_STATUS } from "#app/shopify/bulk-queries";

// App modules are imported once the simulator runs: the environment is read when they load.
let prisma: typeof import("#app/db.server").default;
let backfill: typeof import("./backfill.server");
let jobs: typeof import("#app/jobs/shop-jobs.server");
let queue: typeof import("#app/jobs/queue.server");
let clientFor: (shop: string) => Promise<import("#app/shopify/admin-client.server").AdminClient>;

const NOW = new Date("2026-11-15T12:00:00Z");
let simulator: SimulatorHandle;
const stores: Record<string, SimStore> = {};
const names = ["plain", "failing", "interrupted", "signalled", "patient", "large", "alone"] as const;
let appWebhooks: Awaited<ReturnType<typeof startAppWebhooks>>;

async function expectEqualToTruth(store: SimStore) {
  const shop = store.shop.domain;
  expect(await storedOrders(prisma, shop)).toEqual(expectedOrders(store));
  expect(await storedRefunds(prisma, shop)).toEqual(expectedRefunds(store));
  expect(await storedCustomers(prisma, shop)).toEqual(expectedCustomers(store));
  // Refund details (from the Admin API, not the bulk file) are there: returns above come from them.
  const state = await prisma.syncState.findUniqueOrThrow({ where: { shop } });
  expect({ status: state.status, error: state.error, phase: state.phase }).toEqual({ status: "succeeded", error: null, phase: null });
  // The bulk operations are no longer recorded: the next backfill starts new ones.
  expect([state.bulkOrdersOperation, state.bulkCustomersOperation]).toEqual([null, null]);
  expect(state.lastSuccessAt).not.toBeNull();
  expect(state.watermark).not.toBeNull();
  const rollupDays = await prisma.$queryRaw<Array<{ n: bigint }>>`SELECT count(*)::bigint AS n FROM daily_sales WHERE shop = ${shop}`;
  expect(Number(rollupDays[0].n)).toBeGreaterThan(0);
}

const fast = { pollMs: 10, maxPollMs: 50 };

const isOrdersOperation = (gid: string) => /orders\s*\{/.test(simulator.bulk.record(Number(gid.split("/").pop()))?.query ?? "");

beforeAll(async () => {
  appWebhooks = await startAppWebhooks();
  for (const [i, name] of names.entries()) {
    stores[name] = generateStore({ seed: 21 + i, now: NOW.toISOString(), customers: 60, domain: `backfill-${name}.myshopify.com` });
  }
  simulator = await startSimulatorForApp({
    stores: Object.values(stores),
    bucket: { maximumAvailable: 20_000, restoreRate: 1_000 },
    // Long enough that the first status poll finds every operation running.
    bulkDelayMs: 300,
    // Only one shop gets the bulk_operations/finish webhook: the others find the end by polling.
    webhookAddress: (topic, shop) =>
      topic === "bulk_operations/finish" && shop === stores.signalled.shop.domain ? `${appWebhooks.url}/webhooks/${topic}` : null,
  });
  prisma = (await import("#app/db.server")).default;
  const { unauthenticated } = await import("#app/shopify.server");
  const { createAdminClient } = await import("#app/shopify/admin-client.server");
  backfill = await import("./backfill.server");
  jobs = await import("#app/jobs/shop-jobs.server");
  queue = await import("#app/jobs/queue.server");
  for (const store of Object.values(stores)) {
    const shop = store.shop.domain;
    await installOffline(simulator, shop);
    await prisma.shop.update({ where: { domain: shop }, data: { scopes: "read_orders,read_customers" } });
  }
  clientFor = async (shop) => createAdminClient(shop, (await unauthenticated.admin(shop)).admin.graphql);
});

afterAll(async () => {
  await simulator?.bulk.settled();
  await simulator?.close();
  await appWebhooks?.close();
});

describe("bulk backfill from the simulator", () => {
  it("a backfill job copies every order, refund and customer of a never-synced shop exactly", async () => {
    const store = stores.plain;
    const shop = store.shop.domain;
    expect(store.orders.some((o) => o.refunds.length > 0 && refundReturns(o.refunds[0]) > 0)).toBe(true);
    // A catch-up asked for before the shop was ever copied queues the backfill instead of paging
    // through the whole history.
    await jobs.runShopJob({ shop, kind: "reconcile" });
    expect(simulator.bulk.all().filter((r) => r.shop === shop)).toHaveLength(0);
    const { drainShopJobs } = await import("../../tests/support/jobs");
    expect(await drainShopJobs()).toEqual([{ shop, kind: "backfill" }]);

    await jobs.runShopJob({ shop, kind: "backfill" });
    await expectEqualToTruth(store);
    // Both bulk queries ran, once each.
    const ops = simulator.bulk.all().filter((r) => r.shop === shop);
    expect(ops.map((r) => r.status)).toEqual(["COMPLETED", "COMPLETED"]);

    // A catch-up after it: no new bulk query.
    await jobs.runShopJob({ shop, kind: "sync" });
    expect(simulator.bulk.all().filter((r) => r.shop === shop)).toHaveLength(2);
    await expectEqualToTruth(store);
  });

  it("keeps what a failed bulk operation wrote, retries it and ends equal", async () => {
    const store = stores.failing;
    const shop = store.shop.domain;
    // Shopify fails the next operation (the orders query, started first) with a partial file.
    simulator.faults.set({ failBulkOperations: 1 });
    let ordersFiles = 0;
    try {
      await backfill.backfillShop(shop, await clientFor(shop), new Date(), {
        ...fast,
        onIngestProgress: (kind) => {
          if (kind === "orders") ordersFiles += 1;
        },
      });
    } finally {
      simulator.faults.clear();
    }
    const ops = simulator.bulk.all().filter((r) => r.shop === shop);
    expect(ops.map((r) => r.status)).toEqual(["FAILED", "COMPLETED", "COMPLETED"]);
    expect(isOrdersOperation(`gid://shopify/BulkOperation/${ops[0].id}`)).toBe(true);
    // One batch per file: the partial file, then the retry's.
    expect(ordersFiles).toBe(2);
    await expectEqualToTruth(store);
  });

  it("learns that an operation ended from its bulk_operations/finish webhook", async () => {
    const store = stores.signalled;
    const shop = store.shop.domain;
    const client = await clientFor(shop);
    const polls: string[] = [];
    const counting: typeof client = {
      ...client,
      request: (async (document: string, variables?: Record<string, unknown>) => {
        if (document === BULK_OPERATION_STATUS) polls.push(String(variables?.id));
        return client.request(document, variables);
      }) as typeof client.request,
    };
    // Status polls an hour apart: only the webhook can end the wait in time.
    await backfill.backfillShop(shop, counting, new Date(), { pollMs: 3_600_000, maxPollMs: 3_600_000, finishCheckMs: 20 });
    await expectEqualToTruth(store);
    const ops = simulator.bulk.all().filter((r) => r.shop === shop);
    expect(ops.map((r) => r.status)).toEqual(["COMPLETED", "COMPLETED"]);
    // Each operation: asked once (running), then once more after its webhook.
    const finished = await prisma.webhookEvent.count({ where: { shop, topic: "bulk_operations/finish" } });
    expect(finished).toBe(2);
    expect(polls.length).toBeGreaterThanOrEqual(4);
    expect(polls.length).toBeLessThanOrEqual(6);
  }, 30_000);

  it("a run that dies halfway is finished by running it again", async () => {
    const store = stores.interrupted;
    const shop = store.shop.domain;
    const client = await clientFor(shop);
    await expect(
      backfill.backfillShop(shop, client, new Date(), {
        ...fast,
        ingestBatchSize: 25,
        onIngestProgress: (kind) => {
          if (kind === "orders") throw new Error("worker restarted");
        },
      }),
    ).rejects.toThrow("worker restarted");
    const partial = await prisma.order.count({ where: { shop } });
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(store.orders.length);
    const stopped = await prisma.syncState.findUniqueOrThrow({ where: { shop } });
    expect(stopped.status).toBe("failed");
    // Progress counts orders and (once their operation is done) customers.
    expect(stopped.total).toBeGreaterThanOrEqual(store.orders.length);
    expect(stopped.total).toBeLessThanOrEqual(store.orders.length + store.customers.length);
    expect({ kind: stopped.kind, phase: stopped.phase }).toEqual({ kind: "backfill", phase: "bulk_operations" });
    expect(stopped.bulkOrdersOperation).toMatch(/^gid:\/\/shopify\/BulkOperation\/\d+$/);

    // The job runs again (a backfill is in progress): it picks up the finished operations.
    await jobs.runShopJob({ shop, kind: "backfill" });
    expect(simulator.bulk.all().filter((r) => r.shop === shop)).toHaveLength(2);
    await expectEqualToTruth(store);
  });

  it("hands its worker slot back while Shopify writes the files; the job queued again finishes the same run", async () => {
    const store = stores.patient;
    const shop = store.shop.domain;
    // No wait in the slot at all: the first status poll finds both operations running.
    await jobs.runShopJob({ shop, kind: "backfill" }, undefined, { backfillWaitInSlotMs: 0 });
    const waiting = await prisma.syncState.findUniqueOrThrow({ where: { shop } });
    expect({ status: waiting.status, kind: waiting.kind, phase: waiting.phase, error: waiting.error }).toEqual({
      status: "running",
      kind: "backfill",
      phase: "bulk_operations",
      error: null,
    });
    expect(waiting.bulkOrdersOperation).toMatch(/^gid:\/\/shopify\/BulkOperation\/\d+$/);
    expect(waiting.bulkCustomersOperation).toMatch(/^gid:\/\/shopify\/BulkOperation\/\d+$/);
    expect(await prisma.order.count({ where: { shop } })).toBe(0);
    // The same backfill is queued again, to start a little later; no predictions job yet.
    const queued = await prisma.$queryRaw<Array<{ data: { shop: string; kind: string }; later: boolean }>>`
      SELECT data, start_after > now() AS later FROM pgboss.job
      WHERE name = 'shop-jobs' AND state = 'created' AND data->>'shop' = ${shop}`;
    expect(queued).toEqual([{ data: { shop, kind: "backfill" }, later: true }]);

    // Shopify finishes the files; the queued job picks the same operations up and ends the run.
    await simulator.bulk.settled();
    await jobs.runShopJob({ shop, kind: "backfill" }, undefined, { backfillWaitInSlotMs: 0 });
    const ops = simulator.bulk.all().filter((r) => r.shop === shop);
    expect(ops.map((r) => r.status)).toEqual(["COMPLETED", "COMPLETED"]);
    expect([`gid://shopify/BulkOperation/${ops[0].id}`, `gid://shopify/BulkOperation/${ops[1].id}`].sort()).toEqual(
      [waiting.bulkOrdersOperation, waiting.bulkCustomersOperation].sort(),
    );
    await expectEqualToTruth(store);
    expect((await prisma.syncState.findUniqueOrThrow({ where: { shop } })).startedAt).toEqual(waiting.startedAt);
  });

  it("a large store's backfill, taken while other shops' jobs wait, goes behind them and runs when taken again", async () => {
    const store = stores.large;
    const shop = store.shop.domain;
    // Large, for this test: the store has more orders than this.
    const largeStoreOrders = Math.floor(store.orders.length / 2);
    await queue.enqueueShopJob({ shop: "waiting.myshopify.com", kind: "sync" });
    await jobs.runShopJob({ shop, kind: "backfill" }, undefined, { largeStoreOrders });
    // Nothing asked of Shopify beyond the count; queued again at the lower priority.
    expect(simulator.bulk.all().filter((r) => r.shop === shop)).toHaveLength(0);
    const queued = await prisma.$queryRaw<Array<{ data: object; priority: number }>>`
      SELECT data, priority FROM pgboss.job WHERE name = 'shop-jobs' AND state = 'created' AND data->>'shop' = ${shop}`;
    expect(queued).toEqual([{ data: { shop, kind: "backfill", large: true }, priority: queue.LARGE_BACKFILL_PRIORITY }]);
    // The workers take every other job waiting first, although it was queued before.
    const boss = await queue.jobQueue();
    const taken: object[] = [];
    for (;;) {
      const [job] = await boss.fetch<object>(queue.QUEUES.shop);
      if (!job) break;
      taken.push(job.data);
    }
    expect(taken.at(-1)).toEqual({ shop, kind: "backfill", large: true });
    expect(taken.slice(0, -1)).toContainEqual({ shop: "waiting.myshopify.com", kind: "sync" });

    // Taken again, it runs whatever waits.
    await queue.enqueueShopJob({ shop: "waiting.myshopify.com", kind: "sync" });
    await jobs.runShopJob({ shop, kind: "backfill", large: true }, undefined, { largeStoreOrders });
    expect(simulator.bulk.all().filter((r) => r.shop === shop)).toHaveLength(2);
    await expectEqualToTruth(store);

    // A large store installing alone is copied at once: its own follow-ups waiting do not count.
    const { drainShopJobs } = await import("../../tests/support/jobs");
    await drainShopJobs();
    const alone = stores.alone;
    await queue.enqueueShopJob({ shop: alone.shop.domain, kind: "sessions" });
    await jobs.runShopJob({ shop: alone.shop.domain, kind: "backfill" }, undefined, { largeStoreOrders: Math.floor(alone.orders.length / 2) });
    await expectEqualToTruth(alone);
  });
});
