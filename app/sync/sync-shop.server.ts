// Brings one shop's copy up to date with paged Admin GraphQL: the shop's settings, then every
// order and customer updated since the last successful run (everything on the first run), then
// what the copy and Shopify still disagree on: deletions no webhook told of, records the copy
// lost. Progress and outcome go to sync_state (sync-state.server.ts).
import prisma from "#app/db.server";
import type { AdminClient } from "#app/shopify/admin-client.server";
import { gidToId } from "#app/shopify/gid";
import { ORDERS_COUNT, SHOP_INFO } from "#app/shopify/queries";
import { sweepDifferences } from "./sweep.server";
import { copyCustomers, copyOrders } from "./paged-copy.server";
import { markRunFailed, markRunSucceeded, recordShopifyCheck, setPhase, setProgress, startRun, SyncPhase, SyncRunKind } from "./sync-state.server";

export function updatedSinceQuery(since: Date | null): string | undefined {
  return since ? `updated_at:>='${since.toISOString()}'` : undefined;
}

export async function loadShopInfo(shop: string, client: AdminClient) {
  const { shop: info } = await client.request<{
    shop: { id: string; name: string; ianaTimezone: string; currencyCode: string };
  }>(SHOP_INFO);
  // The numeric id is what compliance webhooks name the shop by (app/sync/webhooks.server.ts).
  const shopifyId = gidToId(info.id, "Shop");
  await prisma.shop.upsert({
    where: { domain: shop },
    create: { domain: shop, shopifyId, name: info.name, ianaTimezone: info.ianaTimezone, currencyCode: info.currencyCode },
    update: { shopifyId, name: info.name, ianaTimezone: info.ianaTimezone, currencyCode: info.currencyCode },
  });
}

async function syncOrders(shop: string, client: AdminClient, since: Date | null) {
  const query = updatedSinceQuery(since);
  const { ordersCount } = await client.request<{ ordersCount: { count: number } }>(ORDERS_COUNT, { query });
  await setPhase(shop, SyncPhase.orders, { done: 0, total: ordersCount.count });
  let done = 0;
  await copyOrders(shop, client, query, async (read) => {
    done += read;
    await setProgress(shop, { done });
  });
}

async function syncCustomers(shop: string, client: AdminClient, since: Date | null) {
  await setPhase(shop, SyncPhase.customers);
  await copyCustomers(shop, client, updatedSinceQuery(since));
}

/**
 * The paged part of a run: the shop's settings, then orders and customers updated at or after
 * `since` (everything when null), then what was deleted without a webhook saying so. Progress
 * goes to sync_state; the outcome is the caller's.
 */
export async function catchUpSince(shop: string, client: AdminClient, since: Date | null): Promise<void> {
  await loadShopInfo(shop, client);
  await syncOrders(shop, client, since);
  await syncCustomers(shop, client, since);
  await setPhase(shop, SyncPhase.deletions);
  const { check } = await sweepDifferences(shop, client);
  await recordShopifyCheck(shop, check, new Date());
}

/** One catch-up run. `now` is when the run started: the next run resumes from it. */
export async function syncShop(shop: string, client: AdminClient, now: Date): Promise<void> {
  const { watermark } = await startRun(shop, SyncRunKind.catch_up, now);
  try {
    await catchUpSince(shop, client, watermark);
    // The cursor only moves once everything it covers is committed.
    await markRunSucceeded(shop, now);
  } catch (error) {
    await markRunFailed(shop, error);
    throw error;
  }
}
