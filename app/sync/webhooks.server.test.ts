// Webhook intake through the real routes and the real Shopify library's HMAC check.
import type { ActionFunctionArgs } from "@remix-run/node";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import prisma from "#app/db.server";
import { action as appUninstalled } from "#app/routes/webhooks.app.uninstalled";
import { action as customersDataRequest } from "#app/routes/webhooks.customers.data_request";
import { action as customersRedact } from "#app/routes/webhooks.customers.redact";
import { action as shopRedact } from "#app/routes/webhooks.shop.redact";
import { action as ordersUpdated } from "#app/routes/webhooks.orders.updated";
import { signWebhook, webhookHeaders, type Json } from "#simulator/webhooks";
import { MAX_WEBHOOK_BODY_BYTES } from "#app/sync/webhooks.server";
import { truncateAll } from "../../tests/support/database";
import { processQueuedWebhooks } from "../../tests/support/jobs";
import { stopJobQueue } from "#app/jobs/queue.server";
import { WEBHOOK_TOPICS } from "#app/sync/rest-payloads";
import { customerIdForEmail } from "#app/sync/personal-data";
import { webhookRequestHandler } from "../../tests/support/webhook-routes";

const SHOP = "hooks.myshopify.com";
const SHOP_ID = 1n;
const OTHER = "other.myshopify.com";
const OTHER_ID = 2n;
const SECRET = process.env.SHOPIFY_API_SECRET!;

const COMPLIANCE_TOPICS: readonly string[] = ["customers/data_request", "customers/redact", "shop/redact"];

type Action = (args: ActionFunctionArgs) => Promise<Response>;

interface RequestOptions {
  secret?: string;
  eventId?: string;
  drop?: string[];
  shop?: string;
  /** What the HMAC is computed over, when not the body itself. */
  signed?: string | Uint8Array;
}

function webhookRequest(topic: string, payload: Json | string | Uint8Array<ArrayBuffer>, options: RequestOptions = {}) {
  const body = typeof payload === "string" || payload instanceof Uint8Array ? payload : JSON.stringify(payload);
  const headers = webhookHeaders(
    { url: "", topic, shopDomain: options.shop ?? SHOP, payload: null, secret: options.secret ?? SECRET, eventId: options.eventId },
    options.signed ?? body,
  );
  for (const name of options.drop ?? []) delete headers[name];
  return new Request(`https://metryka.test/webhooks/${topic}`, { method: "POST", headers, body });
}

/**
 * A signed delivery of `bytes` whose body is a stream handing them out in 64 KiB chunks, as a
 * chunked upload arrives; `pulled()` says how many bytes intake asked for.
 */
function streamedRequest(topic: string, bytes: Uint8Array, options: { contentLength: boolean }) {
  const headers = webhookHeaders({ url: "", topic, shopDomain: SHOP, payload: null, secret: SECRET }, bytes);
  if (options.contentLength) headers["Content-Length"] = String(bytes.byteLength);
  let offset = 0;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      const chunk = bytes.subarray(offset, offset + 64 * 1024);
      offset += chunk.byteLength;
      controller.enqueue(chunk);
    },
    cancel() {
      cancelled = true;
    },
  });
  const request = new Request(`https://metryka.test/webhooks/${topic}`, { method: "POST", headers, body, duplex: "half" } as RequestInit);
  return { request, pulled: () => offset, cancelled: () => cancelled };
}

/** An orders/updated body of about `bytes` bytes: an order with many line items. */
function orderBody(bytes: number): Uint8Array {
  const line = (id: number) => ({ id, title: "Organic cotton tee, washed black", sku: `TEE-${id}`, quantity: 1, price: "24.00", tax_lines: [] });
  const one = Buffer.byteLength(JSON.stringify(line(1_000_000))) + 1;
  const count = Math.max(1, Math.floor((bytes - 200) / one));
  return Buffer.from(JSON.stringify({ id: 10, updated_at: "2026-02-02T10:00:00Z", line_items: Array.from({ length: count }, (_, i) => line(1_000_000 + i)) }));
}

const call = (action: Action, request: Request) => action({ request, params: {}, context: {} });

async function seedShop(shop: string, shopifyId: bigint) {
  await prisma.shop.create({ data: { domain: shop, shopifyId, ianaTimezone: "Europe/Berlin", currencyCode: "EUR" } });
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
    await seedShop(SHOP, SHOP_ID);
    await seedShop(OTHER, OTHER_ID);
  });

  it("accepts a correctly signed delivery and records it without personal data", async () => {
    const payload = { shop_id: 1, shop_domain: SHOP, orders_requested: [10], customer: { id: 1, email: "someone@example.com", phone: "+15550100" }, data_request: { id: 9 } };
    const response = await call(customersDataRequest, webhookRequest("customers/data_request", payload, { eventId: "evt-1" }));
    expect(response.status).toBe(200);
    expect(await processQueuedWebhooks()).toBe(1);
    const event = await prisma.webhookEvent.findUniqueOrThrow({ where: { shop_eventId: { shop: SHOP, eventId: "evt-1" } } });
    expect(event.topic).toBe("customers/data_request");
    // The email is gone; the key its imported orders would be under stays (personal-data.ts).
    expect(event.payload).toEqual({
      shop_id: 1,
      shop_domain: SHOP,
      orders_requested: [10],
      customer: { id: 1, imported_customer_id: String(customerIdForEmail("someone@example.com")) },
      data_request: { id: 9 },
    });
    expect(event.processedAt).not.toBeNull();
  });

  it.each(WEBHOOK_TOPICS)("%s: its route checks the HMAC (401, nothing recorded) and records a signed delivery", async (topic) => {
    const { action } = (await import(`../routes/webhooks.${topic.replace("/", ".")}.tsx`)) as { action: Action };
    // Compliance payloads name their shop; the others here fit no topic and are applied as failed.
    const payload: Json = COMPLIANCE_TOPICS.includes(topic) ? { shop_id: Number(SHOP_ID), shop_domain: SHOP } : { id: 1 };
    const bad = await call(action, webhookRequest(topic, payload, { secret: "not-the-secret", eventId: `bad-${topic}` }));
    expect(bad.status).toBe(401);
    const good = await call(action, webhookRequest(topic, payload, { eventId: `good-${topic}` }));
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

  // {"id":10,"name":"#10 <0xFF>"}: 0xFF never occurs in UTF-8.
  const notUtf8 = Buffer.concat([Buffer.from('{"id":10,"name":"#10 '), Buffer.from([0xff]), Buffer.from('"}')]);

  it("answers 400 to a correctly signed body that is not UTF-8, and changes nothing", async () => {
    const before = await counts(SHOP);
    const response = await call(ordersUpdated, webhookRequest("orders/updated", notUtf8));
    expect(response.status).toBe(400);
    expect(await counts(SHOP)).toEqual(before);
  });

  it("verifies the HMAC over the bytes received, not over the text they decode to", async () => {
    const decoded = notUtf8.toString("utf8");
    expect(decoded).toContain("\uFFFD");
    const before = await counts(SHOP);
    const response = await call(ordersUpdated, webhookRequest("orders/updated", notUtf8, { signed: decoded }));
    expect(response.status).toBe(401);
    expect(await counts(SHOP)).toEqual(before);
  });

  it.each([true, false])("answers 413 to a body over the limit without reading it whole (Content-Length sent: %s), and stores nothing", async (contentLength) => {
    const bytes = orderBody(MAX_WEBHOOK_BODY_BYTES + 1024 * 1024);
    expect(bytes.byteLength).toBeGreaterThan(MAX_WEBHOOK_BODY_BYTES);
    const before = await counts(SHOP);
    const { request, pulled } = streamedRequest("orders/updated", bytes, { contentLength });
    const response = await call(ordersUpdated, request);
    expect(response.status).toBe(413);
    // Refused on its Content-Length before any of it is read; without one, as soon as the
    // running count passes the limit (the stream may have handed out one chunk ahead).
    if (contentLength) expect(pulled()).toBeLessThanOrEqual(128 * 1024);
    else expect(pulled()).toBeLessThanOrEqual(MAX_WEBHOOK_BODY_BYTES + 128 * 1024);
    expect(await counts(SHOP)).toEqual(before);
  });

  it("accepts a large order body under the limit, streamed without Content-Length", async () => {
    const bytes = orderBody(MAX_WEBHOOK_BODY_BYTES - 64 * 1024);
    expect(bytes.byteLength).toBeLessThanOrEqual(MAX_WEBHOOK_BODY_BYTES);
    const { request } = streamedRequest("orders/updated", bytes, { contentLength: false });
    const response = await call(ordersUpdated, request);
    expect(response.status).toBe(200);
    expect(await prisma.webhookEvent.count({ where: { shop: SHOP, topic: "orders/updated" } })).toBe(1);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    await processQueuedWebhooks();
    warn.mockRestore();
  });

  // Each compliance payload as Shopify sends it for `shop`.
  const compliancePayloads = (shop: string, shopId: bigint): Array<[string, Json]> => [
    ["customers/data_request", { shop_id: Number(shopId), shop_domain: shop, orders_requested: [10], customer: { id: 1 }, data_request: { id: 9 } }],
    ["customers/redact", { ...redactPayload(shop, 1), shop_id: Number(shopId) }],
    ["shop/redact", { shop_id: Number(shopId), shop_domain: shop }],
  ];
  const routeOf = (topic: string) => ({ "customers/data_request": customersDataRequest, "customers/redact": customersRedact, "shop/redact": shopRedact })[topic]!;
  const everything = async () => ({
    shop: await counts(SHOP),
    other: await counts(OTHER),
    exports: await prisma.dataRequestExport.count(),
    detached: await prisma.order.count({ where: { customerId: null } }),
  });

  it("refuses a compliance payload replayed for another shop (400) and changes nothing for either shop", async () => {
    const before = await everything();
    // OTHER's genuine payloads, correctly signed (the HMAC covers the body only), sent with SHOP's header.
    for (const [topic, payload] of compliancePayloads(OTHER, OTHER_ID)) {
      const response = await call(routeOf(topic), webhookRequest(topic, payload, { shop: SHOP }));
      expect({ topic, status: response.status }).toEqual({ topic, status: 400 });
    }
    // …and SHOP's payloads sent with OTHER's header.
    for (const [topic, payload] of compliancePayloads(SHOP, SHOP_ID)) {
      const response = await call(routeOf(topic), webhookRequest(topic, payload, { shop: OTHER }));
      expect({ topic, status: response.status }).toEqual({ topic, status: 400 });
    }
    expect(await processQueuedWebhooks()).toBe(0);
    expect(await everything()).toEqual(before);
  });

  it("refuses a compliance payload whose shop_id is not the shop's, or that names no shop", async () => {
    const before = await everything();
    const payloads: Json[] = [
      { shop_id: Number(OTHER_ID), shop_domain: SHOP },
      { shop_domain: SHOP },
      { shop_id: Number(SHOP_ID) },
      { shop_id: "not an id", shop_domain: SHOP },
    ];
    for (const payload of payloads) {
      const response = await call(shopRedact, webhookRequest("shop/redact", payload));
      expect({ payload, status: response.status }).toEqual({ payload, status: 400 });
    }
    expect(await processQueuedWebhooks()).toBe(0);
    expect(await everything()).toEqual(before);
  });

  it("accepts a compliance payload naming its shop in another case, and any shop_id while the shop's is unknown", async () => {
    const data = { shop_id: Number(SHOP_ID), shop_domain: "Hooks.MyShopify.com", orders_requested: [10], customer: { id: 1 }, data_request: { id: 9 } };
    expect((await call(customersDataRequest, webhookRequest("customers/data_request", data))).status).toBe(200);
    await prisma.shop.update({ where: { domain: SHOP }, data: { shopifyId: null } });
    const redact = { shop_id: 123456789, shop_domain: SHOP, customer: { id: 2 }, orders_to_redact: [12] };
    expect((await call(customersRedact, webhookRequest("customers/redact", redact))).status).toBe(200);
    expect(await processQueuedWebhooks()).toBe(2);
    expect(await prisma.customer.findMany({ where: { shop: SHOP }, select: { id: true } })).toEqual([{ id: 1n }]);
  });

  it("refuses a compliance payload naming another shop even for a shop it does not know", async () => {
    const stranger = "stranger.myshopify.com";
    const response = await call(shopRedact, webhookRequest("shop/redact", { shop_id: Number(SHOP_ID), shop_domain: SHOP }, { shop: stranger }));
    expect(response.status).toBe(400);
    // About itself, it is answered 200 as before: there is nothing to erase.
    const own = await call(shopRedact, webhookRequest("shop/redact", { shop_id: 77, shop_domain: stranger }, { shop: stranger }));
    expect(own.status).toBe(200);
    expect(await prisma.webhookEvent.count({ where: { shop: stranger } })).toBe(0);
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

  it("records deliveries that arrive together once each: duplicates in one batch, a stranger's among them", async () => {
    const stranger = "stranger.myshopify.com";
    const order = (id: number) => ({ id, updated_at: "2026-02-02T10:00:00Z", line_items: [] });
    const sent = [
      ...Array.from({ length: 30 }, (_, i) => ({ shop: SHOP, eventId: `evt-${i}`, id: 100 + i })),
      // The same event three times, and twice for another shop under the same id.
      ...[0, 1, 2].map(() => ({ shop: SHOP, eventId: "evt-same", id: 200 })),
      ...[0, 1].map(() => ({ shop: OTHER, eventId: "evt-same", id: 201 })),
      { shop: stranger, eventId: "evt-stranger", id: 300 },
    ];
    const answers = await Promise.all(
      sent.map((d) => call(ordersUpdated, webhookRequest("orders/updated", order(d.id), { shop: d.shop, eventId: d.eventId }))),
    );
    expect(answers.map((a) => a.status)).toEqual(sent.map((d) => (d.shop === stranger ? 404 : 200)));
    const stored = await prisma.webhookEvent.findMany({ select: { shop: true, eventId: true, payload: true } });
    const expected = new Map(sent.filter((d) => d.shop !== stranger).map((d) => [`${d.shop} ${d.eventId}`, d.id]));
    expect(new Map(stored.map((e) => [`${e.shop} ${e.eventId}`, (e.payload as { id: number }).id]))).toEqual(expected);
    // One job per recorded event, however many deliveries it had.
    expect(await processQueuedWebhooks()).toBe(expected.size);
  });

  it("answers 503 to every delivery of a batch that could not be written, and keeps none of them", async () => {
    // A fault in the database itself: inserting one event fails its whole transaction.
    await prisma.$executeRawUnsafe(`CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.event_id = 'evt-poison' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$`);
    await prisma.$executeRawUnsafe(`CREATE TRIGGER refuse_poison BEFORE INSERT ON webhook_events FOR EACH ROW EXECUTE FUNCTION refuse_poison()`);
    try {
      const ids = [...Array.from({ length: 20 }, (_, i) => `evt-${i}`), "evt-poison", ...Array.from({ length: 20 }, (_, i) => `evt-late-${i}`)];
      const answers = await Promise.all(
        ids.map((eventId, i) => call(ordersUpdated, webhookRequest("orders/updated", { id: 500 + i, line_items: [] }, { eventId }))),
      );
      const byId = new Map(ids.map((id, i) => [id, answers[i].status]));
      expect(byId.get("evt-poison")).toBe(503);
      expect([...byId.values()].every((status) => status === 200 || status === 503)).toBe(true);
      // What was acknowledged is stored and queued; what was refused left nothing behind.
      const stored = (await prisma.webhookEvent.findMany({ where: { shop: SHOP }, select: { eventId: true } })).map((e) => e.eventId).sort();
      expect(stored).toEqual(ids.filter((id) => byId.get(id) === 200).sort());
      expect(await processQueuedWebhooks()).toBe(stored.length);
    } finally {
      await prisma.$executeRawUnsafe("DROP TRIGGER refuse_poison ON webhook_events");
      await prisma.$executeRawUnsafe("DROP FUNCTION refuse_poison()");
    }
    // Sent again, as Shopify would, every refused delivery is recorded.
    const again = await call(ordersUpdated, webhookRequest("orders/updated", { id: 520, line_items: [] }, { eventId: "evt-poison" }));
    expect(again.status).toBe(200);
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
