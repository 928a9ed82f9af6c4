// What each webhook topic changes in Metryka's copy of a store. The worker applies recorded
// events (webhook_events) one at a time, in whatever order they arrive, possibly more than once:
// - orders and customers are last-writer-wins on their `updated_at` (store-orders.server.ts), so a
//   duplicate or an older version arriving late changes nothing;
// - deletions leave a tombstone (deleted_records), so an update sent before a deletion but
//   delivered after it, or before the record was ever stored, cannot bring the record back;
// - a payload that does not fit its topic is recorded as failed (webhook_events.error) and
//   changes nothing; the worker carries on. A database failure throws, and the queue retries.
// Every order change ends with the order's daily rollups refreshed.
import { Prisma } from "@prisma/client";
import prisma from "#app/db.server";
import { enqueueShopJob } from "#app/jobs/queue.server";
import { refreshDailyRollups } from "#app/metrics/rollups.server";
import type { CustomerRow, OrderRows } from "./order-rows";
import { parseWebhook, type RefundRows, type WebhookChange } from "./rest-payloads";
import { emptyRowBatch, stageRows, upsertCustomers, upsertOrders, withRowWriter } from "./store-orders.server";

type Tx = Prisma.TransactionClient;

// ---------------------------------------------------------------------------------------------
// Shops

/**
 * Every row the app holds for a shop, gone: each table with a `shop` column (found in the
 * catalog, so a table added later cannot be forgotten) and the shop itself.
 */
export async function eraseShop(shop: string) {
  await prisma.$transaction(async (tx) => {
    const tables = await tx.$queryRaw<Array<{ table_name: string }>>`
      SELECT table_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND column_name = 'shop' AND table_name <> 'shops'`;
    for (const { table_name } of tables) {
      await tx.$executeRawUnsafe(`DELETE FROM "${table_name.replace(/"/g, '""')}" WHERE shop = $1`, shop);
    }
    await tx.shop.deleteMany({ where: { domain: shop } });
  });
}

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
// Orders and refunds

/**
 * What a stored order owes to rows written apart from it: a deletion (an orders/update applied
 * after orders/delete resets deleted_at), its customer's merge or deletion (an order written
 * with a merged customer's id belongs to the kept customer, with a deleted one's to nobody), and
 * its refunded total, the sum of every refund stored for it (refunds/create may come before or
 * after the order, and Order.totalRefundedSet is that sum).
 */
async function settleOrders(shop: string, orderIds: bigint[]): Promise<void> {
  if (orderIds.length === 0) return;
  await prisma.$executeRaw`
    UPDATE orders o SET
      deleted_at = COALESCE(o.deleted_at, (
        SELECT d.deleted_at FROM deleted_records d WHERE d.shop = o.shop AND d.resource = 'order' AND d.id = o.id)),
      customer_id = CASE
        WHEN EXISTS (SELECT 1 FROM deleted_records d WHERE d.shop = o.shop AND d.resource = 'customer' AND d.id = o.customer_id)
        THEN (SELECT d.merged_into FROM deleted_records d WHERE d.shop = o.shop AND d.resource = 'customer' AND d.id = o.customer_id)
        ELSE o.customer_id END,
      total_refunded = COALESCE((
        SELECT sum(r.total_refunded)::bigint FROM refunds r WHERE r.shop = o.shop AND r.order_id = o.id), o.total_refunded)
    WHERE o.shop = ${shop} AND o.id = ANY(${orderIds}::bigint[])`;
}

async function applyOrder(shop: string, rows: OrderRows): Promise<void> {
  // An older version than the one stored changes nothing: no need to stage it at all.
  const stored = await prisma.order.findUnique({ where: { shop_id: { shop, id: rows.order.id } }, select: { updatedAt: true } });
  if (stored && stored.updatedAt > rows.order.updatedAt) return;
  await upsertOrders(shop, [rows]);
  await settleOrders(shop, [rows.order.id]);
  await refreshDailyRollups(shop, { orderIds: [rows.order.id] });
}

/**
 * One refund and its line items. It may arrive before its order: it is stored all the same (no
 * order is needed to store a refund), and the order, when it comes, keeps it and adds it to its
 * refunded total (settleOrders). An order payload lists its refunds too: the same rows, by id.
 */
async function applyRefund(shop: string, rows: RefundRows): Promise<void> {
  const batch = { ...emptyRowBatch(), refunds: [rows.refund], refundLineItems: rows.refundLineItems, refundShipping: [rows.refundShipping] };
  const staged = stageRows(shop, batch);
  await withRowWriter(shop, (writer) => writer.write(staged));
  await settleOrders(shop, [rows.refund.orderId]);
  await refreshDailyRollups(shop, { orderIds: [rows.refund.orderId] });
}

/**
 * orders/delete: the order stays stored, marked deleted, and is never counted again. Deleted at
 * the earliest deletion heard of, whatever order the deliveries come in.
 */
export async function deleteOrder(shop: string, orderId: bigint, at: Date): Promise<void> {
  await prisma.$transaction([
    prisma.$executeRaw`
      INSERT INTO deleted_records (shop, resource, id, deleted_at) VALUES (${shop}, 'order', ${orderId}, ${at})
      ON CONFLICT (shop, resource, id) DO UPDATE SET deleted_at = LEAST(deleted_records.deleted_at, EXCLUDED.deleted_at)`,
    prisma.$executeRaw`
      UPDATE orders SET deleted_at = LEAST(COALESCE(deleted_at, ${at}), ${at})
      WHERE shop = ${shop} AND id = ${orderId}`,
  ]);
  await refreshDailyRollups(shop, { orderIds: [orderId] });
}

// ---------------------------------------------------------------------------------------------
// Customers

async function applyCustomer(row: CustomerRow): Promise<void> {
  await upsertCustomers([row]);
  // Deleted meanwhile (or before this older version arrived): it stays deleted.
  await prisma.$executeRaw`
    DELETE FROM customers c USING deleted_records d
    WHERE c.shop = ${row.shop} AND c.id = ${row.id}
      AND d.shop = c.shop AND d.resource = 'customer' AND d.id = c.id`;
}

/**
 * The customer record goes and a tombstone stays; their orders go to `mergedInto` (a merge) or
 * to nobody (anonymous amounts, so sales totals do not change). Returns the orders moved.
 */
async function removeCustomer(tx: Tx, shop: string, customerId: bigint, at: Date, mergedInto: bigint | null): Promise<bigint[]> {
  // A merge names the kept customer; a deletion that follows it must not forget that.
  await tx.$executeRaw`
    INSERT INTO deleted_records (shop, resource, id, deleted_at, merged_into)
    VALUES (${shop}, 'customer', ${customerId}, ${at}, ${mergedInto})
    ON CONFLICT (shop, resource, id) DO UPDATE SET merged_into = COALESCE(EXCLUDED.merged_into, deleted_records.merged_into)`;
  // The kept customer may have been merged on (or deleted) in turn: follow it.
  const [{ target }] = await tx.$queryRaw<Array<{ target: bigint | null }>>`
    SELECT CASE WHEN k.id IS NULL THEN d.merged_into ELSE k.merged_into END AS target
    FROM deleted_records d
    LEFT JOIN deleted_records k ON k.shop = d.shop AND k.resource = 'customer' AND k.id = d.merged_into
    WHERE d.shop = ${shop} AND d.resource = 'customer' AND d.id = ${customerId}`;
  // Customers merged into this one earlier now lead where this one does.
  await tx.$executeRaw`
    UPDATE deleted_records SET merged_into = ${target}
    WHERE shop = ${shop} AND resource = 'customer' AND merged_into = ${customerId}`;
  await tx.$executeRaw`
    UPDATE deleted_records SET merged_into = ${target}
    WHERE shop = ${shop} AND resource = 'customer' AND id = ${customerId}`;
  const moved = await tx.$queryRaw<Array<{ id: bigint }>>`
    UPDATE orders SET customer_id = ${target} WHERE shop = ${shop} AND customer_id = ${customerId} RETURNING id`;
  await tx.customer.deleteMany({ where: { shop, id: customerId } });
  return moved.map((row) => BigInt(row.id));
}

export async function removeCustomerAndRefresh(shop: string, customerId: bigint, at: Date, mergedInto: bigint | null, erase = false) {
  const moved = await prisma.$transaction(async (tx) => {
    const ids = await removeCustomer(tx, shop, customerId, at, mergedInto);
    if (erase) await tx.dataRequestExport.deleteMany({ where: { shop, customerId } });
    return ids;
  });
  if (moved.length > 0) await refreshDailyRollups(shop, { orderIds: moved });
}

/**
 * customers/redact: the customer's record and the exports made for them go; their orders stay
 * as anonymous amounts. The tombstone keeps only the id, so that a late delivery about the
 * customer cannot store them again.
 */
export async function eraseCustomer(shop: string, customerId: bigint, at = new Date()) {
  await removeCustomerAndRefresh(shop, customerId, at, null, true);
}

// ---------------------------------------------------------------------------------------------
// Data requests

const text = (value: bigint | Date | null) => (value === null ? null : value instanceof Date ? value.toISOString() : String(value));

/**
 * customers/data_request: what Metryka holds on the customer, kept for the merchant to send on:
 * the customer's id and record dates, and their orders (those stored under their id and those
 * Shopify lists in the request) with dates and amounts as stored. Level 1 data only.
 */
async function exportCustomerData(shop: string, requestId: bigint, customerId: bigint, orderIds: bigint[]): Promise<void> {
  const customer = await prisma.customer.findUnique({ where: { shop_id: { shop, id: customerId } } });
  const orders = await prisma.order.findMany({
    where: { shop, OR: [{ customerId }, { id: { in: orderIds } }] },
    orderBy: { id: "asc" },
  });
  const refunds = await prisma.refund.findMany({ where: { shop, orderId: { in: orders.map((o) => o.id) } }, orderBy: { id: "asc" } });
  const contents = {
    customerId: text(customerId),
    customer: customer ? { createdAt: text(customer.createdAt), updatedAt: text(customer.updatedAt) } : null,
    ordersRequested: orderIds.map(text),
    orders: orders.map((o) => ({
      id: text(o.id),
      name: o.name,
      processedAt: text(o.processedAt),
      createdAt: text(o.createdAt),
      cancelledAt: text(o.cancelledAt),
      deletedAt: text(o.deletedAt),
      test: o.test,
      currencyCode: o.currencyCode,
      grossSales: text(o.grossSales),
      discounts: text(o.discounts),
      shipping: text(o.shipping),
      tax: text(o.tax),
      totalPrice: text(o.totalPrice),
      totalRefunded: text(o.totalRefunded),
      refunds: refunds
        .filter((r) => r.orderId === o.id)
        .map((r) => ({
          id: text(r.id),
          processedAt: text(r.processedAt),
          returns: text(r.returns),
          shipping: text(r.shipping),
          tax: text(r.tax),
          totalRefunded: text(r.totalRefunded),
        })),
    })),
  };
  await prisma.dataRequestExport.upsert({
    where: { shop_id: { shop, id: requestId } },
    create: { shop, id: requestId, customerId, export: contents },
    update: { customerId, export: contents, createdAt: new Date() },
  });
}

export type DataRequestContents = Prisma.JsonObject;

/** The export made for a customers/data_request (its `data_request.id`), or null. */
export async function dataRequestExport(
  shop: string,
  requestId: bigint | number | string,
): Promise<{ customerId: bigint; createdAt: Date; contents: DataRequestContents } | null> {
  const row = await prisma.dataRequestExport.findUnique({ where: { shop_id: { shop, id: BigInt(requestId) } } });
  return row ? { customerId: row.customerId, createdAt: row.createdAt, contents: row.export as DataRequestContents } : null;
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

/** Applies one change; returns why it was not applied, or null. */
async function applyChange(event: RecordedEvent, change: WebhookChange): Promise<string | null> {
  const { shop } = event;
  const at = event.triggeredAt ?? event.receivedAt;
  if (NEEDS_INSTALLED_SHOP.has(change.kind)) {
    const row = await prisma.shop.findUnique({ where: { domain: shop }, select: { uninstalledAt: true } });
    // Installing starts a full sync, which reads whatever this event said.
    if (!row || row.uninstalledAt) return "the app is not installed on this shop";
  }
  switch (change.kind) {
    case "order":
      await applyOrder(shop, change.rows);
      return null;
    case "refund":
      await applyRefund(shop, change.rows);
      return null;
    case "orderEdited":
      // The order_edit payload lists the lines added and removed, not the order's new totals:
      // the paged catch-up re-reads orders updated since its watermark, this one included,
      // through the one GraphQL path. (Shopify also sends orders/updated after an edit.)
      await enqueueShopJob({ shop, kind: "sync" });
      return null;
    case "orderDeleted":
      await deleteOrder(shop, change.orderId, at);
      return null;
    case "customer":
      await applyCustomer(change.row);
      return null;
    case "customerDeleted":
      await removeCustomerAndRefresh(shop, change.customerId, at, null);
      return null;
    case "customersMerged":
      if (!change.completed) return null;
      await removeCustomerAndRefresh(shop, change.deletedId, at, change.keptId);
      return null;
    case "customerRedacted":
      await eraseCustomer(shop, change.customerId, at);
      return null;
    case "dataRequested":
      await exportCustomerData(shop, change.requestId, change.customerId, change.orderIds);
      return null;
    case "shopUpdated":
      if (await newerEventApplied(shop, event.topic, event.eventId, change.updatedAt)) return null;
      // A new time zone makes the next rollup refresh rebuild the shop's days in it
      // (refreshDailyRollups compares the zone the rollups were built in).
      await prisma.shop.update({
        where: { domain: shop },
        data: { name: change.name, ianaTimezone: change.timeZone, currencyCode: change.currencyCode },
      });
      return null;
    case "scopesUpdated":
      if (change.updatedAt && (await newerEventApplied(shop, event.topic, event.eventId, change.updatedAt))) return null;
      await prisma.$transaction([
        prisma.shop.update({ where: { domain: shop }, data: { scopes: change.scopes } }),
        // The library compares the session's scope with the app's to ask for missing ones.
        prisma.session.updateMany({ where: { shop }, data: { scope: change.scopes } }),
      ]);
      return null;
    case "bulkOperationFinished":
      // The backfill job reads the operation's outcome (and its file) itself.
      await enqueueShopJob({ shop, kind: "backfill" });
      return null;
    case "appUninstalled":
      await prisma.session.deleteMany({ where: { shop } });
      await prisma.shop.updateMany({ where: { domain: shop }, data: { uninstalledAt: at } });
      return null;
    case "shopRedacted":
      await eraseShop(shop);
      return null;
    case "unhandled":
      return `no handler for the topic ${change.topic}`;
  }
}

/**
 * Applies a recorded event once (an event already processed is skipped). One that cannot be
 * applied (a payload that does not fit its topic, a shop not installed) is marked processed with
 * the reason and changes nothing; only database failures throw, for the queue to retry.
 */
export async function applyWebhookEvent(shop: string, eventId: string): Promise<void> {
  const event = await prisma.webhookEvent.findUnique({ where: { shop_eventId: { shop, eventId } } });
  if (!event || event.processedAt) return;
  const parsed = parseWebhook(shop, event.topic, event.payload);
  let error: string | null;
  if (parsed.ok) {
    error = await applyChange(event, parsed.change);
  } else {
    // Paths and rule names only: the payload's values stay out of the logs.
    error = `invalid ${event.topic} payload: ${parsed.problems.slice(0, 10).join("; ")}`;
    console.warn(`[webhooks] event ${eventId} of ${shop} not applied: ${error}`);
  }
  // updateMany: shop/redact has just erased the event along with the rest of the shop.
  await prisma.webhookEvent.updateMany({ where: { shop, eventId }, data: { processedAt: new Date(), error } });
}
