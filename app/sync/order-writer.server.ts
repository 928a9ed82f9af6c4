// The one owner of writes to a shop's orders, refunds and customers, and of the rollup refresh
// that follows each: the paged sync, the bulk backfill, webhooks, the lost-deletion sweep and
// the CSV import all write through here, so none of them has to remember the rollups.
//
// - Orders, refunds and customers go through the row writer (store-orders.server.ts): COPY into
//   staging tables, set-based merges, last-writer-wins, and in the same transaction what an
//   order owes to rows written apart from it (tombstones, merged customers, refunded totals).
// - Tombstones and customer removals are written here, with the rollups of the orders they move
//   refreshed in the same transaction.
// - One write refreshes the rollups of the orders it applied; a bulk write (a backfill's files,
//   an import) defers them to one rebuild when it ends (`bulkWrites`).
// - Under a shop job, each write transaction first checks that the job's run still holds the
//   shop (sync-state.server.ts `fenceRowWrite`, `fenceTransaction`).
import { Prisma } from "@prisma/client";
import prisma from "#app/db.server";
import { refreshDailyRollups, refreshRollupsIn, ROLLUP_TRANSACTION_OPTIONS } from "#app/metrics/rollups.server";
import type { CustomerRow, OrderRows, RefundLineItemRow, RefundShippingRow } from "./order-rows";
import type { RefundRows } from "./rest-payloads";
import { emptyRowBatch, stageRows, withRowWriter, type RowBatch, type RowWriter, type WriteResult } from "./store-orders.server";
import { fenceTransaction } from "./sync-state.server";

type Tx = Prisma.TransactionClient;

/** Complete orders (all their line items and refunds) as one batch; ids applied are returned. */
function orderBatch(batch: OrderRows[], imported: boolean): RowBatch {
  // The same order twice (paging while it changes): its newest version, with that version's children.
  const latest = new Map<bigint, OrderRows>();
  for (const item of batch) {
    const seen = latest.get(item.order.id);
    if (!seen || seen.order.updatedAt <= item.order.updatedAt) latest.set(item.order.id, item);
  }
  const rows = emptyRowBatch();
  for (const item of latest.values()) {
    rows.orders.push(imported ? { ...item.order, imported: true } : item.order);
    rows.lineItems.push(...item.lineItems);
    rows.refunds.push(...item.refunds);
    rows.refundLineItems.push(...item.refundLineItems);
    rows.refundShipping.push(...item.refundShipping);
  }
  return rows;
}

async function writeBatch(writer: RowWriter, shop: string, rows: RowBatch, { rollupChanges }: { rollupChanges: boolean }): Promise<WriteResult> {
  return writer.write(stageRows(shop, rows), { returnApplied: true, rollupChanges });
}

async function refreshOrders(shop: string, orderIds: bigint[]): Promise<void> {
  if (orderIds.length > 0) await refreshDailyRollups(shop, { orderIds });
}

/**
 * Writes complete orders in one transaction, then refreshes the rollups of those that changed
 * in what the rollups read (app/metrics/rollup-inputs.ts): a fulfilment, a tag or a note changes
 * none of it, and its write neither recomputes the customer's rows nor waits for a rebuild. An
 * order older than the stored version is ignored with its children. Returns the ids of the
 * orders applied.
 */
export async function writeOrders(shop: string, batch: OrderRows[], options: { imported?: boolean } = {}): Promise<bigint[]> {
  if (batch.length === 0) return [];
  const rows = orderBatch(batch, options.imported ?? false);
  // A skipped (older) order's refunds are skipped with it: the applied orders are all that changed.
  const { appliedOrderIds, rollupOrderIds } = await withRowWriter(shop, (writer) => writeBatch(writer, shop, rows, { rollupChanges: true }));
  await refreshOrders(shop, rollupOrderIds);
  return appliedOrderIds;
}

/**
 * Refunds with their line items (refunds/create), in one write, then the rollups of their
 * orders where the write changed what those read (a refund delivered again changes nothing). A
 * refund may arrive before its order: it is stored all the same, and the order, when it comes,
 * adds it to its refunded total and is counted with it. In a write of their own, never with
 * orders: a refund is not dropped with an order version older than the stored one.
 */
export async function writeRefunds(shop: string, refunds: RefundRows[]): Promise<void> {
  if (refunds.length === 0) return;
  const batch = {
    ...emptyRowBatch(),
    refunds: refunds.map((rows) => rows.refund),
    refundLineItems: refunds.flatMap((rows) => rows.refundLineItems),
    refundShipping: refunds.map((rows) => rows.refundShipping),
  };
  const { rollupOrderIds } = await withRowWriter(shop, (writer) => writer.write(stageRows(shop, batch), { rollupChanges: true }));
  await refreshOrders(shop, rollupOrderIds);
}

/** Last-writer-wins on updated_at; a deleted customer is not stored again. Returns how many were written. */
export async function writeCustomers(shop: string, customers: CustomerRow[]): Promise<number> {
  if (customers.length === 0) return 0;
  const batch = { ...emptyRowBatch(), customers };
  const result = await withRowWriter(shop, (writer) => writer.write(stageRows(shop, batch)));
  return result.customersApplied;
}

/**
 * Orders Shopify deleted (orders/delete, or found gone by the sweep): they stay stored, marked
 * deleted at the earliest deletion heard of, and are never counted again.
 */
export async function tombstoneOrders(shop: string, orderIds: bigint[], at: Date): Promise<void> {
  if (orderIds.length === 0) return;
  await prisma.$transaction(async (tx) => {
    await fenceTransaction(tx, shop);
    await tx.$executeRaw`
      INSERT INTO deleted_records (shop, resource, id, deleted_at)
      SELECT ${shop}, 'order', id, ${at} FROM unnest(${orderIds}::bigint[]) AS id
      ON CONFLICT (shop, resource, id) DO UPDATE SET deleted_at = LEAST(deleted_records.deleted_at, EXCLUDED.deleted_at)`;
    await tx.$executeRaw`
      UPDATE orders SET deleted_at = LEAST(COALESCE(deleted_at, ${at}), ${at})
      WHERE shop = ${shop} AND id = ANY(${orderIds}::bigint[])`;
    await refreshRollupsIn(tx, shop, { orderIds });
  }, ROLLUP_TRANSACTION_OPTIONS);
}

/**
 * The customer record goes and a tombstone stays; their orders go to `mergedInto` (a merge) or
 * to nobody (anonymous amounts, so sales totals do not change). Returns the orders moved.
 */
async function removeCustomerIn(tx: Tx, shop: string, customerId: bigint, at: Date, mergedInto: bigint | null): Promise<bigint[]> {
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

export interface CustomerRemoval {
  /** The customer who takes the removed ones' orders over (a merge); otherwise nobody does. */
  mergedInto?: bigint | null;
  /** Orders to leave to nobody as well, whoever they belong to (a privacy request lists them). */
  unlinkOrders?: bigint[];
  /** More to do in the same transaction, given every order that changed hands. */
  also?: (tx: Tx, orderIds: bigint[]) => Promise<void>;
}

/**
 * customers/delete, customers/merge, customers/redact and the sweep's lost deletions: each
 * customer goes (see removeCustomerIn), `unlinkOrders` lose their customer, and the rollups of
 * every order that changed hands are refreshed, all in one transaction with `also`.
 */
export async function removeCustomers(shop: string, customerIds: bigint[], at: Date, removal: CustomerRemoval = {}): Promise<void> {
  await prisma.$transaction(async (tx) => {
    await fenceTransaction(tx, shop);
    const changed = new Set<bigint>();
    for (const customerId of customerIds) {
      for (const id of await removeCustomerIn(tx, shop, customerId, at, removal.mergedInto ?? null)) changed.add(id);
    }
    if (removal.unlinkOrders?.length) {
      const unlinked = await tx.$queryRaw<Array<{ id: bigint }>>`
        UPDATE orders SET customer_id = NULL
        WHERE shop = ${shop} AND id = ANY(${removal.unlinkOrders}::bigint[]) AND customer_id IS NOT NULL
        RETURNING id`;
      for (const row of unlinked) changed.add(BigInt(row.id));
    }
    // Their cached predictions go with them (the next fit, after the rollups below, has none).
    await tx.$executeRaw`DELETE FROM customer_predictions WHERE shop = ${shop} AND customer_id = ANY(${customerIds}::bigint[])`;
    const orderIds = [...changed];
    await removal.also?.(tx, orderIds);
    if (orderIds.length > 0) await refreshRollupsIn(tx, shop, { orderIds });
  }, ROLLUP_TRANSACTION_OPTIONS);
}

/** One customer deleted, or merged into `mergedInto` (see removeCustomers). */
export async function removeCustomer(shop: string, customerId: bigint, at: Date, mergedInto: bigint | null): Promise<void> {
  await removeCustomers(shop, [customerId], at, { mergedInto });
}

/** Writes a bulk run makes; the rollups are rebuilt once, when `bulkWrites` ends. */
export interface BulkWrites {
  /** A session of the row writer for a stream of batches (a bulk operation's file). */
  withRowWriter<T>(work: (writer: RowWriter) => Promise<T>): Promise<T>;
  writeOrders(batch: OrderRows[], options?: { imported?: boolean }): Promise<bigint[]>;
  /** Refunds' line items and shipping (refunds already stored), e.g. details fetched later. */
  writeRefundDetails(details: { refundLineItems: RefundLineItemRow[]; refundShipping: RefundShippingRow[] }): Promise<void>;
}

/**
 * Runs `work` with writes whose rollups are deferred, then rebuilds the shop's rollups once. A
 * rebuild reads every order of the shop, so a run that writes many of them (a backfill's files,
 * an import) is cheaper this way than refreshed batch by batch. When `work` fails there is no
 * rebuild: the run is repeated (a backfill resumes, an import is idempotent), and its end
 * rebuilds.
 */
export async function bulkWrites<T>(shop: string, work: (writes: BulkWrites) => Promise<T>): Promise<T> {
  const writes: BulkWrites = {
    withRowWriter: (fn) => withRowWriter(shop, fn),
    writeOrders: async (batch, options = {}) => {
      if (batch.length === 0) return [];
      const rows = orderBatch(batch, options.imported ?? false);
      return (await withRowWriter(shop, (writer) => writeBatch(writer, shop, rows, { rollupChanges: false }))).appliedOrderIds;
    },
    writeRefundDetails: async (details) => {
      await withRowWriter(shop, (writer) => writer.write(stageRows(shop, { ...emptyRowBatch(), ...details })));
    },
  };
  const result = await work(writes);
  await refreshDailyRollups(shop);
  return result;
}
