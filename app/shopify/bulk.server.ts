// Bulk operations: start an inner query, follow it, cancel it, and stream its JSONL result.
// https://shopify.dev/docs/api/usage/bulk-operations/queries
// Completion also arrives as the `bulk_operations/finish` webhook; `bulkOperationStatus` is the
// poll behind it. Bulk operations need an offline access token and do not draw from the
// query-cost bucket.
import { ShopifyApiError, type AdminClient } from "./admin-client.server";
import { BULK_OPERATION_CANCEL, BULK_OPERATION_RUN_QUERY, BULK_OPERATION_STATUS } from "./bulk-queries";

export type BulkOperationStatusValue =
  | "CREATED"
  | "RUNNING"
  | "COMPLETED"
  | "FAILED"
  | "CANCELING"
  | "CANCELED"
  | "EXPIRED";

export interface BulkOperationState {
  id: string;
  status: BulkOperationStatusValue;
  /** ACCESS_DENIED, INTERNAL_SERVER_ERROR or TIMEOUT when FAILED. */
  errorCode: string | null;
  objectCount: number;
  /** The JSONL file; null until COMPLETED, and when the query matched nothing. */
  url: string | null;
  /** What was written before a failure, if anything. */
  partialDataUrl: string | null;
  completedAt: Date | null;
}

interface UserError {
  field?: string[] | null;
  message: string;
  code?: string | null;
}

// Another bulk query of this app is still running on the shop: starting later can succeed.
const RETRYABLE_USER_ERRORS = new Set(["OPERATION_IN_PROGRESS", "LIMIT_REACHED"]);

function throwUserErrors(action: string, errors: UserError[]) {
  if (errors.length === 0) return;
  const code = errors.find((e) => e.code)?.code ?? undefined;
  const message = errors.map((e) => (e.field?.length ? `${e.field.join(".")}: ${e.message}` : e.message)).join("; ");
  throw new ShopifyApiError(`${action}: ${message}`, code !== undefined && RETRYABLE_USER_ERRORS.has(code), code);
}

/** Starts a bulk query (`query` is an inner query document, e.g. BULK_ORDERS_QUERY). */
export async function startBulkQuery(
  client: AdminClient,
  query: string,
): Promise<{ id: string; status: BulkOperationStatusValue }> {
  const data = await client.request<{
    bulkOperationRunQuery: {
      bulkOperation: { id: string; status: BulkOperationStatusValue } | null;
      userErrors: UserError[];
    } | null;
  }>(BULK_OPERATION_RUN_QUERY, { query });
  const payload = data.bulkOperationRunQuery;
  throwUserErrors("Shopify refused the bulk query", payload?.userErrors ?? []);
  if (!payload?.bulkOperation) throw new ShopifyApiError("Shopify started no bulk operation", true);
  return { id: payload.bulkOperation.id, status: payload.bulkOperation.status };
}

export async function bulkOperationStatus(client: AdminClient, id: string): Promise<BulkOperationState> {
  const { bulkOperation: op } = await client.request<{
    bulkOperation: {
      id: string;
      status: BulkOperationStatusValue;
      errorCode: string | null;
      objectCount: string | number;
      url: string | null;
      partialDataUrl: string | null;
      completedAt: string | null;
    } | null;
  }>(BULK_OPERATION_STATUS, { id });
  if (!op) throw new ShopifyApiError(`No bulk operation ${id} on this shop`, false, "NOT_FOUND");
  return {
    id: op.id,
    status: op.status,
    errorCode: op.errorCode,
    // UnsignedInt64 travels as a string.
    objectCount: Number(op.objectCount),
    url: op.url,
    partialDataUrl: op.partialDataUrl,
    completedAt: op.completedAt ? new Date(op.completedAt) : null,
  };
}

export async function cancelBulkOperation(
  client: AdminClient,
  id: string,
): Promise<{ id: string; status: BulkOperationStatusValue }> {
  const data = await client.request<{
    bulkOperationCancel: {
      bulkOperation: { id: string; status: BulkOperationStatusValue } | null;
      userErrors: UserError[];
    } | null;
  }>(BULK_OPERATION_CANCEL, { id });
  const payload = data.bulkOperationCancel;
  throwUserErrors("Shopify did not cancel the bulk operation", payload?.userErrors ?? []);
  if (!payload?.bulkOperation) throw new ShopifyApiError(`No bulk operation ${id} to cancel`, false, "NOT_FOUND");
  return { id: payload.bulkOperation.id, status: payload.bulkOperation.status };
}

/**
 * The result file as a byte stream, read as it downloads (never buffered whole): hand it to
 * `ingestBulkJsonl`. The URL is signed and expires after seven days; an expired or missing file
 * is not worth retrying, a 5xx or network failure is.
 */
export async function downloadBulkResult(
  url: string,
  fetchImpl: typeof fetch = globalThis.fetch,
): Promise<ReadableStream<Uint8Array>> {
  let response: Response;
  try {
    response = await fetchImpl(url);
  } catch (error) {
    throw new ShopifyApiError(
      `Bulk result unreachable: ${error instanceof Error ? error.message : String(error)}`,
      true,
      "NETWORK",
    );
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    const retryable = response.status === 429 || response.status >= 500;
    throw new ShopifyApiError(`Bulk result download answered ${response.status}`, retryable, String(response.status));
  }
  return response.body;
}
