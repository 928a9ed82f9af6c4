import prisma from "#app/db.server";
import { requestShopSync as enqueueSync } from "#app/jobs/requests.server";
import { syncDetails } from "./sync-status.server";

export async function shopSyncPage(shop: string) {
  const [sync, row] = await Promise.all([
    syncDetails(shop),
    prisma.shop.findUnique({ where: { domain: shop }, select: { ianaTimezone: true } }),
  ]);
  return { sync, timeZone: row?.ianaTimezone ?? "UTC" };
}

export async function requestShopSync(shop: string) {
  await enqueueSync(shop);
  return { queued: true };
}
