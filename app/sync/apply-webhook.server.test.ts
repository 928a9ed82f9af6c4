// GIVEN a simulated store and the webhooks Shopify sends as it changes (simulator/mutations.ts),
// WHEN they are delivered to the app's routes (signed, checked by the real Shopify library) and
// the worker applies them, THEN Metryka's rows equal the simulator's ground truth; duplicates,
// reordering and deliveries under a new event id change nothing; merges, deletions and redactions
// do what the metrics spec says; and a payload that does not fit its topic changes nothing.
import { randomUUID } from "node:crypto";
import type { ActionFunctionArgs } from "@remix-run/node";
import pg from "pg";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import prisma from "#app/db.server";
import { jobQueue, QUEUES, stopJobQueue, WEBHOOK_RETRIES, type ShopJob } from "#app/jobs/queue.server";
import { refreshDailyRollups } from "#app/metrics/rollups.server";
import { action as appScopesUpdate } from "#app/routes/webhooks.app.scopes_update";
import { action as appUninstalled } from "#app/routes/webhooks.app.uninstalled";
import { action as bulkOperationsFinish } from "#app/routes/webhooks.bulk_operations.finish";
import { action as customersCreate } from "#app/routes/webhooks.customers.create";
import { action as customersDataRequest } from "#app/routes/webhooks.customers.data_request";
import { action as customersDelete } from "#app/routes/webhooks.customers.delete";
import { action as customersMerge } from "#app/routes/webhooks.customers.merge";
import { action as customersRedact } from "#app/routes/webhooks.customers.redact";
import { action as customersUpdate } from "#app/routes/webhooks.customers.update";
import { action as ordersCancelled } from "#app/routes/webhooks.orders.cancelled";
import { action as ordersCreate } from "#app/routes/webhooks.orders.create";
import { action as ordersDelete } from "#app/routes/webhooks.orders.delete";
import { action as ordersEdited } from "#app/routes/webhooks.orders.edited";
import { action as ordersUpdated } from "#app/routes/webhooks.orders.updated";
import { action as refundsCreate } from "#app/routes/webhooks.refunds.create";
import { action as shopRedact } from "#app/routes/webhooks.shop.redact";
import { action as shopUpdate } from "#app/routes/webhooks.shop.update";
import { dataRequestExport } from "#app/sync/privacy.server";
import { runShopJob } from "#app/jobs/shop-jobs.server";
import { createRandom } from "#simulator/random";
import {
  cancelOrder,
  deleteCustomer,
  mergeCustomers,
  placeOrder,
  refundOrder,
  touchOrder,
  type SimEvent,
} from "#simulator/mutations";
import { generateStore } from "#simulator/seed";
import {
  expectedOrders,
  expectedRefunds,
  storedOrders as storedOrdersOf,
  storedRefunds as storedRefundsOf,
} from "../../tests/support/truth";
import { orderDiscounts, orderGrossSales, orderRefunded, orderTotal, refundReturns, storeTotals } from "#simulator/truth";
import type { SimStore } from "#simulator/types";
import {
  customerDeletePayload,
  customersDataRequestPayload,
  customersMergePayload,
  customersRedactPayload,
  customerWebhookPayload,
  orderDeletePayload,
  orderEditedPayload,
  orderWebhookPayload,
  shopRedactPayload,
  shopWebhookPayload,
  webhookHeaders,
  type JsonObject,
} from "#simulator/webhooks";
import { truncateAll } from "../../tests/support/database";
import { drainShopJobs, processQueuedWebhooks } from "../../tests/support/jobs";
import { customerIdForEmail } from "#app/sync/personal-data";
import { holdShopLock } from "../../tests/support/rollup-lock";

const NOW = "2026-11-15T12:00:00Z";
const SHOP = "apply.myshopify.com";
const SECRET = process.env.SHOPIFY_API_SECRET!;

type Action = (args: ActionFunctionArgs) => Promise<Response>;
const ROUTES: Record<string, Action> = {
  "orders/create": ordersCreate,
  "orders/updated": ordersUpdated,
  "orders/cancelled": ordersCancelled,
  "orders/edited": ordersEdited,
  "orders/delete": ordersDelete,
  "refunds/create": refundsCreate,
  "customers/create": customersCreate,
  "customers/update": customersUpdate,
  "customers/delete": customersDelete,
  "customers/merge": customersMerge,
  "customers/data_request": customersDataRequest,
  "customers/redact": customersRedact,
  "app/uninstalled": appUninstalled,
  "app/scopes_update": appScopesUpdate,
  "shop/update": shopUpdate,
  "shop/redact": shopRedact,
  "bulk_operations/finish": bulkOperationsFinish,
};

/** One event as Shopify delivers it: same event id on every delivery of it. */
interface Delivery extends SimEvent {
  eventId: string;
}

const withIds = (events: SimEvent[]): Delivery[] => events.map((event) => ({ ...event, eventId: randomUUID() }));

async function deliver(delivery: Delivery, shop = SHOP, expected = 200): Promise<void> {
  const body = JSON.stringify(delivery.payload);
  const headers = webhookHeaders(
    { url: "", topic: delivery.topic, shopDomain: shop, payload: null, secret: SECRET, eventId: delivery.eventId, triggeredAt: delivery.triggeredAt },
    body,
  );
  const request = new Request(`https://metryka.test/webhooks/${delivery.topic}`, { method: "POST", headers, body });
  const response = await ROUTES[delivery.topic]({ request, params: {}, context: {} });
  expect(response.status, `${delivery.topic} answered ${response.status}`).toBe(expected);
}

/** Delivers every event, then lets the worker apply what was queued. */
async function deliverAll(deliveries: Delivery[], shop = SHOP): Promise<void> {
  for (const delivery of deliveries) await deliver(delivery, shop);
  await processQueuedWebhooks();
}

const event = (topic: string, payload: JsonObject, triggeredAt: string): Delivery => ({ topic, payload, triggeredAt, eventId: randomUUID() });

async function install(store: SimStore, installedAt = new Date("2026-11-15T00:00:00Z")): Promise<void> {
  await prisma.shop.create({
    data: {
      domain: store.shop.domain,
      name: store.shop.name,
      ianaTimezone: store.shop.ianaTimezone,
      currencyCode: store.shop.currencyCode,
      scopes: "read_orders,read_customers",
      installedAt,
    },
  });
  await prisma.session.create({
    data: { id: `offline_${store.shop.domain}`, shop: store.shop.domain, state: "", accessToken: "token", isOnline: false, scope: "read_orders,read_customers" },
  });
}

const newStore = (seed = 41, customers = 25) => generateStore({ seed, now: NOW, customers, domain: SHOP });

/** What Shopify would have sent while the store's history happened: its records as they are now. */
function historyEvents(store: SimStore): Delivery[] {
  return withIds([
    ...store.customers.map((c) => ({ topic: "customers/create", payload: customerWebhookPayload(c, store.shop), triggeredAt: c.updatedAt })),
    ...store.orders.map((o) => ({
      topic: "orders/create",
      payload: orderWebhookPayload(o, store.shop, store.customers.find((c) => c.id === o.customerId)),
      triggeredAt: o.updatedAt,
    })),
  ]);
}

/** A day of live changes: orders placed, refunded, cancelled, edited, deleted; customers merged and deleted. */
function liveEvents(store: SimStore): Delivery[] {
  const plain = store.orders.filter((o) => !o.test && o.refunds.length === 0 && o.cancelledAt === null && o.customerId !== null);
  const [refunded, cancelled, touched, deleted] = plain.slice(-4);
  const withOrders = [...new Set(store.orders.filter((o) => o.customerId !== null && ![refunded, cancelled, touched, deleted].includes(o)).map((o) => o.customerId as number))];
  const [kept, gone, repeat] = withOrders;
  const lonely = store.customers.find((c) => !store.orders.some((o) => o.customerId === c.id));
  const events: SimEvent[] = [];
  const placed = placeOrder(store, { at: "2026-11-16T09:00:00Z", customerId: "new", seed: 1 });
  events.push(...placed.events);
  events.push(...placeOrder(store, { at: "2026-11-16T09:10:00Z", customerId: repeat, seed: 2 }).events);
  events.push(...placeOrder(store, { at: "2026-11-16T09:20:00Z", customerId: null, seed: 3 }).events);
  events.push(...refundOrder(store, { orderId: refunded.id, at: "2026-11-16T10:00:00Z", kind: "partial", seed: 4 }).events);
  events.push(...refundOrder(store, { orderId: placed.order.id, at: "2026-11-16T10:30:00Z", kind: "full", seed: 5 }).events);
  events.push(...cancelOrder(store, { orderId: cancelled.id, at: "2026-11-16T11:00:00Z" }).events);
  events.push(...touchOrder(store, { orderId: touched.id, at: "2026-11-16T11:30:00Z", tag: "gift" }).events);
  // Edited, then deleted: the edit's orders/updated may arrive after the deletion.
  events.push(...touchOrder(store, { orderId: deleted.id, at: "2026-11-16T11:40:00Z", tag: "fraud" }).events);
  store.orders = store.orders.filter((o) => o.id !== deleted.id);
  store.deletedOrders.push({ id: deleted.id, deletedAt: "2026-11-16T12:00:00Z" });
  events.push({ topic: "orders/delete", payload: orderDeletePayload(deleted.id), triggeredAt: "2026-11-16T12:00:00Z" });
  events.push(...mergeCustomers(store, { keptId: kept, deletedId: gone, at: "2026-11-16T13:00:00Z" }).events);
  if (lonely) events.push(...deleteCustomer(store, { customerId: lonely.id, at: "2026-11-16T14:00:00Z" }).events);
  return withIds(events);
}

// ---------------------------------------------------------------------------------------------
// Reading back

const omitSynced = <T extends { syncedAt: Date }>(rows: T[]) => rows.map(({ syncedAt: _, ...rest }) => rest);

async function snapshot(shop = SHOP) {
  return {
    orders: omitSynced(await prisma.order.findMany({ where: { shop }, orderBy: { id: "asc" } })),
    lineItems: await prisma.orderLineItem.findMany({ where: { shop }, orderBy: { id: "asc" } }),
    refunds: await prisma.refund.findMany({ where: { shop }, orderBy: { id: "asc" } }),
    refundLineItems: await prisma.refundLineItem.findMany({ where: { shop }, orderBy: { id: "asc" } }),
    customers: omitSynced(await prisma.customer.findMany({ where: { shop }, orderBy: { id: "asc" } })),
    dailySales: await prisma.dailySales.findMany({
      where: { shop },
      orderBy: [{ day: "asc" }, { currencyCode: "asc" }, { cancelled: "asc" }, { guest: "asc" }, { firstOrder: "asc" }, { firstUncancelledOrder: "asc" }],
    }),
    totals: await prisma.customerTotal.findMany({ where: { shop }, orderBy: [{ retentionIncludeCancelled: "asc" }, { customerId: "asc" }] }),
    cohortDays: await prisma.cohortDay.findMany({
      where: { shop },
      orderBy: [{ retentionIncludeCancelled: "asc" }, { cohortIncludeZeroValue: "asc" }, { day: "asc" }],
    }),
    deleted: await prisma.deletedRecord.findMany({ where: { shop }, orderBy: [{ resource: "asc" }, { id: "asc" }] }),
  };
}

const storedOrders = () => storedOrdersOf(prisma, SHOP);
const storedRefunds = () => storedRefundsOf(prisma, SHOP);

/** Σ of the daily rollups per currency, as storeTotals sums the same orders. */
async function rollupTotals(shop = SHOP) {
  const rows = await prisma.dailySales.groupBy({
    by: ["currencyCode"],
    where: { shop },
    _sum: { orders: true, grossSales: true, discounts: true, returnsByRefundDate: true, returnsByOrderDate: true },
  });
  return Object.fromEntries(
    rows.map((r) => [
      r.currencyCode,
      {
        orders: r._sum.orders,
        grossSales: Number(r._sum.grossSales),
        discounts: Number(r._sum.discounts),
        returns: Number(r._sum.returnsByRefundDate),
        returnsByOrderDate: Number(r._sum.returnsByOrderDate),
      },
    ]),
  );
}

function expectedRollupTotals(store: SimStore) {
  return Object.fromEntries(
    Object.entries(storeTotals(store).byCurrency).map(([currency, t]) => [
      currency,
      { orders: t.orders, grossSales: t.grossSales, discounts: t.discounts, returns: t.returns, returnsByOrderDate: t.returns },
    ]),
  );
}

const recorded = (shop = SHOP) =>
  prisma.webhookEvent.findMany({ where: { shop }, orderBy: { receivedAt: "asc" }, select: { topic: true, processedAt: true, error: true } });

beforeEach(async () => {
  await truncateAll();
  await drainShopJobs();
});
afterAll(() => stopJobQueue());

// ---------------------------------------------------------------------------------------------

describe("a store's history and a day of changes, by webhook", () => {
  it("stores exactly the simulator's orders, refunds, customers and rollups", async () => {
    const store = newStore();
    await install(store);
    const history = historyEvents(store);
    const live = liveEvents(store);
    expect(new Set(live.map((e) => e.topic))).toEqual(
      new Set(["customers/create", "orders/create", "customers/update", "refunds/create", "orders/updated", "orders/cancelled", "orders/delete", "customers/merge", "customers/delete"]),
    );
    await deliverAll([...history, ...live]);

    expect((await recorded()).filter((e) => e.processedAt === null || e.error !== null)).toEqual([]);
    expect(await storedOrders()).toEqual(expectedOrders(store));
    expect(await storedRefunds()).toEqual(expectedRefunds(store));
    expect(await prisma.orderLineItem.count({ where: { shop: SHOP } })).toBe(
      [...store.orders].reduce((n, o) => n + o.lineItems.length, 0) + (await deletedOrderLineItems(store)),
    );
    expect(await prisma.customer.findMany({ where: { shop: SHOP }, orderBy: { id: "asc" }, select: { id: true, createdAt: true, updatedAt: true } })).toEqual(
      store.customers
        .map((c) => ({ id: BigInt(c.id), createdAt: new Date(c.createdAt), updatedAt: new Date(c.updatedAt) }))
        .sort((a, b) => (a.id < b.id ? -1 : 1)),
    );
    const deleted = await prisma.order.findMany({ where: { shop: SHOP, deletedAt: { not: null } }, select: { id: true, deletedAt: true } });
    expect(deleted).toEqual(store.deletedOrders.map((d) => ({ id: BigInt(d.id), deletedAt: new Date(d.deletedAt) })));
    // The dashboard's rollups were kept up to date, event by event.
    expect(await rollupTotals()).toEqual(expectedRollupTotals(store));
    const before = await snapshot();
    await refreshDailyRollups(SHOP);
    const rebuilt = await snapshot();
    expect(rebuilt.dailySales).toEqual(before.dailySales);
    expect(rebuilt.totals).toEqual(before.totals);
    expect(rebuilt.cohortDays).toEqual(before.cohortDays);
  });

  it("ends with the same rows whatever the order, with duplicates and events delivered twice", async () => {
    const inOrder = newStore(42, 12);
    const deliveries = [...historyEvents(inOrder), ...liveEvents(inOrder)];
    expect(deliveries.map((d) => d.topic)).toEqual(expect.arrayContaining(["refunds/create", "orders/cancelled", "orders/delete", "customers/merge", "customers/delete"]));
    await install(inOrder);
    await deliverAll(deliveries);
    const expected = await snapshot();

    await truncateAll();
    await install(inOrder);
    const rng = createRandom(7);
    const chaotic: Delivery[] = [];
    for (const delivery of deliveries) {
      chaotic.push(delivery);
      if (rng.chance(0.2)) chaotic.push(delivery); // a duplicate delivery: same event id
      if (rng.chance(0.1)) chaotic.push({ ...delivery, eventId: randomUUID() }); // the same change, sent again as another event
    }
    await deliverAll(rng.shuffle(chaotic));
    expect(await snapshot()).toEqual(expected);
    expect(chaotic.length).toBeGreaterThan(deliveries.length);
  });
});

async function deletedOrderLineItems(store: SimStore) {
  return prisma.orderLineItem.count({ where: { shop: SHOP, orderId: { in: store.deletedOrders.map((d) => BigInt(d.id)) } } });
}

interface Rebuilding {
  /** Whether `delivering` was applied while the lock is held (within 30 s): "applied" or "still waiting". */
  applied(delivering: Promise<void>): Promise<string>;
  /** Returns once a refresh waits for the lock. */
  refreshWaits(): Promise<void>;
  /**
   * Ends the rebuild; once `delivering` is applied, every event is, the rollups changed since
   * `before`, and they are what a rebuild gives.
   */
  refreshedOnRelease(delivering: Promise<void>, before: Awaited<ReturnType<typeof snapshot>>): Promise<void>;
}

/** Runs `work` while another process rebuilds the shop's rollups, holding the shop's lock. */
async function whileRebuilding(work: (rebuild: Rebuilding) => Promise<void>): Promise<void> {
  const rebuilder = new pg.Client({ connectionString: process.env.DATABASE_URL! });
  await rebuilder.connect();
  let released = false;
  const release = async () => {
    if (!released) await rebuilder.query("COMMIT");
    released = true;
  };
  const waitingForTheLock = async () =>
    (await prisma.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)[0].n;
  try {
    await rebuilder.query("BEGIN");
    await holdShopLock(rebuilder, SHOP);
    await work({
      applied: (delivering) =>
        Promise.race([delivering.then(() => "applied"), new Promise<string>((resolve) => setTimeout(resolve, 30_000, "still waiting"))]),
      refreshWaits: () => vi.waitFor(async () => expect(await waitingForTheLock()).toBe(1), { timeout: 30_000, interval: 50 }),
      refreshedOnRelease: async (delivering, before) => {
        await release();
        await delivering;
        expect((await recorded()).filter((e) => e.processedAt === null || e.error !== null)).toEqual([]);
        const refreshed = await snapshot();
        expect(refreshed.dailySales).not.toEqual(before.dailySales);
        await refreshDailyRollups(SHOP);
        expect(await snapshot()).toEqual(refreshed);
      },
    });
  } finally {
    await release();
    await rebuilder.end();
  }
}

describe("orders and refunds", () => {
  it("keeps a refund that arrives before its order, and counts it once the order comes", async () => {
    const store = newStore();
    await install(store);
    const placed = placeOrder(store, { at: "2026-11-16T09:00:00Z", customerId: null, seed: 11 });
    const created = withIds(placed.events);
    const refunded = withIds(refundOrder(store, { orderId: placed.order.id, at: "2026-11-17T09:00:00Z", kind: "partial", seed: 12 }).events);
    const [refundCreated, orderUpdated] = refunded;
    expect(refundCreated.topic).toBe("refunds/create");

    await deliverAll([refundCreated]);
    expect(await prisma.refund.count({ where: { shop: SHOP } })).toBe(1);
    expect(await prisma.order.count({ where: { shop: SHOP } })).toBe(0);
    // The order as it was before the refund; the orders/updated that followed the refund is lost.
    await deliverAll(created);
    const order = (await storedOrders()).find((o) => o.id === BigInt(placed.order.id));
    // Everything as Shopify has it now, but the version: the order as it was when created.
    expect(order).toEqual({ ...expectedOrders(store).find((o) => o.id === BigInt(placed.order.id)), updatedAt: new Date("2026-11-16T09:00:00Z") });
    expect(order?.totalRefunded).toBe(BigInt(orderRefunded(placed.order)));
    expect(order?.totalRefunded).toBeGreaterThan(0n);
    expect(await storedRefunds()).toEqual(expectedRefunds(store).filter((r) => r.orderId === BigInt(placed.order.id)));
    expect(await rollupTotals()).toEqual({
      [store.shop.currencyCode]: {
        orders: 1,
        grossSales: orderGrossSales(placed.order),
        discounts: orderDiscounts(placed.order),
        returns: refundReturns(placed.order.refunds[0]),
        returnsByOrderDate: refundReturns(placed.order.refunds[0]),
      },
    });
    // The orders/updated that followed, delivered after all: the newer version, nothing else moves.
    const settled = await snapshot();
    await deliverAll([orderUpdated]);
    const after = await snapshot();
    expect(after.orders.map((o) => o.updatedAt)).toEqual([new Date("2026-11-17T09:00:00Z")]);
    expect({ ...after, orders: after.orders.map((o) => ({ ...o, updatedAt: null })) }).toEqual({
      ...settled,
      orders: settled.orders.map((o) => ({ ...o, updatedAt: null })),
    });
    expect(await storedOrders()).toEqual(expectedOrders(store).filter((o) => o.id === BigInt(placed.order.id)));
  });

  it("a burst is written together, a shop's orders in one write and its refunds in another: the same rows and rollups as one at a time", async () => {
    const inTurn = newStore(43, 15);
    const deliveries = [...historyEvents(inTurn), ...liveEvents(inTurn)];
    await install(inTurn);
    for (const delivery of deliveries) await deliverAll([delivery]);
    const oneAtATime = await snapshot();
    const appliedAt = async (topic: string) =>
      new Set((await prisma.webhookEvent.findMany({ where: { shop: SHOP, topic }, select: { processedAt: true } })).map((e) => e.processedAt?.getTime()));
    // One at a time, each event is marked applied as it is written.
    expect((await appliedAt("orders/create")).size).toBeGreaterThan(1);

    await truncateAll();
    await install(inTurn);
    // Delivered at once, recorded together (a job for each transaction of the intake's), and
    // taken by the worker in one batch.
    await Promise.all(deliveries.map((delivery) => deliver(delivery)));
    await processQueuedWebhooks();
    expect((await recorded()).filter((e) => e.processedAt === null || e.error !== null)).toEqual([]);
    expect(await snapshot()).toEqual(oneAtATime);
    // Every order event was written in one write, and every refund in another, each marked
    // applied after it (the live orders/updated and orders/cancelled are in the orders' write).
    const ordersAt = await appliedAt("orders/create");
    expect(ordersAt.size).toBe(1);
    expect(await appliedAt("orders/updated")).toEqual(ordersAt);
    expect(await appliedAt("orders/cancelled")).toEqual(ordersAt);
    const refundsAt = await appliedAt("refunds/create");
    expect(refundsAt.size).toBe(1);
    expect(refundsAt).not.toEqual(ordersAt);
    expect(await storedOrders()).toEqual(expectedOrders(inTurn));
    expect(await storedRefunds()).toEqual(expectedRefunds(inTurn));
    // The rollups are those of a rebuild.
    await refreshDailyRollups(SHOP);
    expect(await snapshot()).toEqual(oneAtATime);
  });

  it("an orders/updated that changes nothing the rollups read (a tag) is applied without waiting for a rebuild; a cancellation waits for it, then refreshes them", async () => {
    const store = newStore(44, 12);
    await install(store);
    await deliverAll(historyEvents(store));
    const [tagged, cancelled] = store.orders.filter((o) => !o.test && o.cancelledAt === null && o.customerId !== null).slice(-2);
    const stored = (id: number) => prisma.order.findUniqueOrThrow({ where: { shop_id: { shop: SHOP, id: BigInt(id) } } });
    await whileRebuilding(async ({ applied, refreshWaits, refreshedOnRelease }) => {
      const before = await snapshot();

      // The tag: stored, and applied, while the lock is still held.
      expect(await applied(deliverAll(withIds(touchOrder(store, { orderId: tagged.id, at: "2026-11-16T11:30:00Z", tag: "gift" }).events)))).toBe("applied");
      expect((await stored(tagged.id)).updatedAt).toEqual(new Date("2026-11-16T11:30:00Z"));
      expect((await recorded()).filter((e) => e.processedAt === null || e.error !== null)).toEqual([]);
      const { orders: _, ...rollupsBefore } = before;
      const { orders: __, ...rollupsAfterTag } = await snapshot();
      expect(rollupsAfterTag).toEqual(rollupsBefore);

      // The cancellation: its order is written, and its rollups wait for the lock.
      const cancelling = deliverAll(withIds(cancelOrder(store, { orderId: cancelled.id, at: "2026-11-16T12:00:00Z" }).events));
      await refreshWaits();
      expect((await stored(cancelled.id)).cancelledAt).toEqual(new Date("2026-11-16T12:00:00Z"));
      await refreshedOnRelease(cancelling, before);
    });
  });

  it("a refunds/create delivered again under a new event id is applied without waiting for a rebuild; a new refund waits for it, then refreshes them", async () => {
    const store = newStore(45, 12);
    await install(store);
    await deliverAll(historyEvents(store));
    const [first, second] = store.orders.filter((o) => !o.test && o.cancelledAt === null && o.refunds.length === 0 && o.customerId !== null).slice(-2);
    const refundsCreated = (events: SimEvent[]) => withIds(events.filter((e) => e.topic === "refunds/create"));
    const [refund] = refundsCreated(refundOrder(store, { orderId: first.id, at: "2026-11-16T10:00:00Z", kind: "partial", seed: 21 }).events);
    await deliverAll([refund]);
    await whileRebuilding(async ({ applied, refreshWaits, refreshedOnRelease }) => {
      const before = await snapshot();

      // The same refund again, as Shopify may send it: applied while the lock is still held.
      expect(await applied(deliverAll([{ ...refund, eventId: randomUUID() }]))).toBe("applied");
      expect((await recorded()).filter((e) => e.processedAt === null || e.error !== null)).toEqual([]);
      expect(await snapshot()).toEqual(before);

      // A new refund: stored, and its order's rollups wait for the lock.
      const [another] = refundsCreated(refundOrder(store, { orderId: second.id, at: "2026-11-16T11:00:00Z", kind: "full", seed: 22 }).events);
      const refunding = deliverAll([another]);
      await refreshWaits();
      expect(await prisma.refund.count({ where: { shop: SHOP, orderId: BigInt(second.id) } })).toBe(1);
      await refreshedOnRelease(refunding, before);
    });
  });

  it("ignores an orders/updated older than the stored order", async () => {
    const store = newStore();
    await install(store);
    const placed = placeOrder(store, { at: "2026-11-16T09:00:00Z", customerId: null, seed: 13 });
    const created = withIds(placed.events);
    const cancelled = withIds(cancelOrder(store, { orderId: placed.order.id, at: "2026-11-16T10:00:00Z" }).events);
    await deliverAll(cancelled);
    const after = await snapshot();
    expect(after.orders[0].cancelledAt).toEqual(new Date("2026-11-16T10:00:00Z"));
    await deliverAll(created);
    expect(await snapshot()).toEqual(after);
  });

  it("orders/delete marks the order deleted once, for good: not counted, not revived by a late update", async () => {
    const store = newStore();
    await install(store);
    const [a, b] = store.orders.filter((o) => !o.test && o.customerId !== null).slice(-2);
    const createA = event("orders/create", orderWebhookPayload(a, store.shop), a.updatedAt);
    const touchedA = withIds(touchOrder(store, { orderId: a.id, at: "2026-11-16T09:00:00Z", tag: "late" }).events);
    const deleteA = event("orders/delete", orderDeletePayload(a.id), "2026-11-16T10:00:00Z");
    await deliverAll([createA, deleteA]);
    const deleted = await prisma.order.findUniqueOrThrow({ where: { shop_id: { shop: SHOP, id: BigInt(a.id) } } });
    expect(deleted.deletedAt).toEqual(new Date("2026-11-16T10:00:00Z"));
    expect(await rollupTotals()).toEqual({});
    expect(await prisma.customerTotal.count({ where: { shop: SHOP } })).toBe(0);
    expect(await prisma.cohortDay.count({ where: { shop: SHOP } })).toBe(0);

    // Again (as another event), and the edit sent before the deletion arriving after it.
    await deliverAll([{ ...deleteA, eventId: randomUUID(), triggeredAt: "2026-11-16T11:00:00Z" }, ...touchedA]);
    const after = await prisma.order.findUniqueOrThrow({ where: { shop_id: { shop: SHOP, id: BigInt(a.id) } } });
    expect({ deletedAt: after.deletedAt, updatedAt: after.updatedAt }).toEqual({ deletedAt: deleted.deletedAt, updatedAt: new Date("2026-11-16T09:00:00Z") });
    expect(await rollupTotals()).toEqual({});

    // Deleted before the app ever stored it.
    await deliverAll([event("orders/delete", orderDeletePayload(b.id), "2026-11-16T12:00:00Z"), event("orders/create", orderWebhookPayload(b, store.shop), b.updatedAt)]);
    const lateB = await prisma.order.findUniqueOrThrow({ where: { shop_id: { shop: SHOP, id: BigInt(b.id) } } });
    expect(lateB.deletedAt).toEqual(new Date("2026-11-16T12:00:00Z"));
    expect(await rollupTotals()).toEqual({});
  });

  it("orders/edited asks for the order to be read again (a sync job)", async () => {
    const store = newStore();
    await install(store);
    const order = store.orders[0];
    const edited = event("orders/edited", orderEditedPayload(order.id), "2026-11-16T15:00:00Z");
    await deliverAll([edited]);
    expect(await drainShopJobs()).toEqual([{ shop: SHOP, kind: "sync" }]);
    expect(await prisma.order.count()).toBe(0);
  });

  it("bulk_operations/finish queues again a backfill that stopped waiting on that operation, and nothing else", async () => {
    const store = newStore();
    await install(store);
    const finished = (id: number, at: string) =>
      event(
        "bulk_operations/finish",
        { admin_graphql_api_id: `gid://shopify/BulkOperation/${id}`, completed_at: at, created_at: at, error_code: null, status: "completed", type: "query" },
        at,
      );
    const { markRunFailed, startRun, SyncRunKind } = await import("#app/sync/sync-state.server");
    // A running backfill waits on operation 5: it sees the event recorded, no job is needed.
    await startRun(SHOP, SyncRunKind.backfill, new Date("2026-11-16T14:00:00Z"), { orders: "gid://shopify/BulkOperation/5", customers: null });
    await deliverAll([finished(5, "2026-11-16T15:00:00Z")]);
    expect(await drainShopJobs()).toEqual([]);
    // The backfill stopped (it failed): the end of its operation queues it again.
    await markRunFailed(SHOP, new Error("timed out"));
    await deliverAll([finished(5, "2026-11-16T15:01:00Z")]);
    expect(await drainShopJobs()).toEqual([{ shop: SHOP, kind: "backfill" }]);
    // An operation no backfill recorded changes nothing.
    await deliverAll([finished(6, "2026-11-16T15:02:00Z")]);
    expect(await drainShopJobs()).toEqual([]);
  });
});

describe("customers", () => {
  /** The store's history for a few customers (and a few guests), delivered. */
  async function storeHistory() {
    const store = newStore();
    await install(store);
    const withOrders = (id: number) => store.orders.filter((o) => o.customerId === id && !o.test);
    const some = store.customers.filter((c) => withOrders(c.id).length > 1).slice(0, 4).map((c) => c.id);
    const guests = store.orders.filter((o) => o.customerId === null).slice(0, 3);
    await deliverAll(
      historyEvents(store).filter(
        (e) =>
          (e.topic === "customers/create" && some.includes(e.payload.id as number)) ||
          (e.topic === "orders/create" && (some.includes((e.payload.customer as { id?: number } | null)?.id ?? -1) || guests.some((o) => o.id === e.payload.id))),
      ),
    );
    const [kept, gone] = some.map((id) => store.customers.find((c) => c.id === id)!);
    return { store, kept, gone, withOrders, delivered: (o: { customerId: number | null; id: number }) => some.includes(o.customerId ?? -1) || guests.some((g) => g.id === o.id) };
  }

  const customerOf = async (orderId: number) =>
    (await prisma.order.findUniqueOrThrow({ where: { shop_id: { shop: SHOP, id: BigInt(orderId) } } })).customerId;

  it("customers/merge moves the merged customer's orders to the kept one and removes the merged one, for good", async () => {
    const { store, kept, gone, withOrders } = await storeHistory();
    const moved = withOrders(gone.id);
    const goneCustomer = event("customers/update", customerWebhookPayload(gone, store.shop), gone.updatedAt);
    const beforeTotals = await rollupTotals();
    // Only the merge arrives (the orders/updated Shopify sends for each moved order are lost).
    await deliverAll([event("customers/merge", customersMergePayload(kept.id, gone.id), "2026-11-16T13:00:00Z")]);
    for (const order of moved) expect(await customerOf(order.id)).toBe(BigInt(kept.id));
    expect(await prisma.customer.findUnique({ where: { shop_id: { shop: SHOP, id: BigInt(gone.id) } } })).toBeNull();
    const first = [...withOrders(kept.id), ...moved].map((o) => o.processedAt).sort()[0];
    expect(
      await prisma.customerTotal.findMany({
        where: { shop: SHOP, retentionIncludeCancelled: true, customerId: { in: [BigInt(kept.id), BigInt(gone.id)] } },
        select: { customerId: true, firstOrderAt: true },
      }),
    ).toEqual([
      { customerId: BigInt(kept.id), firstOrderAt: new Date(first) },
    ]);
    expect(await rollupTotals()).toEqual(beforeTotals);

    // Late deliveries about the merged customer: an old update, an order not stored yet.
    const late = placeOrder(store, { at: "2026-11-16T12:00:00Z", customerId: gone.id, seed: 21 });
    await deliverAll([goneCustomer, ...withIds(late.events.filter((e) => e.topic === "orders/create"))]);
    expect(await prisma.customer.findUnique({ where: { shop_id: { shop: SHOP, id: BigInt(gone.id) } } })).toBeNull();
    expect(await customerOf(late.order.id)).toBe(BigInt(kept.id));
  });

  it("customers/delete removes the customer and leaves their orders as guests' amounts", async () => {
    const { store, gone, withOrders, delivered } = await storeHistory();
    const orders = withOrders(gone.id);
    const beforeTotals = await rollupTotals();
    const guestOrders = await prisma.dailySales.aggregate({ where: { shop: SHOP, guest: true }, _sum: { orders: true } });
    await deliverAll([event("customers/delete", customerDeletePayload(gone.id), "2026-11-16T13:00:00Z")]);
    expect(await prisma.customer.findUnique({ where: { shop_id: { shop: SHOP, id: BigInt(gone.id) } } })).toBeNull();
    for (const order of orders) expect(await customerOf(order.id)).toBeNull();
    expect(await storedOrders()).toEqual(
      expectedOrders({ ...store, orders: store.orders.filter(delivered) }).map((o) => (o.customerId === BigInt(gone.id) ? { ...o, customerId: null } : o)),
    );
    expect(await rollupTotals()).toEqual(beforeTotals);
    const guestAfter = await prisma.dailySales.aggregate({ where: { shop: SHOP, guest: true }, _sum: { orders: true } });
    expect(guestAfter._sum.orders).toBe((guestOrders._sum.orders ?? 0) + orders.length);
    expect(await prisma.customerTotal.count({ where: { shop: SHOP, customerId: BigInt(gone.id) } })).toBe(0);
  });

  it("customers/data_request stores what the app holds on the customer: ids, dates, amounts", async () => {
    const { store, kept, withOrders } = await storeHistory();
    const payload = customersDataRequestPayload({ shop: store.shop, customer: kept, ordersRequested: withOrders(kept.id).map((o) => o.id), dataRequestId: 9001 });
    await deliverAll([event("customers/data_request", payload, "2026-11-16T13:00:00Z")]);
    const exported = await dataRequestExport(SHOP, 9001);
    expect(exported?.customerId).toBe(BigInt(kept.id));
    const contents = exported?.contents as { customerId: string; orders: Array<{ id: string; processedAt: string; totalPrice: string; grossSales: string }> };
    expect(contents.customerId).toBe(String(kept.id));
    expect(contents.orders.map((o) => [o.id, o.processedAt, o.totalPrice, o.grossSales])).toEqual(
      store.orders
        .filter((o) => o.customerId === kept.id)
        .sort((a, b) => a.id - b.id)
        .map((o) => [String(o.id), new Date(o.processedAt).toISOString(), String(orderTotal(o)), String(orderGrossSales(o))]),
    );
    expect(JSON.stringify(contents)).not.toContain(kept.email);
    expect(await dataRequestExport(SHOP, 404)).toBeNull();
  });

  it("customers/redact erases the customer and their exports; their orders stay as anonymous amounts; a late update cannot bring them back", async () => {
    const { store, kept, gone, withOrders } = await storeHistory();
    const request = customersDataRequestPayload({ shop: store.shop, customer: gone, ordersRequested: [], dataRequestId: 77 });
    await deliverAll([event("customers/data_request", request, "2026-11-16T12:00:00Z")]);
    expect(await dataRequestExport(SHOP, 77)).not.toBeNull();
    const beforeTotals = await rollupTotals();
    const redact = customersRedactPayload({ shop: store.shop, customer: gone, ordersToRedact: withOrders(gone.id).map((o) => o.id) });
    await deliverAll([event("customers/redact", redact, "2026-11-16T13:00:00Z")]);
    expect(await prisma.customer.findUnique({ where: { shop_id: { shop: SHOP, id: BigInt(gone.id) } } })).toBeNull();
    expect(await prisma.order.count({ where: { shop: SHOP, customerId: BigInt(gone.id) } })).toBe(0);
    expect(await dataRequestExport(SHOP, 77)).toBeNull();
    expect(await rollupTotals()).toEqual(beforeTotals);
    await deliverAll([event("customers/update", customerWebhookPayload(gone, store.shop), "2026-11-16T14:00:00Z")]);
    expect(await prisma.customer.findUnique({ where: { shop_id: { shop: SHOP, id: BigInt(gone.id) } } })).toBeNull();
    // Other customers untouched.
    expect(await customerOf(withOrders(kept.id)[0].id)).toBe(BigInt(kept.id));
  });
});

describe("privacy requests, done completely", () => {
  /** Rows that still name one of these customers, table by table. */
  async function rowsNaming(customerIds: bigint[]) {
    const named = { customerId: { in: customerIds } };
    return {
      customers: await prisma.customer.count({ where: { shop: SHOP, id: { in: customerIds } } }),
      orders: await prisma.order.count({ where: { shop: SHOP, ...named } }),
      totals: await prisma.customerTotal.count({ where: { shop: SHOP, ...named } }),
      months: await prisma.customerMonth.count({ where: { shop: SHOP, ...named } }),
      sources: await prisma.dailySalesSource.count({ where: { shop: SHOP, ...named } }),
      exports: await prisma.dataRequestExport.count({ where: { shop: SHOP, ...named } }),
    };
  }

  /** Stored payloads about these customers or orders (a privacy request's own row, emptied, is not). */
  async function payloadsAbout(customerIds: bigint[], orderIds: number[]) {
    const events = await prisma.webhookEvent.findMany({ where: { shop: SHOP }, select: { topic: true, payload: true } });
    const ids = new Set([...customerIds.map(String), ...orderIds.map(String)]);
    return events.filter(({ payload }) => {
      const p = payload as { id?: unknown; order_id?: unknown; customer?: { id?: unknown } | null };
      return [p.id, p.order_id, p.customer?.id].some((value) => value !== undefined && value !== null && ids.has(String(value)));
    });
  }

  async function setUp() {
    const store = newStore(43, 30);
    await install(store);
    const withOrders = (id: number) => store.orders.filter((o) => o.customerId === id && !o.test);
    const subject = store.customers.find((c) => withOrders(c.id).length >= 2)!;
    const other = store.customers.find((c) => c.id !== subject.id && withOrders(c.id).length >= 1)!;
    const guest = store.orders.find((o) => o.customerId === null && !o.test)!;
    await deliverAll(historyEvents(store));
    // History older than Shopify shows the app, imported from Shopify's export under the subject's email.
    const { importOrders } = await import("#app/cli/import-orders.server");
    const { Readable } = await import("node:stream");
    const header = "Name,Email,Financial Status,Paid at,Currency,Total,Created at,Lineitem quantity,Lineitem price,Id";
    const lines = [
      `#9001,${subject.email.toUpperCase()},paid,2024-03-01 10:00:00 +0000,${store.shop.currencyCode},30.00,2024-03-01 10:00:00 +0000,1,30.00,99001`,
      `#9002,${subject.email},paid,2024-05-01 10:00:00 +0000,${store.shop.currencyCode},12.00,2024-05-01 10:00:00 +0000,2,6.00,99002`,
    ];
    const imported = await importOrders(Readable.from([[header, ...lines].join("\n")]), {
      shop: SHOP,
      timeZone: store.shop.ianaTimezone,
      currency: store.shop.currencyCode,
    });
    expect(imported.written).toBe(2);
    const key = customerIdForEmail(subject.email);
    await deliverAll([
      event("customers/data_request", customersDataRequestPayload({ shop: store.shop, customer: subject, ordersRequested: [], dataRequestId: 501 }), "2026-11-16T12:00:00Z"),
    ]);
    const exported = await dataRequestExport(SHOP, 501);
    // The export holds the orders imported under the subject's email too.
    expect((exported?.contents.orders as Array<{ id: string }>).map((o) => o.id)).toEqual(
      expect.arrayContaining(["99001", "99002", ...withOrders(subject.id).map((o) => String(o.id))]),
    );
    const redact = event(
      "customers/redact",
      customersRedactPayload({ shop: store.shop, customer: subject, ordersToRedact: [guest.id, ...withOrders(subject.id).map((o) => o.id)] }),
      "2026-11-16T13:00:00Z",
    );
    return { store, subject, other, guest, key, redact, orderIds: [...withOrders(subject.id).map((o) => o.id), guest.id, 99001, 99002] };
  }

  it("customers/redact erases the customer, the orders the request lists and those imported under their email, their exports, payloads and rollup rows", async () => {
    const { subject, other, key, redact, orderIds } = await setUp();
    const subjectIds = [BigInt(subject.id), key];
    expect(await rowsNaming(subjectIds)).toMatchObject({ customers: 1, exports: 1 });
    expect((await rowsNaming(subjectIds)).orders).toBeGreaterThanOrEqual(4);
    expect((await payloadsAbout(subjectIds, orderIds)).length).toBeGreaterThan(0);
    const otherBefore = await rowsNaming([BigInt(other.id)]);
    const totals = await rollupTotals();

    await deliverAll([redact]);

    expect(await rowsNaming(subjectIds)).toEqual({ customers: 0, orders: 0, totals: 0, months: 0, sources: 0, exports: 0 });
    expect(await payloadsAbout(subjectIds, orderIds)).toEqual([]);
    // The request is kept as done, emptied: a redelivery is recognised and not applied again.
    const kept = await prisma.webhookEvent.findUniqueOrThrow({ where: { shop_eventId: { shop: SHOP, eventId: redact.eventId } } });
    expect({ payload: kept.payload, processed: kept.processedAt !== null }).toEqual({ payload: {}, processed: true });
    await deliver(redact);
    expect(await processQueuedWebhooks()).toBe(0);
    // The orders stay as anonymous amounts: sales do not change; other customers are untouched.
    expect(await prisma.order.count({ where: { shop: SHOP, id: { in: orderIds.map(BigInt) }, customerId: null } })).toBe(orderIds.length);
    expect(await rollupTotals()).toEqual(totals);
    expect(await rowsNaming([BigInt(other.id)])).toEqual(otherBefore);
  });

  it("customers/redact changes nothing at all when any part of it fails", async () => {
    const { subject, key, redact, orderIds } = await setUp();
    const subjectIds = [BigInt(subject.id), key];
    // Stored payloads about the subject, but for the request itself (recorded when it arrives).
    const payloads = async () => (await payloadsAbout(subjectIds, orderIds)).filter((e) => e.topic !== "customers/redact").length;
    const before = { rows: await rowsNaming(subjectIds), payloads: await payloads(), totals: await rollupTotals() };
    // The last step, erasing the stored payloads, fails.
    await prisma.$executeRawUnsafe(`
      CREATE OR REPLACE FUNCTION test_refuse_erasure() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'erasure refused' USING ERRCODE = '22023'; END $$;
      CREATE TRIGGER test_refuse_erasure BEFORE DELETE ON webhook_events FOR EACH ROW EXECUTE FUNCTION test_refuse_erasure();`);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      await deliverAll([redact]);
    } finally {
      warn.mockRestore();
      await prisma.$executeRawUnsafe("DROP TRIGGER test_refuse_erasure ON webhook_events; DROP FUNCTION test_refuse_erasure();");
    }
    const event = await prisma.webhookEvent.findUniqueOrThrow({ where: { shop_eventId: { shop: SHOP, eventId: redact.eventId } } });
    expect(event.error).toMatch(/erasure refused/);
    expect({ rows: await rowsNaming(subjectIds), payloads: await payloads(), totals: await rollupTotals() }).toEqual(before);
    // Retried once the cause is gone, it is done whole.
    const { retryParkedEvents } = await import("./webhook-events.server");
    expect(await retryParkedEvents(SHOP)).toBe(1);
    await processQueuedWebhooks();
    expect(await rowsNaming(subjectIds)).toEqual({ customers: 0, orders: 0, totals: 0, months: 0, sources: 0, exports: 0 });
  });

  it("a signed privacy request replayed under another topic does not act: a data request sent as shop/redact erases nothing", async () => {
    const store = newStore();
    await install(store);
    await deliverAll(historyEvents(store).slice(0, 30));
    const before = await snapshot();
    const request = customersDataRequestPayload({ shop: store.shop, customer: store.customers[0], ordersRequested: [], dataRequestId: 7 });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      await deliverAll([event("shop/redact", request, "2026-11-16T12:00:00Z"), event("customers/redact", request, "2026-11-16T12:00:00Z")]);
    } finally {
      warn.mockRestore();
    }
    expect(await snapshot()).toEqual(before);
    expect(await prisma.shop.count({ where: { domain: SHOP } })).toBe(1);
    const parked = await prisma.webhookEvent.findMany({ where: { shop: SHOP, parkedAt: { not: null } }, select: { topic: true, error: true } });
    expect(parked.map((p) => p.topic).sort()).toEqual(["customers/redact", "shop/redact"]);
    for (const { error } of parked) expect(error).toMatch(/Unrecognized key/);
  });
});

describe("the shop", () => {
  it("shop/update sets name, time zone and currency; an older one arriving later changes nothing", async () => {
    const store = newStore();
    await install(store);
    const older = event("shop/update", shopWebhookPayload({ ...store.shop, name: "Old name", updatedAt: "2026-11-16T08:00:00Z" }), "2026-11-16T08:00:00Z");
    const newer = event(
      "shop/update",
      shopWebhookPayload({ ...store.shop, name: "New name", ianaTimezone: "Europe/Berlin", currencyCode: "EUR", updatedAt: "2026-11-16T09:00:00Z" }),
      "2026-11-16T09:00:00Z",
    );
    await deliverAll([newer]);
    await deliverAll([older]);
    expect(await prisma.shop.findUniqueOrThrow({ where: { domain: SHOP }, select: { name: true, ianaTimezone: true, currencyCode: true } })).toEqual({
      name: "New name",
      ianaTimezone: "Europe/Berlin",
      currencyCode: "EUR",
    });
  });

  it("shop/update with a new time zone or currency has the rollups rebuilt in them by a job; a new name alone queues nothing", async () => {
    const store = newStore();
    await install(store);
    const [order] = store.orders;
    await deliverAll([event("orders/create", orderWebhookPayload(order, store.shop), order.updatedAt)]);
    await drainShopJobs();
    const built = () => prisma.dailySalesState.findUniqueOrThrow({ where: { shop: SHOP }, select: { timeZone: true, currencyCode: true } });
    expect(await built()).toEqual({ timeZone: store.shop.ianaTimezone, currencyCode: store.shop.currencyCode });

    await deliverAll([event("shop/update", shopWebhookPayload({ ...store.shop, name: "Renamed", updatedAt: "2026-11-16T08:00:00Z" }), "2026-11-16T08:00:00Z")]);
    expect(await drainShopJobs()).toEqual([]);

    const zone = store.shop.ianaTimezone === "Asia/Tokyo" ? "America/Chicago" : "Asia/Tokyo";
    await deliverAll([event("shop/update", shopWebhookPayload({ ...store.shop, ianaTimezone: zone, updatedAt: "2026-11-16T09:00:00Z" }), "2026-11-16T09:00:00Z")]);
    const jobs = await drainShopJobs();
    expect(jobs).toEqual([{ shop: SHOP, kind: "predictions" }]);
    await runShopJob(jobs[0]);
    expect(await built()).toEqual({ timeZone: zone, currencyCode: store.shop.currencyCode });
  });

  it("app/scopes_update records the granted scopes; an older one arriving later changes nothing", async () => {
    const store = newStore();
    await install(store);
    const update = (current: string[], at: string) => event("app/scopes_update", { id: 1, previous: ["read_orders"], current, updated_at: at }, at);
    await deliverAll([update(["read_orders", "read_customers", "read_reports"], "2026-11-16T09:00:00Z")]);
    await deliverAll([update(["read_orders"], "2026-11-16T08:00:00Z")]);
    expect((await prisma.shop.findUniqueOrThrow({ where: { domain: SHOP } })).scopes).toBe("read_orders,read_customers,read_reports");
    expect((await prisma.session.findUniqueOrThrow({ where: { id: `offline_${SHOP}` } })).scope).toBe("read_orders,read_customers,read_reports");
  });

  it("after app/uninstalled, store data is not applied (a reinstall resyncs); shop/redact still answers 200 and erases everything", async () => {
    const store = newStore();
    await install(store);
    const [first, second] = store.orders;
    await deliverAll([event("orders/create", orderWebhookPayload(first, store.shop), first.updatedAt)]);
    await deliverAll([event("app/uninstalled", shopWebhookPayload(store.shop), "2026-11-16T09:00:00Z")]);
    await deliverAll([event("orders/create", orderWebhookPayload(second, store.shop), second.updatedAt)]);
    expect((await prisma.order.findMany({ where: { shop: SHOP }, select: { id: true } })).map((o) => o.id)).toEqual([BigInt(first.id)]);
    expect((await recorded()).at(-1)).toMatchObject({ topic: "orders/create", error: "the app is not installed on this shop" });
    expect(await prisma.session.count({ where: { shop: SHOP } })).toBe(0);
    // The shop's jobs stop: one still queued does nothing (no token to call Shopify with).
    const syncBefore = await prisma.syncState.findUnique({ where: { shop: SHOP } });
    await runShopJob({ shop: SHOP, kind: "reconcile" });
    expect(await prisma.syncState.findUnique({ where: { shop: SHOP } })).toEqual(syncBefore);

    await deliverAll([event("shop/redact", shopRedactPayload(store.shop), "2026-11-18T09:00:00Z")]);
    const left = await snapshot();
    expect(Object.values(left).every((rows) => rows.length === 0)).toBe(true);
    expect(await prisma.shop.count({ where: { domain: SHOP } })).toBe(0);
  });

  it("a late app/uninstalled, from before the app was installed again, leaves the new install alone", async () => {
    const store = newStore();
    // Uninstalled at 09:00, installed again at 09:05; the uninstall's delivery is applied after.
    await install(store, new Date("2026-11-16T09:05:00Z"));
    await deliverAll([event("app/uninstalled", shopWebhookPayload(store.shop), "2026-11-16T09:00:00Z")]);
    expect(await prisma.session.count({ where: { shop: SHOP } })).toBe(1);
    expect((await prisma.shop.findUniqueOrThrow({ where: { domain: SHOP } })).uninstalledAt).toBeNull();
    expect((await recorded()).at(-1)).toMatchObject({ topic: "app/uninstalled", error: "an uninstall from before the app was installed again" });
    // One after the install does uninstall.
    await deliverAll([event("app/uninstalled", shopWebhookPayload(store.shop), "2026-11-16T10:00:00Z")]);
    expect(await prisma.session.count({ where: { shop: SHOP } })).toBe(0);
    expect((await prisma.shop.findUniqueOrThrow({ where: { domain: SHOP } })).uninstalledAt).toEqual(new Date("2026-11-16T10:00:00Z"));
  });

  it("a shop that never installed the app: a 404, nothing recorded or changed; compliance requests 200", async () => {
    const store = newStore();
    const stranger = "stranger.myshopify.com";
    const order = store.orders[0];
    await deliver(event("orders/create", orderWebhookPayload(order, store.shop), order.updatedAt), stranger, 404);
    await deliver(event("shop/update", shopWebhookPayload(store.shop), "2026-11-16T09:00:00Z"), stranger, 404);
    // Nothing held on that shop: nothing to erase, and Shopify expects a 200.
    await deliver(event("shop/redact", shopRedactPayload({ ...store.shop, domain: stranger }), "2026-11-18T09:00:00Z"), stranger, 200);
    await processQueuedWebhooks();
    expect(await recorded(stranger)).toEqual([]);
    expect(await prisma.order.count()).toBe(0);
    expect(await prisma.shop.count()).toBe(0);
  });
});

describe("malformed payloads", () => {
  it("are parked with why, change nothing, keep no personal data in logs, and do not hold up the next event", async () => {
    const store = newStore();
    await install(store);
    await deliverAll(historyEvents(store).slice(0, 40));
    const before = await snapshot();
    const order = store.orders[0];
    const good = orderWebhookPayload(order, store.shop);
    const secret = "very-secret-value";
    const bad = [
      event("orders/updated", { ...good, updated_at: "2027-01-01T00:00:00Z", total_price_set: secret }, "2026-11-16T09:00:00Z"),
      event("orders/create", { ...good, id: secret }, "2026-11-16T09:00:00Z"),
      event("refunds/create", { id: 5, order_id: order.id, refund_line_items: secret }, "2026-11-16T09:00:00Z"),
      event("orders/delete", { id: secret }, "2026-11-16T09:00:00Z"),
      event("customers/update", { id: store.customers[0].id, created_at: secret, updated_at: "2027-01-01T00:00:00Z" }, "2026-11-16T09:00:00Z"),
      event("customers/merge", { admin_graphql_api_customer_kept_id: secret, admin_graphql_api_customer_deleted_id: "gid://shopify/Customer/1", status: "completed" }, "2026-11-16T09:00:00Z"),
      event("customers/redact", { shop_id: store.shop.id, shop_domain: SHOP, customer: { id: secret } }, "2026-11-16T09:00:00Z"),
      event("shop/update", { name: "X", iana_timezone: secret, currency: "EUR", updated_at: "2027-01-01T00:00:00Z" }, "2026-11-16T09:00:00Z"),
    ];
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      for (const delivery of bad) await deliver(delivery);
      // A good one queued behind them.
      const later = placeOrder(store, { at: "2026-11-16T10:00:00Z", customerId: null, seed: 31 });
      await deliverAll(withIds(later.events));
      const events = await prisma.webhookEvent.findMany({ where: { shop: SHOP, eventId: { in: bad.map((b) => b.eventId) } } });
      expect(events).toHaveLength(bad.length);
      for (const e of events) {
        expect(e.processedAt).toBeNull();
        expect(e.parkedAt).not.toBeNull();
        expect(e.error).toMatch(new RegExp(`^invalid ${e.topic} payload: `));
        expect(e.error).not.toContain(secret);
      }
      expect(warn).toHaveBeenCalledTimes(bad.length);
      for (const [message] of warn.mock.calls) expect(String(message)).not.toContain(secret);
      const after = await snapshot();
      const placedId = BigInt(later.order.id);
      expect(after.orders.map((o) => o.id)).toEqual([...before.orders.map((o) => o.id), placedId]);
      expect({ ...after, orders: after.orders.filter((o) => o.id !== placedId) }).toMatchObject({
        orders: before.orders,
        customers: before.customers,
        refunds: before.refunds,
        deleted: [],
      });
      expect((await prisma.shop.findUniqueOrThrow({ where: { domain: SHOP } })).ianaTimezone).toBe(store.shop.ianaTimezone);
      // The Data sync page lists them, with why.
      const { parkedEvents } = await import("./webhook-events.server");
      const parked = await parkedEvents(SHOP);
      expect(parked.count).toBe(bad.length);
      expect(parked.latest.map((p) => p.topic).sort()).toEqual(bad.map((b) => b.topic).sort());
    } finally {
      warn.mockRestore();
    }
  });
});

describe("poison events", () => {
  // A database refusal of one event's data, whatever the validation lets through: a trigger
  // refuses orders named '#POISON' as PostgreSQL refuses a value it cannot hold (class 22).
  // Another fails on orders named '#BUSY' as a lost connection would (class 08), until lifted.
  async function addPoisonTriggers() {
    await prisma.$executeRawUnsafe(`
      CREATE TABLE IF NOT EXISTS test_busy (busy boolean NOT NULL);
      TRUNCATE test_busy; INSERT INTO test_busy VALUES (true);
      CREATE OR REPLACE FUNCTION test_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.name = '#POISON' THEN RAISE EXCEPTION 'poisoned order' USING ERRCODE = '22023'; END IF;
        IF NEW.name = '#BUSY' AND (SELECT busy FROM test_busy) THEN RAISE EXCEPTION 'connection lost' USING ERRCODE = '08006'; END IF;
        RETURN NEW;
      END $$;
      DROP TRIGGER IF EXISTS test_poison ON orders;
      CREATE TRIGGER test_poison BEFORE INSERT OR UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION test_poison();`);
  }
  async function dropPoisonTriggers() {
    await prisma.$executeRawUnsafe(`DROP TRIGGER IF EXISTS test_poison ON orders; DROP FUNCTION IF EXISTS test_poison(); DROP TABLE IF EXISTS test_busy;`);
  }

  it("fail alone: the batch's other events, a customers/redact among them, are applied and each poisoned one is parked with why", async () => {
    const store = newStore();
    await install(store);
    await deliverAll(historyEvents(store));
    const [a, b, c, d] = store.orders.filter((o) => o.customerId !== null && !o.test).slice(-4);
    const redacted = store.customers.find((customer) => customer.id === a.customerId)!;
    const payload = (order: SimStore["orders"][number], changes: JsonObject) => ({
      ...orderWebhookPayload(order, store.shop),
      updated_at: "2026-11-20T00:00:00Z",
      ...changes,
    });
    const lineItems = (order: SimStore["orders"][number], quantity: number) =>
      (orderWebhookPayload(order, store.shop).line_items as JsonObject[]).map((item) => ({ ...item, quantity }));
    const poisoned = [
      // Values PostgreSQL cannot hold: a NUL in the order's name, a quantity past 2^31, an id past 2^63.
      event("orders/updated", payload(b, { name: "#10\u000001" }), "2026-11-20T00:00:00Z"),
      event("orders/updated", payload(c, { line_items: lineItems(c, 2 ** 31) }), "2026-11-20T00:00:00Z"),
      event("orders/create", payload(d, { id: "9223372036854775808", admin_graphql_api_id: "gid://shopify/Order/9223372036854775808" }), "2026-11-20T00:00:00Z"),
      // Refused by the database itself.
      event("orders/updated", payload(d, { name: "#POISON" }), "2026-11-20T00:00:00Z"),
    ];
    const redact = event(
      "customers/redact",
      { shop_id: 1, shop_domain: SHOP, customer: { id: redacted.id, email: "x@example.com" }, orders_to_redact: [] },
      "2026-11-20T00:00:00Z",
    );
    const placed = placeOrder(store, { at: "2026-11-20T01:00:00Z", customerId: null, seed: 77 });
    await addPoisonTriggers();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      // One batch: every delivery is recorded and queued, then the worker takes them together.
      for (const delivery of [...poisoned, redact, ...withIds(placed.events)]) await deliver(delivery);
      await processQueuedWebhooks();
      // The orders that parse were first written together; that write failed, and each was then applied alone.
      expect(warn.mock.calls.flat().join("\n")).toMatch(/2 events of apply\.myshopify\.com not written together, now one at a time: .*poisoned order/);
    } finally {
      warn.mockRestore();
      await dropPoisonTriggers();
    }
    expect(await prisma.customer.count({ where: { shop: SHOP, id: BigInt(redacted.id) } })).toBe(0);
    expect(await prisma.order.count({ where: { shop: SHOP, id: BigInt(placed.order.id) } })).toBe(1);
    const events = await prisma.webhookEvent.findMany({ where: { shop: SHOP, eventId: { in: poisoned.map((p) => p.eventId) } } });
    expect(events).toHaveLength(poisoned.length);
    for (const e of events) {
      expect({ processed: e.processedAt !== null, parked: e.parkedAt !== null }).toEqual({ processed: false, parked: true });
      expect(e.error).toMatch(/^(invalid orders\/(create|updated) payload|could not be applied|the payload holds text that cannot be stored)/);
    }
    expect(events.find((e) => e.eventId === poisoned[0].eventId)?.error).toMatch(/cannot be stored .* at name$/);
    expect(events.find((e) => e.eventId === poisoned[3].eventId)?.error).toMatch(/poisoned order \(SQLSTATE 22023\)/);
    // The orders they were about are as they were.
    const names = await prisma.order.findMany({ where: { shop: SHOP, id: { in: [b.id, d.id].map(BigInt) } }, select: { name: true } });
    expect(names.map((o) => o.name).sort()).toEqual([b.name, d.name].sort());
    expect(await prisma.order.count({ where: { shop: SHOP, id: 9223372036854775807n } })).toBe(0);
  });

  it("that may pass are retried alone, and parked on their last attempt", async () => {
    const store = newStore();
    await install(store);
    const orders = store.orders.slice(0, 10);
    await addPoisonTriggers();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const retryJobs = () =>
      prisma.$queryRaw<Array<{ data: unknown; singleton_key: string; state: string; later: boolean }>>`
        SELECT data, singleton_key, state::text, start_after > now() AS later FROM pgboss.job
        WHERE name = ${QUEUES.webhooks} AND state IN ('created', 'retry')`;
    /** A retry made due: its time moved to now (and its count of retries so far to `retries`). */
    const makeDue = (retries?: number) =>
      prisma.$executeRaw`UPDATE pgboss.job SET start_after = now(), retry_count = COALESCE(${retries ?? null}::int, retry_count)
        WHERE name = ${QUEUES.webhooks} AND state IN ('created', 'retry')`;
    try {
      // Delivered together: they are recorded together and share one job.
      const deliveries = orders.map((order, i) => event("orders/create", { ...orderWebhookPayload(order, store.shop), ...(i === 9 ? { name: "#BUSY" } : {}) }, order.updatedAt));
      const busy = deliveries[9];
      await Promise.all(deliveries.map((delivery) => deliver(delivery)));
      expect(await processQueuedWebhooks()).toBe(9);
      // The others are in; the busy one waits for its retry in a job of its own, neither applied nor parked.
      const stored = await prisma.order.findMany({ where: { shop: SHOP }, select: { id: true }, orderBy: { id: "asc" } });
      expect(stored.map((o) => o.id)).toEqual(orders.slice(0, 9).map((o) => BigInt(o.id)).sort((x, y) => (x < y ? -1 : 1)));
      const waiting = await prisma.webhookEvent.findUniqueOrThrow({ where: { shop_eventId: { shop: SHOP, eventId: busy.eventId } } });
      expect({ processed: waiting.processedAt, parked: waiting.parkedAt }).toEqual({ processed: null, parked: null });
      expect(await retryJobs()).toEqual([{ data: { shop: SHOP, eventId: busy.eventId }, singleton_key: `${SHOP}:${busy.eventId}`, state: "created", later: true }]);
      // Delivered again meanwhile, it waits in a new batch, and its retry stays the one job keyed by it.
      await deliver(busy);
      expect(await processQueuedWebhooks()).toBe(0);
      expect((await retryJobs()).filter((job) => job.singleton_key === `${SHOP}:${busy.eventId}`)).toHaveLength(1);

      // Due and failing again: the queue retries it later.
      await makeDue();
      expect(await processQueuedWebhooks()).toBe(0);
      expect(await retryJobs()).toMatchObject([{ singleton_key: `${SHOP}:${busy.eventId}`, state: "retry", later: true }]);
      // Its last attempt (the queue counts the retry as it takes the job) parks it, with why.
      await makeDue(WEBHOOK_RETRIES - 1);
      expect(await processQueuedWebhooks()).toBe(1);
      expect(await retryJobs()).toEqual([]);
      const parked = await prisma.webhookEvent.findUniqueOrThrow({ where: { shop_eventId: { shop: SHOP, eventId: busy.eventId } } });
      expect(parked.error).toMatch(/connection lost \(SQLSTATE 08006\)/);

      // Retried from the Data sync page once the cause is gone, it is applied.
      await prisma.$executeRawUnsafe("UPDATE test_busy SET busy = false");
      const { retryParkedEvents } = await import("./webhook-events.server");
      expect(await retryParkedEvents(SHOP)).toBe(1);
      expect(await processQueuedWebhooks()).toBe(1);
      expect(await prisma.order.count({ where: { shop: SHOP, id: BigInt(orders[9].id) } })).toBe(1);
    } finally {
      warn.mockRestore();
      await dropPoisonTriggers();
    }
  });
});

describe("recorded events over time", () => {
  it("an event no job holds any more is queued again by the sweep, and applied", async () => {
    const store = newStore();
    await install(store);
    const [order] = store.orders;
    const lost = event("orders/create", orderWebhookPayload(order, store.shop), order.updatedAt);
    await deliver(lost);
    // Its job is gone (its worker died on the last attempt, the queue lost it).
    const boss = await jobQueue();
    const jobs = await boss.fetch<{ eventId: string }>(QUEUES.webhooks, { batchSize: 10 });
    await boss.complete(QUEUES.webhooks, jobs.map((job) => job.id));
    const { requeueStrandedEvents, REQUEUE_AFTER_MS } = await import("./webhook-events.server");
    // Not yet: it may still be on its way.
    expect(await requeueStrandedEvents()).toBe(0);
    expect(await requeueStrandedEvents(new Date(Date.now() + REQUEUE_AFTER_MS + 60_000))).toBe(1);
    await processQueuedWebhooks();
    expect(await prisma.order.count({ where: { shop: SHOP } })).toBe(1);
    // Applied events are not queued again.
    expect(await requeueStrandedEvents(new Date(Date.now() + 2 * REQUEUE_AFTER_MS))).toBe(0);
  });

  it("are deleted after their retention period, parked ones later", async () => {
    const store = newStore();
    await install(store);
    const [order] = store.orders;
    await deliverAll([event("orders/create", orderWebhookPayload(order, store.shop), order.updatedAt)]);
    await deliver(event("orders/create", { id: "not an id" }, order.updatedAt));
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    await processQueuedWebhooks();
    warn.mockRestore();
    const { deleteExpiredEvents, PROCESSED_EVENT_RETENTION_DAYS, PARKED_EVENT_RETENTION_DAYS } = await import("./webhook-events.server");
    const day = 86_400_000;
    expect(await deleteExpiredEvents(new Date(Date.now() + (PROCESSED_EVENT_RETENTION_DAYS - 1) * day))).toBe(0);
    expect(await deleteExpiredEvents(new Date(Date.now() + (PROCESSED_EVENT_RETENTION_DAYS + 1) * day))).toBe(1);
    expect(await prisma.webhookEvent.count({ where: { shop: SHOP, parkedAt: { not: null } } })).toBe(1);
    expect(await deleteExpiredEvents(new Date(Date.now() + (PARKED_EVENT_RETENTION_DAYS + 1) * day))).toBe(1);
    expect(await prisma.webhookEvent.count({ where: { shop: SHOP } })).toBe(0);
    // The order they brought stays.
    expect(await prisma.order.count({ where: { shop: SHOP } })).toBe(1);
  });
});
