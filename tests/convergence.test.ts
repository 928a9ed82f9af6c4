// GIVEN a store backfilled into Metryka, WHEN the store keeps changing (orders placed, refunded,
// cancelled, edited; customers created) and its webhooks reach the app's routes the way Shopify
// delivers them — some twice, out of order, 10 % never — and the queued events are applied, THEN
// after a reconciliation job the rows equal the simulator's ground truth exactly, and the sales
// report over the whole history equals the reference computed from that truth.
import { createServer, type Server } from "node:http";
import type { ActionFunctionArgs } from "@remix-run/node";
import type { AddressInfo } from "node:net";
import { Session } from "@shopify/shopify-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MetricOrder, MetricRefund } from "#app/metrics/rows";
import {
  cancelOrder,
  createCustomer,
  generateStore,
  orderDiscounts,
  orderGrossSales,
  orderShipping,
  orderTax,
  orderTotal,
  placeOrder,
  refundOrder,
  refundReturns,
  refundShipping,
  refundTax,
  startSimulator,
  touchOrder,
  type SimStore,
  type SimulatorHandle,
} from "#simulator/index";
import type { SimEvent } from "#simulator/mutations";
import {
  expectedCustomers,
  expectedOrders,
  expectedRefunds,
  storedCustomers,
  storedOrders,
  storedRefunds,
} from "./support/truth";
import { createRandom } from "#simulator/random";

const NOW = new Date("2026-11-15T12:00:00Z");
let prisma: typeof import("#app/db.server").default;
let simulator: SimulatorHandle;
let appServer: Server;
let store: SimStore;

/** The truth as the metrics' reference implementation takes it. */
function truthRows(s: SimStore): { orders: MetricOrder[]; refunds: MetricRefund[] } {
  return {
    orders: s.orders.map((o) => ({
      id: String(o.id),
      customerId: o.customerId === null ? null : String(o.customerId),
      processedAt: new Date(o.processedAt),
      cancelledAt: o.cancelledAt ? new Date(o.cancelledAt) : null,
      deletedAt: null,
      test: o.test,
      currencyCode: o.currencyCode,
      grossSales: orderGrossSales(o),
      discounts: orderDiscounts(o),
      shipping: orderShipping(o),
      tax: orderTax(o),
      totalPrice: orderTotal(o),
    })),
    refunds: s.orders.flatMap((o) =>
      o.refunds.map((r) => ({
        id: String(r.id),
        orderId: String(o.id),
        processedAt: new Date(r.processedAt),
        returns: refundReturns(r),
        shipping: refundShipping(r),
        tax: refundTax(r),
      })),
    ),
  };
}

/** The app's webhook routes behind a real HTTP listener (Shopify posts to it). */
async function startAppWebhooks(): Promise<string> {
  const routes: Record<string, () => Promise<{ action: (args: ActionFunctionArgs) => Promise<Response> }>> = {
    "orders/create": () => import("#app/routes/webhooks.orders.create"),
    "orders/updated": () => import("#app/routes/webhooks.orders.updated"),
    "orders/cancelled": () => import("#app/routes/webhooks.orders.cancelled"),
    "refunds/create": () => import("#app/routes/webhooks.refunds.create"),
    "customers/create": () => import("#app/routes/webhooks.customers.create"),
    "customers/update": () => import("#app/routes/webhooks.customers.update"),
    "bulk_operations/finish": () => import("#app/routes/webhooks.bulk_operations.finish"),
  };
  appServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      try {
        const topic = (req.url ?? "").replace(/^\/webhooks\//, "");
        const route = routes[topic];
        if (!route) {
          res.writeHead(404).end();
          return;
        }
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
        const request = new Request(`http://app.test${req.url}`, { method: "POST", headers, body: Buffer.concat(chunks) });
        const response = await (await route()).action({ request, params: {}, context: {} });
        res.writeHead(response.status).end(await response.text());
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => appServer.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  store = generateStore({ seed: 41, now: NOW.toISOString(), customers: 60, domain: "converge.myshopify.com" });
  const appUrl = await startAppWebhooks();
  simulator = await startSimulator({
    apiKey: process.env.SHOPIFY_API_KEY!,
    apiSecret: process.env.SHOPIFY_API_SECRET!,
    stores: [store],
    bucket: { maximumAvailable: 20_000, restoreRate: 1_000 },
    appUrl,
  });
  process.env.SHOPIFY_SIMULATOR_URL = simulator.url;
  prisma = (await import("#app/db.server")).default;
  const { sessionStorage } = await import("#app/shopify.server");
  const shop = store.shop.domain;
  const token = simulator.installations.issue({ shop, kind: "offline" });
  await sessionStorage.storeSession(
    new Session({ id: `offline_${shop}`, shop, state: "installed", isOnline: false, accessToken: token.accessToken, scope: token.scope }),
  );
  await prisma.shop.create({ data: { domain: shop, scopes: "read_orders,read_customers,read_all_orders" } });
});

afterAll(async () => {
  await simulator?.bulk.settled();
  await simulator?.close();
  await new Promise((resolve) => appServer?.close(resolve));
  const { stopJobQueue } = await import("#app/jobs/queue.server");
  await stopJobQueue();
});

/** A while of store activity after `startMs`, one change every few seconds of store time. */
function mutateStore(s: SimStore, startMs: number, changes: number): SimEvent[] {
  const rng = createRandom(99);
  const events: SimEvent[] = [];
  let at = startMs;
  const tick = () => new Date((at += 1000 + rng.int(0, 5000))).toISOString();
  for (let i = 0; i < changes; i++) {
    const roll = rng.next();
    const refundable = s.orders.filter((o) => !o.test && o.cancelledAt === null && Date.parse(o.processedAt) < at);
    if (roll < 0.4) {
      const customerId = rng.chance(0.3) ? "new" : rng.chance(0.2) ? null : s.customers[rng.int(0, s.customers.length - 1)].id;
      events.push(...placeOrder(s, { at: tick(), customerId, seed: 1000 + i }).events);
    } else if (roll < 0.65) {
      const order = refundable[rng.int(0, refundable.length - 1)];
      events.push(...refundOrder(s, { orderId: order.id, at: tick(), kind: rng.chance(0.3) ? "full" : "partial", seed: 2000 + i }).events);
    } else if (roll < 0.75) {
      const order = refundable[rng.int(0, refundable.length - 1)];
      events.push(...cancelOrder(s, { orderId: order.id, at: tick(), refund: rng.chance(0.7) }).events);
    } else if (roll < 0.9) {
      const order = s.orders[rng.int(0, s.orders.length - 1)];
      events.push(...touchOrder(s, { orderId: order.id, at: tick(), tag: `t${i}` }).events);
    } else {
      events.push(...createCustomer(s, { at: tick() }).events);
    }
  }
  return events;
}

describe("webhooks with chaos, then a reconciliation", () => {
  it("converge on the store's ground truth", async () => {
    const shop = store.shop.domain;
    const { runShopJob } = await import("#app/sync/jobs.server");
    const { processQueuedWebhooks } = await import("./support/jobs");

    // The install's first sync: a bulk backfill.
    await runShopJob({ shop, kind: "sync" });
    expect(simulator.bulk.all().filter((r) => r.shop === shop).map((r) => r.status)).toEqual(["COMPLETED", "COMPLETED"]);
    expect(await prisma.order.count({ where: { shop } })).toBe(store.orders.length);
    // The bulk_operations/finish webhooks' job, run after the backfill: a catch-up, no new bulk query.
    await runShopJob({ shop, kind: "backfill" });

    const events = mutateStore(store, Date.now() + 1000, 120);
    const report = await simulator.deliverEvents(shop, events, { chaos: { seed: 7, duplicateRate: 0.15, dropRate: 0.1, shuffle: true } });
    expect(report.dropped.length).toBeGreaterThan(0);
    expect(report.duplicated.length).toBeGreaterThan(0);
    expect(report.attempts.every((a) => a.status === 200)).toBe(true);
    expect(await processQueuedWebhooks()).toBeGreaterThan(0);

    // Lost deliveries leave the copy behind until the sweep reconciles it.
    const afterWebhooks = await prisma.order.findMany({ where: { shop }, select: { id: true, totalRefunded: true, cancelledAt: true } });
    const truth = expectedOrders(store);
    const behind = truth.filter((o) => {
      const stored = afterWebhooks.find((s) => s.id === o.id);
      return !stored || stored.totalRefunded !== o.totalRefunded || String(stored.cancelledAt) !== String(o.cancelledAt);
    });
    expect(behind.length).toBeGreaterThan(0);
    await runShopJob({ shop, kind: "reconcile" });
    expect(simulator.bulk.all().filter((r) => r.shop === shop)).toHaveLength(2);
    const state = await prisma.syncState.findUniqueOrThrow({ where: { shop } });
    expect({ status: state.status, error: state.error }).toEqual({ status: "succeeded", error: null });

    expect(await storedOrders(prisma, shop)).toEqual(expectedOrders(store));
    expect(await storedRefunds(prisma, shop)).toEqual(expectedRefunds(store));
    expect(await storedCustomers(prisma, shop)).toEqual(expectedCustomers(store));

    // The dashboard's figures over the whole history equal the reference over the truth.
    const { salesOverview } = await import("#app/metrics/sales.server");
    const { salesReport } = await import("#app/metrics/sales");
    const { getMetricSettings } = await import("#app/metrics/settings.server");
    const now = new Date(Date.now() + 86_400_000);
    const query = { range: { from: "2024-01-01", to: "2027-01-01" }, granularity: "month" as const };
    const context = { timeZone: store.shop.ianaTimezone, currency: store.shop.currencyCode, now, settings: await getMetricSettings(shop) };
    const overview = await salesOverview(shop, query, { now });
    expect(overview).toEqual(salesReport(truthRows(store), query, context));
    expect(overview.totals).toBeDefined();
  });
});
