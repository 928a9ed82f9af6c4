// One Admin API job at a time per shop, across every worker process on every machine: a job
// holds a PostgreSQL advisory lock on its shop for as long as it runs, on a connection of its
// own. The lock goes with the connection, so a worker that is killed or loses its machine
// frees its shops at once; nothing has to time out.
//
// The queue only expires an active job after hours (a large store's backfill may run that long),
// so a job whose worker died would sit until then. A running job therefore also writes its id
// to its shop's sync_state row; a worker that finds such an id while the shop's lock is free
// knows that job's worker is gone, cancels it and queues it again. A backfill resumes from the
// operations it recorded.
//
// The other way round, a job whose lock connection drops (the server restarted, the backend
// was terminated, the network went) has lost its shop: another worker may take it at once. The
// connection is watched (its errors, and a query every few seconds); when it goes, the job is
// aborted and its run fenced off (job-context.server.ts), so it never writes beside another.
import { randomUUID } from "node:crypto";
import type PgBoss from "pg-boss";
import type pg from "pg";
import { lockPool } from "#app/db-pool.server";
import { clearRunningJob, recordRunningJob, shopsWithRunningJob, takeRunningJob } from "#app/sync/sync-state.server";
import { runAsShopJob, ShopLockLostError } from "./job-context.server";
import { QUEUES, shopJobKey, type ShopJob } from "./queue.server";
import { errorMessage } from "#app/error-message";

/** The first key of Metryka's advisory locks (the second is the shop's hash). */
const LOCK_SPACE = 0x4d45; // "ME"
/** How often each worker looks for jobs whose worker died. */
export const ORPHAN_CHECK_MS = 5_000;
/**
 * How often a running job's lock connection is checked, and how long the check may take: a job
 * whose lock is gone stops within about these two (plus its current statement or Admin API
 * call, each bounded by its own timeout).
 */
export const LOCK_CHECK_MS = 2_000;
export const LOCK_CHECK_TIMEOUT_MS = 10_000;

/** Takes the shop's job lock on `client`'s session if it is free: whether it did. */
export async function tryShopLock(client: pg.ClientBase, shop: string): Promise<boolean> {
  const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked", [LOCK_SPACE, shop]);
  return rows[0].locked;
}

async function unlock(client: pg.PoolClient, shop: string): Promise<void> {
  await client.query("SELECT pg_advisory_unlock($1, hashtext($2))", [LOCK_SPACE, shop]);
}

export const SHOP_BUSY = Symbol("shop busy");

/** Rejects with the signal's reason once it aborts. */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/** Watches the lock's connection; aborts `lost` when it fails. Returns the function that stops watching. */
function watchLock(client: pg.PoolClient, shop: string, lost: AbortController): () => void {
  const lose = (reason: string) => {
    if (!lost.signal.aborted) lost.abort(new ShopLockLostError(shop, reason));
  };
  const onError = (error: Error) => lose(error.message);
  const onEnd = () => lose("its connection closed");
  client.on("error", onError);
  client.on("end", onEnd);
  let checking = false;
  const timer = setInterval(() => {
    if (checking || lost.signal.aborted) return;
    checking = true;
    const timeout = setTimeout(() => lose("its connection stopped answering"), LOCK_CHECK_TIMEOUT_MS);
    client
      .query("SELECT 1")
      .catch((error: Error) => lose(error.message))
      .finally(() => {
        clearTimeout(timeout);
        checking = false;
      });
  }, LOCK_CHECK_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    client.off("error", onError);
    client.off("end", onEnd);
  };
}

/**
 * Runs `work` holding the shop's lock, with `jobId` recorded as the shop's running job and a
 * run of its own (job-context.server.ts). Returns SHOP_BUSY, without running it, when another
 * job of the shop holds the lock. Rejects with ShopLockLostError as soon as the lock is lost;
 * `work` gets the signal that says so, and its writes are refused from then on.
 */
export async function withShopLock<T>(
  shop: string,
  jobId: string,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T | typeof SHOP_BUSY> {
  const client = await lockPool().connect();
  const lost = new AbortController();
  const stopWatching = watchLock(client, shop, lost);
  let healthy = true;
  try {
    if (!(await tryShopLock(client, shop))) return SHOP_BUSY;
    const run = randomUUID();
    try {
      await recordRunningJob(client, shop, jobId, run);
      const running = runAsShopJob({ shop, jobId, run, signal: lost.signal }, () => work(lost.signal));
      // Settled either way; when the lock is lost first, what `work` still does is fenced.
      running.catch(() => undefined);
      return await Promise.race([running, aborted(lost.signal)]);
    } finally {
      if (!lost.signal.aborted) {
        await clearRunningJob(client, shop, run);
        await unlock(client, shop);
      }
    }
  } catch (error) {
    healthy = false;
    throw error;
  } finally {
    stopWatching();
    // A connection that failed mid-way may still hold the lock: close it rather than reuse it.
    client.release(!healthy);
  }
}

/**
 * Cancels and queues again every shop job recorded as running whose shop lock is free (its
 * worker is gone). Returns the shops whose job was queued again by this call.
 */
export async function requeueOrphanedJobs(boss: PgBoss): Promise<string[]> {
  const pool = lockPool();
  const requeued: string[] = [];
  for (const shop of await shopsWithRunningJob(pool)) {
    const client = await pool.connect();
    try {
      if (!(await tryShopLock(client, shop))) continue;
      try {
        // Under the lock: the id is a dead job's (a live one clears it before unlocking).
        const jobId = await takeRunningJob(client, shop);
        if (!jobId) continue;
        const job = await boss.getJobById<ShopJob>(QUEUES.shop, jobId);
        if (job?.state !== "active") continue;
        await boss.cancel(QUEUES.shop, jobId);
        await boss.send(QUEUES.shop, job.data, { singletonKey: shopJobKey(job.data) });
        requeued.push(shop);
        console.warn(`[jobs] the worker running a ${job.data.kind} job is gone; the job was queued again`);
      } finally {
        await unlock(client, shop);
      }
    } finally {
      client.release();
    }
  }
  return requeued;
}

/**
 * Looks for orphaned jobs now (a restarted worker queues its predecessor's jobs again before it
 * takes any) and then every ORPHAN_CHECK_MS; returns the function that stops it.
 */
export async function watchForOrphanedJobs(boss: PgBoss): Promise<() => void> {
  const check = () =>
    requeueOrphanedJobs(boss).catch((error: unknown) =>
      console.warn(`[jobs] orphaned-job check failed: ${errorMessage(error)}`),
    );
  await check();
  const timer = setInterval(check, ORPHAN_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
