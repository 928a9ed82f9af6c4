// GIVEN the simulator answering Admin GraphQL slowly, WHEN a request goes through the fetch the
// app gives the Shopify library, with a simulator URL (development, tests) or without one
// (production), THEN it is abandoned at its deadline, a caller's signal still aborts it, and a
// request within the deadline is answered.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateStore, startSimulator, type SimulatorHandle } from "#simulator/index";
import { DeadlineExceeded } from "./abort";
import { shopifyFetch, simulatorUrlFor } from "./transport.server";

const store = generateStore({ seed: 4, now: "2026-10-01T00:00:00Z", customers: 5 });
const shop = store.shop.domain;
let simulator: SimulatorHandle;

beforeAll(async () => {
  simulator = await startSimulator({ apiKey: "transport-key", apiSecret: "transport-secret", stores: [store] });
});

afterAll(async () => {
  await simulator?.close();
});

afterEach(() => {
  simulator.faults.clear();
});

const graphqlUrl = `https://${shop}/admin/api/2026-10/graphql.json`;
const post = (init: RequestInit = {}): RequestInit => ({ method: "POST", headers: { "Content-Type": "application/json" }, body: '{"query":"{ shop { id } }"}', ...init });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error("answered"),
    (error: unknown) => error,
  );
}

describe("the Shopify library's fetch", () => {
  // Production has no simulator: the library's own URL, reached here at the simulator's address.
  const targets = [
    ["through the simulator", () => shopifyFetch(simulator.url, { timeoutMs: 100 }), () => graphqlUrl],
    ["in production", () => shopifyFetch(undefined, { timeoutMs: 100 }), () => simulatorUrlFor(graphqlUrl, simulator.url)],
  ] as const;

  it.each(targets)("abandons a request past its deadline (%s)", async (_, fetcher, url) => {
    // An answer a minute away: only the deadline ends the request (with DeadlineExceeded).
    simulator.faults.set({ slowMs: 60_000 });
    const error = await rejection(fetcher()(url(), post()));
    expect(error).toBeInstanceOf(DeadlineExceeded);
  });

  it.each(targets)("answers a request within its deadline (%s)", async (_, fetcher, url) => {
    // No token: the simulator's 401 is an answer all the same.
    const response = await fetcher()(url(), post());
    expect(response.status).toBe(401);
    await response.body?.cancel();
  });

  it("lets the caller's signal abort a request before its deadline", async () => {
    simulator.faults.set({ slowMs: 2_000 });
    const controller = new AbortController();
    const reason = new Error("stop");
    setTimeout(() => controller.abort(reason), 50);
    const error = await rejection(shopifyFetch(simulator.url, { timeoutMs: 10_000 })(graphqlUrl, post({ signal: controller.signal })));
    expect(error).toBe(reason);
  });
});
