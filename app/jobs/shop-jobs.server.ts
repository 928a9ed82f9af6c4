// What each kind of shop job does. The job's kind decides what runs:
//   backfill   copy the whole store with bulk operations (resuming recorded ones), then catch up;
//   sync       catch up with paged queries from the watermark ("Sync now", an order edited);
//   reconcile  the same catch-up, queued by the schedule for every installed shop;
//   sessions   import Shopify's session figures with ShopifyQL (its own state, never the copy's);
//   pixel      activate the web pixel on the shop (webPixelCreate / webPixelUpdate);
//   predictions  fit the prediction models from the rollups and cache them (no Admin API call),
//              queued after every backfill, sync and reconcile that finished;
//   tags       add or remove a merchant's tag on customers (tagsAdd / tagsRemove), its own records.
// Who asks for which kind is in requests.server.ts. The worker runs these under the shop's lock.
//
// A backfill whose bulk files are not ready after BACKFILL_WAIT_IN_SLOT_MS hands its worker slot
// (and its shop lock) back and is queued again: Shopify may take hours to write a large store's
// files, and a slot held by a waiting job is a slot every other store waits for.
//
// Small stores first: a backfill of a store with LARGE_STORE_ORDERS or more, taken while other
// shops' jobs wait, is queued again behind them (LARGE_BACKFILL_PRIORITY, queue.server.ts) and
// runs once none does. When many stores install at once, the small ones are synced in seconds
// each instead of waiting for the large ones' slots (ADR 016).
import prisma from "#app/db.server";
import { unauthenticated } from "#app/shopify.server";
import { createAdminClient } from "#app/shopify/admin-client.server";
import { BackfillWaiting, backfillShop } from "#app/sync/backfill.server";
import { syncShop } from "#app/sync/sync-shop.server";
import { activatePixel } from "#app/collector/activation.server";
import { importShopifySessions } from "#app/sync/shopify-sessions.server";
import { refreshPredictions } from "#app/metrics/prediction.server";
import { runTagJobs } from "#app/tagging/tag-jobs.server";
import { markRunFailed, needsBackfill } from "#app/sync/sync-state.server";
import { ORDERS_COUNT } from "#app/shopify/queries";
import { enqueueShopJob, otherShopsWaiting, type ShopJob } from "./queue.server";

/**
 * Runs one shop job in this process (the worker calls it; so do tests). A job of a shop that
 * uninstalled the app (or never installed it) does nothing: its token is gone, and a reinstall
 * queues a new backfill. A catch-up of a shop whose copy was never completed would page
 * through the whole history: a backfill is queued instead.
 */
export const BACKFILL_WAIT_IN_SLOT_MS = 15_000;
/** A store with this many orders or more backfills after the other shop jobs waiting. */
export const LARGE_STORE_ORDERS = 10_000;

export async function runShopJob(
  job: ShopJob,
  signal?: AbortSignal,
  { backfillWaitInSlotMs = BACKFILL_WAIT_IN_SLOT_MS, largeStoreOrders = LARGE_STORE_ORDERS }: { backfillWaitInSlotMs?: number; largeStoreOrders?: number } = {},
): Promise<void> {
  const shop = await prisma.shop.findUnique({ where: { domain: job.shop }, select: { installedAt: true, uninstalledAt: true } });
  if (!shop?.installedAt || shop.uninstalledAt) return;
  if (job.kind === "sessions" || job.kind === "pixel" || job.kind === "tags") {
    // Each records its own outcome, apart from the copy's; none needs the copy of the orders.
    const { admin } = await unauthenticated.admin(job.shop);
    const client = createAdminClient(job.shop, admin.graphql, { signal });
    if (job.kind === "sessions") await importShopifySessions(job.shop, client, new Date());
    else if (job.kind === "tags") await runTagJobs(job.shop, client);
    else await activatePixel(job.shop, client);
    return;
  }
  if (job.kind === "predictions") {
    // From the copy as it is: a fit of a copy still being made is replaced after the next sync.
    await refreshPredictions(job.shop, { now: new Date() });
    return;
  }
  if (job.kind !== "backfill" && (await needsBackfill(job.shop))) {
    await enqueueShopJob({ shop: job.shop, kind: "backfill" });
    return;
  }
  try {
    const { admin } = await unauthenticated.admin(job.shop);
    // A run that loses its shop lock stops at its next call, or in the middle of one.
    const client = createAdminClient(job.shop, admin.graphql, { signal });
    if (job.kind === "backfill" && !job.large && (await otherShopsWaiting(job.shop))) {
      const { ordersCount } = await client.request<{ ordersCount: { count: number } }>(ORDERS_COUNT, {});
      if (ordersCount.count >= largeStoreOrders) {
        await enqueueShopJob({ ...job, large: true });
        return;
      }
    }
    if (job.kind === "backfill") await backfillShop(job.shop, client, new Date(), { signal, yieldAfterMs: backfillWaitInSlotMs });
    else await syncShop(job.shop, client, new Date());
  } catch (error) {
    if (error instanceof BackfillWaiting) {
      // Not done, not failed: the same run goes on in a later job.
      await enqueueShopJob({ shop: job.shop, kind: "backfill", large: job.large }, { startAfterSeconds: error.retryAfterSeconds });
      return;
    }
    // Recorded with what to do about it, for the dashboard and `metryka status` (the run
    // records its own failure; this covers failing before it started, e.g. no offline token).
    await markRunFailed(job.shop, error);
    throw error;
  }
  // The copy changed (or may have): the predictions follow, in a job of their own.
  await enqueueShopJob({ shop: job.shop, kind: "predictions" });
}
