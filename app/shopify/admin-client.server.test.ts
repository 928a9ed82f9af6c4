// The cost-aware client against the simulator's leaky bucket, through the real library.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateStore, type SimulatorHandle } from "#simulator/index";
import { installOffline, startSimulatorForApp } from "../../tests/support/simulated-shop";

let simulator: SimulatorHandle;
let shop: string;
let token: string;
let client: typeof import("./admin-client.server");
let queries: typeof import("./queries");
let graphql: import("./admin-client.server").AdminGraphql;

beforeAll(async () => {
  const store = generateStore({ seed: 3, now: "2026-10-01T00:00:00Z", customers: 40 });
  shop = store.shop.domain;
  simulator = await startSimulatorForApp({ stores: [store], bucket: { maximumAvailable: 1000, restoreRate: 50 } });
  const { unauthenticated } = await import("#app/shopify.server");
  token = (await installOffline(simulator, shop)).accessToken;
  graphql = (await unauthenticated.admin(shop)).admin.graphql;
  client = await import("./admin-client.server");
  queries = await import("./queries");
});

afterAll(async () => {
  await simulator?.close();
});

/** Spends the shop's bucket from outside the client, as another process of the app would. */
async function drainBucket() {
  const body = JSON.stringify({ query: queries.ORDERS_UPDATED_SINCE });
  const spend = () =>
    fetch(`${simulator.url}/${shop}/admin/api/2026-10/graphql.json`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token },
      body,
    });
  await Promise.all(Array.from({ length: 8 }, spend));
}

describe("cost-aware Admin client", () => {
  it("waits out THROTTLED and then answers", async () => {
    const sleeps: number[] = [];
    const admin = client.createAdminClient(shop, graphql, {
      sleep: (ms) => {
        sleeps.push(ms);
        return new Promise((resolve) => setTimeout(resolve, ms));
      },
    });
    await drainBucket();
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
