// One Admin API job at a time per shop, across every worker process on every machine: a job
// holds a PostgreSQL advisory lock on its shop for as long as it runs, on a connection of its
// own. The lock goes with the connection, so a worker that is killed or loses its machine
// frees its shops at once; nothing has to time out.
//
// The queue only expires an active job after hours (a backfill may wait that long on Shopify),
// so a job whose worker died would sit until then. A running job therefore also writes its id
// to its shop's sync_state row; a worker that finds such an id while the shop's lock is free
// knows that job's worker is gone, cancels it and queues it again. A backfill resumes from the
// operations it recorded.
import type PgBoss from "pg-boss";
import type pg from "pg";
import { lockPool } from "#app/db-pool.server";
import { clearRunningJob, recordRunningJob, shopsWithRunningJob, takeRunningJob } from "#app/sync/sync-state.server";
import { QUEUES, shopJobKey, type ShopJob } from "./queue.server";

/** The first key of Metryka's advisory locks (the second is the shop's hash). */
const LOCK_SPACE = 0x4d45; // "ME"
/** How often each worker looks for jobs whose worker died. */
export const ORPHAN_CHECK_MS = 5_000;

async function tryLock(client: pg.PoolClient, shop: string): Promise<boolean> {
  const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked", [LOCK_SPACE, shop]);
  return rows[0].locked;
}

async function unlock(client: pg.PoolClient, shop: string): Promise<void> {
  await client.query("SELECT pg_advisory_unlock($1, hashtext($2))", [LOCK_SPACE, shop]);
}

export const SHOP_BUSY = Symbol("shop busy");

/**
 * Runs `work` holding the shop's lock, with `jobId` recorded as the shop's running job.
 * Returns SHOP_BUSY, without running it, when another job of the shop holds the lock.
 */
export async function withShopLock<T>(shop: string, jobId: string, work: () => Promise<T>): Promise<T | typeof SHOP_BUSY> {
  const client = await lockPool().connect();
  let healthy = true;
  try {
    if (!(await tryLock(client, shop))) return SHOP_BUSY;
    try {
      await recordRunningJob(client, shop, jobId);
      return await work();
    } finally {
      await clearRunningJob(client, shop, jobId);
      await unlock(client, shop);
    }
  } catch (error) {
    healthy = false;
    throw error;
  } finally {
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
      if (!(await tryLock(client, shop))) continue;
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
      console.warn(`[jobs] orphaned-job check failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  await check();
  const timer = setInterval(check, ORPHAN_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
