// GIVEN a store copied into Metryka, WHEN orders are deleted and customers deleted or merged in
// the store and none of the webhooks saying so reach the app, THEN the next sync finds exactly
// those records by comparing counts over id ranges, removes them as the webhooks would have
// (orders kept as tombstones, never counted; a merged customer's orders under the kept one), and
// leaves the copy equal to the store. WHEN records are lost from the copy itself, THEN the same
// comparison finds them and copies them again, rollups included; a copy short of more than the
// sweep copies is copied whole when a person asks for a sync. WHEN a deletion and a lost record
// balance each other's counts, THEN the first run whose cut falls between them finds both. When
// nothing was lost it costs three count queries per kind; without read_all_orders it never
// removes an order Shopify only hides for its age. It reports both sides' counts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createCustomer,
  deleteCustomer,
  deleteOrder,
  generateStore,
  mergeCustomers,
  type SimStore,
  type SimulatorHandle,
} from "#simulator/index";
import { installOffline, startSimulatorForApp } from "../../tests/support/simulated-shop";
import {
  expectedCustomers,
  expectedOrders,
  storedCustomers,
  storedDeletedOrderIds,
  storedOrders,
  truthMetricRows,
} from "../../tests/support/truth";

let prisma: typeof import("#app/db.server").default;
let simulator: SimulatorHandle;
let store: SimStore;
let client: import("#app/shopify/admin-client.server").AdminClient;
let sweepDifferences: typeof import("./sweep.server").sweepDifferences;
const operations: string[] = [];

const NOW = new Date("2026-11-15T12:00:00Z");

beforeAll(async () => {
  store = generateStore({ seed: 23, now: NOW.toISOString(), customers: 400, domain: "sweep.myshopify.com" });
  simulator = await startSimulatorForApp({ stores: [store], bucket: { maximumAvailable: 50_000, restoreRate: 5_000 } });
  prisma = (await import("#app/db.server")).default;
  const { unauthenticated } = await import("#app/shopify.server");
  const { createAdminClient } = await import("#app/shopify/admin-client.server");
  sweepDifferences = (await import("./sweep.server")).sweepDifferences;
  const shop = store.shop.domain;
  await installOffline(simulator, shop);
  await prisma.shop.update({ where: { domain: shop }, data: { scopes: "read_orders,read_all_orders,read_customers" } });
  const { admin } = await unauthenticated.admin(shop);
  const inner = createAdminClient(shop, admin.graphql);
  // The same client, noting each operation's name.
  client = {
    ...inner,
    request: (query, variables) => {
      operations.push(/(?:query|mutation)\s+(\w+)/.exec(query)?.[1] ?? "?");
      return inner.request(query, variables);
    },
  };
  await (await import("#app/jobs/shop-jobs.server")).runShopJob({ shop, kind: "backfill" });
});

afterAll(async () => {
  await simulator?.bulk.settled();
  await simulator?.close();
});

const at = () => new Date(Date.now() + 1000).toISOString();

const nothing = { orders: [], customers: [] };
const none = { orders: 0, customers: 0 };

/** Removes an order and a customer from the copy itself, well inside its ids; both stay in Shopify. */
async function loseFromCopy(shop: string, orderIndex: number, customerIndex: number): Promise<void> {
  await prisma.order.delete({ where: { shop_id: { shop, id: BigInt(store.orders[orderIndex].id) } } });
  await prisma.customer.delete({ where: { shop_id: { shop, id: BigInt(store.customers[customerIndex].id) } } });
}

describe("differences no webhook reported", () => {
  it("costs three count queries per kind when nothing is missing, and reports Shopify's counts as the copy's", async () => {
    expect(store.orders.length).toBeGreaterThan(2 * 250);
    operations.length = 0;
    const { removed, check } = await sweepDifferences(store.shop.domain, client);
    expect(removed).toEqual(nothing);
    // Over the copy's ids, then below a cut through them.
    expect(operations.sort()).toEqual(["CustomersCount", "CustomersCount", "OrdersCount", "OrdersCount"]);
    const [storeOrders, storeCustomers] = [store.orders.length, store.customers.length];
    expect(check).toEqual({
      ordersSince: null,
      orders: { shopify: storeOrders, copy: storeOrders },
      customers: { shopify: storeCustomers, copy: storeCustomers },
      removed: none,
      restored: none,
    });
  });

  it("copies again what the copy lost itself, reading only the ranges and records that differ, and its figures stay right", async () => {
    const shop = store.shop.domain;
    await loseFromCopy(shop, Math.floor(store.orders.length / 3), Math.floor(store.customers.length / 3));
    expect(await storedOrders(prisma, shop)).not.toEqual(expectedOrders(store));

    operations.length = 0;
    const { removed, check } = await sweepDifferences(shop, client);
    expect({ removed, restored: check.restored }).toEqual({ removed: nothing, restored: { orders: 1, customers: 1 } });
    expect(check.orders).toEqual({ shopify: store.orders.length, copy: store.orders.length });
    expect(check.customers).toEqual({ shopify: store.customers.length, copy: store.customers.length });
    expect(await storedOrders(prisma, shop)).toEqual(expectedOrders(store));
    expect(await storedCustomers(prisma, shop)).toEqual(expectedCustomers(store));
    // The pages' figures, from the rollups, equal their references over the store's own orders.
    const { salesOverview } = await import("#app/metrics/sales.server");
    const { salesReport } = await import("#app/metrics/sales");
    const { retentionOverview } = await import("#app/metrics/retention.server");
    const { retentionReport } = await import("#app/metrics/retention");
    const { getMetricSettings } = await import("#app/metrics/settings.server");
    const now = new Date(Date.now() + 86_400_000);
    const context = { timeZone: store.shop.ianaTimezone, currency: store.shop.currencyCode, now, settings: await getMetricSettings(shop) };
    const range = { from: "2023-01-01", to: "2027-01-01" };
    expect(await salesOverview(shop, { range, granularity: "month" }, { now })).toEqual(salesReport(truthMetricRows(store), { range, granularity: "month" }, context));
    expect(await retentionOverview(shop, { range }, { now })).toEqual(retentionReport(truthMetricRows(store), { range }, context));
    // The ranges that held them were listed, and each record was read by its id alone.
    expect(operations.filter((name) => name === "OrdersUpdatedSince")).toHaveLength(1);
    expect(operations.filter((name) => name === "CustomersUpdatedSince")).toHaveLength(1);
    expect(operations).toContain("OrderIds");
    expect(operations).toContain("CustomerIds");

    // Nothing more to find.
    expect(await sweepDifferences(shop, client)).toMatchObject({ removed: nothing, check: { removed: none, restored: none } });
  });

  it("leaves a copy short of more than it copies to Sync now, whose full copy mends it", async () => {
    const shop = store.shop.domain;
    const jobs = await import("#app/jobs/shop-jobs.server");
    const { syncKindFor } = await import("#app/jobs/requests.server");
    const { recordShopifyCheck } = await import("./sync-state.server");
    await loseFromCopy(shop, Math.floor(store.orders.length / 4), Math.floor(store.customers.length / 4));
    await loseFromCopy(shop, Math.floor(store.orders.length / 2), Math.floor(store.customers.length / 2));

    operations.length = 0;
    const { removed, check } = await sweepDifferences(shop, client, { copiesAtMost: 1 });
    expect({ removed, restored: check.restored }).toEqual({ removed: nothing, restored: none });
    expect(check.orders).toEqual({ shopify: store.orders.length, copy: store.orders.length - 2 });
    expect(check.customers).toEqual({ shopify: store.customers.length, copy: store.customers.length - 2 });
    // Short by more than it copies, it still looks for deletions, but reads no record.
    expect(operations.filter((name) => /UpdatedSince/.test(name))).toEqual([]);

    // Recorded as the reconciliation records it, the difference makes "Sync now" a full copy, and that mends it.
    await recordShopifyCheck(shop, check, new Date());
    const state = await prisma.syncState.findUniqueOrThrow({ where: { shop } });
    expect([state.shopifyOrders! - state.copiedOrders!, state.shopifyCustomers! - state.copiedCustomers!]).toEqual([2, 2]);
    expect(await syncKindFor(shop)).toBe("backfill");
    await jobs.runShopJob({ shop, kind: "backfill" });
    expect(await storedOrders(prisma, shop)).toEqual(expectedOrders(store));
    expect(await storedCustomers(prisma, shop)).toEqual(expectedCustomers(store));
    expect(await syncKindFor(shop)).toBe("sync");
  });

  it("finds deleted orders, deleted and merged customers, and removes exactly those", async () => {
    const shop = store.shop.domain;
    // A customer without orders, copied, then deleted.
    const lonely = createCustomer(store, { at: at() }).customer;
    await (await import("#app/jobs/shop-jobs.server")).runShopJob({ shop, kind: "reconcile" });
    expect(await prisma.customer.count({ where: { shop, id: BigInt(lonely.id) } })).toBe(1);

    const live = store.orders.filter((o) => o.customerId !== null);
    const gone = [live[3], live[Math.floor(live.length / 2)], live[live.length - 2]].map((o) => o.id);
    for (const orderId of gone) deleteOrder(store, { orderId, at: at() });
    deleteCustomer(store, { customerId: lonely.id, at: at() });
    const withOrders = [...new Set(store.orders.map((o) => o.customerId).filter((id): id is number => id !== null))];
    const [keptId, mergedId] = [withOrders[0], withOrders[withOrders.length - 1]];
    const movedOrders = store.orders.filter((o) => o.customerId === mergedId).map((o) => BigInt(o.id));
    mergeCustomers(store, { keptId, deletedId: mergedId, at: at() });

    // The scheduled reconciliation, with no webhook applied.
    const started = new Date();
    await (await import("#app/jobs/shop-jobs.server")).runShopJob({ shop, kind: "reconcile" });
    const state = await prisma.syncState.findUniqueOrThrow({ where: { shop } });
    expect({ status: state.status, error: state.error }).toEqual({ status: "succeeded", error: null });
    // What it compared, once the removals were made: the same on both sides, as the Data sync page says.
    expect(state.checkedAt!.getTime()).toBeGreaterThanOrEqual(started.getTime());
    expect(state.checkedSince).toBeNull();
    expect([state.shopifyOrders, state.copiedOrders]).toEqual([store.orders.length, store.orders.length]);
    expect([state.shopifyCustomers, state.copiedCustomers]).toEqual([store.customers.length, store.customers.length]);
    // And what it removed first: the deleted orders, the deleted customer and the one merged away.
    expect([state.removedOrders, state.removedCustomers, state.restoredOrders, state.restoredCustomers]).toEqual([gone.length, 2, 0, 0]);

    expect(await storedDeletedOrderIds(prisma, shop)).toEqual(gone.map(BigInt).sort((a, b) => (a < b ? -1 : 1)));
    expect(await storedOrders(prisma, shop)).toEqual(expectedOrders(store));
    expect(await storedCustomers(prisma, shop)).toEqual(expectedCustomers(store));
    const moved = await prisma.order.findMany({ where: { shop, id: { in: movedOrders } }, select: { customerId: true } });
    expect(moved.map((o) => o.customerId)).toEqual(movedOrders.map(() => BigInt(keptId)));
    // A tombstone remembers each removal, so a late delivery cannot bring a record back.
    expect(await prisma.deletedRecord.count({ where: { shop } })).toBe(gone.length + 2);

    // Nothing more to find.
    expect(await sweepDifferences(shop, client)).toMatchObject({ removed: nothing, check: { removed: none, restored: none } });
  });

  it("finds a deletion and a lost record that balance each other, on the first run whose cut falls between them", async () => {
    const shop = store.shop.domain;
    const ids = store.orders.map((o) => BigInt(o.id)).sort((a, b) => (a < b ? -1 : 1));
    // Deleted in Shopify a fifth of the way through the ids, no webhook said so; lost from the copy four fifths through.
    const [deleted, lost] = [ids[Math.floor(ids.length / 5)], ids[Math.floor((ids.length * 4) / 5)]];
    deleteOrder(store, { orderId: Number(deleted), at: at() });
    await prisma.order.delete({ where: { shop_id: { shop, id: lost } } });
    const copyOrders = await prisma.order.count({ where: { shop, deletedAt: null } });
    expect(copyOrders).toBe(store.orders.length);

    // A cut above both: the part below it balances too, and they stay.
    operations.length = 0;
    const missed = await sweepDifferences(shop, client, { cut: 0.9 });
    expect({ removed: missed.removed, restored: missed.check.restored }).toEqual({ removed: nothing, restored: none });
    expect(operations.sort()).toEqual(["CustomersCount", "CustomersCount", "OrdersCount", "OrdersCount"]);
    expect(await storedOrders(prisma, shop)).not.toEqual(expectedOrders(store));

    // A cut between them: each is found in its part, removed or copied again.
    const { removed, check } = await sweepDifferences(shop, client, { cut: 0.5 });
    expect({ removed, restored: check.restored }).toEqual({ removed: { orders: [deleted], customers: [] }, restored: { orders: 1, customers: 0 } });
    expect(check.orders).toEqual({ shopify: store.orders.length, copy: store.orders.length });
    expect(await storedOrders(prisma, shop)).toEqual(expectedOrders(store));
    expect(await storedDeletedOrderIds(prisma, shop)).toContain(deleted);
  });

  it("cuts through the whole range within a few runs: no fraction goes a day without a cut near it", async () => {
    const { cutFraction } = await import("./sweep.server");
    const cuts = Array.from({ length: 96 }, (_, run) => cutFraction(new Date(NOW.getTime() + run * 15 * 60_000))).sort((a, b) => a - b);
    expect(new Set(cuts).size).toBe(96);
    expect(cuts.every((cut) => cut >= 0 && cut < 1)).toBe(true);
    // The widest interval with no cut, wrapping around: 1.6 ÷ 96 at most, so two records a fraction
    // δ of the copy's ids apart are cut apart within about 1.6 ÷ δ runs.
    const gaps = cuts.map((cut, i) => (i === 0 ? cut + 1 - cuts[cuts.length - 1] : cut - cuts[i - 1]));
    expect(Math.max(...gaps)).toBeLessThan(1.6 / 96);
  });

  it("leaves orders brought in with import-orders alone: Shopify never had them", async () => {
    const shop = store.shop.domain;
    const { importOrders } = await import("#app/cli/import-orders.server");
    const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
    const csv = ["id,customer_id,processed_at,total", `900001,77,${day(400)},12.00`, `900002,77,${day(10)},8.50`, `900003,,${day(3)},5.00`].join("\n");
    const { Readable } = await import("node:stream");
    const summary = await importOrders(Readable.from([csv]), { shop, timeZone: store.shop.ianaTimezone, currency: store.shop.currencyCode });
    expect(summary.written).toBe(3);

    await (await import("#app/jobs/shop-jobs.server")).runShopJob({ shop, kind: "reconcile" });
    const imported = await prisma.order.findMany({ where: { shop, id: { in: [900001n, 900002n, 900003n] } }, select: { id: true, deletedAt: true, imported: true } });
    expect(imported).toEqual([900001n, 900002n, 900003n].map((id) => ({ id, deletedAt: null, imported: true })));
    expect(await prisma.deletedRecord.count({ where: { shop, id: { in: [900001n, 900002n, 900003n] } } })).toBe(0);
    // The shop's own orders are compared as before.
    await prisma.order.deleteMany({ where: { shop, imported: true } });
    expect(await storedOrders(prisma, shop)).toEqual(expectedOrders(store));
  });

  it("compares only the last 60 days of orders when the shop lacks read_all_orders", async () => {
    const shop = store.shop.domain;
    const { unauthenticated } = await import("#app/shopify.server");
    const { createAdminClient } = await import("#app/shopify/admin-client.server");
    // The store as an app without read_all_orders sees it: old orders are hidden, not deleted.
    await installOffline(simulator, shop, "read_orders,read_customers");
    await prisma.shop.update({ where: { domain: shop }, data: { scopes: "read_orders,read_customers" } });
    const limited = createAdminClient(shop, (await unauthenticated.admin(shop)).admin.graphql);
    const before = await prisma.order.count({ where: { shop, deletedAt: null } });
    const old = await prisma.order.count({ where: { shop, deletedAt: null, createdAt: { lt: new Date(Date.now() - 61 * 86_400_000) } } });
    expect(old).toBeGreaterThan(0);
    const { removed, check } = await sweepDifferences(shop, limited);
    expect({ removed, restored: check.restored }).toEqual({ removed: nothing, restored: none });
    expect(await prisma.order.count({ where: { shop, deletedAt: null } })).toBe(before);
    // Both sides counted over the same recent orders only.
    expect(check.ordersSince!.getTime()).toBeGreaterThan(Date.now() - 59 * 86_400_000);
    const recent = store.orders.filter((o) => new Date(o.createdAt) >= check.ordersSince!).length;
    expect(recent).toBeLessThan(before);
    expect(check.orders).toEqual({ shopify: recent, copy: recent });
  });
});
