// GIVEN two installed shops, A and B, each synced from the simulator, B with a customer's data
// request export and a parked store change of its own, WHEN every route of the app is called as
// shop A (A's session token), aimed at B (B's domain in the query, B's ids in the path and the
// form), THEN the answer is A's own, or 4xx, and holds nothing of B's: not its domain, nor one of
// its order or customer ids; and B's rows are as they were.
// Every route file in app/routes must have probes here: a route added without them fails.
import { createHmac } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateStore, sessionToken, type SimStore, type SimulatorHandle } from "#simulator/index";
import { installOffline, startSimulatorForApp } from "./support/simulated-shop";
import { EXPORT_NAMES } from "#app/exports/registry.server";

const ROUTES = path.resolve(import.meta.dirname, "../app/routes");
const NOW = new Date();

type Handler = (args: LoaderFunctionArgs | ActionFunctionArgs) => unknown;
interface RouteModule {
  loader?: Handler;
  action?: Handler;
}

interface Probe {
  method: "GET" | "POST";
  /** Path and query, with B's values in. */
  url: (b: ShopB) => string;
  params?: (b: ShopB) => Record<string, string>;
  form?: (b: ShopB) => Record<string, string>;
  /** A raw body and headers instead of a form. */
  raw?: (b: ShopB) => { body: string; headers: Record<string, string> };
  /** Statuses that are a right answer; the body must not hold B's data whatever it is. */
  statuses: number[];
}

interface ShopB {
  domain: string;
  exportId: string;
  orderIds: string[];
  customerIds: string[];
  /** A portfolio B owns (A is not a member). */
  portfolioId: string;
}

const asA = { statuses: [200] };
const page = (pathname: string): Probe[] => [
  { method: "GET", url: (b) => `${pathname}?shop=${b.domain}&host=${Buffer.from(`${b.domain}/admin`).toString("base64url")}&embedded=1`, ...asA },
];
/** The export `name`'s download (app.export.$name), with `query` (B's values in). */
const exportProbe = (name: string, query: (b: ShopB) => string, expected: { statuses: number[] }): Probe => ({
  method: "GET",
  url: (b) => `/app/export/${name}?${query(b)}`,
  params: () => ({ name }),
  ...expected,
});
const webhook = (topic: string): Probe[] => [
  // For B, about B's order and customer, signed with another secret: refused, nothing stored.
  {
    method: "POST",
    url: () => `/webhooks/${topic}`,
    raw: (b) => {
      const body = JSON.stringify({ id: Number(b.orderIds[0]), customer: { id: Number(b.customerIds[0]) }, shop_domain: b.domain });
      return {
        body,
        headers: {
          "content-type": "application/json",
          "x-shopify-topic": topic,
          "x-shopify-shop-domain": b.domain,
          "x-shopify-api-version": "2026-10",
          "x-shopify-webhook-id": `isolation-${topic}`,
          "x-shopify-event-id": `isolation-${topic}`,
          "x-shopify-triggered-at": new Date().toISOString(),
          "x-shopify-hmac-sha256": createHmac("sha256", "not-the-app-secret").update(body).digest("base64"),
        },
      };
    },
    statuses: [401],
  },
  { method: "GET", url: () => `/webhooks/${topic}`, statuses: [405] },
];

/** Every route file, by its route id, and how it is probed. */
const PROBES: Record<string, Probe[]> = {
  "_index/route": [{ method: "GET", url: (b) => `/?shop=${b.domain}`, statuses: [200, 302] }],
  "auth.login/route": [
    { method: "GET", url: (b) => `/auth/login?shop=${b.domain}`, statuses: [200, 302] },
    { method: "POST", url: () => `/auth/login`, form: (b) => ({ shop: b.domain }), statuses: [200, 302] },
  ],
  "auth.$": [{ method: "GET", url: (b) => `/auth/session-token?shop=${b.domain}`, params: () => ({ "*": "session-token" }), statuses: [200, 302, 401] }],
  app: page("/app"),
  "app._index": page("/app"),
  "app.retention": page("/app/retention"),
  "app.customers": [
    ...page("/app/customers"),
    // One prediction group's page (A's cached fit, or its state), and a group that is none.
    { method: "GET", url: (b) => `/app/customers?shop=${b.domain}&group=probably_lost&groupPage=2`, ...asA },
    { method: "GET", url: (b) => `/app/customers?shop=${b.domain}&group=everyone`, statuses: [400] },
    // A's own lists, filtered and sorted; a filter that is not one.
    { method: "GET", url: (b) => `/app/customers?shop=${b.domain}&list=repeat&minOrders=2&maxDays=400&sort=orders&direction=asc`, ...asA },
    { method: "GET", url: (b) => `/app/customers?shop=${b.domain}&minOrders=3&maxOrders=1`, statuses: [400] },
    // Tagging B's customers as A: they are not A's, so nothing is asked of Shopify or recorded.
    {
      method: "POST",
      url: (b) => `/app/customers?shop=${b.domain}`,
      form: (b) => ({ action: "add", tag: "isolation", selection: "ids", ids: b.customerIds.slice(0, 3).join(","), shop: b.domain }),
      statuses: [400],
    },
    { method: "POST", url: (b) => `/app/customers?shop=${b.domain}`, form: (b) => ({ action: "add", tag: "a,b", selection: "ids", ids: b.customerIds[0] }), statuses: [400] },
  ],
  "app.conversion": page("/app/conversion"),
  "app.settings": [
    ...page("/app/settings"),
    { method: "POST", url: (b) => `/app/settings?shop=${b.domain}`, form: (b) => ({ shop: b.domain, activityWindowDays: "30" }), statuses: [200, 400] },
  ],
  "app.sync": [
    ...page("/app/sync"),
    { method: "POST", url: (b) => `/app/sync?shop=${b.domain}`, form: (b) => ({ intent: "retry-parked", shop: b.domain }), statuses: [200] },
  ],
  // Every export (tests below check each one of app/exports/registry.server.ts has its probes):
  // A's figures only, whatever shop the query string names; a name that is no export is a 404.
  "app.export.$name": [
    exportProbe("sales", (b) => `from=2020-01-01&to=2030-01-01&shop=${b.domain}`, asA),
    exportProbe("cohorts", (b) => `from=2020-01-01&to=2030-01-01&cohorts=month&shop=${b.domain}`, asA),
    exportProbe("cohorts", (b) => `from=2025-01-01&to=2027-01-01&cohorts=week&shop=${b.domain}`, asA),
    exportProbe("time-between-orders", (b) => `from=2020-01-01&to=2030-01-01&shop=${b.domain}`, asA),
    exportProbe("conversion-funnel", (b) => `from=2020-01-01&to=2030-01-01&shop=${b.domain}`, asA),
    exportProbe("conversion-series", (b) => `from=2020-01-01&to=2030-01-01&granularity=week&shop=${b.domain}`, asA),
    exportProbe("conversion-breakdowns", (b) => `from=2020-01-01&to=2030-01-01&shop=${b.domain}`, asA),
    // A's own customer list, and a filter that is not one.
    exportProbe("customers", (b) => `list=repeat&sort=last_order&shop=${b.domain}`, asA),
    exportProbe("customers", (b) => `minSpend=lots&shop=${b.domain}`, { statuses: [400] }),
    // A's predictions, or 409 while A has none (not fitted yet, or not enough history).
    exportProbe("predictions", (b) => `shop=${b.domain}`, { statuses: [200, 409] }),
    // B's portfolio is not A's: nothing of it, and A has none of its own.
    exportProbe("portfolio", (b) => `portfolio=${b.portfolioId}&shop=${b.domain}`, { statuses: [404] }),
    exportProbe("portfolio", (b) => `shop=${b.domain}`, { statuses: [404] }),
    exportProbe("orders-of-everyone", (b) => `shop=${b.domain}`, { statuses: [404] }),
  ],
  "app.portfolio": [
    ...page("/app/portfolio"),
    { method: "GET", url: (b) => `/app/portfolio?portfolio=${b.portfolioId}&shop=${b.domain}`, statuses: [404] },
  ],
  "app.portfolios": [
    { method: "GET", url: () => `/app/portfolios`, statuses: [405] },
    ...(["leave", "renew", "dissolve"] as const).map(
      (intent): Probe => ({ method: "POST", url: (b) => `/app/portfolios?shop=${b.domain}`, form: (b) => ({ intent, portfolio: b.portfolioId, shop: b.domain }), statuses: [404] }),
    ),
    { method: "POST", url: (b) => `/app/portfolios?shop=${b.domain}`, form: (b) => ({ intent: "remove", portfolio: b.portfolioId, member: b.domain }), statuses: [404] },
    // A code that is not one, and a made-up one: nobody joins anything.
    { method: "POST", url: () => `/app/portfolios`, form: (b) => ({ intent: "join", code: b.portfolioId }), statuses: [400] },
    { method: "POST", url: () => `/app/portfolios`, form: () => ({ intent: "join", code: "ABCD-2345-WXYZ" }), statuses: [400] },
  ],
  // The customer page's admin block and the app's customer view: B's customer is unknown to A.
  "api.customer-block.$id": [
    { method: "GET", url: (b) => `/api/customer-block/${b.customerIds[0]}?shop=${b.domain}`, params: (b) => ({ id: b.customerIds[0] }), statuses: [404] },
    { method: "POST", url: (b) => `/api/customer-block/${b.customerIds[0]}?shop=${b.domain}`, params: (b) => ({ id: b.customerIds[0] }), statuses: [405] },
  ],
  "app.customers_.$id": [
    { method: "GET", url: (b) => `/app/customers/${b.customerIds[0]}?shop=${b.domain}`, params: (b) => ({ id: b.customerIds[0] }), statuses: [404] },
  ],
  "app.data-requests.$id": [
    { method: "GET", url: (b) => `/app/data-requests/${b.exportId}?shop=${b.domain}`, params: (b) => ({ id: b.exportId }), statuses: [404] },
  ],
};
for (const file of fs.readdirSync(ROUTES)) {
  const match = /^webhooks\.(.+)\.tsx$/.exec(file);
  if (match) PROBES[`webhooks.${match[1]}`] = webhook(match[1].replace(".", "/"));
}

/** app/routes' route ids: a file's name without .tsx, a folder's as folder/route. */
function routeIds(): string[] {
  return fs
    .readdirSync(ROUTES, { withFileTypes: true })
    .map((entry) => (entry.isDirectory() ? `${entry.name}/route` : entry.name.replace(/\.tsx?$/, "")))
    .sort();
}

const stringify = (value: unknown) => JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v));

async function bodyOf(outcome: unknown): Promise<{ status: number; body: string }> {
  if (outcome instanceof Response) return { status: outcome.status, body: await outcome.text() };
  // Remix's data() / json() results, and plain objects.
  if (outcome && typeof outcome === "object" && "data" in outcome && "init" in outcome) {
    const { data, init } = outcome as { data: unknown; init?: { status?: number } };
    return { status: init?.status ?? 200, body: stringify(data) };
  }
  return { status: 200, body: stringify(outcome) };
}

let simulator: SimulatorHandle;
let stores: SimStore[];
let b: ShopB;
let prisma: typeof import("#app/db.server").default;

/** What B holds, to compare before and after. */
const snapshotB = async () => ({
  settings: await prisma.shopSettings.findUnique({ where: { shop: b.domain } }),
  parked: await prisma.webhookEvent.findMany({ where: { shop: b.domain }, orderBy: { eventId: "asc" } }),
  exports: await prisma.dataRequestExport.count({ where: { shop: b.domain } }),
  events: await prisma.webhookEvent.count(),
  orders: await prisma.order.count({ where: { shop: b.domain } }),
  tagJobs: await prisma.customerTagJob.count(),
  portfolios: await prisma.portfolio.findMany({ include: { members: true, events: true }, orderBy: { id: "asc" } }),
});

beforeAll(async () => {
  stores = [0, 1].map((i) =>
    generateStore({ seed: 71 + i, now: NOW.toISOString(), customers: 40, domain: `isolation-${"ab"[i]}.myshopify.com` }),
  );
  simulator = await startSimulatorForApp({ stores, bucket: { maximumAvailable: 20_000, restoreRate: 1_000 } });
  prisma = (await import("#app/db.server")).default;
  const { runShopJob } = await import("#app/jobs/shop-jobs.server");
  for (const store of stores) {
    await installOffline(simulator, store.shop.domain);
    await runShopJob({ shop: store.shop.domain, kind: "backfill" });
  }
  const [storeA, storeB] = stores;
  const idsOfA = new Set([...storeA.orders.map((o) => String(o.id)), ...storeA.customers.map((c) => String(c.id))]);
  const customer = storeB.customers.find((c) => storeB.orders.some((o) => o.customerId === c.id))!;
  b = {
    domain: storeB.shop.domain,
    exportId: "880011",
    // Only ids that A does not also have: finding one in a body then means a leak.
    orderIds: storeB.orders.map((o) => String(o.id)).filter((id) => !idsOfA.has(id)),
    customerIds: storeB.customers.map((c) => String(c.id)).filter((id) => !idsOfA.has(id)),
    portfolioId: "",
  };
  expect(b.orderIds.length).toBeGreaterThan(10);
  await prisma.dataRequestExport.create({
    data: { shop: b.domain, id: BigInt(b.exportId), customerId: BigInt(customer.id), export: { customerId: String(customer.id) } },
  });
  const { createPortfolio } = await import("#app/portfolios/portfolios.server");
  b.portfolioId = (await createPortfolio({ shop: b.domain, userId: "42" }, "B's agency")).id;
  await prisma.webhookEvent.create({
    data: { shop: b.domain, eventId: "isolation-parked", topic: "orders/updated", payload: {}, parkedAt: new Date(), error: "a test's parked change" },
  });
}, 180_000);

afterAll(async () => {
  await simulator?.close();
});

describe("one shop's session never reaches another shop's data", () => {
  it("has probes for every route file, and for every export of the download route", () => {
    expect(routeIds().filter((id) => !(id in PROBES))).toEqual([]);
    expect(Object.keys(PROBES).filter((id) => !routeIds().includes(id))).toEqual([]);
    const probed = new Set(PROBES["app.export.$name"].map((probe) => probe.params!(b).name));
    expect(EXPORT_NAMES.filter((name) => !probed.has(name))).toEqual([]);
  });

  it("answers every probe as shop A with A's data or a refusal, and leaves B as it was", async () => {
    const before = await snapshotB();
    const [storeA] = stores;
    const failures: string[] = [];
    for (const [id, probes] of Object.entries(PROBES)) {
      const module = (await import(/* @vite-ignore */ path.join(ROUTES, `${id}.tsx`))) as RouteModule;
      for (const probe of probes) {
        const handler = probe.method === "GET" ? module.loader : module.action;
        const label = `${id}: ${probe.method} ${probe.url(b)}`;
        if (!handler) {
          // Remix answers 405 for a method a route does not handle.
          if (!probe.statuses.includes(405)) failures.push(`${label}: no ${probe.method === "GET" ? "loader" : "action"}`);
          continue;
        }
        const token = sessionToken({ shop: storeA.shop.domain, apiKey: process.env.SHOPIFY_API_KEY!, apiSecret: process.env.SHOPIFY_API_SECRET! });
        const headers = new Headers({ authorization: `Bearer ${token}` });
        let body: BodyInit | undefined;
        if (probe.form) {
          body = new URLSearchParams(probe.form(b));
          headers.set("content-type", "application/x-www-form-urlencoded");
        }
        if (probe.raw) {
          const raw = probe.raw(b);
          body = raw.body;
          for (const [name, value] of Object.entries(raw.headers)) headers.set(name, value);
        }
        const request = new Request(`http://localhost${probe.url(b)}`, { method: probe.method, headers, body });
        let outcome: unknown;
        try {
          outcome = await handler({ request, params: probe.params?.(b) ?? {}, context: {} });
        } catch (thrown) {
          outcome = thrown;
        }
        if (!(outcome instanceof Response) && outcome instanceof Error) {
          failures.push(`${label}: threw ${outcome.message}`);
          continue;
        }
        const { status, body: text } = await bodyOf(outcome);
        if (!probe.statuses.includes(status)) failures.push(`${label}: status ${status}, expected ${probe.statuses.join(" or ")}`);
        if (text.includes(b.domain)) failures.push(`${label}: the body names ${b.domain}`);
        const leaked = [...b.orderIds, ...b.customerIds].find((other) => text.includes(other));
        if (leaked) failures.push(`${label}: the body holds B's id ${leaked}`);
      }
    }
    expect(failures).toEqual([]);
    expect(await snapshotB()).toEqual(before);
  }, 120_000);
});
