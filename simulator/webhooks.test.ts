import "@shopify/shopify-api/adapters/node";
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApiVersion, LogSeverity, shopifyApi } from "@shopify/shopify-api";
import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatMinor } from "./money";
import { generateStore } from "./seed";
import { orderCurrentTotal, orderTotal } from "./truth";
import {
  customersDataRequestPayload,
  customersRedactPayload,
  deliverWebhook,
  deliverWebhooks,
  orderWebhookPayload,
  refundWebhookPayload,
  shopRedactPayload,
  signWebhook,
} from "./webhooks";

const SECRET = "webhook-secret";
const store = generateStore({ seed: 8, now: "2026-11-15T12:00:00Z", customers: 60, domain: "hooks.myshopify.com" });

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  libraryValid: boolean;
}

const shopify = shopifyApi({
  apiKey: "hooks-key",
  apiSecretKey: SECRET,
  apiVersion: ApiVersion.October26,
  isEmbeddedApp: true,
  hostName: "metryka.example.com",
  logger: { level: LogSeverity.Error, log: async () => undefined },
});

let server: Server;
let receiverUrl = "";
const received: Received[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      void shopify.webhooks.validate({ rawBody: body, rawRequest: req, rawResponse: res }).then((check) => {
        received.push({ path: req.url ?? "", headers: req.headers, body, libraryValid: check.valid });
        res.writeHead(req.url === "/fail" ? 500 : 200);
        res.end("ok");
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function verify(body: string, header: string, secret: string): boolean {
  const expected = createHmac("sha256", secret).update(body, "utf8").digest();
  const given = Buffer.from(header, "base64");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe("webhook signing and delivery", () => {
  it("signs with base64 HMAC-SHA256 of the raw body: verifies with timingSafeEqual, fails for another body or secret", () => {
    const body = JSON.stringify({ id: 1, total_price: "12.30" });
    const signature = signWebhook(body, SECRET);
    expect(verify(body, signature, SECRET)).toBe(true);
    expect(verify(body.replace("12.30", "12.31"), signature, SECRET)).toBe(false);
    expect(verify(body, signature, "other")).toBe(false);
  });

  it("POSTs the raw JSON with every Shopify header, and the real library accepts it", async () => {
    const order = store.orders[0];
    const payload = orderWebhookPayload(order, store.shop);
    const result = await deliverWebhook({
      url: `${receiverUrl}/webhooks/orders/create`,
      topic: "orders/create",
      shopDomain: store.shop.domain,
      payload,
      secret: SECRET,
      eventId: "evt-1",
      webhookId: "wh-1",
      triggeredAt: "2026-11-15T11:00:00Z",
    });
    expect(result.status).toBe(200);
    const hit = received.find((r) => r.headers["x-shopify-webhook-id"] === "wh-1");
    if (!hit) throw new Error("not received");
    expect(hit.path).toBe("/webhooks/orders/create");
    expect(hit.headers["content-type"]).toBe("application/json");
    expect(hit.headers["x-shopify-topic"]).toBe("orders/create");
    expect(hit.headers["x-shopify-shop-domain"]).toBe(store.shop.domain);
    expect(hit.headers["x-shopify-event-id"]).toBe("evt-1");
    expect(hit.headers["x-shopify-triggered-at"]).toBe("2026-11-15T11:00:00Z");
    expect(hit.headers["x-shopify-api-version"]).toBe("2026-10");
    expect(verify(hit.body, hit.headers["x-shopify-hmac-sha256"] as string, SECRET)).toBe(true);
    expect(JSON.parse(hit.body)).toEqual(payload);
    expect(hit.libraryValid).toBe(true);
  });

  it("a delivery signed with another secret fails the library's check", async () => {
    await deliverWebhook({ url: `${receiverUrl}/webhooks/orders/updated`, topic: "orders/updated", shopDomain: store.shop.domain, payload: { id: 1 }, secret: "wrong", webhookId: "wh-bad" });
    expect(received.find((r) => r.headers["x-shopify-webhook-id"] === "wh-bad")?.libraryValid).toBe(false);
  });

  it("delivers with duplicates, drops and reordering, reproducibly for a seed", async () => {
    const deliveries = store.orders.slice(0, 30).map((o) => ({
      url: `${receiverUrl}/chaos`,
      topic: "orders/updated",
      shopDomain: store.shop.domain,
      payload: { id: o.id },
      secret: SECRET,
      eventId: `e-${o.id}`,
    }));
    const before = received.length;
    const report = await deliverWebhooks(deliveries, { seed: 5, duplicateRate: 0.3, dropRate: 0.2, shuffle: true });
    const got = received.slice(before).map((r) => r.headers["x-shopify-event-id"] as string);
    expect(got).toHaveLength(30 - report.dropped.length + report.duplicated.length);
    expect(report.dropped.length).toBeGreaterThan(0);
    expect(report.duplicated.length).toBeGreaterThan(0);
    for (const i of report.dropped) expect(got).not.toContain(`e-${store.orders[i].id}`);
    for (const i of report.duplicated) expect(got.filter((e) => e === `e-${store.orders[i].id}`)).toHaveLength(2);
    const inOrder = deliveries.map((d) => d.eventId).filter((e) => got.includes(e));
    expect([...new Set(got)]).not.toEqual(inOrder);
    const again = await deliverWebhooks(deliveries, { seed: 5, duplicateRate: 0.3, dropRate: 0.2, shuffle: true });
    expect(again.attempts.map((a) => a.index)).toEqual(report.attempts.map((a) => a.index));
  });

  it("retries a failing endpoint when asked", async () => {
    const report = await deliverWebhooks([{ url: `${receiverUrl}/fail`, topic: "orders/create", shopDomain: store.shop.domain, payload: {}, secret: SECRET }], { seed: 1, retries: 2 });
    expect(report.attempts.map((a) => a.status)).toEqual([500, 500, 500]);
  });
});

describe("REST payloads", () => {
  it("shapes an order like Shopify's REST API: numeric ids, GIDs, money strings, shop-local timestamps", () => {
    const order = store.orders.find((o) => o.customerId !== null && o.refunds.length > 0);
    if (!order) throw new Error("no refunded customer order");
    const payload = orderWebhookPayload(order, store.shop);
    expect(payload).toMatchObject({
      id: order.id,
      admin_graphql_api_id: `gid://shopify/Order/${order.id}`,
      name: order.name,
      test: order.test,
      currency: "USD",
      total_price: formatMinor(orderTotal(order), "USD"),
      current_total_price: formatMinor(orderCurrentTotal(order), "USD"),
      customer: { id: order.customerId, admin_graphql_api_id: `gid://shopify/Customer/${order.customerId}` },
    });
    const processed = payload.processed_at as string;
    expect(processed).toMatch(/-0[45]:00$/);
    expect(DateTime.fromISO(processed).toMillis()).toBe(Date.parse(order.processedAt));
    expect((payload.line_items as unknown[]).length).toBe(order.lineItems.length);
    const refunds = payload.refunds as Array<{ refund_line_items: Array<{ line_item_id: number }> }>;
    expect(refunds).toHaveLength(order.refunds.length);
    const lineIds = order.lineItems.map((l) => l.id);
    for (const r of refunds) for (const rli of r.refund_line_items) expect(lineIds).toContain(rli.line_item_id);
    const guest = store.orders.find((o) => o.customerId === null);
    if (!guest) throw new Error("no guest order");
    expect(orderWebhookPayload(guest, store.shop).customer).toBeNull();
    expect(refundWebhookPayload(order.refunds[0], order, store.shop)).toMatchObject({ id: order.refunds[0].id, order_id: order.id });
  });

  it("builds the three compliance payloads as documented", () => {
    const customer = store.customers[0];
    expect(customersDataRequestPayload({ shop: store.shop, customer, ordersRequested: [1, 2], dataRequestId: 9 })).toEqual({
      shop_id: store.shop.id,
      shop_domain: store.shop.domain,
      orders_requested: [1, 2],
      customer: { id: customer.id, email: customer.email, phone: null },
      data_request: { id: 9 },
    });
    expect(customersRedactPayload({ shop: store.shop, customer, ordersToRedact: [3] })).toEqual({
      shop_id: store.shop.id,
      shop_domain: store.shop.domain,
      customer: { id: customer.id, email: customer.email, phone: null },
      orders_to_redact: [3],
    });
    expect(shopRedactPayload(store.shop)).toEqual({ shop_id: store.shop.id, shop_domain: store.shop.domain });
  });
});
