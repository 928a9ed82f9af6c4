import { jobQueue, QUEUES, type WebhookJob } from "#app/jobs/queue.server";
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
