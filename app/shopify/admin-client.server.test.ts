// The cost-aware client against the simulator's leaky bucket, through the real library.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateStore, type SimulatorHandle } from "#simulator/index";
import { installOffline, startSimulatorForApp } from "../../tests/support/simulated-shop";

let simulator: SimulatorHandle;
let shop: string;
let client: typeof import("./admin-client.server");
let queries: typeof import("./queries");
let graphql: import("./admin-client.server").AdminGraphql;

beforeAll(async () => {
  const store = generateStore({ seed: 3, now: "2026-10-01T00:00:00Z", customers: 40 });
  shop = store.shop.domain;
  simulator = await startSimulatorForApp({ stores: [store], bucket: { maximumAvailable: 1000, restoreRate: 50 } });
  const { unauthenticated } = await import("#app/shopify.server");
  await installOffline(simulator, shop);
  graphql = (await unauthenticated.admin(shop)).admin.graphql;
  client = await import("./admin-client.server");
  queries = await import("./queries");
});

afterAll(async () => {
  await simulator?.close();
});

afterEach(() => {
  simulator.faults.clear();
});

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof client.ShopifyApiError)) throw new Error(`expected a ShopifyApiError, got ${String(error)}`);
  return { code: error.code, retryable: error.retryable };
}

describe("cost-aware Admin client", () => {
  it("waits out THROTTLED and then answers", async () => {
    const sleeps: number[] = [];
    // Every request is answered THROTTLED until the client has waited once.
    simulator.faults.set({ throttleRate: 1 });
    const admin = client.createAdminClient(shop, graphql, {
      sleep: async (ms) => {
        sleeps.push(ms);
        simulator.faults.clear();
      },
    });
    const data = await admin.request<{ orders: { nodes: unknown[] } }>(queries.ORDERS_UPDATED_SINCE, {});
    expect(data.orders.nodes.length).toBe(queries.ORDERS_PAGE_SIZE);
    expect(sleeps.length).toBeGreaterThan(0);
    expect(admin.throttleStatus()?.maximumAvailable).toBe(1000);
  });

  it("says a refused query is not worth retrying", async () => {
    const admin = client.createAdminClient(shop, graphql);
    const error = await admin.request("query Broken { shop { noSuchField } }").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(client.ShopifyApiError);
    expect((error as InstanceType<typeof client.ShopifyApiError>).retryable).toBe(false);
  });

  it("gives up with a retryable error when Shopify cannot be reached", async () => {
    const unreachable: import("./admin-client.server").AdminGraphql = () => Promise.reject(new TypeError("fetch failed"));
    const admin = client.createAdminClient(shop, unreachable, { sleep: async () => {}, maxAttempts: 3 });
    const error = await admin.request(queries.SHOP_INFO).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "ShopifyApiError", retryable: true, code: "NETWORK" });
  });
});

describe("deadlines and aborts", () => {
  it("gives up on an answer slower than the deadline with a retryable TIMEOUT, after every attempt", async () => {
    simulator.faults.set({ slowMs: 1_000 });
    const sleeps: number[] = [];
    const admin = client.createAdminClient(shop, graphql, {
      timeoutMs: 100,
      maxAttempts: 3,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    expect(await failure(admin.request(queries.SHOP_INFO))).toEqual({ code: "TIMEOUT", retryable: true });
    // Three attempts, the pauses between them as documented.
    expect(sleeps).toEqual([client.retryDelayMs(1), client.retryDelayMs(2)]);
  });

  it("waits for a slow answer within the deadline", async () => {
    simulator.faults.set({ slowMs: 200 });
    const admin = client.createAdminClient(shop, graphql, { timeoutMs: 5_000, maxAttempts: 1 });
    const data = await admin.request<{ shop: { myshopifyDomain: string } }>(queries.SHOP_INFO);
    expect(data.shop.myshopifyDomain).toBe(shop);
  });

  it("ends a call in flight at once when its signal aborts, with an error that is not retried", async () => {
    // An answer a minute away: only the abort ends the call.
    simulator.faults.set({ slowMs: 60_000 });
    const controller = new AbortController();
    const admin = client.createAdminClient(shop, graphql, { signal: controller.signal, timeoutMs: 10_000 });
    setTimeout(() => controller.abort(), 100);
    expect(await failure(admin.request(queries.SHOP_INFO))).toEqual({ code: "ABORTED", retryable: false });
    // Later calls of the client are refused without a request.
    simulator.faults.set({});
    expect(await failure(admin.request(queries.SHOP_INFO))).toEqual({ code: "ABORTED", retryable: false });
    expect(simulator.faults.counts().slowed).toBe(0);
  });

  it("rejects with the caller's own reason when it aborts with one (a job that lost its shop lock)", async () => {
    simulator.faults.set({ slowMs: 60_000 });
    const controller = new AbortController();
    const admin = client.createAdminClient(shop, graphql, { signal: controller.signal });
    const reason = new Error("the shop's lock was lost");
    setTimeout(() => controller.abort(reason), 50);
    expect(await admin.request(queries.SHOP_INFO).catch((error: unknown) => error)).toBe(reason);
  });

  it("ends a call waiting between attempts when its signal aborts", async () => {
    simulator.faults.set({ serverErrorRate: 1 });
    const controller = new AbortController();
    const admin = client.createAdminClient(shop, graphql, {
      signal: controller.signal,
      // The pause after the first 503 never ends on its own.
      sleep: () => {
        controller.abort();
        return new Promise(() => undefined);
      },
    });
    expect(await failure(admin.request(queries.SHOP_INFO))).toEqual({ code: "ABORTED", retryable: false });
    expect(simulator.faults.counts().serverErrors).toBe(1);
  });
});
