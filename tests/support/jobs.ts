import { jobQueue, QUEUES, type ShopJob, type WebhookJob } from "#app/jobs/queue.server";
import { applyWebhookEvent } from "#app/sync/apply-webhook.server";

/** Does what a worker would with every queued webhook job, now; returns how many ran. */
export async function processQueuedWebhooks(): Promise<number> {
  const boss = await jobQueue();
  let count = 0;
  for (;;) {
    const jobs = await boss.fetch<WebhookJob>(QUEUES.webhooks, { batchSize: 100 });
    if (!jobs || jobs.length === 0) return count;
    for (const job of jobs) await applyWebhookEvent(job.data.shop, job.data.eventId);
    await boss.complete(QUEUES.webhooks, jobs.map((job) => job.id));
    count += jobs.length;
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
