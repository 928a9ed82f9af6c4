// A shop's first copy (or a full re-copy) through bulk operations: every order and customer is
// read by Shopify in the background into JSONL files, which are streamed into PostgreSQL; what
// changed while the files were being written is then read with the paged catch-up.
// https://shopify.dev/docs/api/usage/bulk-operations/queries
//
// Progress and the operations being waited on are kept in sync_state (sync-state.server.ts): a
// run that dies (worker restart, deploy) is finished by running the job again, which picks the
// same operations up when they are still usable, and ends with the same rows (the ingest is
// idempotent). The rows go through the order writer's bulk writes: one rollup rebuild at the end.
import prisma from "#app/db.server";
import { raceAbort } from "#app/shopify/abort";
import { ShopifyApiError, type AdminClient } from "#app/shopify/admin-client.server";
import {
  bulkOperationStatus,
  downloadBulkResult,
  startBulkQuery,
  type BulkOperationState,
} from "#app/shopify/bulk.server";
import { BULK_CUSTOMERS_QUERY, BULK_ORDERS_QUERY } from "#app/shopify/bulk-queries";
import { CUSTOMERS_COUNT, ORDERS_COUNT } from "#app/shopify/queries";
import { ingestBulkJsonl, syncRefundDetails, type IngestProgress } from "./bulk-ingest.server";
import { bulkWrites, type BulkWrites } from "./order-writer.server";
import { catchUpSince, loadShopInfo } from "./sync-shop.server";
import {
  markRunFailed,
  markRunSucceeded,
  recordBulkOperation,
  resumableBackfill,
  setPhase,
  setProgress,
  startRun,
  SyncPhase,
  SyncRunKind,
  WATERMARK_OVERLAP_MS,
  type BulkKind,
  type BulkOperations,
} from "./sync-state.server";

const BULK_QUERIES: Record<BulkKind, string> = { orders: BULK_ORDERS_QUERY, customers: BULK_CUSTOMERS_QUERY };
const FINISHED = new Set(["COMPLETED", "FAILED", "CANCELED", "EXPIRED"]);

export interface BackfillOptions {
  /**
   * First wait between status polls; doubles up to `maxPollMs`. A wait ends early when the
   * operation's bulk_operations/finish webhook is recorded (looked for every `finishCheckMs`):
   * the webhook says when an operation ends, polling is the fallback for a lost one.
   */
  pollMs?: number;
  maxPollMs?: number;
  finishCheckMs?: number;
  /** Bulk queries started per kind before giving up on a failing one (default 3). */
  maxAttempts?: number;
  /** Gives up waiting for an operation after this long (default 6 h). */
  timeoutMs?: number;
  ingestBatchSize?: number;
  /** Called after each committed ingest batch (tests interrupt a run from here). */
  onIngestProgress?: (kind: BulkKind, progress: IngestProgress) => void;
  sleep?: (ms: number) => Promise<void>;
  /** Stops the run (its shop lock was lost): waits end and the ingest stops between batches. */
  signal?: AbortSignal;
  /**
   * Hands the run back after waiting this long with no file ready: it ends with BackfillWaiting
   * (operations still recorded, state still running), to be run again later. Unset: waits
   * however long Shopify takes.
   */
  yieldAfterMs?: number;
}

/**
 * The run stopped waiting for Shopify to write its files, nothing of them read yet: running it
 * again (after `retryAfterSeconds`) picks the same operations up. Not a failure.
 */
export class BackfillWaiting extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`Shopify is still writing the bulk files: resuming in ${retryAfterSeconds} s`);
    this.name = "BackfillWaiting";
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Whether Shopify's bulk_operations/finish webhook for operation `id` has been recorded. */
async function finishRecorded(shop: string, id: string, since: Date): Promise<boolean> {
  const rows = await prisma.$queryRaw<unknown[]>`
    SELECT 1 FROM webhook_events
    WHERE topic = 'bulk_operations/finish' AND received_at >= ${since} AND shop = ${shop}
      AND payload->>'admin_graphql_api_id' = ${id}
    LIMIT 1`;
  return rows.length > 0;
}

/** One at a time: ingests share the row writer's staging tables. */
function serialized() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };
}

type Settings = Required<Omit<BackfillOptions, "ingestBatchSize" | "onIngestProgress" | "signal" | "yieldAfterMs">> &
  Pick<BackfillOptions, "ingestBatchSize" | "onIngestProgress" | "signal" | "yieldAfterMs">;

/** How long a run that handed its slot back waits before it looks again: a tenth of its age, 2 s to 1 min. */
export function resumeDelaySeconds(runAgeMs: number): number {
  return Math.min(60, Math.max(2, Math.round(runAgeMs / 10_000)));
}

interface BulkRun {
  shop: string;
  client: AdminClient;
  writes: BulkWrites;
  runStart: Date;
  /** The operations of this run, recorded in sync_state as they start. */
  ops: BulkOperations;
  settings: Settings;
  /** Shopify's counts, the progress bar's total until the customers file gives its own. */
  progress: { ordersCount: number; customersCount: number };
}

/**
 * Runs (or picks up) both bulk queries and ingests each file as soon as it is ready, one at a
 * time; a failed operation's partial file is kept and the query run again.
 */
async function readBulkFiles({ shop, client, writes, runStart, ops, settings, progress }: BulkRun): Promise<void> {
  const { sleep, pollMs, maxPollMs, finishCheckMs, maxAttempts, timeoutMs } = settings;
  let customersTotal = progress.customersCount;
  const setTotal = () => setProgress(shop, { total: progress.ordersCount + customersTotal });
  const ingestLock = serialized();
  // Handing the slot back: only while no file is ready, so that no file is read twice.
  const waitingSince = Date.now();
  const handOver = { fileReady: false, handingOver: false };
  const handOverNow = () => {
    if (handOver.handingOver) return true;
    if (settings.yieldAfterMs === undefined || handOver.fileReady) return false;
    handOver.handingOver = Date.now() - waitingSince >= settings.yieldAfterMs;
    return handOver.handingOver;
  };
  const handBack = () => new BackfillWaiting(resumeDelaySeconds(Date.now() - runStart.getTime()));
  let ordersDone = 0;
  let customersDone = 0;
  const ingest = (kind: BulkKind, url: string) =>
    ingestLock(async () => {
      // A retry's file holds everything again: each kind counts its latest file.
      const summary = await ingestBulkJsonl(shop, await downloadBulkResult(url, { signal: settings.signal }), writes, {
        batchSize: settings.ingestBatchSize,
        signal: settings.signal,
        onProgress: (progress) => {
          settings.onIngestProgress?.(kind, progress);
          const count = kind === "orders" ? progress.orders : progress.customers;
          if (kind === "orders") ordersDone = count;
          else customersDone = count;
          void setProgress(shop, { done: ordersDone + customersDone }).catch(() => undefined);
        },
      });
      return summary;
    });

  /** Waits up to `ms` for the operation's finish webhook; true as soon as it is recorded. */
  const finishWebhook = async (id: string, ms: number, since: Date): Promise<boolean> => {
    for (let waited = 0; waited < ms; ) {
      if (await finishRecorded(shop, id, since)) return true;
      const step = Math.min(finishCheckMs, ms - waited);
      await sleep(step);
      waited += step;
    }
    return false;
  };

  /** Waits for an operation to finish: its webhook, or status polls at a growing interval. */
  const waitFor = async (id: string): Promise<BulkOperationState> => {
    const deadline = Date.now() + timeoutMs;
    // A webhook recorded before this wait began counts (the operation may have ended meanwhile).
    const since = new Date(runStart.getTime() - WATERMARK_OVERLAP_MS);
    let delay = pollMs;
    let signalled = false;
    for (;;) {
      settings.signal?.throwIfAborted();
      const state = await bulkOperationStatus(client, id);
      // The other kind handed the run back: this one's file waits for the next run too.
      if (handOver.handingOver) throw handBack();
      if (FINISHED.has(state.status)) {
        handOver.fileReady = true;
        return state;
      }
      if (handOverNow()) throw handBack();
      if (Date.now() > deadline) throw new ShopifyApiError(`Bulk operation ${id} did not finish in time`, true, "TIMEOUT");
      if (!signalled && (await finishWebhook(id, delay, since))) {
        // Shopify's status says so too within moments: ask again soon.
        signalled = true;
        delay = finishCheckMs;
        continue;
      }
      if (signalled) await sleep(delay);
      delay = Math.min(delay * 2, maxPollMs);
    }
  };

  /** Runs (or picks up) one kind's bulk query until it completes; returns its file, if any. */
  const acquire = async (kind: BulkKind): Promise<string | null> => {
    for (let attempt = 1; ; attempt++) {
      let id = ops[kind];
      if (!id) {
        id = (await startBulkQuery(client, BULK_QUERIES[kind])).id;
        ops[kind] = id;
        await recordBulkOperation(shop, kind, id);
      }
      let state: BulkOperationState;
      try {
        state = await waitFor(id);
      } catch (error) {
        // A recorded operation Shopify no longer knows: start a new one.
        if (error instanceof ShopifyApiError && error.code === "NOT_FOUND" && attempt < maxAttempts) {
          ops[kind] = null;
          continue;
        }
        throw error;
      }
      if (state.status === "COMPLETED") {
        if (kind === "customers") {
          customersTotal = state.objectCount;
          await setTotal();
        }
        return state.url;
      }
      // What was written before a failure is as good as any other row: keep it.
      if (state.status === "FAILED" && state.partialDataUrl) await ingest(kind, state.partialDataUrl);
      ops[kind] = null;
      // Missing access does not come back by asking again.
      if (attempt >= maxAttempts || state.errorCode === "ACCESS_DENIED") {
        throw new ShopifyApiError(
          `The ${kind} bulk operation ended ${state.status}${state.errorCode ? ` (${state.errorCode})` : ""} ${attempt} times`,
          state.errorCode !== "ACCESS_DENIED",
          state.errorCode ?? state.status,
        );
      }
    }
  };

  // Both queries run at once (up to five per shop since 2026-01); each file is ingested as soon
  // as it is ready, one at a time. Settled, not raced: a failure of one kind does not leave the
  // other writing after the job has ended.
  const outcomes = await Promise.allSettled(
    (["orders", "customers"] as const).map(async (kind) => {
      const url = await acquire(kind);
      if (url) await ingest(kind, url);
    }),
  );
  const failures = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason as unknown] : []));
  // A real failure wins over handing the run back.
  const failure = failures.find((reason) => !(reason instanceof BackfillWaiting)) ?? failures[0];
  if (failure) throw failure;
}

/**
 * Copies the whole shop with bulk operations. `now` is when the run started: the paged catch-up
 * afterwards reads from it, and the next incremental sync resumes from it.
 */
export async function backfillShop(shop: string, client: AdminClient, now: Date, options: BackfillOptions = {}): Promise<void> {
  const settings: Settings = {
    // Waits end as soon as the run is stopped.
    sleep: options.sleep ?? ((ms) => (options.signal ? raceAbort(defaultSleep(ms), options.signal) : defaultSleep(ms))),
    pollMs: options.pollMs ?? 2_000,
    maxPollMs: options.maxPollMs ?? 60_000,
    finishCheckMs: options.finishCheckMs ?? 500,
    maxAttempts: options.maxAttempts ?? 3,
    timeoutMs: options.timeoutMs ?? 6 * 60 * 60 * 1000,
    ingestBatchSize: options.ingestBatchSize,
    onIngestProgress: options.onIngestProgress,
    signal: options.signal,
    yieldAfterMs: options.yieldAfterMs,
  };

  // Operations of a run that stopped are picked up while their files are surely still there.
  // Their files show the shop as it was when they started, so the catch-up then reads from that
  // earlier run's start.
  const resumed = await resumableBackfill(shop, now);
  const runStart = resumed?.startedAt ?? now;
  const ops: BulkOperations = resumed?.operations ?? { orders: null, customers: null };
  await startRun(shop, SyncRunKind.backfill, runStart, ops);

  try {
    // The shop's time zone and currency are needed by the rollups.
    await loadShopInfo(shop, client);
    // Progress counts orders and customers, out of Shopify's own counts; a customers bulk
    // file's object count replaces the estimate once it completes.
    const [{ ordersCount }, { customersCount }] = await Promise.all([
      client.request<{ ordersCount: { count: number } }>(ORDERS_COUNT, {}),
      client.request<{ customersCount: { count: number } }>(CUSTOMERS_COUNT, {}),
    ]);
    const progress = { ordersCount: ordersCount.count, customersCount: customersCount.count };
    await setPhase(shop, SyncPhase.bulk_operations, { done: 0, total: progress.ordersCount + progress.customersCount });

    await bulkWrites(shop, async (writes) => {
      await readBulkFiles({ shop, client, writes, runStart, ops, settings, progress });
      // Bulk files carry refunds without their line items and shipping.
      await setPhase(shop, SyncPhase.refund_details);
      // Orders written by this run (synced_at is the database's clock: allow for skew).
      await syncRefundDetails(shop, client, new Date(runStart.getTime() - WATERMARK_OVERLAP_MS), writes);
    });

    // What changed while the files were written. The operations stay recorded until the run
    // succeeds: a crash from here on reads the same files again (idempotent) rather than
    // asking Shopify for new ones.
    await catchUpSince(shop, client, new Date(runStart.getTime() - WATERMARK_OVERLAP_MS));

    await markRunSucceeded(shop, runStart);
  } catch (error) {
    // Still running, at Shopify: the run's state and operations stay as they are.
    if (error instanceof BackfillWaiting) throw error;
    await markRunFailed(shop, error);
    throw error;
  }
}
