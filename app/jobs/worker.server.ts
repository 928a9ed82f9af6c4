// What a worker process does: take jobs from the queues and run them. `npm run worker` runs
// one as its own process; the web process runs one too when METRYKA_INLINE_WORKER is on.
import type PgBoss from "pg-boss";
import type { JobWithMetadata } from "pg-boss";
import { ShopifyApiError } from "#app/shopify/admin-client.server";
import { applyWebhookEvent, applyWebhookEventsTogether, webhookEventKey } from "#app/sync/apply-webhook.server";
import { queueReconciliations } from "./requests.server";
import { runShopJob } from "./shop-jobs.server";
import { SHOP_BUSY, watchForOrphanedJobs, withShopLock } from "./shop-lock.server";
import { deleteExpiredEvents, requeueStrandedEvents } from "#app/sync/webhook-events.server";
import { deleteExpiredExports } from "#app/sync/privacy.server";
import { drainPixelIntake } from "#app/collector/intake.server";
import { deleteExpiredPixelData } from "#app/collector/retention.server";
import { refreshPixelSessionsOfPixelStores } from "#app/metrics/pixel-sessions.server";
import { jobQueue, putBackWhileShopBusy, QUEUES, startJobsWaitingForShop, RECONCILE_CRON, UPKEEP_CRON, type ShopJob, type WebhookJob, webhookRetryJob } from "./queue.server";
import { errorMessage } from "#app/error-message";

/** A failure no retry can fix (Shopify refused the request): parked at once, not retried. */
async function parkIfPermanent(boss: PgBoss, queue: string, data: object, error: unknown): Promise<boolean> {
  if (error instanceof ShopifyApiError && !error.retryable) {
    await boss.send(QUEUES.parked, { queue, data, error: error.message, code: error.code ?? null });
    return true;
  }
  return false;
}

/** Webhook jobs a worker takes at once: their orders and refunds are written together, a shop's at once. */
export const WEBHOOK_JOBS_AT_ONCE = 50;

/** How long an event of a batch that may still pass waits for its retry (the queue's first delay). */
const WEBHOOK_RETRY_SECONDS = 2;

/**
 * Webhook jobs: first the orders and refunds of all the batches fetched together, each shop's
 * written at once (applyWebhookEventsTogether), then the rest event by event: each event is
 * applied, parked or retried alone, whatever its neighbours do (a failure thrown here would fail
 * every job fetched with it). An event of a batch that may still pass is retried in a job of its
 * own; a job of one retried event is failed, and the queue retries it with its backoff (its last
 * attempt parks the event). The queue completes the jobs not failed here when this returns.
 * Returns how many events were applied or parked (an event applied already, by an earlier job,
 * is not counted).
 */
export async function applyWebhookJobs(boss: PgBoss, jobs: Array<JobWithMetadata<WebhookJob>>): Promise<number> {
  const together = await applyWebhookEventsTogether(jobs.flatMap((job) => ("events" in job.data ? job.data.events : [])));
  let handled = together.size;
  for (const job of jobs) {
    if (!("events" in job.data)) {
      try {
        const outcome = await applyWebhookEvent(job.data.shop, job.data.eventId, { lastAttempt: job.retryCount >= job.retryLimit });
        if (outcome !== "absent") handled++;
      } catch (error) {
        await boss.fail(QUEUES.webhooks, job.id, { message: errorMessage(error) });
      }
      continue;
    }
    const retries: Array<PgBoss.JobInsert<WebhookJob>> = [];
    for (const event of job.data.events) {
      if (together.has(webhookEventKey(event))) continue;
      try {
        if ((await applyWebhookEvent(event.shop, event.eventId)) !== "absent") handled++;
      } catch {
        retries.push(webhookRetryJob(event, WEBHOOK_RETRY_SECONDS));
      }
    }
    // Should queuing them fail, the batch is failed instead and retried whole: the events
    // applied already are not applied twice.
    if (retries.length > 0) {
      await boss.insert(retries).catch((error: unknown) => boss.fail(QUEUES.webhooks, job.id, { message: errorMessage(error) }));
    }
  }
  return handled;
}

/**
 * Runs a shop job under its shop's lock. When another job of the shop is running, this one is
 * put back to run after it, ahead of the jobs queued since; when this one ends, however it ends,
 * the jobs put back meanwhile are due at once.
 */
export async function runShopJobInTurn(job: PgBoss.Job<ShopJob>): Promise<void> {
  let ran = false;
  try {
    const outcome = await withShopLock(job.data.shop, job.id, (signal) => {
      ran = true;
      return runShopJob(job.data, signal);
    });
    if (outcome === SHOP_BUSY) await putBackWhileShopBusy(job.data);
  } finally {
    // Only a help: should it fail, those jobs run after their wait, and the job's own outcome stands.
    if (ran) await startJobsWaitingForShop(job.data.shop).catch(() => undefined);
  }
}

export async function startWorkers(options: { shopConcurrency?: number } = {}): Promise<() => Promise<void>> {
  const boss = await jobQueue();
  // A shop job whose worker died is queued again by the workers still alive (or the next one).
  const stopWatching = await watchForOrphanedJobs(boss);
  const ids: string[] = [];
  // Several shop workers so that many shops sync in parallel; the shop lock keeps each shop to
  // one job at a time.
  for (let i = 0; i < (options.shopConcurrency ?? 4); i++) {
    ids.push(
      await boss.work<ShopJob>(QUEUES.shop, { pollingIntervalSeconds: 0.5 }, async ([job]) => {
        try {
          await runShopJobInTurn(job);
        } catch (error) {
          if (!(await parkIfPermanent(boss, QUEUES.shop, job.data, error))) throw error;
        }
      }),
    );
  }
  ids.push(
    await boss.work<WebhookJob>(
      QUEUES.webhooks,
      { pollingIntervalSeconds: 0.5, batchSize: WEBHOOK_JOBS_AT_ONCE, includeMetadata: true },
      async (jobs) => {
        await applyWebhookJobs(boss, jobs);
      },
    ),
  );
  // The schedules live in the database: however many workers run, each fires once.
  await boss.schedule(QUEUES.reconcileAll, RECONCILE_CRON, {}, { tz: "UTC" });
  ids.push(await boss.work(QUEUES.reconcileAll, async () => queueReconciliations()));
  await boss.schedule(QUEUES.upkeep, UPKEEP_CRON, {}, { tz: "UTC" });
  ids.push(
    await boss.work(QUEUES.upkeep, async () => {
      await requeueStrandedEvents();
      await deleteExpiredEvents();
      await deleteExpiredExports();
      await drainPixelIntake();
      await deleteExpiredPixelData();
      // Last, so that a failure there skips nothing else: it only does early what pages do themselves.
      await refreshPixelSessionsOfPixelStores();
    }),
  );
  return async () => {
    stopWatching();
    for (const id of ids) await boss.offWork({ id });
  };
}
