// GIVEN two shops installed and synced from the simulator, WHEN the customer page's admin block
// asks /api/customer-block/<id> with a session token as Shopify issues it, THEN the shop's own
// customer's figures equal the reference computed from that shop's rows; another shop's
// customer is a 404 that holds nothing of that shop; a forged, expired or missing token is a
// 401 and a malformed id a 400; while the store's figures are being recomputed, a 503 that says
// how long the recompute has run and how long the last one took; the CORS preflight is answered
// and every answer carries CORS headers, so the block can read it from the admin's origin.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateStore, sessionToken, type SimStore, type SimulatorHandle } from "#simulator/index";
import type { CustomerBlockData } from "#app/dashboard/customer-block";
import { customerStandingReport } from "#app/metrics/retention";
import { installOffline, startSimulatorForApp } from "./support/simulated-shop";
import { shopLockStatement } from "#app/metrics/rollup-lock";

const NOW = new Date();
let simulator: SimulatorHandle;
let stores: SimStore[];
let route: typeof import("#app/routes/api.customer-block.$id");

beforeAll(async () => {
  stores = [0, 1].map((i) =>
    generateStore({ seed: 301 + i, now: NOW.toISOString(), customers: 60, domain: `block-${"ab"[i]}.myshopify.com` }),
  );
  // Large enough for the prediction models (at least 500 customers, 50 of them repeat buyers).
  stores.push(generateStore({ seed: 303, now: NOW.toISOString(), customers: 900, domain: "block-c.myshopify.com" }));
  simulator = await startSimulatorForApp({ stores, bucket: { maximumAvailable: 20_000, restoreRate: 1_000 } });
  const { runShopJob } = await import("#app/jobs/shop-jobs.server");
  for (const store of stores) {
    await installOffline(simulator, store.shop.domain);
    await runShopJob({ shop: store.shop.domain, kind: "backfill" });
  }
  route = await import("#app/routes/api.customer-block.$id");
}, 180_000);

afterAll(async () => {
  await simulator?.close();
});

const secret = () => process.env.SHOPIFY_API_SECRET!;
const token = (shop: string, options: { secret?: string; now?: Date } = {}) =>
  sessionToken({ shop, apiKey: process.env.SHOPIFY_API_KEY!, apiSecret: options.secret ?? secret(), now: options.now });

async function ask(id: string, authorization: string | null, method = "GET") {
  const headers = new Headers({ origin: "https://extensions.shopifycdn.com" });
  if (authorization !== null) headers.set("authorization", authorization);
  if (method === "OPTIONS") {
    headers.set("access-control-request-method", "GET");
    headers.set("access-control-request-headers", "authorization");
  }
  const request = new Request(`http://localhost/api/customer-block/${id}`, { method, headers });
  // As Remix dispatches: GET, HEAD and the preflight (OPTIONS) to the loader, the rest to the action.
  const handler = ["GET", "HEAD", "OPTIONS"].includes(method) ? route.loader : route.action;
  let outcome: unknown;
  try {
    outcome = await handler({ request, params: { id }, context: {} });
  } catch (thrown) {
    outcome = thrown;
  }
  if (!(outcome instanceof Response)) throw outcome;
  return { status: outcome.status, headers: outcome.headers, text: await outcome.text() };
}

/** A customer of the store with counted orders, and one of them past the lapse point. */
async function referenceFor(store: SimStore, customerId: string) {
  const { readStore } = await import("#app/metrics/test-helpers/store");
  const { loadShopContext } = await import("#app/metrics/context.server");
  const shop = await loadShopContext(store.shop.domain);
  return customerStandingReport(await readStore(store.shop.domain), customerId, {
    timeZone: shop.timeZone,
    currency: shop.currency,
    settings: shop.settings,
    now: new Date(),
  });
}

describe("the customer block's route", () => {
  it("adds the customer's prediction once the shop's predictions are fitted", async () => {
    const c = stores[2];
    const { runShopJob } = await import("#app/jobs/shop-jobs.server");
    const { customerPrediction } = await import("#app/metrics/prediction.server");
    const buyer = String(c.orders.find((o) => o.customerId !== null && !o.test && o.cancelledAt === null)!.customerId);
    const before = JSON.parse((await ask(buyer, `Bearer ${token(c.shop.domain)}`)).text) as CustomerBlockData;
    expect(before.prediction).toBeNull();
    await runShopJob({ shop: c.shop.domain, kind: "predictions" });
    const predicted = await customerPrediction(c.shop.domain, buyer);
    expect(predicted.status).toBe("ready");
    if (predicted.status !== "ready") return;
    const after = JSON.parse((await ask(buyer, `Bearer ${token(c.shop.domain)}`)).text) as CustomerBlockData;
    expect(after.prediction).toEqual({
      probabilityAlive: predicted.prediction.probabilityAlive,
      returnProbability: predicted.prediction.returnProbability,
      group: predicted.prediction.group,
      expectedOrders: predicted.prediction.expectedOrders,
      expectedSpend365: predicted.prediction.expectedSpend365,
    });
    expect(after.prediction!.returnProbability).toBeGreaterThan(0);
    expect(after.prediction!.returnProbability).toBeLessThanOrEqual(1);
  });

  it("answers the shop's own customers with the reference's figures", async () => {
    const [a] = stores;
    const ordering = [...new Set(a.orders.filter((o) => o.customerId !== null).map((o) => String(o.customerId)))];
    let atRisk = 0;
    let repeat = 0;
    for (const id of ordering.slice(0, 30)) {
      const answer = await ask(id, `Bearer ${token(a.shop.domain)}`);
      expect(answer.status, answer.text).toBe(200);
      expect(answer.headers.get("access-control-allow-origin")).toBe("*");
      const data = JSON.parse(answer.text) as CustomerBlockData;
      const reference = await referenceFor(a, id);
      // Days since the last order may tick over between the two reads only at a day's edge: both read "now".
      expect(data).toEqual({
        customerId: id,
        currency: reference.currency,
        orders: reference.orders,
        netSpend: reference.netSpend,
        firstOrderDay: reference.firstOrderDay,
        lastOrderDay: reference.lastOrderDay,
        cohort: reference.cohort,
        daysSinceLastOrder: reference.daysSinceLastOrder,
        lapsePointDays: reference.lapsePointDays,
        atRisk: reference.atRisk,
        appPath: `/app/customers/${id}`,
        // Sixty customers are too few to fit (docs/metrics.md, "Predictions").
        prediction: null,
      });
      if (data.atRisk) atRisk += 1;
      if (data.orders > 1) repeat += 1;
    }
    expect(atRisk).toBeGreaterThan(0);
    expect(repeat).toBeGreaterThan(0);
  });

  it("answers a known customer without counted orders with zeros, not a 404", async () => {
    const [a] = stores;
    const buyers = new Set(a.orders.map((o) => o.customerId));
    const idle = a.customers.find((c) => !buyers.has(c.id));
    expect(idle, "the store has a customer without orders").toBeDefined();
    const answer = await ask(String(idle!.id), `Bearer ${token(a.shop.domain)}`);
    expect(answer.status, answer.text).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ orders: 0, netSpend: 0, lastOrderDay: null, cohort: null, atRisk: false });
  });

  it("answers another shop's customer with a 404 holding nothing of that shop", async () => {
    const [a, b] = stores;
    const idsOfA = new Set(a.customers.map((c) => String(c.id)));
    const others = b.customers.map((c) => String(c.id)).filter((id) => !idsOfA.has(id) && b.orders.some((o) => String(o.customerId) === id));
    expect(others.length).toBeGreaterThan(5);
    for (const id of others.slice(0, 5)) {
      const answer = await ask(id, `Bearer ${token(a.shop.domain)}`);
      expect(answer.status).toBe(404);
      expect(answer.text).not.toContain(id);
      expect(answer.text).not.toContain(b.shop.domain);
      // B's own token does reach it.
      expect((await ask(id, `Bearer ${token(b.shop.domain)}`)).status).toBe(200);
    }
    expect((await ask("999999999999", `Bearer ${token(a.shop.domain)}`)).status).toBe(404);
  });

  it("refuses a forged, expired or missing token with a 401 and a malformed id with a 400", async () => {
    const [a] = stores;
    const id = String(a.orders.find((o) => o.customerId !== null)!.customerId);
    expect((await ask(id, `Bearer ${token(a.shop.domain, { secret: "not-the-app-secret" })}`)).status).toBe(401);
    const hourAgo = new Date(Date.now() - 3_600_000);
    expect((await ask(id, `Bearer ${token(a.shop.domain, { now: hourAgo })}`)).status).toBe(401);
    expect((await ask(id, `Bearer not.a.jwt`)).status).toBe(401);
    expect((await ask(id, null)).status).toBe(401);
    for (const bad of ["abc", "0", "-1", "12.5", "99999999999999999999", `gid:%2F%2Fshopify%2FCustomer%2F${id}`]) {
      const answer = await ask(bad, `Bearer ${token(a.shop.domain)}`);
      expect(answer.status, bad).toBe(400);
      expect(answer.headers.get("access-control-allow-origin"), bad).toBe("*");
    }
  });

  it("answers the CORS preflight and refuses other methods", async () => {
    const [a] = stores;
    const preflight = await ask("1", null, "OPTIONS");
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    expect((await ask("1", `Bearer ${token(a.shop.domain)}`, "POST")).status).toBe(405);
  });

  // Last: it leaves the store's rollups built in another time zone (the next answer rebuilds them).
  it("answers a 503 while the store's figures are being recomputed, with how long the recompute has run and the last one took", async () => {
    const [, b] = stores;
    const shop = b.shop.domain;
    const id = String(b.orders.find((o) => o.customerId !== null)!.customerId);
    const { default: prisma } = await import("#app/db.server");
    expect((await ask(id, `Bearer ${token(shop)}`)).status).toBe(200);
    const [{ rebuild_ms: lastMs }] = await prisma.$queryRaw<Array<{ rebuild_ms: number | null }>>`
      SELECT rebuild_ms FROM daily_sales_state WHERE shop = ${shop}`;
    expect(lastMs).not.toBeNull();
    const zone = b.shop.ianaTimezone;
    const other = zone === "Asia/Tokyo" ? "America/Chicago" : "Asia/Tokyo";
    await prisma.shop.update({ where: { domain: shop }, data: { ianaTimezone: other } });
    try {
      // Another process rebuilding the store (the shop update's job) holds its lock meanwhile.
      const started = Date.now();
      const answer = await prisma.$transaction(async (tx) => {
        await tx.$executeRaw(shopLockStatement(shop));
        return ask(id, `Bearer ${token(shop)}`);
      }, { timeout: 60_000 });
      const ended = Date.now();
      expect(answer.status, answer.text).toBe(503);
      expect(answer.headers.get("retry-after")).toBe("15");
      expect(answer.headers.get("access-control-allow-origin")).toBe("*");
      const body = JSON.parse(answer.text) as { recomputing: { timeZone: string; progress: { elapsedSeconds: number; lastSeconds: number } } };
      expect(body.recomputing.timeZone).toBe(other);
      // At least the route's wait for the rebuild, and within the time that transaction was held.
      const { env } = await import("#app/env.server");
      expect(body.recomputing.progress.elapsedSeconds).toBeGreaterThanOrEqual(env.METRYKA_PAGE_REBUILD_WAIT_MS / 1000 - 0.01);
      expect(body.recomputing.progress.elapsedSeconds).toBeLessThanOrEqual((ended - started) / 1000);
      expect(body.recomputing.progress.lastSeconds).toBeCloseTo(lastMs! / 1000, 3);
      // Once that transaction ends, the rebuild runs and the block's answer is back.
      await expect.poll(async () => (await ask(id, `Bearer ${token(shop)}`)).status, { timeout: 30_000 }).toBe(200);
    } finally {
      await prisma.shop.update({ where: { domain: shop }, data: { ianaTimezone: zone } });
    }
  });
});
