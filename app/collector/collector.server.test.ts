// GIVEN installed shops with their pixel keys and the collector on a real loopback HTTP server,
// WHEN batches are posted as the pixel posts them, and as an abuser would, THEN good batches are
// taken into the intake and, once drained, stored once per event id with hashed visitor ids and
// nothing personal, and each abuse case (unknown shop, wrong key, oversized body, too many
// events, malformed and future-dated events, replayed events, a flood from one visitor, a
// disallowed origin) gets its own 4xx and stores nothing, while other shops and visitors are
// still served.
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import prisma from "#app/db.server";
import { truncateAll } from "../../tests/support/database";
import { createCollector, MAX_BATCH_EVENTS, MAX_COLLECT_BODY_BYTES } from "./collector.server";
import { drainPixelIntake } from "./intake.server";
import { ensurePixelSettings } from "./pixel-settings.server";
import { visitorHash } from "./visitors.server";
import { leanRequestHandler } from "#app/lean-routes.server";
import { MAX_WEBHOOK_BODY_BYTES } from "#app/sync/webhooks.server";

const SHOP = "collector-a.myshopify.com";
const OTHER = "collector-b.myshopify.com";
const ORIGIN = `https://${SHOP}`;
let clock = Date.parse("2026-11-20T12:00:00Z");
let server: http.Server;
let base: string;
let keys: Record<string, string>;

beforeAll(async () => {
  // Small visitor limits so that a flood is quick to make; the clock is the test's.
  const collect = createCollector({ limits: { visitorRate: 1, visitorBurst: 30, shopRate: 1000, shopBurst: 1000 }, now: () => clock });
  server = http.createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (path.startsWith("/lean/")) {
      req.url = path.slice("/lean".length);
      const served = leanRequestHandler(req, res);
      if (!served) res.writeHead(599).end();
      return;
    }
    void collect(req, res, decodeURIComponent(path.slice("/collect/".length)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(async () => {
  await truncateAll();
  clock += 3_600_000; // fresh rate buckets and cache entries for every test
  for (const shop of [SHOP, OTHER]) await prisma.shop.create({ data: { domain: shop, installedAt: new Date(), scopes: "read_orders" } });
  keys = {
    [SHOP]: (await ensurePixelSettings(SHOP, ["https://shop.example.com"])).key,
    [OTHER]: (await ensurePixelSettings(OTHER)).key,
  };
});

let seq = 0;
function event(overrides: Record<string, unknown> = {}) {
  seq++;
  return {
    id: `evt-${seq}`,
    name: "page_viewed",
    at: new Date(clock - 60_000).toISOString(),
    clientId: "client-1",
    path: "/products/linen-shirt",
    referrer: "www.google.com",
    utm: { source: "newsletter", medium: "email", campaign: "autumn" },
    device: "mobile",
    ...overrides,
  };
}

async function post(body: unknown, options: { shop?: string; origin?: string | null; raw?: string; path?: string; method?: string } = {}) {
  const shop = options.shop ?? SHOP;
  const headers: Record<string, string> = { "Content-Type": "text/plain" };
  if (options.origin !== null) headers.Origin = options.origin ?? `https://${shop}`;
  const response = await fetch(`${base}${options.path ?? `/collect/${shop}`}`, {
    method: options.method ?? "POST",
    headers,
    body: options.method === "OPTIONS" || options.method === "GET" ? undefined : (options.raw ?? JSON.stringify(body)),
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

const batch = (events: unknown[], shop = SHOP) => ({ key: keys[shop], events });
/** The shop's events stored once the intake is drained (so nothing of a refused batch is left anywhere). */
async function stored(shop = SHOP): Promise<number> {
  await drainPixelIntake();
  expect(await prisma.pixelIntake.count()).toBe(0);
  return prisma.pixelEvent.count({ where: { shop } });
}

describe("the collector", () => {
  it("stores a batch once per event id, with a hashed visitor id and only the breakdowns' context", async () => {
    const events = [event(), event({ name: "product_added_to_cart" }), event({ name: "form_submitted", clientId: "client-2" })];
    const first = await post(batch(events));
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text)).toEqual({ received: 3 });
    expect(first.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    // A replay (sendBeacon and fetch both delivered, a retry) stores nothing new.
    const replay = await post(batch(events));
    expect(JSON.parse(replay.text)).toEqual({ received: 3 });

    expect(await stored()).toBe(3);
    const rows = await prisma.pixelEvent.findMany({ where: { shop: SHOP }, orderBy: { id: "asc" } });
    expect(rows).toHaveLength(3);
    const salt = await prisma.pixelSalt.findUniqueOrThrow({ where: { shop_day: { shop: SHOP, day: new Date(new Date(clock).toISOString().slice(0, 10)) } } });
    expect(rows.map((r) => r.visitorId)).toEqual([
      visitorHash(Buffer.from(salt.salt), "client-1"),
      visitorHash(Buffer.from(salt.salt), "client-1"),
      visitorHash(Buffer.from(salt.salt), "client-2"),
    ]);
    expect(rows.map((r) => r.name)).toEqual(["page_viewed", "product_added_to_cart", "email_subscribed"]);
    expect(rows[0]).toMatchObject({ landingPath: "/products/linen-shirt", referrerHost: "www.google.com", utmSource: "newsletter", device: "mobile" });
    // Nothing of the client id itself is kept.
    expect(JSON.stringify(rows, (_, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain("client-1");
  });

  it("answers CORS preflights for the shop's storefront origins only", async () => {
    const ok = await post(null, { method: "OPTIONS", origin: "https://shop.example.com" });
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://shop.example.com");
    expect((await post(null, { method: "OPTIONS", origin: "https://evil.example" })).status).toBe(403);
  });

  it("is served on the lean path, ahead of the page stack", async () => {
    // The app's own collector runs on the real clock.
    const response = await post(batch([event({ at: new Date().toISOString() })]), { path: `/lean/collect/${SHOP}` });
    expect(response.status).toBe(200);
    expect(await stored()).toBe(1);
  });

  it("shares the lean path with webhook intake; other paths go on to the page stack", async () => {
    const body = JSON.stringify({ id: 1, admin_graphql_api_id: "gid://shopify/Order/1" });
    const signed = (hmac: string) => ({
      "X-Shopify-Topic": "orders/create",
      "X-Shopify-Hmac-Sha256": hmac,
      "X-Shopify-Shop-Domain": SHOP,
      "X-Shopify-Webhook-Id": "lean-webhook-1",
      "X-Shopify-Event-Id": "lean-event-1",
      "X-Shopify-Triggered-At": new Date(clock).toISOString(),
      "X-Shopify-API-Version": "2026-10",
    });
    const hmac = crypto.createHmac("sha256", process.env.SHOPIFY_API_SECRET!).update(body).digest("base64");
    expect((await fetch(`${base}/lean/webhooks/orders/create`, { method: "POST", headers: signed("AAAA"), body })).status).toBe(401);
    expect(await prisma.webhookEvent.count()).toBe(0);
    expect((await fetch(`${base}/lean/webhooks/orders/create`, { method: "POST", headers: signed(hmac), body })).status).toBe(200);
    expect(await prisma.webhookEvent.count({ where: { shop: SHOP, eventId: "lean-event-1" } })).toBe(1);
    expect((await fetch(`${base}/lean/webhooks/orders/create`)).status).toBe(405);
    const oversized = "x".repeat(MAX_WEBHOOK_BODY_BYTES + 1);
    expect((await fetch(`${base}/lean/webhooks/orders/create`, { method: "POST", headers: signed(hmac), body: oversized })).status).toBe(413);
    expect(await prisma.webhookEvent.count()).toBe(1);
    expect((await fetch(`${base}/lean/webhooks/not/a-topic`, { method: "POST", body: "{}" })).status).toBe(599);
    expect((await fetch(`${base}/lean/app`)).status).toBe(599);
  });
});

describe("the intake", () => {
  it("keeps accepted batches, per shop, until a drain moves them; drains at once move each event once", async () => {
    expect((await post(batch([event(), event()]))).status).toBe(200);
    expect((await post(batch([event(), event(), event()], OTHER), { shop: OTHER })).status).toBe(200);
    expect(await prisma.pixelEvent.count()).toBe(0);
    expect(await prisma.pixelIntake.groupBy({ by: ["shop"], _count: true, orderBy: { shop: "asc" } })).toEqual([
      { shop: SHOP, _count: 1 },
      { shop: OTHER, _count: 1 },
    ]);
    // One shop's drain (its sessions being read) leaves the other's intake.
    expect(await drainPixelIntake([SHOP])).toBe(2);
    expect(await prisma.pixelIntake.findMany({ select: { shop: true } })).toEqual([{ shop: OTHER }]);
    // Drains running at once (the upkeep, a page) share the rows: each event is stored once.
    const drained = await Promise.all([drainPixelIntake(), drainPixelIntake(), drainPixelIntake([OTHER])]);
    expect(drained.reduce((a, b) => a + b, 0)).toBe(3);
    expect(await prisma.pixelEvent.groupBy({ by: ["shop"], _count: true, orderBy: { shop: "asc" } })).toEqual([
      { shop: SHOP, _count: 2 },
      { shop: OTHER, _count: 3 },
    ]);
    expect(await prisma.pixelIntake.count()).toBe(0);
  });
});

describe("visitor ids", () => {
  it("are SHA-256 of the salt and the client id, 22 characters of base64url, the same from one release to the next", () => {
    // A changed formula would split every visitor of the day in two at the deployment.
    const salt = Buffer.from(Array.from({ length: 32 }, (_, i) => i + 1));
    expect(visitorHash(salt, "client-ż1")).toBe("yni37dhRv8i5Nqi4biiJwn");
    expect(visitorHash(salt, "client-ż2")).not.toBe("yni37dhRv8i5Nqi4biiJwn");
  });
});

describe("abuse: each case is refused and nothing is stored", () => {
  it("an unknown shop, and an uninstalled one", async () => {
    expect((await post(batch([event()]), { shop: "nobody.myshopify.com" })).status).toBe(404);
    await prisma.shop.update({ where: { domain: OTHER }, data: { uninstalledAt: new Date() } });
    clock += 60_000; // past the collector's cache of the shop
    expect((await post(batch([event()], OTHER), { shop: OTHER })).status).toBe(404);
    await drainPixelIntake();
    expect(await prisma.pixelEvent.count()).toBe(0);
  });

  it("a wrong key, and another shop's key", async () => {
    expect((await post({ key: "x".repeat(32), events: [event()] })).status).toBe(401);
    expect((await post({ key: keys[OTHER], events: [event()] })).status).toBe(401);
    expect(await stored()).toBe(0);
  });

  it("a disallowed origin, and none at all", async () => {
    expect((await post(batch([event()]), { origin: "https://evil.example" })).status).toBe(403);
    expect((await post(batch([event()]), { origin: `https://${OTHER}` })).status).toBe(403);
    expect((await post(batch([event()]), { origin: null })).status).toBe(403);
    expect(await stored()).toBe(0);
  });

  it("an oversized body, declared or streamed", async () => {
    const big = JSON.stringify(batch([event({ path: `/${"a".repeat(MAX_COLLECT_BODY_BYTES)}` })]));
    expect((await post(null, { raw: big })).status).toBe(413);
    // Chunked, without a Content-Length: refused once the count passes the limit.
    const chunked = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${base}/collect/${SHOP}`);
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { Origin: ORIGIN, "Transfer-Encoding": "chunked" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      for (let i = 0; i < 20; i++) req.write("x".repeat(8 * 1024));
      req.end();
    });
    expect(chunked).toBe(413);
    expect(await stored()).toBe(0);
  });

  it("too many events in one batch", async () => {
    const events = Array.from({ length: MAX_BATCH_EVENTS + 1 }, () => event({ clientId: `c-${seq}` }));
    expect((await post(batch(events))).status).toBe(413);
    expect(await stored()).toBe(0);
  });

  it.each([
    ["not JSON", "{events:"],
    ["no key", JSON.stringify({ events: [] })],
    ["an unknown event name", () => JSON.stringify(batch([event(), event({ name: "purchase" })]))],
    ["an unknown field (personal data has no place)", () => JSON.stringify(batch([event(), event({ email: "a@example.com" })]))],
    ["a query string in the path", () => JSON.stringify(batch([event({ path: "/cart?email=a@example.com" })]))],
    ["an address in a UTM value", () => JSON.stringify(batch([event({ utm: { source: "a@example.com" } })]))],
    ["an impossible time", () => JSON.stringify(batch([event({ at: "2026-13-45T00:00:00Z" })]))],
    ["a future-dated event", () => JSON.stringify(batch([event(), event({ at: new Date(clock + 3_600_000).toISOString() })]))],
    ["an event older than a day", () => JSON.stringify(batch([event({ at: new Date(clock - 2 * 86_400_000).toISOString() })]))],
  ])("a malformed batch: %s → 400", async (_, body) => {
    const response = await post(null, { raw: typeof body === "function" ? body() : body });
    expect(response.status).toBe(400);
    expect(await stored()).toBe(0);
  });

  it("replayed events are stored once", async () => {
    const events = [event(), event()];
    await post(batch(events));
    expect(await stored()).toBe(2);
    for (let i = 0; i < 3; i++) expect((await post(batch(events))).status).toBe(200);
    expect(await stored()).toBe(2);
  });

  it("stores each event once when concurrent requests carry the same events", async () => {
    // Requests that arrive together are written by one statement: an event carried by several
    // of them (a beacon and its fetch retry), or twice by one, is stored once.
    const shared = [event(), event()];
    const requests = Array.from({ length: 8 }, (_, i) => batch(i % 2 === 0 ? [...shared, event()] : [shared[0], shared[0]]));
    const answers = await Promise.all(requests.map((body) => post(body)));
    expect(answers.map((a) => a.status)).toEqual(requests.map(() => 200));
    expect(await stored()).toBe(2 + 4);
  });

  it("a flood from one visitor gets 429, while another visitor and another shop are still served", async () => {
    // 30 events at once is the visitor's burst; the next batch of the same visitor is refused whole.
    expect((await post(batch(Array.from({ length: 30 }, () => event({ clientId: "flooder" }))))).status).toBe(200);
    const flood = await post(batch([event({ clientId: "flooder" }), event({ clientId: "someone-else" })]));
    expect(flood.status).toBe(429);
    expect(await stored()).toBe(30);
    expect((await post(batch([event({ clientId: "someone-else" })]))).status).toBe(200);
    expect((await post(batch([event({ clientId: "flooder" })], OTHER), { shop: OTHER })).status).toBe(200);
    expect(await stored()).toBe(31);
    expect(await stored(OTHER)).toBe(1);
    // A second later the visitor has one event's allowance again.
    clock += 1_000;
    expect((await post(batch([event({ clientId: "flooder" })]))).status).toBe(200);
  });

  it("another method than POST", async () => {
    expect((await post(null, { method: "GET" })).status).toBe(405);
    expect((await post(null, { method: "PUT", raw: "{}" })).status).toBe(405);
  });
});
