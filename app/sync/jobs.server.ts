// Background work started by the app. Runs inside the web process for now: one sync per shop
// at a time, its state kept in sync_state so a restart shows where it stopped.
import prisma from "#app/db.server";
import { createAdminClient } from "#app/shopify/admin-client.server";
import { describeSyncError, syncShop } from "./sync-shop.server";

const running = new Map<string, Promise<void>>();

/** Starts a sync of `shop` unless one is already running; resolves when it ends. */
export function startShopSync(shop: string): Promise<void> {
  const current = running.get(shop);
  if (current) return current;
  const run = (async () => {
    // Imported here: shopify.server imports this module for its install hook.
    const { unauthenticated } = await import("#app/shopify.server");
    const { admin } = await unauthenticated.admin(shop);
    await syncShop(shop, createAdminClient(shop, admin.graphql), new Date());
  })()
    .catch(async (error: unknown) => {
      // Recorded with what to do about it, for the dashboard; never rethrown into the request.
      const failure = { status: "failed", finishedAt: new Date(), error: describeSyncError(error) };
      await prisma.syncState
        .upsert({ where: { shop }, create: { shop, ...failure }, update: failure })
        .catch(() => undefined);
    })
    .finally(() => running.delete(shop));
  running.set(shop, run);
  return run;
}

export async function onShopInstalled(shop: string, scopes: string): Promise<void> {
  await prisma.shop.upsert({
    where: { domain: shop },
    create: { domain: shop, scopes },
    update: { scopes, uninstalledAt: null },
  });
  void startShopSync(shop);
}
