// A shop's first copy (or a full re-copy) through bulk operations: every order and customer is
// read by Shopify in the background into JSONL files, which are streamed into PostgreSQL; what
// changed while the files were being written is then read with the paged catch-up.
// https://shopify.dev/docs/api/usage/bulk-operations/queries
//
// Progress and the operations being waited on are kept in sync_state: a run that dies (worker
// restart, deploy) is finished by running the job again, which picks the same operations up
// when they are still usable, and ends with the same rows (the ingest is idempotent).
import prisma from "#app/db.server";
import { refreshDailyRollups } from "#app/metrics/rollups.server";
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
import { catchUpSince, loadShopInfo, markSyncFailed, markSyncSucceeded, WATERMARK_OVERLAP_MS } from "./sync-shop.server";

type BulkKind = "orders" | "customers";
const BULK_QUERIES: Record<BulkKind, string> = { orders: BULK_ORDERS_QUERY, customers: BULK_CUSTOMERS_QUERY };
const FINISHED = new Set(["COMPLETED", "FAILED", "CANCELED", "EXPIRED"]);
const RESUME_WITHIN_MS = 24 * 60 * 60 * 1000;

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

interface Operations {
  orders: string | null;
  customers: string | null;
}

// sync_state.phase while a backfill runs: `backfill <stage> orders=<gid> customers=<gid>`.
// The dashboard shows any phase but "customers" as "n of total read".
function phaseOf(stage: string, ops: Operations): string {
  return `backfill ${stage} orders=${ops.orders ?? "-"} customers=${ops.customers ?? "-"}`;
}

/** The operations a previous run of this backfill recorded, if its phase says so. */
export function parseBackfillPhase(phase: string | null): Operations | null {
  const match = phase ? /^backfill \S+ orders=(\S+) customers=(\S+)$/.exec(phase) : null;
  if (!match) return null;
  const id = (value: string) => (value === "-" ? null : value);
  return { orders: id(match[1]), customers: id(match[2]) };
}

/** True when the shop's last backfill stopped before finishing (its operations are recorded). */
export async function backfillInProgress(shop: string): Promise<boolean> {
  const state = await prisma.syncState.findUnique({ where: { shop } });
  return state !== null && state.status !== "succeeded" && parseBackfillPhase(state.phase) !== null;
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

/**
 * Copies the whole shop with bulk operations. `now` is when the run started: the paged catch-up
 * afterwards reads from it, and the next incremental sync resumes from it.
 */
export async function backfillShop(shop: string, client: AdminClient, now: Date, options: BackfillOptions = {}): Promise<void> {
  const sleep = options.sleep ?? defaultSleep;
  const pollMs = options.pollMs ?? 2_000;
  const maxPollMs = options.maxPollMs ?? 60_000;
  const finishCheckMs = options.finishCheckMs ?? 500;
  const maxAttempts = options.maxAttempts ?? 3;
  const timeoutMs = options.timeoutMs ?? 6 * 60 * 60 * 1000;

  const previous = await prisma.syncState.findUnique({ where: { shop } });
  // Operations of a run that stopped are picked up while their files are surely still there
  // (result files expire after 7 days). Their files show the shop as it was when they started,
  // so the catch-up then reads from that earlier run's start.
  const resumable =
    previous?.startedAt && previous.status !== "succeeded" && now.getTime() - previous.startedAt.getTime() < RESUME_WITHIN_MS;
  const recorded = resumable ? parseBackfillPhase(previous.phase) : null;
  const runStart = recorded && previous?.startedAt ? previous.startedAt : now;
  const ops: Operations = { orders: recorded?.orders ?? null, customers: recorded?.customers ?? null };

  await prisma.syncState.upsert({
    where: { shop },
    create: { shop, status: "running", startedAt: runStart, phase: phaseOf("starting", ops) },
    update: { status: "running", startedAt: runStart, finishedAt: null, error: null, done: 0, total: null, phase: phaseOf("starting", ops) },
  });
  // Both kinds record their operation as they start it. The writes go one at a time, each with
  // the operations known when it runs: two concurrent updates could commit in either order and
  // the later one, written before the other operation started, would forget it.
  const phaseLock = serialized();
  const setPhase = (stage: string) =>
    phaseLock(() => prisma.syncState.update({ where: { shop }, data: { phase: phaseOf(stage, ops) } }));

  try {
    // The shop's time zone and currency are needed by the rollups.
    await loadShopInfo(shop, client);
    // Progress counts orders and customers, out of Shopify's own counts; a customers bulk
    // file's object count replaces the estimate once it completes.
    const [{ ordersCount }, { customersCount }] = await Promise.all([
      client.request<{ ordersCount: { count: number } }>(ORDERS_COUNT, {}),
      client.request<{ customersCount: { count: number } }>(CUSTOMERS_COUNT, {}),
    ]);
    let customersTotal = customersCount.count;
    const setTotal = () =>
      prisma.syncState.update({ where: { shop }, data: { total: ordersCount.count + customersTotal } });
    await prisma.syncState.update({ where: { shop }, data: { done: 0, total: ordersCount.count + customersTotal } });

    const ingestLock = serialized();
    let ordersDone = 0;
    let customersDone = 0;
    const ingest = (kind: BulkKind, url: string) =>
      ingestLock(async () => {
        // A retry's file holds everything again: each kind counts its latest file.
        const summary = await ingestBulkJsonl(shop, await downloadBulkResult(url), {
          batchSize: options.ingestBatchSize,
          onProgress: (progress) => {
            options.onIngestProgress?.(kind, progress);
            const count = kind === "orders" ? progress.orders : progress.customers;
            if (kind === "orders") ordersDone = count;
            else customersDone = count;
            void prisma.syncState
              .update({ where: { shop }, data: { done: ordersDone + customersDone } })
              .catch(() => undefined);
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
        const state = await bulkOperationStatus(client, id);
        if (FINISHED.has(state.status)) return state;
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
          await setPhase("waiting");
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
    const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
    if (failure) throw failure.reason;

    // Bulk files carry refunds without their line items and shipping.
    await setPhase("refunds");
    // Orders written by this run (synced_at is the database's clock: allow for skew).
    await syncRefundDetails(shop, client, new Date(runStart.getTime() - WATERMARK_OVERLAP_MS));

    // What changed while the files were written. The paged catch-up rewrites the phase, so the
    // operations are no longer recorded: a crash from here on starts a new backfill.
    await catchUpSince(shop, client, new Date(runStart.getTime() - WATERMARK_OVERLAP_MS));
    await refreshDailyRollups(shop);

    await markSyncSucceeded(shop, runStart);
  } catch (error) {
    await markSyncFailed(shop, error);
    throw error;
  }
}
