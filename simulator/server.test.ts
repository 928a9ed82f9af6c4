import "@shopify/shopify-api/adapters/node";
import { createSecretKey } from "node:crypto";
import { ApiVersion, LogSeverity, RequestedTokenType, shopifyApi, type Session } from "@shopify/shopify-api";
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateStore } from "./seed";
import { startSimulator, type SimulatorHandle } from "./server";
import { gid, storeTotals } from "./truth";

const API_KEY = "sim-test-key";
const API_SECRET = "sim-test-secret";
const SHOP = "server-test.myshopify.com";
const OTHER_SHOP = "server-other.myshopify.com";
const NOW = new Date().toISOString();
const store = generateStore({ seed: 21, now: NOW, customers: 80, domain: SHOP });
const other = generateStore({ seed: 22, now: NOW, customers: 30, domain: OTHER_SHOP, timeZone: "Australia/Sydney", currencyCode: "AUD" });

let sim: SimulatorHandle;

/** The test's own seam: https://<shop>/<path> → <simulator>/<shop>/<path>. */
function rewritingFetch(simulatorUrl: string): typeof fetch {
  return (input, init) => {
    const original = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    const target = original.protocol === "https:" && original.hostname.endsWith(".myshopify.com")
      ? `${simulatorUrl}/${original.hostname}${original.pathname}${original.search}`
      : original.href;
    return fetch(target, init);
  };
}

async function sessionToken(shop: string, secret = API_SECRET, userId = 4242): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: `https://${shop}/admin`, dest: `https://${shop}`, aud: API_KEY, sub: String(userId), jti: "j1", sid: "s1" })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt(now - 5)
    .setNotBefore(now - 5)
    .setExpirationTime(now + 60)
    .sign(createSecretKey(Buffer.from(secret)));
}

const shopify = shopifyApi({
  apiKey: API_KEY,
  apiSecretKey: API_SECRET,
  apiVersion: ApiVersion.October26,
  isEmbeddedApp: true,
  hostName: "metryka.example.com",
  scopes: ["read_orders", "read_all_orders", "read_customers"],
  logger: { level: LogSeverity.Error, log: async () => undefined },
});

beforeAll(async () => {
  sim = await startSimulator({ apiKey: API_KEY, apiSecret: API_SECRET, stores: [store, other] });
  setAbstractFetchFunc(rewritingFetch(sim.url));
});

afterAll(async () => {
  await sim.close();
});

async function offlineSession(shop: string): Promise<Session> {
  const { session } = await shopify.auth.tokenExchange({
    shop,
    sessionToken: await sessionToken(shop),
    requestedTokenType: RequestedTokenType.OfflineAccessToken,
  });
  return session;
}

describe("the simulator with the real @shopify/shopify-api", () => {
  it("answers /health", async () => {
    const response = await fetch(`${sim.url}/health`);
    expect(response.status).toBe(200);
  });

  it("exchanges a session token for an offline token, then serves shop and a page of orders", async () => {
    const session = await offlineSession(SHOP);
    expect(session.isOnline).toBe(false);
    expect(session.accessToken).toMatch(/^shpat_[0-9a-f]{32}$/);
    expect(session.scope).toBe("read_orders,read_all_orders,read_customers,write_customers,read_reports,write_pixels,read_customer_events");
    expect(sim.installations.list().some((t) => t.accessToken === session.accessToken && t.grant === "token_exchange")).toBe(true);

    const client = new shopify.clients.Graphql({ session });
    const response = await client.request<{
      shop: { ianaTimezone: string; currencyCode: string };
      orders: { nodes: Array<{ id: string; processedAt: string }>; pageInfo: { hasNextPage: boolean } };
    }>(
      `query ShopAndOrders { shop { ianaTimezone currencyCode } orders(first: 25, sortKey: PROCESSED_AT) { nodes { id processedAt } pageInfo { hasNextPage } } }`,
    );
    expect(response.data?.shop).toEqual({ ianaTimezone: "America/New_York", currencyCode: "USD" });
    const expected = store.orders
      .slice()
      .sort((a, b) => a.processedAt.localeCompare(b.processedAt) || a.id - b.id)
      .slice(0, 25)
      .map((o) => gid("Order", o.id));
    expect(response.data?.orders.nodes.map((n) => n.id)).toEqual(expected);
    expect(response.data?.orders.pageInfo.hasNextPage).toBe(true);
    expect(response.extensions?.cost).toMatchObject({ throttleStatus: { maximumAvailable: 2000, restoreRate: 100 } });
    expect(response.headers?.["X-Shopify-Api-Version"]).toEqual(["2026-10"]);
  });

  it("exchanges for an online token carrying the session token's user", async () => {
    const { session } = await shopify.auth.tokenExchange({
      shop: SHOP,
      sessionToken: await sessionToken(SHOP, API_SECRET, 777),
      requestedTokenType: RequestedTokenType.OnlineAccessToken,
    });
    expect(session.isOnline).toBe(true);
    expect(session.onlineAccessInfo?.associated_user.id).toBe(777);
    expect(session.expires?.getTime()).toBeGreaterThan(Date.now() + 86_000_000);
  });

  it("keeps stores apart: a token of one shop is refused by another (401), unknown shops are 404", async () => {
    const session = await offlineSession(SHOP);
    const response = await fetch(`${sim.url}/${OTHER_SHOP}/admin/api/2026-10/graphql.json`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": session.accessToken as string },
      body: JSON.stringify({ query: "{ shop { name } }" }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
    const missing = await fetch(`${sim.url}/nowhere.myshopify.com/admin/api/2026-10/graphql.json`, { method: "POST", body: "{}" });
    expect(missing.status).toBe(404);

    const otherSession = await offlineSession(OTHER_SHOP);
    const client = new shopify.clients.Graphql({ session: otherSession });
    const shop = await client.request<{ shop: { ianaTimezone: string; currencyCode: string } }>(`{ shop { ianaTimezone currencyCode } }`);
    expect(shop.data?.shop).toEqual({ ianaTimezone: "Australia/Sydney", currencyCode: "AUD" });
  });

  it("refuses a request without a token through the library (HttpResponseError 401)", async () => {
    const session = await offlineSession(SHOP);
    session.accessToken = "shpat_00000000000000000000000000000000";
    const client = new shopify.clients.Graphql({ session });
    await expect(client.request(`{ shop { name } }`)).rejects.toMatchObject({ response: { code: 401 } });
  });

  it("rejects a session token signed with another secret, and wrong client credentials, like Shopify", async () => {
    const post = (body: Record<string, string>, form = false): Promise<Response> =>
      fetch(`${sim.url}/${SHOP}/admin/oauth/access_token`, {
        method: "POST",
        headers: { "Content-Type": form ? "application/x-www-form-urlencoded" : "application/json" },
        body: form ? new URLSearchParams(body).toString() : JSON.stringify(body),
      });
    const exchange = {
      client_id: API_KEY,
      client_secret: API_SECRET,
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
      requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
    };
    const forged = await post({ ...exchange, subject_token: await sessionToken(SHOP, "not-the-secret") });
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ error: "invalid_subject_token" });
    const otherDest = await post({ ...exchange, subject_token: await sessionToken(OTHER_SHOP) });
    expect(otherDest.status).toBe(400);
    const badClient = await post({ ...exchange, client_secret: "wrong", subject_token: await sessionToken(SHOP) }, true);
    expect(badClient.status).toBe(401);
    expect(await badClient.json()).toMatchObject({ error: "invalid_client" });
    const ok = await post({ ...exchange, subject_token: await sessionToken(SHOP) }, true);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ access_token: expect.stringMatching(/^shpat_/), scope: expect.any(String) });
  });

  it("runs the authorization-code flow: authorize redirects with an HMAC the library accepts", async () => {
    const authorize = await fetch(
      `${sim.url}/${SHOP}/admin/oauth/authorize?client_id=${API_KEY}&scope=read_orders&redirect_uri=${encodeURIComponent("https://metryka.example.com/auth/callback")}&state=abc`,
      { redirect: "manual" },
    );
    expect(authorize.status).toBe(302);
    const location = new URL(authorize.headers.get("location") as string);
    const query = Object.fromEntries(location.searchParams);
    expect(query).toMatchObject({ shop: SHOP, state: "abc" });
    expect(await shopify.utils.validateHmac(query)).toBe(true);
    const token = await fetch(`${sim.url}/${SHOP}/admin/oauth/access_token`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ client_id: API_KEY, client_secret: API_SECRET, code: query.code }),
    });
    expect(token.status).toBe(200);
    const reused = await fetch(`${sim.url}/${SHOP}/admin/oauth/access_token`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ client_id: API_KEY, client_secret: API_SECRET, code: query.code }),
    });
    expect(reused.status).toBe(400);
  });

  it("runs a bulk operation to a JSONL file with __parentId lines after their parents", async () => {
    const session = await offlineSession(SHOP);
    const client = new shopify.clients.Graphql({ session });
    const inner = `{ orders { edges { node { id processedAt lineItems { edges { node { id quantity } } } } } } }`;
    const started = await client.request<{ bulkOperationRunQuery: { bulkOperation: { id: string; status: string } | null; userErrors: Array<{ message: string }> } }>(
      `mutation StartBulk($q: String!) { bulkOperationRunQuery(query: $q, groupObjects: false) { bulkOperation { id status } userErrors { field message code } } }`,
      { variables: { q: inner } },
    );
    expect(started.data?.bulkOperationRunQuery.userErrors).toEqual([]);
    const id = started.data?.bulkOperationRunQuery.bulkOperation?.id as string;
    await sim.bulk.settled();
    const polled = await client.request<{ bulkOperation: { status: string; url: string; objectCount: string; rootObjectCount: string } }>(
      `query Poll($id: ID!) { bulkOperation(id: $id) { status url objectCount rootObjectCount } }`,
      { variables: { id } },
    );
    const op = polled.data?.bulkOperation;
    expect(op?.status).toBe("COMPLETED");
    const lineItems = store.orders.reduce((s, o) => s + o.lineItems.length, 0);
    expect(op?.rootObjectCount).toBe(String(store.orders.length));
    expect(op?.objectCount).toBe(String(store.orders.length + lineItems));

    const text = await (await fetch(op?.url as string)).text();
    const lines = text.trim().split("\n").map((l) => JSON.parse(l) as { id: string; __parentId?: string });
    expect(lines).toHaveLength(store.orders.length + lineItems);
    const seenParents = new Set<string>();
    let notRightAfter = 0;
    lines.forEach((line, i) => {
      if (line.__parentId === undefined) {
        seenParents.add(line.id);
        return;
      }
      expect(seenParents.has(line.__parentId)).toBe(true);
      const previous = lines[i - 1];
      if (previous.id !== line.__parentId && previous.__parentId !== line.__parentId) notRightAfter++;
    });
    expect(notRightAfter).toBeGreaterThan(0);

    const invalid = await client.request<{ bulkOperationRunQuery: { userErrors: Array<{ code: string }> } }>(
      `mutation { bulkOperationRunQuery(query: "{ shop { name } }") { userErrors { code message } } }`,
    );
    expect(invalid.data?.bulkOperationRunQuery.userErrors[0].code).toBe("INVALID");
  });

  it("serves the App Bridge stand-in and session tokens the library accepts for token exchange", async () => {
    const script = await fetch(`${sim.url}/_sim/app-bridge.js`);
    expect(script.headers.get("content-type")).toMatch(/javascript/);
    expect(await script.text()).toContain(`${sim.url}/_sim/session-token`);
    const response = await fetch(`${sim.url}/_sim/session-token?shop=${SHOP}`);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    const { token, expiresIn } = (await response.json()) as { token: string; expiresIn: number };
    expect(expiresIn).toBeGreaterThan(0);
    const payload = await shopify.session.decodeSessionToken(token);
    expect(payload.dest).toBe(`https://${SHOP}`);
    const { session } = await shopify.auth.tokenExchange({ shop: SHOP, sessionToken: token, requestedTokenType: RequestedTokenType.OfflineAccessToken });
    expect(session.accessToken).toMatch(/^shpat_/);
    expect((await fetch(`${sim.url}/_sim/session-token?shop=nowhere.myshopify.com`)).status).toBe(404);
  });

  it("exposes the ground truth and issued tokens on the control API", async () => {
    const totals = await (await fetch(`${sim.url}/_sim/stores/${SHOP}/totals`)).json();
    expect(totals).toEqual(JSON.parse(JSON.stringify(storeTotals(store))));
    const list = (await (await fetch(`${sim.url}/_sim/stores`)).json()) as Array<{ domain: string }>;
    expect(list.map((s) => s.domain).sort()).toEqual([OTHER_SHOP, SHOP].sort());
    const tokens = (await (await fetch(`${sim.url}/_sim/tokens`)).json()) as Array<{ shop: string }>;
    expect(tokens.length).toBe(sim.installations.list().length);
  });
});
