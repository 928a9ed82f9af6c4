// Background work on PostgreSQL (pg-boss): no extra service to run. Any number of worker
// processes, on any number of machines, share the queues (SKIP LOCKED). Admin API work is
// keyed by shop so one shop's calls never run in parallel, while many shops sync at once.
// A job that keeps failing lands in the `parked` queue, where it stays visible.
import PgBoss from "pg-boss";
import { env } from "#app/env.server";

export const QUEUES = {
  /** Everything that calls a shop's Admin API: one active job per shop. */
  shop: "shop-work",
  /** Applying recorded webhook events (no Admin API calls; order does not matter). */
  webhooks: "webhook-events",
  /** The scheduled sweep that queues a reconciliation for every installed shop. */
  reconcileAll: "reconcile-all",
  /** Jobs that failed every retry, kept for a person to look at. */
  parked: "parked",
} as const;

/** How often every shop's copy is checked against Shopify (what webhooks may have lost). */
export const RECONCILE_CRON = "*/15 * * * *";

export type ShopJobKind = "sync" | "backfill" | "reconcile";
export interface ShopJob {
  shop: string;
  kind: ShopJobKind;
}
export interface WebhookJob {
  shop: string;
  eventId: string;
}

let starting: Promise<PgBoss> | null = null;

async function start(): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: env.DATABASE_URL,
    schema: "pgboss",
    max: 4,
    // Finished jobs are kept a week for inspection, then removed.
    deleteAfterDays: 7,
  });
  boss.on("error", (error: Error) => {
    // Connection blips are retried by pg-boss itself; the message carries no shop data.
    console.warn(`[jobs] ${error.message}`);
  });
  await boss.start();
  await boss.createQueue(QUEUES.parked, { name: QUEUES.parked });
  await boss.createQueue(QUEUES.shop, {
    name: QUEUES.shop,
    policy: "singleton",
    retryLimit: 6,
    retryDelay: 15,
    retryBackoff: true,
    expireInSeconds: 60 * 60 * 4,
    deadLetter: QUEUES.parked,
  });
  await boss.createQueue(QUEUES.webhooks, {
    name: QUEUES.webhooks,
    // One queued job per event (singletonKey): duplicate deliveries are not queued twice.
    policy: "short",
    retryLimit: 8,
    retryDelay: 2,
    retryBackoff: true,
    deadLetter: QUEUES.parked,
  });
  await boss.createQueue(QUEUES.reconcileAll, { name: QUEUES.reconcileAll, policy: "singleton" });
  return boss;
}

/** The process's pg-boss instance, started (and its queues created) on first use. */
export function jobQueue(): Promise<PgBoss> {
  starting ??= start().catch((error: unknown) => {
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

/** Queues Admin API work for a shop; it runs after any job of that shop already running. */
export async function enqueueShopJob(job: ShopJob): Promise<void> {
  const boss = await jobQueue();
  await boss.send(QUEUES.shop, job, { singletonKey: job.shop });
}

export async function enqueueWebhookEvent(job: WebhookJob): Promise<void> {
  const boss = await jobQueue();
  await boss.send(QUEUES.webhooks, job, { singletonKey: `${job.shop}:${job.eventId}` });
}
