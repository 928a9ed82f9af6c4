// What each webhook topic changes in Metryka's copy of a store. The worker applies recorded
// events (webhook_events) one at a time, or a shop's orders and refunds together
// (applyWebhookEventsTogether), in whatever order they arrive, possibly more than once:
// - orders and customers are last-writer-wins on their `updated_at` (store-orders.server.ts), so a
//   duplicate or an older version arriving late changes nothing;
// - deletions leave a tombstone (deleted_records), so an update sent before a deletion but
//   delivered after it, or before the record was ever stored, cannot bring the record back;
// - an event that cannot be applied is parked with why and changes nothing, alone (see
//   applyWebhookEvent); the privacy topics are done by privacy.server.ts.
// Every write goes through the order writer (order-writer.server.ts), which refreshes the rollups.
import prisma from "#app/db.server";
import { enqueueShopJob, type WebhookEventKey } from "#app/jobs/queue.server";
import { removeCustomer, tombstoneOrders, writeCustomers, writeOrders, writeRefunds } from "./order-writer.server";
import { backfillStoppedWaitingOn } from "./sync-state.server";
import { failureReason, isTransientFailure } from "./database-errors";
import { eraseShop, exportCustomerData, redactCustomer } from "./privacy.server";
import { parseWebhook, type WebhookChange } from "./rest-payloads";

// ---------------------------------------------------------------------------------------------
// Shops

/**
 * Whether a shop/update or app/scopes_update newer than `updatedAt` was applied already: the
 * older one, delivered late, must not undo it.
 */
async function newerEventApplied(shop: string, topic: string, eventId: string, updatedAt: Date): Promise<boolean> {
  const applied = await prisma.webhookEvent.findMany({
    where: { shop, topic, processedAt: { not: null }, error: null, eventId: { not: eventId } },
    select: { payload: true },
  });
  return applied.some(({ payload }) => {
    const value = (payload as { updated_at?: unknown } | null)?.updated_at;
    return typeof value === "string" && Date.parse(value) > updatedAt.getTime();
  });
}

// ---------------------------------------------------------------------------------------------
// Events

interface RecordedEvent {
  shop: string;
  eventId: string;
  topic: string;
  triggeredAt: Date | null;
  receivedAt: Date;
}

/** Changes that need the app installed: the shop's next sync reads them otherwise. */
const NEEDS_INSTALLED_SHOP = new Set<WebhookChange["kind"]>([
  "order",
  "refund",
  "orderEdited",
  "orderDeleted",
  "customer",
  "customerDeleted",
  "customersMerged",
  "shopUpdated",
  "scopesUpdated",
  "bulkOperationFinished",
]);

/** Whether the app is installed on the shop (a shop it has no record of is not). */
async function installed(shop: string): Promise<boolean> {
  const row = await prisma.shop.findUnique({ where: { domain: shop }, select: { uninstalledAt: true } });
  return row !== null && row.uninstalledAt === null;
}

/** Applies one change; returns why it was not applied, or null. */
async function applyChange(event: RecordedEvent, change: WebhookChange): Promise<string | null> {
  const { shop } = event;
  const at = event.triggeredAt ?? event.receivedAt;
  // Installing starts a full sync, which reads whatever this event said.
  if (NEEDS_INSTALLED_SHOP.has(change.kind) && !(await installed(shop))) return "the app is not installed on this shop";
  switch (change.kind) {
    case "order":
      await writeOrders(shop, [change.rows]);
      return null;
    case "refund":
      await writeRefunds(shop, [change.rows]);
      return null;
    case "orderEdited":
      // The order_edit payload lists the lines added and removed, not the order's new totals:
      // the paged catch-up re-reads orders updated since its watermark, this one included,
      // through the one GraphQL path. (Shopify also sends orders/updated after an edit.)
      await enqueueShopJob({ shop, kind: "sync" });
      return null;
    case "orderDeleted":
      await tombstoneOrders(shop, [change.orderId], at);
      return null;
    case "customer":
      await writeCustomers(shop, [change.row]);
      return null;
    case "customerDeleted":
      await removeCustomer(shop, change.customerId, at, null);
      return null;
    case "customersMerged":
      if (!change.completed) return null;
      await removeCustomer(shop, change.deletedId, at, change.keptId);
      return null;
    case "customerRedacted":
      await redactCustomer(shop, change, at);
      return null;
    case "dataRequested":
      await exportCustomerData(shop, change.requestId, change);
      return null;
    case "shopUpdated": {
      if (await newerEventApplied(shop, event.topic, event.eventId, change.updatedAt)) return null;
      const before = await prisma.shop.findUnique({ where: { domain: shop }, select: { ianaTimezone: true, currencyCode: true } });
      await prisma.shop.update({
        where: { domain: shop },
        data: { name: change.name, ianaTimezone: change.timeZone, currencyCode: change.currencyCode },
      });
      // A new time zone or currency means every rollup rebuilt in it (the rollups record the
      // zone and currency they were built in), a minute or more for a large store: the
      // predictions job, which brings the rollups up to date before its fit (itself dated in
      // the shop's zone), does it in the worker now, so that the pages find it done.
      if (before && (before.ianaTimezone !== change.timeZone || before.currencyCode !== change.currencyCode)) {
        await enqueueShopJob({ shop, kind: "predictions" });
      }
      return null;
    }
    case "scopesUpdated":
      if (change.updatedAt && (await newerEventApplied(shop, event.topic, event.eventId, change.updatedAt))) return null;
      await prisma.$transaction([
        prisma.shop.update({ where: { domain: shop }, data: { scopes: change.scopes } }),
        // The library compares the session's scope with the app's to ask for missing ones.
        prisma.session.updateMany({ where: { shop }, data: { scope: change.scopes } }),
      ]);
      return null;
    case "bulkOperationFinished":
      // A running backfill sees this event recorded and reads the operation's outcome itself.
      // One that stopped while waiting on it (it failed, e.g. it timed out) is queued again.
      if (await backfillStoppedWaitingOn(shop, change.operationId)) await enqueueShopJob({ shop, kind: "backfill" });
      return null;
    case "appUninstalled": {
      // Delivered late, after the merchant installed the app again: that install's session and
      // state stay. (Shopify's clock says when the uninstall happened, ours when the install did;
      // a reinstall takes longer than they can differ.)
      const row = await prisma.shop.findUnique({ where: { domain: shop }, select: { installedAt: true } });
      if (row?.installedAt && at < row.installedAt) return "an uninstall from before the app was installed again";
      await prisma.$transaction([
        prisma.session.deleteMany({ where: { shop } }),
        prisma.shop.updateMany({ where: { domain: shop }, data: { uninstalledAt: at } }),
      ]);
      return null;
    }
    case "shopRedacted":
      await eraseShop(shop);
      return null;
    case "unhandled":
      return `no handler for the topic ${change.topic}`;
  }
}

/** What became of a recorded event. */
export type EventOutcome = "applied" | "skipped" | "parked" | "absent";

/** An event that cannot be applied waits, with why, for a person to retry it (Data sync page). */
async function parkEvent(shop: string, eventId: string, topic: string, reason: string): Promise<void> {
  // The reason holds paths, rule names and PostgreSQL's message: no payload values.
  console.warn(`[webhooks] ${topic} event ${eventId} of ${shop} parked: ${reason}`);
  await prisma.webhookEvent.updateMany({
    where: { shop, eventId, processedAt: null },
    data: { parkedAt: new Date(), error: reason.slice(0, 2000) },
  });
}

/**
 * Applies a recorded event once, alone: its failure is its own, never its neighbours'.
 * - An event already processed or parked (or erased with its shop) is left as it is.
 * - One that does not apply here (a shop not installed, a topic without a handler) is marked
 *   processed with the reason, and changes nothing.
 * - One that cannot be applied is parked at once with the reason: a payload that does not fit
 *   its topic (values the database could not hold included, see rest-payloads.ts), or one the
 *   database refused for its data.
 * - A failure that may pass (the database unreachable or busy) throws, for the queue to retry
 *   the event; on the `lastAttempt` it is parked instead.
 */
export async function applyWebhookEvent(shop: string, eventId: string, { lastAttempt = false } = {}): Promise<EventOutcome> {
  const event = await prisma.webhookEvent.findUnique({ where: { shop_eventId: { shop, eventId } } });
  if (!event || event.processedAt || event.parkedAt) return "absent";
  const parsed = parseWebhook(shop, event.topic, event.payload);
  if (!parsed.ok) {
    // Paths and rule names only: the payload's values stay out of the logs.
    await parkEvent(shop, eventId, event.topic, `invalid ${event.topic} payload: ${parsed.problems.slice(0, 10).join("; ")}`);
    return "parked";
  }
  let skipped: string | null;
  try {
    skipped = await applyChange(event, parsed.change);
  } catch (error) {
    if (isTransientFailure(error) && !lastAttempt) throw error;
    await parkEvent(shop, eventId, event.topic, `could not be applied: ${failureReason(error)}`);
    return "parked";
  }
  // updateMany: shop/redact has just erased the event along with the rest of the shop.
  await prisma.webhookEvent.updateMany({ where: { shop, eventId }, data: { processedAt: new Date(), error: skipped } });
  return skipped ? "skipped" : "applied";
}

// ---------------------------------------------------------------------------------------------
// Orders and refunds together

/** Topics whose events a shop's worker writes together: orders and refunds. */
const WRITTEN_TOGETHER = ["orders/create", "orders/updated", "orders/cancelled", "refunds/create"];

/**
 * Events of a shop written in one go at most: a write's transaction and the refresh of its
 * orders' rollups stay short (about half a second for 500 orders at a million), and so does
 * what it holds in memory.
 */
const TOGETHER_MAX = 500;

/** An event's key as one string, to look it up in what applyWebhookEventsTogether returns. */
export const webhookEventKey = (event: WebhookEventKey): string => `${event.shop}\n${event.eventId}`;

/**
 * Applies the order and refund events among `events` not applied or parked yet: each shop's
 * orders in one write and its refunds in another, each followed by one refresh of the rollups
 * of the orders it changed, then marked applied. A burst of webhooks (a sale, a bulk edit in
 * the admin) costs a rollup refresh per batch the worker takes rather than one per event. Their
 * order does not matter, as one at a time: an order's newest version is the one written,
 * whichever event brought it, and a refund is keyed by its own id.
 *
 * Left for applyWebhookEvent, one at a time: events of other topics; a payload that does not
 * parse (to be parked alone); the events of a shop not installed (marked with why); an event
 * alone of its kind; and every event of a write that failed, so that each is applied, parked or
 * retried alone, whatever its neighbours hold. Never throws. Returns the keys
 * (webhookEventKey) of the events applied here.
 */
export async function applyWebhookEventsTogether(events: WebhookEventKey[]): Promise<Set<string>> {
  const applied = new Set<string>();
  const byShop = new Map<string, Set<string>>();
  for (const { shop, eventId } of events) byShop.set(shop, (byShop.get(shop) ?? new Set<string>()).add(eventId));
  for (const [shop, eventIds] of byShop) {
    const ids = [...eventIds];
    for (let i = 0; i < ids.length; i += TOGETHER_MAX) {
      try {
        await applyShopEventsTogether(shop, ids.slice(i, i + TOGETHER_MAX), applied);
      } catch (error) {
        // The database went away meanwhile: one at a time, each is retried alone.
        console.warn(`[webhooks] events of ${shop} left to apply one at a time: ${failureReason(error)}`);
      }
    }
  }
  return applied;
}

async function applyShopEventsTogether(shop: string, eventIds: string[], applied: Set<string>): Promise<void> {
  if (!(await installed(shop))) return;
  const recorded = await prisma.webhookEvent.findMany({
    where: { shop, eventId: { in: eventIds }, topic: { in: WRITTEN_TOGETHER }, processedAt: null, parkedAt: null },
    select: { eventId: true, topic: true, payload: true },
  });
  const orders: Array<Together<"order">> = [];
  const refunds: Array<Together<"refund">> = [];
  for (const event of recorded) {
    const parsed = parseWebhook(shop, event.topic, event.payload);
    if (!parsed.ok) continue;
    const { change } = parsed;
    if (change.kind === "order") orders.push({ eventId: event.eventId, rows: change.rows });
    if (change.kind === "refund") refunds.push({ eventId: event.eventId, rows: change.rows });
  }
  await writeTogether(shop, orders, (rows) => writeOrders(shop, rows), applied);
  await writeTogether(shop, refunds, (rows) => writeRefunds(shop, rows), applied);
}

type Together<K extends "order" | "refund"> = { eventId: string; rows: Extract<WebhookChange, { kind: K }>["rows"] };

async function writeTogether<K extends "order" | "refund">(
  shop: string,
  events: Array<Together<K>>,
  write: (rows: Array<Together<K>["rows"]>) => Promise<unknown>,
  applied: Set<string>,
): Promise<void> {
  if (events.length < 2) return;
  try {
    await write(events.map((event) => event.rows));
  } catch (error) {
    // Paths, rule names and PostgreSQL's message, as when an event is parked: no payload values.
    console.warn(`[webhooks] ${events.length} events of ${shop} not written together, now one at a time: ${failureReason(error)}`);
    return;
  }
  const eventIds = events.map((event) => event.eventId);
  await prisma.webhookEvent.updateMany({
    where: { shop, eventId: { in: eventIds }, processedAt: null, parkedAt: null },
    data: { processedAt: new Date(), error: null },
  });
  for (const eventId of eventIds) applied.add(webhookEventKey({ shop, eventId }));
}
