// GIVEN the Admin API's answers to the bulk operation documents, WHEN the app starts, follows,
// cancels and downloads a bulk operation, THEN it reads the answer right and every refusal
// becomes a ShopifyApiError saying whether trying again can help.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateStore, startSimulator, type SimulatorHandle } from "#simulator/index";
import { SLOW_DOWNLOAD_CHUNK_BYTES } from "#simulator/faults";
import { createAdminClient, ShopifyApiError } from "./admin-client.server";
import { bulkOperationStatus, cancelBulkOperation, downloadBulkResult, startBulkQuery } from "./bulk.server";
import { BULK_ORDERS_QUERY } from "./bulk-queries";
import { simulatorGraphql } from "../../tests/support/simulated-shop";

function clientAnswering(data: unknown, seen: Array<{ query: string; variables?: Record<string, unknown> }> = []) {
  return createAdminClient("bulk-unit.myshopify.com", async (query, options) => {
    seen.push({ query, variables: options?.variables });
    return new Response(JSON.stringify({ data }));
  });
}

async function failure(promise: Promise<unknown>): Promise<ShopifyApiError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof ShopifyApiError)) throw new Error(`expected a ShopifyApiError, got ${String(error)}`);
  return error;
}

describe("startBulkQuery", () => {
  it("sends the inner query with groupObjects false and returns the new operation", async () => {
    const seen: Array<{ query: string; variables?: Record<string, unknown> }> = [];
    const client = clientAnswering(
      { bulkOperationRunQuery: { bulkOperation: { id: "gid://shopify/BulkOperation/1", status: "CREATED" }, userErrors: [] } },
      seen,
    );
    expect(await startBulkQuery(client, BULK_ORDERS_QUERY)).toEqual({ id: "gid://shopify/BulkOperation/1", status: "CREATED" });
    expect(seen[0].variables).toEqual({ query: BULK_ORDERS_QUERY });
    expect(seen[0].query).toMatch(/bulkOperationRunQuery\(query: \$query, groupObjects: false\)/);
  });

  it.each([
    ["OPERATION_IN_PROGRESS", "A bulk query operation for this app and shop is already in progress", true],
    ["INVALID", "Queries that contain a connection field within a list field are not currently supported.", false],
  ])("turns a %s user error into an error that says whether to retry", async (code, message, retryable) => {
    const client = clientAnswering({ bulkOperationRunQuery: { bulkOperation: null, userErrors: [{ field: ["query"], message, code }] } });
    const error = await failure(startBulkQuery(client, BULK_ORDERS_QUERY));
    expect({ message: error.message, code: error.code, retryable: error.retryable }).toEqual({
      message: `Shopify refused the bulk query: query: ${message}`,
      code,
      retryable,
    });
  });
});

describe("bulkOperationStatus", () => {
  it("reads a finished operation (UnsignedInt64 counts come as strings)", async () => {
    const client = clientAnswering({
      bulkOperation: {
        id: "gid://shopify/BulkOperation/1",
        status: "COMPLETED",
        errorCode: null,
        objectCount: "123456",
        rootObjectCount: "1000",
        fileSize: "999",
        url: "https://storage.example/result.jsonl",
        partialDataUrl: null,
        createdAt: "2026-11-15T10:00:00Z",
        completedAt: "2026-11-15T10:05:00Z",
      },
    });
    expect(await bulkOperationStatus(client, "gid://shopify/BulkOperation/1")).toEqual({
      id: "gid://shopify/BulkOperation/1",
      status: "COMPLETED",
      errorCode: null,
      objectCount: 123456,
      url: "https://storage.example/result.jsonl",
      partialDataUrl: null,
      completedAt: new Date("2026-11-15T10:05:00Z"),
    });
  });

  it("says when the operation does not exist, and that retrying will not help", async () => {
    const error = await failure(bulkOperationStatus(clientAnswering({ bulkOperation: null }), "gid://shopify/BulkOperation/9"));
    expect({ code: error.code, retryable: error.retryable }).toEqual({ code: "NOT_FOUND", retryable: false });
  });
});

describe("cancelBulkOperation", () => {
  it("returns the canceling operation, and refuses with the user error's message", async () => {
    const ok = clientAnswering({
      bulkOperationCancel: { bulkOperation: { id: "gid://shopify/BulkOperation/1", status: "CANCELING" }, userErrors: [] },
    });
    expect(await cancelBulkOperation(ok, "gid://shopify/BulkOperation/1")).toEqual({
      id: "gid://shopify/BulkOperation/1",
      status: "CANCELING",
    });
    const refused = clientAnswering({
      bulkOperationCancel: { bulkOperation: null, userErrors: [{ field: null, message: "A bulk operation cannot be canceled when it is completed" }] },
    });
    const error = await failure(cancelBulkOperation(refused, "gid://shopify/BulkOperation/1"));
    expect(error.message).toBe("Shopify did not cancel the bulk operation: A bulk operation cannot be canceled when it is completed");
  });
});

describe("downloadBulkResult", () => {
  it("gives the body as a stream without reading it", async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new TextEncoder().encode('{"id":"gid://shopify/Customer/1"}\n'));
        if (pulled === 3) controller.close();
      },
    });
    const stream = await downloadBulkResult("https://storage.example/r.jsonl", { fetch: async () => new Response(body) });
    expect(pulled).toBeLessThanOrEqual(1);
    expect(await new Response(stream).text()).toBe('{"id":"gid://shopify/Customer/1"}\n'.repeat(3));
  });

  it.each([
    [403, false],
    [404, false],
    [500, true],
    [503, true],
  ])("answers %i with an error that is retryable: %s", async (status, retryable) => {
    const error = await failure(downloadBulkResult("https://storage.example/r.jsonl", { fetch: async () => new Response("no", { status }) }));
    expect({ code: error.code, retryable: error.retryable }).toEqual({ code: String(status), retryable });
  });

  it("treats a network failure as retryable", async () => {
    const error = await failure(
      downloadBulkResult("https://storage.example/r.jsonl", {
        fetch: async () => {
          throw new TypeError("fetch failed");
        },
      }),
    );
    expect({ code: error.code, retryable: error.retryable }).toEqual({ code: "NETWORK", retryable: true });
  });
});

describe("downloadBulkResult deadlines and aborts", () => {
  const never = () => new Promise<Response>(() => undefined);

  it("gives up on a host that does not start answering, even one that ignores the signal", async () => {
    // The host never answers and ignores the signal: only the deadline ends the wait.
    const error = await failure(downloadBulkResult("https://storage.example/r.jsonl", { fetch: never, headersTimeoutMs: 50 }));
    expect({ code: error.code, retryable: error.retryable }).toEqual({ code: "TIMEOUT", retryable: true });
  });

  it("errors the stream with a retryable NETWORK error when the body breaks off", async () => {
    let sent = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return controller.error(new TypeError("terminated"));
        sent = true;
        controller.enqueue(new TextEncoder().encode('{"id":"gid://shopify/Customer/1"}\n'));
      },
    });
    const reader = (await downloadBulkResult("https://storage.example/r.jsonl", { fetch: async () => new Response(body) })).getReader();
    expect((await reader.read()).done).toBe(false);
    const error = await failure(reader.read());
    expect({ code: error.code, retryable: error.retryable }).toEqual({ code: "NETWORK", retryable: true });
  });

  it("ends a download that has not started answering when its signal aborts, with an error that is not retried", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const error = await failure(downloadBulkResult("https://storage.example/r.jsonl", { fetch: never, signal: controller.signal }));
    expect({ code: error.code, retryable: error.retryable }).toEqual({ code: "ABORTED", retryable: false });
  });
});

describe("downloading a bulk result from the simulator", () => {
  const store = generateStore({ seed: 8, now: "2026-11-15T12:00:00Z", customers: 150, domain: "bulk-download.myshopify.com" });
  const shop = store.shop.domain;
  let simulator: SimulatorHandle;
  let url: string;
  let file: string;

  beforeAll(async () => {
    simulator = await startSimulator({ apiKey: "bulk-download-key", apiSecret: "bulk-download-secret", stores: [store] });
    const { accessToken } = simulator.installations.issue({ shop, kind: "offline" });
    const client = createAdminClient(shop, simulatorGraphql(simulator, shop, accessToken));
    const { id } = await startBulkQuery(client, BULK_ORDERS_QUERY);
    for (;;) {
      const state = await bulkOperationStatus(client, id);
      if (state.status === "COMPLETED") {
        url = state.url!;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    file = await (await fetch(url)).text();
    // Enough chunks that a slow download takes several idle deadlines in all.
    expect(Buffer.byteLength(file)).toBeGreaterThan(8 * SLOW_DOWNLOAD_CHUNK_BYTES);
  });

  afterAll(async () => {
    await simulator?.close();
  });

  afterEach(() => {
    simulator.faults.clear();
  });

  it("streams a slow file whole while each chunk comes within the idle deadline, however long the whole takes", async () => {
    simulator.faults.set({ slowDownloadMs: 40 });
    const started = performance.now();
    const stream = await downloadBulkResult(url, { idleTimeoutMs: 250 });
    expect(await new Response(stream).text()).toBe(file);
    expect(performance.now() - started).toBeGreaterThan(250);
    expect(simulator.faults.counts().slowDownloads).toBe(1);
  });

  it("errors the stream with a retryable TIMEOUT when the file stalls past the idle deadline", async () => {
    // A minute between chunks: only the idle deadline ends the read.
    simulator.faults.set({ slowDownloadMs: 60_000 });
    const stream = await downloadBulkResult(url, { idleTimeoutMs: 100 });
    const error = await failure(stream.getReader().read());
    expect({ code: error.code, retryable: error.retryable }).toEqual({ code: "TIMEOUT", retryable: true });
  });

  it("stops the download mid-file when its signal aborts: the stream errors with ABORTED and the connection closes", async () => {
    simulator.faults.set({ slowDownloadMs: 150 });
    const controller = new AbortController();
    let connection: AbortSignal | undefined;
    const stream = await downloadBulkResult(url, {
      signal: controller.signal,
      fetch: (input, init) => {
        connection = init?.signal ?? undefined;
        return fetch(input, init);
      },
    });
    const reader = stream.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    controller.abort();
    const error = await failure(reader.read());
    expect({ code: error.code, retryable: error.retryable }).toEqual({ code: "ABORTED", retryable: false });
    expect(connection?.aborted).toBe(true);
  });

  it("errors the stream with the caller's own reason when it aborts with one (a job that lost its shop lock)", async () => {
    simulator.faults.set({ slowDownloadMs: 60_000 });
    const controller = new AbortController();
    const stream = await downloadBulkResult(url, { signal: controller.signal });
    const reader = stream.getReader();
    const reason = new Error("the shop's lock was lost");
    controller.abort(reason);
    expect(await reader.read().catch((error: unknown) => error)).toBe(reason);
  });
});
