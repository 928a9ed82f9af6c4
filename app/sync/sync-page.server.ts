import prisma from "#app/db.server";
import { startShopSync } from "./jobs.server";
import { syncStatus } from "./sync-status.server";

export async function shopSyncPage(shop: string) {
  const [sync, row] = await Promise.all([
    syncStatus(shop),
    prisma.shop.findUnique({ where: { domain: shop }, select: { ianaTimezone: true } }),
  ]);
  return { sync, timeZone: row?.ianaTimezone ?? "UTC" };
}

export async function requestShopSync(shop: string) {
  void startShopSync(shop);
  return { started: true };
}
