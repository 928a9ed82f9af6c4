// Background work on PostgreSQL (pg-boss): no extra service to run. Any number of worker
// processes, on any number of machines, share the queues (SKIP LOCKED). One shop's Admin API
// jobs never run at once (a per-shop lock, app/jobs/shop-lock.server.ts), while many shops sync
// at once. A job that keeps failing lands in the `parked` queue, where it stays visible.
import { randomUUID } from "node:crypto";
import pg from "pg";
import PgBoss from "pg-boss";
import { env } from "#app/env.server";

export const QUEUES = {
  /** Everything that calls a shop's Admin API: one running job per shop (see shop-lock). */
  shop: "shop-jobs",
  /** Applying recorded webhook events (no Admin API calls; order does not matter). */
  webhooks: "webhook-events",
  /** The scheduled sweep that queues a reconciliation for every installed shop. */
  reconcileAll: "reconcile-all",
  /** The scheduled upkeep: stranded webhook events queued again, data past its retention deleted. */
  upkeep: "upkeep",
  /** Jobs that failed every retry, kept for a person to look at. */
  parked: "parked",
} as const;

/** How often every shop's copy is checked against Shopify (what webhooks may have lost). */
export const RECONCILE_CRON = "*/15 * * * *";
/** How often the upkeep runs (app/sync/webhook-events.server.ts, app/sync/privacy.server.ts, app/collector/retention.server.ts). */
export const UPKEEP_CRON = "*/5 * * * *";

/** Retries of a webhook event's job; see app/sync/webhook-events.server.ts for the bound it gives. */
export const WEBHOOK_RETRIES = 8;

/**
 * `sessions`: import Shopify's session figures (ShopifyQL), app/sync/shopify-sessions.server.ts;
 * `pixel`: activate the web pixel, app/collector/activation.server.ts;
 * `predictions`: fit the prediction models again unless the cached fit is the shop's now,
 * app/metrics/prediction.server.ts (queued after every backfill, sync and reconcile);
 * `tags`: add or remove a merchant's tag on customers in Shopify, app/tagging/tag-jobs.server.ts.
 */
export type ShopJobKind = "sync" | "backfill" | "reconcile" | "sessions" | "pixel" | "predictions" | "tags";
export interface ShopJob {
  shop: string;
  kind: ShopJobKind;
  /** Put back because another job of its shop was running: due as soon as that one ends (putBackWhileShopBusy). */
  waitingForShop?: boolean;
  /**
   * A backfill of a large store (LARGE_STORE_ORDERS), queued at LARGE_BACKFILL_PRIORITY: it runs
   * once no other shop job waits (app/jobs/shop-jobs.server.ts).
   */
  large?: boolean;
}
/** A recorded webhook event, by its key in webhook_events. */
export interface WebhookEventKey {
  shop: string;
  eventId: string;
}
/**
 * A webhook job: the events one intake transaction recorded, applied one by one (each that may
 * still pass is retried in a job of its own), or one event, retried with the queue's backoff
 * (the shape every job had before events recorded together shared one).
 */
export type WebhookJob = { events: WebhookEventKey[] } | WebhookEventKey;

let starting: Promise<PgBoss> | null = null;

/**
 * Runs `work` while holding a PostgreSQL advisory lock named `name`, on a connection of its own:
 * one process at a time, across every process on the database.
 */
async function oneProcessAtATime<T>(connectionString: string, name: string, work: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString });
  // A connection lost meanwhile fails the query or `work`'s own statements; nothing to add here.
  client.on("error", () => undefined);
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", [name]);
    return await work();
  } finally {
    // Closing the connection releases the lock.
    await client.end().catch(() => undefined);
  }
}

/**
 * A started pg-boss on `schema`, with Metryka's queues. pg-boss creates a queue's table the first
 * time it is asked for it, and two processes doing that at once (a deployment's web and worker
 * processes starting on a new database) deadlock: the starts take turns.
 */
export async function startJobQueue(connectionString: string, schema = "pgboss"): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString,
    schema,
    max: 4,
    // Finished jobs are kept a week for inspection, then removed.
    deleteAfterDays: 7,
  });
  boss.on("error", (error: Error) => {
    // Connection blips are retried by pg-boss itself; the message carries no shop data.
    console.warn(`[jobs] ${error.message}`);
  });
  await oneProcessAtATime(connectionString, `metryka:job-queue-start:${schema}`, async () => {
    await boss.start();
    await boss.createQueue(QUEUES.parked, { name: QUEUES.parked });
    await boss.createQueue(QUEUES.shop, {
      name: QUEUES.shop,
      // One waiting job per shop and kind: a sync asked for twice runs once. Not pg-boss's
      // "singleton" policy: a job waiting behind its shop's running one would stop every worker
      // from fetching any job of any shop (pg-boss 10 fetches in creation order and gives up on
      // the unique violation), so one long backfill would hold up every other shop.
      policy: "short",
      retryLimit: 6,
      retryDelay: 15,
      retryBackoff: true,
      expireInSeconds: 60 * 60 * 4,
      deadLetter: QUEUES.parked,
    });
    await boss.createQueue(QUEUES.webhooks, {
      name: QUEUES.webhooks,
      // Events recorded together share one job; an event retried alone has one waiting job
      // (singletonKey), however often it is queued again.
      policy: "short",
      // A failure that may pass (the database unreachable) is retried from 2 s, doubling; the
      // last attempt parks the event instead (app/sync/apply-webhook.server.ts).
      retryLimit: WEBHOOK_RETRIES,
      retryDelay: 2,
      retryBackoff: true,
      deadLetter: QUEUES.parked,
    });
    await boss.createQueue(QUEUES.reconcileAll, { name: QUEUES.reconcileAll, policy: "singleton" });
    await boss.createQueue(QUEUES.upkeep, { name: QUEUES.upkeep, policy: "singleton" });
  });
  return boss;
}

/** The process's pg-boss instance, started (and its queues created) on first use. */
export function jobQueue(): Promise<PgBoss> {
  starting ??= startJobQueue(env.DATABASE_URL).catch((error: unknown) => {
    starting = null;
    throw error;
  });
  return starting;
}

export async function stopJobQueue(): Promise<void> {
  if (!starting) return;
  const boss = await starting;
  starting = null;
  await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
}

/** The queue's key for a shop job: at most one of each kind waits per shop. */
export function shopJobKey(job: ShopJob): string {
  return `${job.shop}:${job.kind}`;
}

/**
 * Queues Admin API work for a shop (nothing when the same kind already waits for it); it runs
 * after any job of that shop already running. Returns the job's id, or null when one waits.
 * `ahead`: put back after it was taken (shopJobPriority).
 */
export async function enqueueShopJob(job: ShopJob, options: { startAfterSeconds?: number; ahead?: boolean } = {}): Promise<string | null> {
  const boss = await jobQueue();
  const startAfter = options.startAfterSeconds === undefined ? {} : { startAfter: options.startAfterSeconds };
  return boss.send(QUEUES.shop, job, { singletonKey: shopJobKey(job), ...startAfter, priority: shopJobPriority(job, options) });
}

/** How long a job put back while its shop was busy waits at most, should nothing wake it sooner. */
export const BUSY_RETRY_SECONDS = 15;

/**
 * Puts back a job whose shop was running another: ahead of its peers (shopJobPriority), and due
 * when that job ends (startJobsWaitingForShop), or after BUSY_RETRY_SECONDS should the end go
 * unannounced (its worker died). An install queues the copy and its follow-ups at once, so
 * Shopify's session figures would otherwise wait out a fixed delay after a small store's copy.
 */
export async function putBackWhileShopBusy(job: ShopJob): Promise<string | null> {
  return enqueueShopJob({ ...job, waitingForShop: true }, { startAfterSeconds: BUSY_RETRY_SECONDS, ahead: true });
}

/**
 * Makes the shop's jobs put back while it was busy due now: its running job has ended. Jobs
 * waiting for other reasons (a backfill waiting for Shopify's bulk files) keep their time. Read
 * and written in pg-boss's job table, whose API cannot select jobs by their data.
 */
export async function startJobsWaitingForShop(shop: string): Promise<void> {
  const boss = await jobQueue();
  await boss.getDb().executeSql(
    `UPDATE pgboss.job SET start_after = now()
     WHERE name = $1 AND state = 'created' AND start_after > now()
       AND data->>'shop' = $2 AND (data->>'waitingForShop')::boolean`,
    [QUEUES.shop, shop],
  );
}

/**
 * The order shop jobs are taken in (pg-boss takes the highest priority first, then the oldest):
 * copies of the stores' orders first (backfills, syncs, reconciliations) and a merchant's
 * tagging, then what follows an install or a sync (Shopify's session figures, the pixel's
 * activation, the predictions), then large stores' backfills (LARGE_STORE_ORDERS in
 * app/jobs/shop-jobs.server.ts): a store of a few hundred orders is synced in seconds and need
 * not wait behind one of millions, nor behind another store's follow-ups.
 */
export const FOLLOW_UP_PRIORITY = -1;
export const LARGE_BACKFILL_PRIORITY = -2;
const FOLLOW_UPS: ReadonlySet<ShopJobKind> = new Set(["sessions", "pixel", "predictions"]);

/**
 * A job's priority; one more when it was taken but put back (its shop busy with another job),
 * so that it keeps its place among its peers instead of waiting behind every job that arrived
 * meanwhile (minutes when many stores install at once).
 */
export function shopJobPriority(job: ShopJob, { ahead = false }: { ahead?: boolean } = {}): number {
  const base = job.large ? LARGE_BACKFILL_PRIORITY : FOLLOW_UPS.has(job.kind) ? FOLLOW_UP_PRIORITY : 0;
  return base + (ahead ? 1 : 0);
}

/**
 * Whether jobs of other shops than `shop` wait to be taken now (its own follow-ups do not count:
 * a store installing alone is copied first). Read from pg-boss's job table, which its API can
 * only count whole.
 */
export async function otherShopsWaiting(shop: string): Promise<boolean> {
  const boss = await jobQueue();
  const { rows } = await boss.getDb().executeSql(
    `SELECT EXISTS (
       SELECT 1 FROM pgboss.job
       WHERE name = $1 AND state < 'active' AND start_after <= now() AND data->>'shop' <> $2
     ) AS waiting`,
    [QUEUES.shop, shop],
  );
  return Boolean((rows as Array<{ waiting: boolean }>)[0]?.waiting);
}

/**
 * The job applying `events`, recorded together: one job for all of them, since a job is a row
 * with its own index entries, and intake writes it in the transaction that records them. Its
 * key is its own: the `short` policy keeps one waiting job per key, and a job with none would
 * be the queue's only one.
 */
export function webhookJob(events: WebhookEventKey[]): PgBoss.JobInsert<WebhookJob> {
  return { name: QUEUES.webhooks, data: { events }, singletonKey: `batch:${randomUUID()}` };
}

/** The job retrying one event alone, from `startAfterSeconds` on; one waiting per event. */
export function webhookRetryJob(event: WebhookEventKey, startAfterSeconds: number): PgBoss.JobInsert<WebhookJob> {
  return { name: QUEUES.webhooks, data: event, singletonKey: `${event.shop}:${event.eventId}`, startAfter: new Date(Date.now() + startAfterSeconds * 1000) };
}

/** Queues `events` (recorded before, neither applied nor parked) in one job. */
export async function enqueueWebhookEvents(events: WebhookEventKey[]): Promise<void> {
  if (events.length === 0) return;
  const boss = await jobQueue();
  await boss.insert([webhookJob(events)]);
}
