import prisma from "#app/db.server";
import { requestShopSync as enqueueSync } from "#app/jobs/requests.server";
import { sessionsImportStatus, syncDetails } from "./sync-status.server";
import { parkedEvents, retryParkedEvents } from "./webhook-events.server";

/** What the Data sync page shows: where the copy stands, and the store changes that wait. */
export async function shopSyncPage(shop: string) {
  // The parked events read once: the card's list, and the count in the sync details.
  const parkedRead = parkedEvents(shop, 10);
  const [sync, sessions, row, parked] = await Promise.all([
    syncDetails(shop, parkedRead.then((read) => read.count)),
    sessionsImportStatus(shop),
    prisma.shop.findUnique({ where: { domain: shop }, select: { ianaTimezone: true } }),
    parkedRead,
  ]);
  return { sync, sessions, timeZone: row?.ianaTimezone ?? "UTC", parked };
}

export async function requestShopSync(shop: string) {
  await enqueueSync(shop);
  return { queued: true as const };
}

export async function retryParkedChanges(shop: string) {
  return { retried: await retryParkedEvents(shop) };
}
