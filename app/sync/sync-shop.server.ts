// Brings one shop's copy up to date with paged Admin GraphQL: the shop's settings, then every
// order and customer updated since the last successful run (everything on the first run).
// Progress and outcome are kept in sync_state for the dashboard and the command line.
import prisma from "#app/db.server";
import { refreshDailyRollups } from "#app/metrics/rollups.server";
import { connectionPages, ShopifyApiError, type AdminClient } from "#app/shopify/admin-client.server";
import { gidToId } from "#app/shopify/gid";
import {
  CUSTOMERS_UPDATED_SINCE,
  ORDERS_COUNT,
  ORDERS_UPDATED_SINCE,
  SHOP_INFO,
} from "#app/shopify/queries";
import { sweepDeletions } from "./deletions.server";
import { completeOrder, type PagedOrderNode } from "./complete-order.server";
import { customerRow, orderRows, type CustomerNode } from "./order-rows";
import { upsertCustomers, upsertOrders } from "./store-orders.server";

// Webhooks and the clock on Shopify's side are not perfectly ordered: re-read a little of
// what the previous run already saw.
export const WATERMARK_OVERLAP_MS = 5 * 60 * 1000;

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
  await prisma.syncState.update({ where: { shop }, data: { phase: "orders", done: 0, total: ordersCount.count } });
  let done = 0;
  for await (const page of connectionPages<PagedOrderNode>(client, ORDERS_UPDATED_SINCE, "orders", { query })) {
    const nodes = await Promise.all(page.map((node) => completeOrder(client, node)));
    const applied = await upsertOrders(shop, nodes.map((node) => orderRows(shop, node)));
    // The dashboard reads daily rollups: bring the days these orders touch up to date.
    if (applied.length > 0) await refreshDailyRollups(shop, { orderIds: applied });
    done += nodes.length;
    await prisma.syncState.update({ where: { shop }, data: { done } });
  }
}

async function syncCustomers(shop: string, client: AdminClient, since: Date | null) {
  const query = updatedSinceQuery(since);
  await prisma.syncState.update({ where: { shop }, data: { phase: "customers" } });
  for await (const page of connectionPages<CustomerNode>(client, CUSTOMERS_UPDATED_SINCE, "customers", { query })) {
    await upsertCustomers(page.map((node) => customerRow(shop, node)));
  }
}

export function describeSyncError(error: unknown): string {
  if (error instanceof ShopifyApiError) {
    return error.retryable
      ? `Shopify did not answer in time (${error.message}). Metryka will try again; nothing is lost.`
      : `Shopify refused the request (${error.message}). Reinstalling the app or granting the requested access fixes this.`;
  }
  return `Sync failed: ${error instanceof Error ? error.message : String(error)}. Try again from the dashboard.`;
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
  await prisma.syncState.update({ where: { shop }, data: { phase: "deletions" } });
  await sweepDeletions(shop, client);
}

/** One sync run. `now` is when the run started: the next run resumes from it. */
export async function syncShop(shop: string, client: AdminClient, now: Date): Promise<void> {
  const previous = await prisma.syncState.upsert({
    where: { shop },
    create: { shop, status: "running", startedAt: now },
    update: { status: "running", startedAt: now, finishedAt: null, error: null, done: 0, total: null },
  });
  const since = previous.watermark;
  try {
    await catchUpSince(shop, client, since);
    // The cursor only moves once everything it covers is committed.
    await markSyncSucceeded(shop, now);
  } catch (error) {
    await markSyncFailed(shop, error);
    throw error;
  }
}

/** A run that started at `runStart` is committed: the next one reads from just before it. */
export async function markSyncSucceeded(shop: string, runStart: Date): Promise<void> {
  await prisma.syncState.update({
    where: { shop },
    data: {
      status: "succeeded",
      phase: null,
      finishedAt: new Date(),
      lastSuccessAt: new Date(),
      watermark: new Date(runStart.getTime() - WATERMARK_OVERLAP_MS),
    },
  });
}

/** A failed run, recorded with what to do about it; the watermark stays where it was. */
export async function markSyncFailed(shop: string, error: unknown): Promise<void> {
  await prisma.syncState.update({
    where: { shop },
    data: { status: "failed", finishedAt: new Date(), error: describeSyncError(error) },
  });
}
