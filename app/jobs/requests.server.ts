// What asks for shop jobs, and which kind: an install, "Sync now", the reconciliation schedule.
// Apart from shop-jobs.server.ts (what runs) so that the Shopify app's install hook
// (app/shopify.server.ts) can queue work without importing what the work imports.
import prisma from "#app/db.server";
import { markSyncQueued, needsBackfill } from "#app/sync/sync-state.server";
import { enqueueShopJob, type ShopJobKind } from "./queue.server";

/** A backfill for a shop whose copy was never completed (or whose backfill was cut off), else a catch-up. */
export async function syncKindFor(shop: string): Promise<ShopJobKind> {
  return (await needsBackfill(shop)) ? "backfill" : "sync";
}

/** A sync asked for (install, "Sync now"): shown as waiting until a worker takes it. */
export async function requestShopSync(shop: string): Promise<void> {
  const kind = await syncKindFor(shop);
  await markSyncQueued(shop);
  await enqueueShopJob({ shop, kind });
}

/** The app was installed (or reinstalled) on `shop`, with these scopes: copy the store. */
export async function onShopInstalled(shop: string, scopes: string): Promise<void> {
  await prisma.shop.upsert({
    where: { domain: shop },
    create: { domain: shop, scopes, installedAt: new Date() },
    update: { scopes, uninstalledAt: null, installedAt: new Date() },
  });
  await requestShopSync(shop);
}

/**
 * Queues a reconciliation for every installed shop (the scheduled sweep). Shops that only hold
 * imported history (`metryka import-orders`, never installed) have nothing to reconcile with.
 */
export async function queueReconciliations(): Promise<number> {
  const shops = await prisma.shop.findMany({
    where: { uninstalledAt: null, installedAt: { not: null } },
    select: { domain: true },
  });
  for (const { domain } of shops) await enqueueShopJob({ shop: domain, kind: "reconcile" });
  return shops.length;
}
