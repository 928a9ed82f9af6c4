// The one writer of `sync_state`: where each shop's copy of its store stands. The jobs write it
// as they run (kind, phase, progress, the bulk operations a backfill resumes with, outcome, the
// last comparison with Shopify's counts), the shop lock records which job runs
// (app/jobs/shop-lock.server.ts), and the Data sync page and `metryka status` read it
// (sync-status.server.ts). Nothing else writes the table.
import { SyncPhase, SyncRunKind, SyncRunStatus, type Prisma, type SyncState } from "@prisma/client";
import type pg from "pg";
import prisma from "#app/db.server";
import { translator } from "#app/i18n";
import { ShopLockLostError, shopJobRun } from "#app/jobs/job-context.server";
import { ShopifyApiError } from "#app/shopify/admin-client.server";
import { errorMessage } from "#app/error-message";

export { SyncPhase, SyncRunKind, SyncRunStatus };

export type BulkKind = "orders" | "customers";

/** The bulk operations a backfill waits on or reads (Shopify's gids). */
export interface BulkOperations {
  orders: string | null;
  customers: string | null;
}

// Webhooks and the clock on Shopify's side are not perfectly ordered: a run re-reads a little of
// what the previous one already saw.
export const WATERMARK_OVERLAP_MS = 5 * 60 * 1000;

/** A backfill cut off longer ago than this starts afresh (result files expire after 7 days). */
const RESUME_WITHIN_MS = 24 * 60 * 60 * 1000;

export async function readSyncState(shop: string): Promise<SyncState | null> {
  return prisma.syncState.findUnique({ where: { shop } });
}

type RunState = Omit<Prisma.SyncStateUncheckedCreateInput, "shop" | "jobId" | "jobRun" | "updatedAt">;

/**
 * Writes the state of the shop's run. Under a shop job, only while that job's run still holds
 * the shop: a run that lost it (another took over) throws ShopLockLostError, writing nothing.
 */
async function writeRunState(shop: string, data: RunState): Promise<void> {
  const job = shopJobRun(shop);
  if (!job) {
    await prisma.syncState.upsert({ where: { shop }, create: { shop, ...data }, update: data });
    return;
  }
  job.signal.throwIfAborted();
  const { count } = await prisma.syncState.updateMany({ where: { shop, jobRun: job.run }, data });
  if (count === 0) throw new ShopLockLostError(shop, "another run holds the shop");
}

/**
 * Whether the shop needs a backfill: its copy was never completed, or a backfill of it was cut
 * off (its operations are still recorded; they are cleared when a backfill succeeds).
 */
export async function needsBackfill(shop: string): Promise<boolean> {
  const state = await readSyncState(shop);
  return !state?.lastSuccessAt || state.bulkOrdersOperation !== null || state.bulkCustomersOperation !== null;
}

/** Whether a backfill of the shop recorded `operationId` and is not running (it failed). */
export async function backfillStoppedWaitingOn(shop: string, operationId: string): Promise<boolean> {
  const state = await readSyncState(shop);
  if (!state || state.kind !== SyncRunKind.backfill || state.status !== SyncRunStatus.failed) return false;
  return state.bulkOrdersOperation === operationId || state.bulkCustomersOperation === operationId;
}

/** A sync was asked for (install, "Sync now"): shown as waiting until a worker takes it. */
export async function markSyncQueued(shop: string): Promise<void> {
  await prisma.$executeRaw`
    INSERT INTO sync_state (shop, status, updated_at) VALUES (${shop}, 'queued', now())
    ON CONFLICT (shop) DO UPDATE SET status = 'queued', error = NULL, updated_at = now()
    WHERE sync_state.status <> 'running'`;
}

/**
 * The operations and start of a backfill of this shop that was cut off recently enough to be
 * picked up again (its files show the shop as it was when it started), or null.
 */
export async function resumableBackfill(shop: string, now: Date): Promise<{ startedAt: Date; operations: BulkOperations } | null> {
  const state = await readSyncState(shop);
  if (!state?.startedAt || state.kind !== SyncRunKind.backfill || state.status === SyncRunStatus.succeeded) return null;
  if (now.getTime() - state.startedAt.getTime() >= RESUME_WITHIN_MS) return null;
  if (!state.bulkOrdersOperation && !state.bulkCustomersOperation) return null;
  return {
    startedAt: state.startedAt,
    operations: { orders: state.bulkOrdersOperation, customers: state.bulkCustomersOperation },
  };
}

/**
 * A run starts: running, no progress yet. A backfill records the operations it resumes with (or
 * none); a catch-up returns the watermark it reads from.
 */
export async function startRun(
  shop: string,
  kind: SyncRunKind,
  startedAt: Date,
  operations: BulkOperations = { orders: null, customers: null },
): Promise<{ watermark: Date | null }> {
  const run = {
    status: SyncRunStatus.running,
    kind,
    phase: SyncPhase.counting,
    startedAt,
    finishedAt: null,
    error: null,
    errorKind: null,
    done: 0,
    total: null,
    bulkOrdersOperation: operations.orders,
    bulkCustomersOperation: operations.customers,
  };
  await writeRunState(shop, run);
  return { watermark: (await readSyncState(shop))?.watermark ?? null };
}

export async function setPhase(shop: string, phase: SyncPhase, progress: { done?: number; total?: number | null } = {}): Promise<void> {
  await writeRunState(shop, { phase, ...progress });
}

export async function setProgress(shop: string, progress: { done?: number; total?: number | null }): Promise<void> {
  await writeRunState(shop, progress);
}

/**
 * Records the operation a backfill now waits on for one kind (null: none). Each kind writes its
 * own column: the two kinds start their operations at once, and a write of both would let the
 * later-arriving one forget the other's.
 */
export async function recordBulkOperation(shop: string, kind: BulkKind, operation: string | null): Promise<void> {
  await writeRunState(shop, kind === "orders" ? { bulkOrdersOperation: operation } : { bulkCustomersOperation: operation });
}

/** A run that started at `runStart` is committed: the next one reads from just before it. */
export async function markRunSucceeded(shop: string, runStart: Date): Promise<void> {
  await writeRunState(shop, {
      status: SyncRunStatus.succeeded,
      phase: null,
      finishedAt: new Date(),
      lastSuccessAt: new Date(),
      watermark: new Date(runStart.getTime() - WATERMARK_OVERLAP_MS),
      bulkOrdersOperation: null,
      bulkCustomersOperation: null,
      error: null,
      errorKind: null,
  });
}

/** How many records Shopify and the copy hold over the same ids, once the sweep has removed what it found. */
export interface CountCheck {
  shopify: number;
  copy: number;
}

/** A value for orders and one for customers. */
export interface ByKind<T> {
  orders: T;
  customers: T;
}

/** How many orders and how many customers. */
export type KindCounts = ByKind<number>;

/** The sweep's comparison with Shopify's counts (sweep.server.ts). */
export interface ShopifyCheck {
  /** Orders compared: those created since this instant (without read_all_orders), or all. */
  ordersSince: Date | null;
  orders: CountCheck;
  customers: CountCheck;
  /** Records the sweep removed before counting: Shopify had deleted them. */
  removed: KindCounts;
  /** Records the sweep copied back before counting: the copy had lost them. */
  restored: KindCounts;
}

/** The sweep's comparison with Shopify's counts, for the Data sync page. */
export async function recordShopifyCheck(shop: string, check: ShopifyCheck, at: Date): Promise<void> {
  await writeRunState(shop, {
    checkedAt: at,
    checkedSince: check.ordersSince,
    shopifyOrders: check.orders.shopify,
    copiedOrders: check.orders.copy,
    shopifyCustomers: check.customers.shopify,
    copiedCustomers: check.customers.copy,
    removedOrders: check.removed.orders,
    removedCustomers: check.removed.customers,
    restoredOrders: check.restored.orders,
    restoredCustomers: check.restored.customers,
  });
}

/**
 * What a failure means for the merchant: `retrying` (Shopify did not answer in time; the next
 * run will), `refused` (Shopify refused: access must be granted again), `failed` (anything else).
 */
export type SyncErrorKind = "retrying" | "refused" | "failed";

export function classifySyncError(error: unknown): { kind: SyncErrorKind; detail: string } {
  if (error instanceof ShopifyApiError) return { kind: error.retryable ? "retrying" : "refused", detail: error.message };
  return { kind: "failed", detail: errorMessage(error) };
}

/** A failure in English, for the command line (pages say it in the admin's language). */
export function describeSyncError(kind: SyncErrorKind, detail: string): string {
  return translator()(`syncErrors.${kind}`, { detail });
}

/**
 * A failed run, recorded with what to do about it. The watermark stays where it was, and so do
 * a backfill's operations: the next run picks them up. A run that lost the shop to another
 * leaves the state to that one.
 */
export async function markRunFailed(shop: string, error: unknown): Promise<void> {
  if (error instanceof ShopLockLostError) return;
  const { kind, detail } = classifySyncError(error);
  const failure = { status: SyncRunStatus.failed, finishedAt: new Date(), error: detail, errorKind: kind };
  await writeRunState(shop, failure).catch((problem: unknown) => {
    if (!(problem instanceof ShopLockLostError)) throw problem;
  });
}

// ---------------------------------------------------------------------------------------------
// The running job, kept on the connection that holds the shop's lock (app/jobs/shop-lock.server.ts).

export async function recordRunningJob(client: pg.ClientBase, shop: string, jobId: string, run: string): Promise<void> {
  // An UPDATE waits for the writes of a previous run still in flight (they hold the row FOR
  // SHARE, see fenceShopWrite); once it is done, they fail their check.
  await client.query(
    `INSERT INTO sync_state (shop, job_id, job_run, updated_at) VALUES ($1, $2, $3, now())
     ON CONFLICT (shop) DO UPDATE SET job_id = EXCLUDED.job_id, job_run = EXCLUDED.job_run`,
    [shop, jobId, run],
  );
}

export async function clearRunningJob(client: pg.ClientBase, shop: string, run: string): Promise<void> {
  await client.query("UPDATE sync_state SET job_id = NULL, job_run = NULL WHERE shop = $1 AND job_run = $2", [shop, run]);
}

/** Shops with a job recorded as running (alive or not). */
export async function shopsWithRunningJob(client: pg.Pool | pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ shop: string }>("SELECT shop FROM sync_state WHERE job_id IS NOT NULL");
  return rows.map((row) => row.shop);
}

/** Takes (reads and clears) the job recorded as running; call it holding the shop's lock. */
export async function takeRunningJob(client: pg.ClientBase, shop: string): Promise<string | null> {
  const { rows } = await client.query<{ job_id: string | null }>(
    "UPDATE sync_state s SET job_id = NULL, job_run = NULL FROM (SELECT job_id FROM sync_state WHERE shop = $1 FOR UPDATE) old WHERE s.shop = $1 RETURNING old.job_id",
    [shop],
  );
  return rows[0]?.job_id ?? null;
}

// The check each write transaction of a shop makes under a job: the job's run still holds the
// shop. FOR SHARE keeps the row until the transaction ends, so a run taking the shop over
// (recordRunningJob, takeRunningJob: UPDATEs) waits for writes in flight, and writes that start
// after the takeover find another run recorded.
const FENCE = "SELECT 1 FROM sync_state WHERE shop = $1 AND job_run = $2::uuid FOR SHARE";

/** Fences a write transaction of the row writer (a `pg` client inside BEGIN). */
export async function fenceRowWrite(client: pg.ClientBase, shop: string): Promise<void> {
  const job = shopJobRun(shop);
  if (!job) return;
  job.signal.throwIfAborted();
  const { rowCount } = await client.query(FENCE, [shop, job.run]);
  if (!rowCount) throw new ShopLockLostError(shop, "another run holds the shop");
}

/** Fences a write transaction made with Prisma. */
export async function fenceTransaction(tx: Prisma.TransactionClient, shop: string): Promise<void> {
  const job = shopJobRun(shop);
  if (!job) return;
  job.signal.throwIfAborted();
  const rows = await tx.$queryRawUnsafe<unknown[]>(FENCE, shop, job.run);
  if (rows.length === 0) throw new ShopLockLostError(shop, "another run holds the shop");
}

// ---------------------------------------------------------------------------------------------
// The import of Shopify's session figures (app/sync/shopify-sessions.server.ts): its own columns
// of the row, so that it never hides or overwrites where the copy of orders stands.

/** How the last import of Shopify's session figures ended (or that one runs). */
export type SessionsImportStatus = "running" | "succeeded" | "not_granted" | "throttled" | "rejected" | "failed";

/** An import of session figures starts; returns the zone its last success read days in. */
export async function startSessionsImport(shop: string, now: Date): Promise<{ syncedAt: Date | null; timeZone: string | null }> {
  await writeRunState(shop, { sessionsStatus: "running", sessionsError: null, sessionsAttemptedAt: now });
  const state = await readSyncState(shop);
  return { syncedAt: state?.sessionsSyncedAt ?? null, timeZone: state?.sessionsTimeZone ?? null };
}

/**
 * The days asked for were stored, read in `timeZone`; `rejected` names the breakdowns Shopify
 * did not accept (with its words), which leaves the run "rejected" with what was imported kept.
 */
export async function markSessionsImported(shop: string, now: Date, timeZone: string, rejected: string | null = null): Promise<void> {
  await writeRunState(shop, {
    sessionsStatus: rejected ? "rejected" : "succeeded",
    sessionsError: rejected,
    sessionsSyncedAt: now,
    sessionsTimeZone: timeZone,
  });
}

/** The import ended without all it asked for: how, and Shopify's or the system's words (the detail), if any. */
export async function markSessionsFailed(
  shop: string,
  status: Exclude<SessionsImportStatus, "running" | "succeeded">,
  error: string | null,
): Promise<void> {
  await writeRunState(shop, { sessionsStatus: status, sessionsError: error }).catch((problem: unknown) => {
    if (!(problem instanceof ShopLockLostError)) throw problem;
  });
}
