// GIVEN a running simulator with a generated store, WHEN faults are turned on (in process or over
// /_sim/faults), THEN Admin GraphQL requests are answered THROTTLED or 503 without being run, or late,
// as asked and the same way for the same seed; the next bulk operations fail with the first half
// of their lines as partial data; bulk files arrive slowly but whole; the counts say what was
// done; and OAuth, /_sim and bulk downloads are never throttled, failed or slowed.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { AdminApi } from "./admin-api";
import { SLOW_DOWNLOAD_CHUNK_BYTES, type FaultCounts, type FaultOptions } from "./faults";
import { generateStore } from "./seed";
import { startSimulator, type SimulatorHandle } from "./server";

const API_KEY = "faults-test-key";
const API_SECRET = "faults-test-secret";
const SHOP = "faults-test.myshopify.com";
const VERSION = "2026-10";
const store = generateStore({ seed: 31, now: new Date().toISOString(), customers: 150, domain: SHOP });

const BULK_QUERY = `{ orders { edges { node { id name processedAt updatedAt lineItems { edges { node { id name quantity } } } } } } }`;
const START_BULK = `mutation StartBulk($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id status } userErrors { field message code } } }`;
const POLL_BULK = `query Poll($id: ID!) {
  bulkOperation(id: $id) { id status errorCode url partialDataUrl objectCount rootObjectCount fileSize }
  node(id: $id) { ... on BulkOperation { status url partialDataUrl } }
}`;

interface GraphqlAnswer {
  status: number;
  body: {
    data?: Record<string, unknown> | null;
    errors?: Array<{ message: string; extensions?: { code?: string } }> | string;
    extensions?: { cost?: { requestedQueryCost: number; actualQueryCost: number | null; throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number } } };
  };
}

interface BulkView {
  id: string;
  status: string;
  errorCode: string | null;
  url: string | null;
  partialDataUrl: string | null;
  objectCount: string;
  rootObjectCount: string;
  fileSize: string | null;
}

let sim: SimulatorHandle;
let accessToken: string;
let receiver: Server;
const webhooks: Array<{ topic: string; body: Record<string, unknown> }> = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      webhooks.push({ topic: String(req.headers["x-shopify-topic"]), body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown> });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const appUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  sim = await startSimulator({ apiKey: API_KEY, apiSecret: API_SECRET, stores: [store], appUrl });
  accessToken = sim.installations.issue({ shop: SHOP, kind: "offline" }).accessToken;
});

afterEach(() => {
  sim.faults.clear();
});

afterAll(async () => {
  await sim.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

async function graphql(query: string, variables?: Record<string, unknown>): Promise<GraphqlAnswer> {
  const response = await fetch(`${sim.url}/${SHOP}/admin/api/${VERSION}/graphql.json`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": accessToken },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as GraphqlAnswer["body"] };
}

function outcome(answer: GraphqlAnswer): "503" | "THROTTLED" | "ok" {
  if (answer.status === 503) return "503";
  if (Array.isArray(answer.body.errors) && answer.body.errors.some((e) => e.extensions?.code === "THROTTLED")) return "THROTTLED";
  expect(answer.status).toBe(200);
  expect(answer.body.errors).toBeUndefined();
  return "ok";
}

async function startBulk(): Promise<string> {
  const answer = await graphql(START_BULK, { q: BULK_QUERY });
  const payload = answer.body.data?.bulkOperationRunQuery as { bulkOperation: { id: string } | null; userErrors: unknown[] };
  expect(payload.userErrors).toEqual([]);
  return payload.bulkOperation?.id as string;
}

async function pollBulk(id: string): Promise<{ bulkOperation: BulkView; node: Pick<BulkView, "status" | "url" | "partialDataUrl"> }> {
  const answer = await graphql(POLL_BULK, { id });
  expect(answer.body.errors).toBeUndefined();
  return answer.body.data as { bulkOperation: BulkView; node: Pick<BulkView, "status" | "url" | "partialDataUrl"> };
}

/** A completed bulk operation's file URL (runs one). */
async function completedBulkUrl(): Promise<string> {
  const id = await startBulk();
  await sim.bulk.settled();
  const { bulkOperation } = await pollBulk(id);
  expect(bulkOperation.status).toBe("COMPLETED");
  return bulkOperation.url as string;
}

const controlUrl = () => `${sim.url}/_sim/faults`;
const NO_COUNTS: FaultCounts = { throttled: 0, serverErrors: 0, slowed: 0, failedBulkOperations: 0, slowDownloads: 0 };

describe("THROTTLED and 503 on demand", () => {
  it("GIVEN throttleRate 1 THEN a mutation is answered THROTTLED with Shopify's cost extensions and starts nothing", async () => {
    sim.faults.set({ throttleRate: 1 });
    const before = sim.bulk.all().length;
    const answer = await graphql(START_BULK, { q: BULK_QUERY });
    expect(answer.status).toBe(200);
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors).toEqual([{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }]);
    const cost = answer.body.extensions?.cost;
    expect(cost?.requestedQueryCost).toBeGreaterThan(0);
    expect(cost?.actualQueryCost).toBeNull();
    expect(cost?.throttleStatus).toMatchObject({ maximumAvailable: 2000, restoreRate: 100 });
    // As on a real THROTTLED answer, the bucket reports less than the query costs.
    expect(cost?.throttleStatus.currentlyAvailable).toBeLessThan(cost?.requestedQueryCost as number);
    expect(sim.bulk.all()).toHaveLength(before);
    expect(sim.faults.counts()).toEqual({ ...NO_COUNTS, throttled: 1 });

    // The same shape as the leaky bucket's own THROTTLED answer.
    const tiny = new AdminApi({ schema: sim.admin.schema, bucket: { maximumAvailable: 1, restoreRate: 1 } });
    const real = await tiny.execute({ store, query: START_BULK, variables: { q: BULK_QUERY } });
    expect(real.body.errors).toEqual(answer.body.errors);
    expect(Object.keys(real.body)).toEqual(Object.keys(answer.body));
    expect(Object.keys(real.body.extensions.cost)).toEqual(Object.keys(cost ?? {}));
    expect(Object.keys(real.body.extensions.cost.throttleStatus).sort()).toEqual(Object.keys(cost?.throttleStatus ?? {}).sort());

    sim.faults.clear();
    expect(outcome(await graphql(`{ shop { name } }`))).toBe("ok");
  });

  it("GIVEN serverErrorRate 1 THEN a mutation is answered 503 Service Unavailable and starts nothing", async () => {
    sim.faults.set({ serverErrorRate: 1 });
    const before = sim.bulk.all().length;
    const response = await fetch(`${sim.url}/${SHOP}/admin/api/${VERSION}/graphql.json`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": accessToken },
      body: JSON.stringify({ query: START_BULK, variables: { q: BULK_QUERY } }),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("content-type")).toMatch(/application\/json/);
    expect(await response.json()).toEqual({ errors: "Service Unavailable" });
    expect(sim.bulk.all()).toHaveLength(before);
    expect(sim.faults.counts()).toEqual({ ...NO_COUNTS, serverErrors: 1 });
  });

  it("GIVEN rates of 0.5 and a seed THEN the mix of answers is the same for the same seed, and the counts match it", async () => {
    const run = async (options: FaultOptions): Promise<string[]> => {
      sim.faults.set(options);
      const seen: string[] = [];
      for (let i = 0; i < 30; i++) seen.push(outcome(await graphql(`{ shop { name } }`)));
      expect(sim.faults.counts()).toEqual({
        ...NO_COUNTS,
        throttled: seen.filter((o) => o === "THROTTLED").length,
        serverErrors: seen.filter((o) => o === "503").length,
      });
      return seen;
    };
    const first = await run({ seed: 42, throttleRate: 0.5, serverErrorRate: 0.5 });
    expect(new Set(first)).toEqual(new Set(["503", "THROTTLED", "ok"]));
    expect(await run({ seed: 42, throttleRate: 0.5, serverErrorRate: 0.5 })).toEqual(first);
    expect(await run({ seed: 43, throttleRate: 0.5, serverErrorRate: 0.5 })).not.toEqual(first);

    // Throttling alone: about half, and again the same sequence for the same seed.
    const throttledOnly = await run({ seed: 7, throttleRate: 0.5 });
    expect(throttledOnly).not.toContain("503");
    expect(throttledOnly).toContain("THROTTLED");
    expect(throttledOnly).toContain("ok");
    expect(await run({ seed: 7, throttleRate: 0.5 })).toEqual(throttledOnly);
  });

  it("GIVEN slowMs THEN each Admin GraphQL answer comes at least that late, and is otherwise unchanged", async () => {
    sim.faults.set({ slowMs: 150 });
    const started = performance.now();
    const answer = await graphql(`{ shop { name } }`);
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    expect(answer.body.data).toEqual({ shop: { name: store.shop.name } });
    expect(sim.faults.counts()).toEqual({ ...NO_COUNTS, slowed: 1 });
  });

  it("GIVEN faults from startSimulator's options THEN they apply from the first request", async () => {
    const other = await startSimulator({ apiKey: API_KEY, apiSecret: API_SECRET, stores: [store], faults: { serverErrorRate: 1 } });
    try {
      const token = other.installations.issue({ shop: SHOP, kind: "offline" }).accessToken;
      const response = await fetch(`${other.url}/${SHOP}/admin/api/${VERSION}/graphql.json`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token },
        body: JSON.stringify({ query: `{ shop { name } }` }),
      });
      expect(response.status).toBe(503);
      expect(other.faults.options()).toEqual({ serverErrorRate: 1 });
      expect(other.faults.counts().serverErrors).toBe(1);
    } finally {
      await other.close();
    }
  });
});

describe("failing bulk operations and slow downloads", () => {
  it("GIVEN failBulkOperations 1 THEN the next operation ends FAILED with the first half of its lines as partial data, and the one after completes", async () => {
    sim.faults.set({ failBulkOperations: 1 });
    const failedId = await startBulk();
    await sim.bulk.settled();
    const failed = await pollBulk(failedId);
    expect(failed.bulkOperation).toMatchObject({ status: "FAILED", errorCode: "INTERNAL_SERVER_ERROR", url: null, fileSize: null });
    expect(failed.bulkOperation.partialDataUrl).toMatch(/^http:\/\/.+\.partial\.jsonl$/);
    expect(failed.node).toEqual({ status: "FAILED", url: null, partialDataUrl: failed.bulkOperation.partialDataUrl });
    expect(sim.faults.options()).toEqual({ failBulkOperations: 0 });
    expect(sim.faults.counts()).toEqual({ ...NO_COUNTS, failedBulkOperations: 1 });

    const completedId = await startBulk();
    await sim.bulk.settled();
    const completed = await pollBulk(completedId);
    expect(completed.bulkOperation).toMatchObject({ status: "COMPLETED", errorCode: null, partialDataUrl: null });
    expect(completed.node.url).toBe(completed.bulkOperation.url);

    const full = (await (await fetch(completed.bulkOperation.url as string)).text()).trim().split("\n");
    const partialText = await (await fetch(failed.bulkOperation.partialDataUrl as string)).text();
    expect(partialText.endsWith("\n")).toBe(true);
    const partial = partialText.trim().split("\n");
    expect(full.length).toBeGreaterThan(store.orders.length);
    expect(partial).toEqual(full.slice(0, Math.floor(full.length / 2)));
    expect(failed.bulkOperation.objectCount).toBe(String(partial.length));
    expect(failed.bulkOperation.rootObjectCount).toBe(String(partial.filter((l) => !l.includes(`"__parentId"`)).length));

    // The failed operation has no result file; the completed one has no partial data.
    expect((await fetch(failed.bulkOperation.partialDataUrl?.replace(".partial.jsonl", ".jsonl") as string)).status).toBe(404);
    expect((await fetch((completed.bulkOperation.url as string).replace(".jsonl", ".partial.jsonl"))).status).toBe(404);

    // bulk_operations/finish says failed, then completed.
    await vi.waitFor(() => expect(webhooks.filter((w) => w.topic === "bulk_operations/finish").length).toBeGreaterThanOrEqual(2));
    const finish = (id: string) => webhooks.find((w) => w.topic === "bulk_operations/finish" && w.body.admin_graphql_api_id === id)?.body;
    expect(finish(failedId)).toMatchObject({ status: "failed", error_code: "internal_server_error", type: "query" });
    expect(finish(completedId)).toMatchObject({ status: "completed", error_code: null });
  });

  it("GIVEN slowDownloadMs THEN a bulk file comes in paced chunks, byte for byte the same", async () => {
    const url = await completedBulkUrl();
    const direct = Buffer.from(await (await fetch(url)).arrayBuffer());
    const chunks = Math.ceil(direct.length / SLOW_DOWNLOAD_CHUNK_BYTES);
    expect(chunks).toBeGreaterThanOrEqual(3);

    sim.faults.set({ slowDownloadMs: 25 });
    const started = performance.now();
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe(String(direct.length));
    const slow = Buffer.from(await response.arrayBuffer());
    expect(performance.now() - started).toBeGreaterThanOrEqual(chunks * 25);
    expect(slow.equals(direct)).toBe(true);
    expect(sim.faults.counts()).toEqual({ ...NO_COUNTS, slowDownloads: 1 });
  });

  it("GIVEN slowDownloadMs THEN the status and headers of a bulk file come at once, before the first pause", async () => {
    const url = await completedBulkUrl();
    // A minute before the first chunk: the answer's status comes all the same.
    sim.faults.set({ slowDownloadMs: 60_000 });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    await response.body?.cancel();
  });
});

describe("the control API", () => {
  it("GIVEN PUT /_sim/faults THEN valid options replace the faults, invalid ones are refused with 400 and change nothing", async () => {
    const put = (body: string) => fetch(controlUrl(), { method: "PUT", headers: { "Content-Type": "application/json" }, body });

    const set = await put(JSON.stringify({ seed: 3, throttleRate: 1 }));
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ options: { seed: 3, throttleRate: 1 }, counts: NO_COUNTS });

    const tooHigh = await put(JSON.stringify({ throttleRate: 2 }));
    expect(tooHigh.status).toBe(400);
    expect(((await tooHigh.json()) as { errors: string }).errors).toMatch(/throttleRate must be between 0 and 1/);
    for (const body of [`{"serverErrorRate":-0.1}`, `{"slowMs":-5}`, `{"failBulkOperations":1.5}`, `{"slowDownloadMs":"fast"}`, `{"throttle":0.5}`, `[1]`, `not json`]) {
      const refused = await put(body);
      expect(refused.status, body).toBe(400);
      expect(((await refused.json()) as { errors: string }).errors.length).toBeGreaterThan(0);
    }
    expect(sim.faults.options()).toEqual({ seed: 3, throttleRate: 1 });

    expect(outcome(await graphql(`{ shop { name } }`))).toBe("THROTTLED");
    expect(outcome(await graphql(`{ shop { name } }`))).toBe("THROTTLED");
    const got = await fetch(controlUrl());
    expect(await got.json()).toEqual({ options: { seed: 3, throttleRate: 1 }, counts: { ...NO_COUNTS, throttled: 2 } });

    const cleared = await fetch(controlUrl(), { method: "DELETE" });
    expect(cleared.status).toBe(200);
    expect(await cleared.json()).toEqual({ options: {}, counts: { ...NO_COUNTS, throttled: 2 } });
    expect(outcome(await graphql(`{ shop { name } }`))).toBe("ok");
    expect((await fetch(controlUrl(), { method: "POST" })).status).toBe(405);
  });

  it("GIVEN every Admin GraphQL fault at full strength THEN /health, /_sim, OAuth and bulk downloads still answer normally", async () => {
    const url = await completedBulkUrl();
    const put = await fetch(controlUrl(), {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ throttleRate: 1, serverErrorRate: 1, slowMs: 60_000 }),
    });
    expect(put.status).toBe(200);

    expect((await fetch(`${sim.url}/health`)).status).toBe(200);
    expect((await fetch(`${sim.url}/_sim/stores`)).status).toBe(200);
    expect((await fetch(`${sim.url}/_sim/stores/${SHOP}/totals`)).status).toBe(200);
    expect((await fetch(`${sim.url}/_sim/bulk`)).status).toBe(200);
    expect((await fetch(`${sim.url}/_sim/faults`)).status).toBe(200);
    const download = await fetch(url);
    expect(download.status).toBe(200);
    expect((await download.text()).length).toBeGreaterThan(0);

    const grant = await fetch(`${sim.url}/${SHOP}/admin/oauth/access_token`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ client_id: API_KEY, client_secret: API_SECRET, grant_type: "client_credentials" }),
    });
    expect(grant.status).toBe(200);
    expect(((await grant.json()) as { access_token: string }).access_token).toMatch(/^shpat_/);
    const authorize = await fetch(`${sim.url}/${SHOP}/admin/oauth/authorize?client_id=${API_KEY}&scope=read_orders&redirect_uri=${encodeURIComponent("https://app.example.com/auth/callback")}&state=s1`, {
      redirect: "manual",
    });
    expect(authorize.status).toBe(302);

    expect(sim.faults.counts()).toEqual(NO_COUNTS);
  });
});
