// GIVEN a generated store in the simulator and the app installed with an offline token, WHEN the
// app backfills it with bulk operations (orders and customers at once, then refund details and
// the paged catch-up), THEN Metryka's rows equal the simulator's ground truth exactly; also when
// a bulk operation fails and is retried, and when a run dies halfway and is run again.
import { Session } from "@shopify/shopify-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateStore, refundReturns, startSimulator, type SimStore, type SimulatorHandle } from "#simulator/index";
import {
  expectedCustomers,
  expectedOrders,
  expectedRefunds,
  storedCustomers,
  storedOrders,
  storedRefunds,
} from "../../tests/support/truth";
import type { BulkOperationRecord } from "#simulator/bulk";
import { BULK_OPERATION_STATUS } from "#app/shopify/bulk-queries";

// App modules are imported once the simulator runs: the environment is read when they load.
let prisma: typeof import("#app/db.server").default;
let backfill: typeof import("./backfill.server");
let jobs: typeof import("./jobs.server");
let clientFor: (shop: string) => Promise<import("#app/shopify/admin-client.server").AdminClient>;

const NOW = new Date("2026-11-15T12:00:00Z");
let simulator: SimulatorHandle;
const stores: Record<string, SimStore> = {};
const names = ["plain", "failing", "interrupted", "partial"] as const;

async function expectEqualToTruth(store: SimStore) {
  const shop = store.shop.domain;
  expect(await storedOrders(prisma, shop)).toEqual(expectedOrders(store));
  expect(await storedRefunds(prisma, shop)).toEqual(expectedRefunds(store));
  expect(await storedCustomers(prisma, shop)).toEqual(expectedCustomers(store));
  // Refund details (from the Admin API, not the bulk file) are there: returns above come from them.
  const state = await prisma.syncState.findUniqueOrThrow({ where: { shop } });
  expect({ status: state.status, error: state.error, phase: state.phase }).toEqual({ status: "succeeded", error: null, phase: null });
  expect(state.lastSuccessAt).not.toBeNull();
  expect(state.watermark).not.toBeNull();
  const rollupDays = await prisma.$queryRaw<Array<{ n: bigint }>>`SELECT count(*)::bigint AS n FROM daily_sales WHERE shop = ${shop}`;
  expect(Number(rollupDays[0].n)).toBeGreaterThan(0);
}

const fast = { pollMs: 10, maxPollMs: 50 };

const isOrdersOperation = (gid: string) => /orders\s*\{/.test(simulator.bulk.record(Number(gid.split("/").pop()))?.query ?? "");

beforeAll(async () => {
  for (const [i, name] of names.entries()) {
    stores[name] = generateStore({ seed: 21 + i, now: NOW.toISOString(), customers: 60, domain: `backfill-${name}.myshopify.com` });
  }
  simulator = await startSimulator({
    apiKey: process.env.SHOPIFY_API_KEY!,
    apiSecret: process.env.SHOPIFY_API_SECRET!,
    stores: Object.values(stores),
    bucket: { maximumAvailable: 20_000, restoreRate: 1_000 },
    bulkDelayMs: 30,
  });
  process.env.SHOPIFY_SIMULATOR_URL = simulator.url;
  prisma = (await import("#app/db.server")).default;
  const { sessionStorage, unauthenticated } = await import("#app/shopify.server");
  const { createAdminClient } = await import("#app/shopify/admin-client.server");
  backfill = await import("./backfill.server");
  jobs = await import("./jobs.server");
  for (const store of Object.values(stores)) {
    const shop = store.shop.domain;
    const token = simulator.installations.issue({ shop, kind: "offline" });
    await sessionStorage.storeSession(
      new Session({ id: `offline_${shop}`, shop, state: "installed", isOnline: false, accessToken: token.accessToken, scope: token.scope }),
    );
    await prisma.shop.create({ data: { domain: shop, scopes: "read_orders,read_customers" } });
  }
  clientFor = async (shop) => createAdminClient(shop, (await unauthenticated.admin(shop)).admin.graphql);
});

afterAll(async () => {
  await simulator?.bulk.settled();
  await simulator?.close();
});

describe("bulk backfill from the simulator", () => {
  it("the first sync job of a never-synced shop backfills every order, refund and customer exactly", async () => {
    const store = stores.plain;
    const shop = store.shop.domain;
    expect(store.orders.some((o) => o.refunds.length > 0 && refundReturns(o.refunds[0]) > 0)).toBe(true);
    await jobs.runShopJob({ shop, kind: "sync" });
    await expectEqualToTruth(store);
    // Both bulk queries ran, once each.
    const ops = simulator.bulk.all().filter((r) => r.shop === shop);
    expect(ops.map((r) => r.status)).toEqual(["COMPLETED", "COMPLETED"]);

    // The bulk_operations/finish webhook's job, arriving after the run: catches up, no new bulk query.
    await jobs.runShopJob({ shop, kind: "backfill" });
    expect(simulator.bulk.all().filter((r) => r.shop === shop)).toHaveLength(2);
    await expectEqualToTruth(store);
  });

  it("retries a failed bulk operation and ends equal", async () => {
    const store = stores.failing;
    const shop = store.shop.domain;
    // The first orders operation of this shop fails (as Shopify's INTERNAL_SERVER_ERROR would).
    const bulk = simulator.bulk;
    const run = bulk.run.bind(bulk);
    let failed: BulkOperationRecord | undefined;
    bulk.run = (ctx, query, groupObjects) => {
      const result = run(ctx, query, groupObjects);
      const record = bulk.all().at(-1)!;
      if (!failed && record.shop === shop && /orders\s*\{/.test(query)) {
        failed = record;
        record.status = "FAILED";
        record.errorCode = "INTERNAL_SERVER_ERROR";
      }
      return result;
    };
    try {
      await backfill.backfillShop(shop, await clientFor(shop), new Date(), fast);
    } finally {
      bulk.run = run;
    }
    expect(failed?.status).toBe("FAILED");
    const ops = simulator.bulk.all().filter((r) => r.shop === shop);
    expect(ops).toHaveLength(3);
    await expectEqualToTruth(store);
  });

  it("keeps the partial data of a failed operation and retries it", async () => {
    const store = stores.partial;
    const shop = store.shop.domain;
    const client = await clientFor(shop);
    // Shopify answers the first finished orders operation as FAILED with what it wrote so far
    // (here: the whole file, as partial data).
    let failedOnce = false;
    const failing: typeof client = {
      ...client,
      request: (async (document: string, variables?: Record<string, unknown>) => {
        const answer = (await client.request(document, variables)) as { bulkOperation?: Record<string, unknown> | null };
        const op = answer.bulkOperation;
        if (!failedOnce && document === BULK_OPERATION_STATUS && op?.status === "COMPLETED" && isOrdersOperation(String(op.id))) {
          failedOnce = true;
          return { bulkOperation: { ...op, status: "FAILED", errorCode: "TIMEOUT", url: null, partialDataUrl: op.url } };
        }
        return answer;
      }) as typeof client.request,
    };
    // One batch per file: the orders data is ingested twice (the partial file, then the retry's).
    let ordersFiles = 0;
    await backfill.backfillShop(shop, failing, new Date(), {
      ...fast,
      onIngestProgress: (kind) => {
        if (kind === "orders") ordersFiles += 1;
      },
    });
    expect(failedOnce).toBe(true);
    expect(simulator.bulk.all().filter((r) => r.shop === shop)).toHaveLength(3);
    expect(ordersFiles).toBe(2);
    await expectEqualToTruth(store);
  });

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
    expect(backfill.parseBackfillPhase(stopped.phase)?.orders).toBeTruthy();

    // The job runs again (a backfill is in progress): it picks up the finished operations.
    await jobs.runShopJob({ shop, kind: "backfill" });
    expect(simulator.bulk.all().filter((r) => r.shop === shop)).toHaveLength(2);
    await expectEqualToTruth(store);
  });
});
