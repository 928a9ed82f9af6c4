// Bulk operations: start an inner query, follow it, cancel it, and stream its JSONL result.
// https://shopify.dev/docs/api/usage/bulk-operations/queries
// Completion also arrives as the `bulk_operations/finish` webhook; `bulkOperationStatus` is the
// poll behind it. Bulk operations need an offline access token and do not draw from the
// query-cost bucket.
import { abortAfter, abortError, childController, DeadlineExceeded, raceAbort } from "./abort";
import { ShopifyApiError, type AdminClient } from "./admin-client.server";
import { BULK_OPERATION_CANCEL, BULK_OPERATION_RUN_QUERY, BULK_OPERATION_STATUS } from "./bulk-queries";
import { errorMessage } from "#app/error-message";

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
 * How long the file's host may take to answer a download with its status and headers. The
 * files are on Google Cloud Storage, which answers in well under a second; a host silent for
 * 30 s is not going to.
 */
export const BULK_DOWNLOAD_HEADERS_TIMEOUT_MS = 30_000;

/**
 * How long a download may go without a byte while its reader waits for one. Not a total: a
 * file of gigabytes streams into the database for many minutes, and the time the reader spends
 * writing what it has read does not count. A minute of silence is a dead connection.
 */
export const BULK_DOWNLOAD_IDLE_TIMEOUT_MS = 60_000;

export interface DownloadOptions {
  fetch?: typeof fetch;
  /** Aborts the download, before or during the body, with a non-retryable ABORTED error. */
  signal?: AbortSignal;
  headersTimeoutMs?: number;
  idleTimeoutMs?: number;
}

/**
 * The result file as a byte stream, read as it downloads (never buffered whole): hand it to
 * `ingestBulkJsonl`. The URL is signed and expires after seven days; an expired or missing file
 * is not worth retrying, a 5xx, a network failure or a TIMEOUT is. The answer must start
 * within `headersTimeoutMs`, and each read of the body be answered within `idleTimeoutMs`,
 * else the stream errors with a TIMEOUT. Aborting `signal` closes the connection and errors the
 * stream at once with ABORTED, whether or not anyone is reading it.
 */
export async function downloadBulkResult(url: string, options: DownloadOptions = {}): Promise<ReadableStream<Uint8Array>> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const headersTimeoutMs = options.headersTimeoutMs ?? BULK_DOWNLOAD_HEADERS_TIMEOUT_MS;
  const idleTimeoutMs = options.idleTimeoutMs ?? BULK_DOWNLOAD_IDLE_TIMEOUT_MS;
  const { signal } = options;
  const aborted = () => abortError(signal, () => new ShopifyApiError(`Bulk result download aborted: ${String(signal?.reason)}`, false, "ABORTED"));
  if (signal?.aborted) throw aborted();
  // Aborting the connection ends the request and, once it has answered, its body.
  const { controller: connection, release } = childController(signal);
  const cancelHeadersDeadline = abortAfter(connection, headersTimeoutMs);
  let response: Response;
  try {
    response = await raceAbort(fetchImpl(url, { signal: connection.signal }), connection.signal);
  } catch (error) {
    release();
    if (signal?.aborted) throw aborted();
    if (connection.signal.reason instanceof DeadlineExceeded) {
      throw new ShopifyApiError(`Bulk result download did not start within ${headersTimeoutMs} ms`, true, "TIMEOUT");
    }
    throw new ShopifyApiError(
      `Bulk result unreachable: ${errorMessage(error)}`,
      true,
      "NETWORK",
    );
  } finally {
    cancelHeadersDeadline();
  }
  if (!response.ok || !response.body) {
    release();
    await response.body?.cancel().catch(() => undefined);
    const retryable = response.status === 429 || response.status >= 500;
    throw new ShopifyApiError(`Bulk result download answered ${response.status}`, retryable, String(response.status));
  }
  return watchedBody(response.body, { connection, release, signal, aborted, idleTimeoutMs });
}

/**
 * The body, erroring with TIMEOUT when a read waits `idleTimeoutMs` for data, and with ABORTED
 * as soon as `signal` aborts. It reads only when asked (highWaterMark 0): the idle deadline runs
 * while a reader waits, never while it is busy with what it has read.
 */
function watchedBody(
  body: ReadableStream<Uint8Array>,
  watch: { connection: AbortController; release(): void; signal?: AbortSignal; aborted(): Error; idleTimeoutMs: number },
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let stream!: ReadableStreamDefaultController<Uint8Array>;
  let over = false;
  /** No more reading: the body ended, was cancelled, or failed with `error`. */
  const finish = (error?: Error) => {
    if (over) return;
    over = true;
    watch.signal?.removeEventListener("abort", onAbort);
    watch.release();
    if (!error) return;
    stream.error(error);
    // Closes the connection: the host stops sending.
    watch.connection.abort(error);
    reader.cancel(error).catch(() => undefined);
  };
  const onAbort = () => finish(watch.aborted());
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        stream = controller;
        watch.signal?.addEventListener("abort", onAbort, { once: true });
      },
      async pull(controller) {
        const { controller: idle, release } = childController(watch.connection.signal);
        const cancelIdleDeadline = abortAfter(idle, watch.idleTimeoutMs);
        try {
          const { done, value } = await raceAbort(reader.read(), idle.signal);
          if (over) return;
          if (done) {
            controller.close();
            finish();
          } else {
            controller.enqueue(value);
          }
        } catch (error) {
          if (idle.signal.reason instanceof DeadlineExceeded) {
            finish(new ShopifyApiError(`Bulk result download stalled: no data for ${watch.idleTimeoutMs} ms`, true, "TIMEOUT"));
          } else {
            const message = errorMessage(error);
            finish(new ShopifyApiError(`Bulk result download broke off: ${message}`, true, "NETWORK"));
          }
        } finally {
          cancelIdleDeadline();
          release();
        }
      },
      async cancel(reason) {
        finish();
        await reader.cancel(reason).catch(() => undefined);
        watch.connection.abort(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
