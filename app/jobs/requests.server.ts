// What asks for shop jobs, and which kind: an install, "Sync now", the reconciliation schedule.
// Apart from shop-jobs.server.ts (what runs) so that the Shopify app's install hook
// (app/shopify.server.ts) can queue work without importing what the work imports.
import prisma from "#app/db.server";
import { markSyncQueued, needsBackfill } from "#app/sync/sync-state.server";
import { copyFellShort } from "#app/sync/sync-status.server";
import { enqueueShopJob, type ShopJobKind } from "./queue.server";
import { errorMessage } from "#app/error-message";

/**
 * A backfill for a shop whose copy was never completed (or whose backfill was cut off), or whose
 * copy the last comparison with Shopify found short of records; else a catch-up. Only what a
 * person asks for (install, "Sync now") goes by the comparison: the schedule's reconciliations
 * stay catch-ups, so a difference that a full copy would not mend costs no copy every 15 minutes.
 */
export async function syncKindFor(shop: string): Promise<ShopJobKind> {
  return (await needsBackfill(shop)) || (await copyFellShort(shop)) ? "backfill" : "sync";
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
  const granted = scopes.split(",").map((s) => s.trim());
  if (granted.includes(REPORTS_SCOPE)) await enqueueShopJob({ shop, kind: "sessions" });
  if (granted.includes("write_pixels")) await enqueueShopJob({ shop, kind: "pixel" });
}

/**
 * The install hook (afterAuth): `onShopInstalled`, and when that fails, the shop's sessions are
 * deleted before the error goes on. The Shopify library has already stored the new session and
 * answers the failure with a 500; with the session kept, the next load would find it valid,
 * skip the hook, and the store would never be copied. Without it, the next load exchanges the
 * token again and the install is tried again.
 */
export async function installShop(shop: string, scopes: string): Promise<void> {
  try {
    await onShopInstalled(shop, scopes);
  } catch (error) {
    console.error(`[install] ${shop}: the install did not complete and is tried again on the next load: ${errorMessage(error)}`);
    await prisma.session.deleteMany({ where: { shop } }).catch(() => undefined);
    throw error;
  }
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
  for (const shop of await shopsDueForSessions(new Date())) await enqueueShopJob({ shop, kind: "sessions" });
  return shops.length;
}

/** How often a shop's session figures from Shopify are imported again. */
export const SESSIONS_REFRESH_MS = 60 * 60 * 1000;

/** The scope Shopify's session figures (ShopifyQL) need. */
export const REPORTS_SCOPE = "read_reports";

/**
 * Installed shops that granted read_reports and whose session figures were last imported more
 * than SESSIONS_REFRESH_MS ago (or never): a run that failed or was throttled is tried again at
 * the next sweep.
 */
export async function shopsDueForSessions(now: Date): Promise<string[]> {
  const due = new Date(now.getTime() - SESSIONS_REFRESH_MS);
  const rows = await prisma.$queryRaw<Array<{ domain: string }>>`
    SELECT s.domain FROM shops s LEFT JOIN sync_state st ON st.shop = s.domain
    WHERE s.uninstalled_at IS NULL AND s.installed_at IS NOT NULL
      AND ${REPORTS_SCOPE} = ANY (string_to_array(replace(coalesce(s.scopes, ''), ' ', ''), ','))
      AND (st.sessions_synced_at IS NULL OR st.sessions_synced_at < ${due} OR st.sessions_status IN ('throttled', 'failed'))
    ORDER BY s.domain`;
  return rows.map((row) => row.domain);
}
