// GIVEN the Admin API's answers to the bulk operation documents, WHEN the app starts, follows,
// cancels and downloads a bulk operation, THEN it reads the answer right and every refusal
// becomes a ShopifyApiError saying whether trying again can help.
import { describe, expect, it } from "vitest";
import { createAdminClient, ShopifyApiError } from "./admin-client.server";
import { bulkOperationStatus, cancelBulkOperation, downloadBulkResult, startBulkQuery } from "./bulk.server";
import { BULK_ORDERS_QUERY } from "./bulk-queries";

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
    const stream = await downloadBulkResult("https://storage.example/r.jsonl", async () => new Response(body));
    expect(pulled).toBeLessThanOrEqual(1);
    expect(await new Response(stream).text()).toBe('{"id":"gid://shopify/Customer/1"}\n'.repeat(3));
  });

  it.each([
    [403, false],
    [404, false],
    [500, true],
    [503, true],
  ])("answers %i with an error that is retryable: %s", async (status, retryable) => {
    const error = await failure(downloadBulkResult("https://storage.example/r.jsonl", async () => new Response("no", { status })));
    expect({ code: error.code, retryable: error.retryable }).toEqual({ code: String(status), retryable });
  });

  it("treats a network failure as retryable", async () => {
    const error = await failure(
      downloadBulkResult("https://storage.example/r.jsonl", async () => {
        throw new TypeError("fetch failed");
      }),
    );
    expect({ code: error.code, retryable: error.retryable }).toEqual({ code: "NETWORK", retryable: true });
  });
});
