// Webhook intake through the real routes and the real Shopify library's HMAC check.
import type { ActionFunctionArgs } from "@remix-run/node";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import prisma from "#app/db.server";
import { action as appUninstalled } from "#app/routes/webhooks.app.uninstalled";
import { action as customersDataRequest } from "#app/routes/webhooks.customers.data_request";
import { action as customersRedact } from "#app/routes/webhooks.customers.redact";
import { action as shopRedact } from "#app/routes/webhooks.shop.redact";
import { webhookHeaders, type Json } from "#simulator/webhooks";
import { truncateAll } from "../../tests/support/database";
import { processQueuedWebhooks } from "../../tests/support/jobs";
import { stopJobQueue } from "#app/jobs/queue.server";
import { WEBHOOK_TOPICS } from "#app/sync/rest-payloads";
import { webhookRequestHandler } from "../../tests/support/webhook-routes";

const SHOP = "hooks.myshopify.com";
const OTHER = "other.myshopify.com";
const SECRET = process.env.SHOPIFY_API_SECRET!;

type Action = (args: ActionFunctionArgs) => Promise<Response>;

function webhookRequest(topic: string, payload: Json | string, options: { secret?: string; eventId?: string; drop?: string[]; shop?: string } = {}) {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const headers = webhookHeaders(
    { url: "", topic, shopDomain: options.shop ?? SHOP, payload: null, secret: options.secret ?? SECRET, eventId: options.eventId },
    body,
  );
  for (const name of options.drop ?? []) delete headers[name];
  return new Request(`https://metryka.test/webhooks/${topic}`, { method: "POST", headers, body });
}

const call = (action: Action, request: Request) => action({ request, params: {}, context: {} });

async function seedShop(shop: string) {
  await prisma.shop.create({ data: { domain: shop, ianaTimezone: "Europe/Berlin", currencyCode: "EUR" } });
  await prisma.customer.createMany({
    data: [1n, 2n].map((id) => ({ shop, id, createdAt: new Date("2026-01-01T00:00:00Z"), updatedAt: new Date("2026-01-01T00:00:00Z") })),
  });
  const order = (id: bigint, customerId: bigint | null) => ({
    shop,
    id,
    name: `#${id}`,
    customerId,
    processedAt: new Date("2026-02-01T10:00:00Z"),
    createdAt: new Date("2026-02-01T10:00:00Z"),
    updatedAt: new Date("2026-02-01T10:00:00Z"),
    currencyCode: "EUR",
    grossSales: 1000n,
    discounts: 0n,
    shipping: 0n,
    tax: 0n,
    totalPrice: 1000n,
    totalRefunded: 0n,
  });
  await prisma.order.createMany({ data: [order(10n, 1n), order(11n, 1n), order(12n, 2n), order(13n, null)] });
  await prisma.session.create({ data: { id: `offline_${shop}`, shop, state: "", accessToken: "token", isOnline: false } });
}

const counts = async (shop: string) => ({
  shops: await prisma.shop.count({ where: { domain: shop } }),
  orders: await prisma.order.count({ where: { shop } }),
  customers: await prisma.customer.count({ where: { shop } }),
  sessions: await prisma.session.count({ where: { shop } }),
  events: await prisma.webhookEvent.count({ where: { shop } }),
});

const redactPayload = (shop: string, customerId: number) => ({
  shop_id: 1,
  shop_domain: shop,
  customer: { id: customerId, email: "someone@example.com", phone: "+15550100" },
  orders_to_redact: [10, 11],
});

afterAll(() => stopJobQueue());

describe("webhook intake", () => {
  beforeEach(async () => {
    await truncateAll();
    await seedShop(SHOP);
    await seedShop(OTHER);
  });

  it("accepts a correctly signed delivery and records it without personal data", async () => {
    const payload = { shop_id: 1, shop_domain: SHOP, orders_requested: [10], customer: { id: 1, email: "someone@example.com", phone: "+15550100" }, data_request: { id: 9 } };
    const response = await call(customersDataRequest, webhookRequest("customers/data_request", payload, { eventId: "evt-1" }));
    expect(response.status).toBe(200);
    expect(await processQueuedWebhooks()).toBe(1);
    const event = await prisma.webhookEvent.findUniqueOrThrow({ where: { shop_eventId: { shop: SHOP, eventId: "evt-1" } } });
    expect(event.topic).toBe("customers/data_request");
    expect(event.payload).toEqual({ shop_id: 1, shop_domain: SHOP, orders_requested: [10], customer: { id: 1 }, data_request: { id: 9 } });
    expect(event.processedAt).not.toBeNull();
  });

  it.each(WEBHOOK_TOPICS)("%s: its route checks the HMAC (401, nothing recorded) and records a signed delivery", async (topic) => {
    const { action } = (await import(`../routes/webhooks.${topic.replace("/", ".")}.tsx`)) as { action: Action };
    const bad = await call(action, webhookRequest(topic, { id: 1 }, { secret: "not-the-secret", eventId: `bad-${topic}` }));
    expect(bad.status).toBe(401);
    const good = await call(action, webhookRequest(topic, { id: 1 }, { eventId: `good-${topic}` }));
    expect(good.status).toBe(200);
    expect(await prisma.webhookEvent.findMany({ where: { shop: SHOP, eventId: { in: [`bad-${topic}`, `good-${topic}`] } }, select: { eventId: true, topic: true } })).toEqual([
      { eventId: `good-${topic}`, topic },
    ]);
    // Applied (most as payloads that do not fit the topic), so that no job is left queued.
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    await processQueuedWebhooks();
    warn.mockRestore();
  });

  it("answers 401 to a bad HMAC and changes nothing", async () => {
    const before = await counts(SHOP);
    const response = await call(shopRedact, webhookRequest("shop/redact", { shop_id: 1, shop_domain: SHOP }, { secret: "not-the-secret" }));
    expect(response.status).toBe(401);
    expect(await counts(SHOP)).toEqual(before);
  });

  it.each(["X-Shopify-Hmac-Sha256", "X-Shopify-Topic", "X-Shopify-Shop-Domain", "X-Shopify-API-Version", "X-Shopify-Webhook-Id"])(
    "answers 400 when %s is missing and changes nothing",
    async (header) => {
      const before = await counts(SHOP);
      const response = await call(shopRedact, webhookRequest("shop/redact", { shop_id: 1, shop_domain: SHOP }, { drop: [header] }));
      expect(response.status).toBe(400);
      expect(await counts(SHOP)).toEqual(before);
    },
  );

  it("answers 400 to a signed body that is not JSON, and changes nothing", async () => {
    const before = await counts(SHOP);
    const response = await call(shopRedact, webhookRequest("shop/redact", "{not json"));
    expect(response.status).toBe(400);
    expect(await counts(SHOP)).toEqual(before);
  });

  it("answers 404 to a shop it does not know and stores nothing", async () => {
    const stranger = "stranger.myshopify.com";
    const before = await counts(SHOP);
    const response = await call(appUninstalled, webhookRequest("app/uninstalled", { id: 9, domain: stranger }, { shop: stranger }));
    expect(response.status).toBe(404);
    expect(await prisma.webhookEvent.count({ where: { shop: stranger } })).toBe(0);
    expect(await prisma.shop.count({ where: { domain: stranger } })).toBe(0);
    expect(await counts(SHOP)).toEqual(before);
  });

  it("records a duplicate delivery of one event once", async () => {
    const payload = redactPayload(SHOP, 2);
    const first = await call(customersRedact, webhookRequest("customers/redact", payload, { eventId: "evt-dup" }));
    const second = await call(customersRedact, webhookRequest("customers/redact", payload, { eventId: "evt-dup" }));
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(await prisma.webhookEvent.count({ where: { shop: SHOP, eventId: "evt-dup" } })).toBe(1);
    expect(await processQueuedWebhooks()).toBe(1);
    // Delivered again after it was applied: recorded once, not queued again.
    const third = await call(customersRedact, webhookRequest("customers/redact", payload, { eventId: "evt-dup" }));
    expect(third.status).toBe(200);
    expect(await processQueuedWebhooks()).toBe(0);
  });

  it("customers/redact removes the customer and detaches their orders, and nothing else", async () => {
    const response = await call(customersRedact, webhookRequest("customers/redact", redactPayload(SHOP, 1)));
    expect(response.status).toBe(200);
    await processQueuedWebhooks();
    expect(await prisma.customer.findMany({ where: { shop: SHOP }, select: { id: true } })).toEqual([{ id: 2n }]);
    const orders = await prisma.order.findMany({ where: { shop: SHOP }, orderBy: { id: "asc" }, select: { id: true, customerId: true } });
    expect(orders).toEqual([
      { id: 10n, customerId: null },
      { id: 11n, customerId: null },
      { id: 12n, customerId: 2n },
      { id: 13n, customerId: null },
    ]);
    expect(await counts(OTHER)).toMatchObject({ orders: 4, customers: 2 });
  });

  it("shop/redact erases every row of the shop and leaves other shops alone", async () => {
    const other = await counts(OTHER);
    const response = await call(shopRedact, webhookRequest("shop/redact", { shop_id: 1, shop_domain: SHOP }));
    expect(response.status).toBe(200);
    await processQueuedWebhooks();
    expect(await counts(SHOP)).toEqual({ shops: 0, orders: 0, customers: 0, sessions: 0, events: 0 });
    expect(await counts(OTHER)).toEqual(other);
  });

  it("app/uninstalled removes the shop's sessions and marks it uninstalled", async () => {
    const response = await call(appUninstalled, webhookRequest("app/uninstalled", { id: 1, domain: SHOP }));
    expect(response.status).toBe(200);
    await processQueuedWebhooks();
    expect(await prisma.session.count({ where: { shop: SHOP } })).toBe(0);
    expect((await prisma.shop.findUniqueOrThrow({ where: { domain: SHOP } })).uninstalledAt).not.toBeNull();
    expect(await prisma.session.count({ where: { shop: OTHER } })).toBe(1);
  });
});

describe("methods other than POST", () => {
  // Through Remix's own request handler: a GET to a route without a loader is Remix's 400
  // ("did not provide a `loader`"), not the route's answer.
  it.each(WEBHOOK_TOPICS)("%s: its route answers 405 with Allow: POST to every other method", async (topic) => {
    const handle = await webhookRequestHandler();
    for (const method of ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"]) {
      const response = await handle(new Request(`https://metryka.test/webhooks/${topic}`, { method }));
      expect({ method, status: response.status, allow: response.headers.get("Allow") }).toEqual({ method, status: 405, allow: "POST" });
    }
  });
});
