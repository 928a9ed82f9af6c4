// GIVEN a generated store in the simulator and the app installed with an offline token, WHEN
// the app syncs it through the real Shopify library (a bulk backfill first, then paged Admin
// GraphQL catch-ups, cost-paced), THEN
// Metryka's rows equal the simulator's ground truth exactly, order by order; and after the
// store changes, an incremental sync brings them level again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  generateStore,
  placeOrder,
  refundOrder,
  type SimStore,
  type SimulatorHandle,
} from "#simulator/index";
import { installOffline, startSimulatorForApp } from "../../tests/support/simulated-shop";
import { expectedOrders, expectedRefunds, storedOrders, storedRefunds } from "../../tests/support/truth";

// App modules are imported once the simulator runs: the environment (SHOPIFY_SIMULATOR_URL,
// the seam) is read when the first of them loads.
let prisma: typeof import("#app/db.server").default;

const NOW = new Date("2026-11-15T12:00:00Z");
let simulator: SimulatorHandle;
let store: SimStore;
let syncOnce: (shop: string) => Promise<void>;

beforeAll(async () => {
  store = generateStore({ seed: 11, now: NOW.toISOString(), customers: 80 });
  simulator = await startSimulatorForApp({ stores: [store], bucket: { maximumAvailable: 20_000, restoreRate: 1_000 } });
  prisma = (await import("#app/db.server")).default;
  await installOffline(simulator, store.shop.domain);
  const { runShopJob } = await import("#app/jobs/shop-jobs.server");
  const { syncKindFor } = await import("#app/jobs/requests.server");
  // What "Sync now" runs: a backfill the first time, a catch-up afterwards.
  syncOnce = async (s) => {
    await runShopJob({ shop: s, kind: await syncKindFor(s) });
    const state = await prisma.syncState.findUniqueOrThrow({ where: { shop: s } });
    expect(state.error).toBeNull();
    expect(state.status).toBe("succeeded");
  };
});

afterAll(async () => {
  await simulator?.close();
});

describe("paged sync from the simulator", () => {
  it("copies every order, refund and customer exactly", async () => {
    const shop = store.shop.domain;
    await prisma.shop.update({ where: { domain: shop }, data: { scopes: "read_orders" } });
    await syncOnce(shop);

    const shopRow = await prisma.shop.findUniqueOrThrow({ where: { domain: shop } });
    expect({ shopifyId: shopRow.shopifyId, tz: shopRow.ianaTimezone, currency: shopRow.currencyCode }).toEqual({
      shopifyId: BigInt(store.shop.id),
      tz: store.shop.ianaTimezone,
      currency: store.shop.currencyCode,
    });
    expect(store.orders.some((o) => o.refunds.length > 0 && o.test === false)).toBe(true);
    expect(await storedOrders(prisma, shop)).toEqual(expectedOrders(store));
    expect(await storedRefunds(prisma, shop)).toEqual(expectedRefunds(store));
    expect(await prisma.customer.count({ where: { shop } })).toBe(store.customers.length);
  });

  it("picks up new orders and refunds on the next (incremental) run", async () => {
    const shop = store.shop.domain;
    // Changes made in the store after the first run started (as on a live store).
    const later = new Date(Date.now() + 1000).toISOString();
    const customerId = store.customers[0].id;
    placeOrder(store, { at: later, customerId, seed: 5 });
    const refundable = store.orders.find((o) => !o.test && o.refunds.length === 0 && o.cancelledAt === null)!;
    refundOrder(store, { orderId: refundable.id, at: later, kind: "partial", seed: 6 });
    await syncOnce(shop);
    expect(await storedOrders(prisma, shop)).toEqual(expectedOrders(store));
    expect(await storedRefunds(prisma, shop)).toEqual(expectedRefunds(store));
    const state = await prisma.syncState.findUniqueOrThrow({ where: { shop } });
    // Only what changed since the watermark was read again.
    expect(state.total).toBeLessThan(store.orders.length);
  });
});
