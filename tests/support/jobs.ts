import { jobQueue, QUEUES, type ShopJob, type WebhookJob } from "#app/jobs/queue.server";
import { applyWebhookJobs, WEBHOOK_JOBS_AT_ONCE } from "#app/jobs/worker.server";

/**
 * Does what a worker does with every webhook job due now, in batches, with the worker's own
 * handler; returns how many events were applied or parked. Events retried are due later, not now.
 */
export async function processQueuedWebhooks(): Promise<number> {
  const boss = await jobQueue();
  let count = 0;
  for (;;) {
    const jobs = await boss.fetch<WebhookJob>(QUEUES.webhooks, { batchSize: WEBHOOK_JOBS_AT_ONCE, includeMetadata: true });
    if (!jobs || jobs.length === 0) return count;
    count += await applyWebhookJobs(boss, jobs);
    // What the queue does when the handler returns: the jobs it did not fail are complete.
    await boss.complete(QUEUES.webhooks, jobs.map((job) => job.id));
  }
}

/** Takes every queued shop job off the queue (completing it, running nothing); returns what they asked for. */
export async function drainShopJobs(): Promise<ShopJob[]> {
  const boss = await jobQueue();
  const found: ShopJob[] = [];
  for (;;) {
    const jobs = await boss.fetch<ShopJob>(QUEUES.shop, { batchSize: 20 });
    if (!jobs || jobs.length === 0) return found;
    found.push(...jobs.map((job) => job.data));
    await boss.complete(QUEUES.shop, jobs.map((job) => job.id));
  }
}
