// The shop-level jobs (see app/jobs/): what each kind does, and what starts them.
import { enqueueShopJob, type ShopJob } from "#app/jobs/queue.server";
import prisma from "#app/db.server";
import { createAdminClient } from "#app/shopify/admin-client.server";
import { backfillInProgress, backfillShop } from "./backfill.server";
import { describeSyncError, syncShop } from "./sync-shop.server";

/**
 * Whether a job runs the bulk backfill rather than the paged catch-up: for a shop that has never
 * completed a sync (the install hook queues a `sync`), or whose backfill stopped halfway (a
 * worker killed, a deploy), whatever the job's kind. Otherwise a `backfill` job (the
 * `bulk_operations/finish` webhook queues one when an operation ends) only catches up.
 */
async function wantsBackfill(job: ShopJob): Promise<boolean> {
  const state = await prisma.syncState.findUnique({ where: { shop: job.shop }, select: { lastSuccessAt: true } });
  if (!state?.lastSuccessAt) return true;
  return backfillInProgress(job.shop);
}

/**
 * Runs one shop job in this process. The queue calls it; so do tests. A job of a shop that
 * uninstalled the app (or never installed it) does nothing: its token is gone, and a reinstall
 * queues a new sync.
 */
export async function runShopJob(job: ShopJob): Promise<void> {
  const shop = await prisma.shop.findUnique({ where: { domain: job.shop }, select: { uninstalledAt: true } });
  if (!shop || shop.uninstalledAt) return;
  try {
    // Imported here: shopify.server imports this module for its install hook.
    const { unauthenticated } = await import("#app/shopify.server");
    const { admin } = await unauthenticated.admin(job.shop);
    const client = createAdminClient(job.shop, admin.graphql);
    if (await wantsBackfill(job)) await backfillShop(job.shop, client, new Date());
    else await syncShop(job.shop, client, new Date());
  } catch (error) {
    // Recorded with what to do about it, for the dashboard and `metryka status`.
    const failure = { status: "failed", finishedAt: new Date(), error: describeSyncError(error) };
    await prisma.syncState.upsert({ where: { shop: job.shop }, create: { shop: job.shop, ...failure }, update: failure });
    throw error;
  }
}

/** Queues a reconciliation for every installed shop (the scheduled sweep). */
export async function queueReconciliations(): Promise<number> {
  const shops = await prisma.shop.findMany({ where: { uninstalledAt: null }, select: { domain: true } });
  for (const { domain } of shops) await enqueueShopJob({ shop: domain, kind: "reconcile" });
  return shops.length;
}

/** A sync asked for (install, "Sync now"): shown as waiting to start until a worker takes it. */
export async function requestShopSync(shop: string): Promise<void> {
  await prisma.syncState.upsert({ where: { shop }, create: { shop, status: "queued" }, update: {} });
  await prisma.syncState.updateMany({ where: { shop, status: { not: "running" } }, data: { status: "queued", error: null } });
  await enqueueShopJob({ shop, kind: "sync" });
}

export async function onShopInstalled(shop: string, scopes: string): Promise<void> {
  await prisma.shop.upsert({
    where: { domain: shop },
    create: { domain: shop, scopes },
    update: { scopes, uninstalledAt: null },
  });
  await requestShopSync(shop);
}
