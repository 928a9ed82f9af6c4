// Idempotent, last-writer-wins writes of orders, their refunds and customers: a row is only
// replaced by a version whose updated_at is at least as new, so duplicate and reordered
// deliveries of the same data change nothing.
import { Prisma } from "@prisma/client";
import prisma from "#app/db.server";
import type { OrderRow, RefundRow } from "./order-rows";

// PostgreSQL takes at most 65,535 parameters per statement.
const ROWS_PER_STATEMENT = 2000;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

type Tx = Prisma.TransactionClient;

async function upsertOrderChunk(tx: Tx, orders: OrderRow[]): Promise<bigint[]> {
  const values = orders.map(
    (o) => Prisma.sql`(${o.shop}, ${o.id}, ${o.name}, ${o.customerId}, ${o.processedAt}, ${o.createdAt},
      ${o.updatedAt}, ${o.cancelledAt}, ${o.test}, ${o.currencyCode}, ${o.taxesIncluded}, ${o.sourceName},
      ${o.grossSales}, ${o.discounts}, ${o.shipping}, ${o.tax}, ${o.totalPrice}, ${o.totalRefunded})`,
  );
  const applied = await tx.$queryRaw<Array<{ id: bigint }>>`
    INSERT INTO orders (shop, id, name, customer_id, processed_at, created_at, updated_at, cancelled_at,
      test, currency_code, taxes_included, source_name, gross_sales, discounts, shipping, tax,
      total_price, total_refunded)
    VALUES ${Prisma.join(values)}
    ON CONFLICT (shop, id) DO UPDATE SET
      name = EXCLUDED.name, customer_id = EXCLUDED.customer_id, processed_at = EXCLUDED.processed_at,
      created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at,
      cancelled_at = EXCLUDED.cancelled_at, test = EXCLUDED.test, currency_code = EXCLUDED.currency_code,
      taxes_included = EXCLUDED.taxes_included, source_name = EXCLUDED.source_name,
      gross_sales = EXCLUDED.gross_sales, discounts = EXCLUDED.discounts, shipping = EXCLUDED.shipping,
      tax = EXCLUDED.tax, total_price = EXCLUDED.total_price, total_refunded = EXCLUDED.total_refunded,
      deleted_at = NULL, synced_at = now()
    WHERE orders.updated_at <= EXCLUDED.updated_at
    RETURNING id`;
  return applied.map((row) => BigInt(row.id));
}

async function replaceRefunds(tx: Tx, shop: string, orderIds: bigint[], refunds: RefundRow[]) {
  if (orderIds.length === 0) return;
  const keep = refunds.map((r) => r.id);
  await tx.$executeRaw`
    DELETE FROM refunds WHERE shop = ${shop} AND order_id IN (${Prisma.join(orderIds)})
    ${keep.length ? Prisma.sql`AND id NOT IN (${Prisma.join(keep)})` : Prisma.empty}`;
  for (const chunk of chunks(refunds, ROWS_PER_STATEMENT)) {
    const values = chunk.map(
      (r) => Prisma.sql`(${r.shop}, ${r.id}, ${r.orderId}, ${r.processedAt}, ${r.createdAt}, ${r.currencyCode},
        ${r.returns}, ${r.tax}, ${r.shipping}, ${r.totalRefunded})`,
    );
    await tx.$executeRaw`
      INSERT INTO refunds (shop, id, order_id, processed_at, created_at, currency_code, returns, tax,
        shipping, total_refunded)
      VALUES ${Prisma.join(values)}
      ON CONFLICT (shop, id) DO UPDATE SET
        order_id = EXCLUDED.order_id, processed_at = EXCLUDED.processed_at, created_at = EXCLUDED.created_at,
        currency_code = EXCLUDED.currency_code, returns = EXCLUDED.returns, tax = EXCLUDED.tax,
        shipping = EXCLUDED.shipping, total_refunded = EXCLUDED.total_refunded`;
  }
}

/**
 * Writes orders with their full refund lists. An order older than the stored version is
 * ignored together with its refunds. Returns the ids of the orders that were applied.
 */
export async function upsertOrders(
  shop: string,
  batch: Array<{ order: OrderRow; refunds: RefundRow[] }>,
): Promise<bigint[]> {
  if (batch.length === 0) return [];
  return prisma.$transaction(async (tx) => {
    const applied: bigint[] = [];
    for (const chunk of chunks(batch, ROWS_PER_STATEMENT)) {
      // Newest version first when a batch holds the same order twice.
      const latest = new Map<bigint, { order: OrderRow; refunds: RefundRow[] }>();
      for (const item of chunk) {
        const seen = latest.get(item.order.id);
        if (!seen || seen.order.updatedAt <= item.order.updatedAt) latest.set(item.order.id, item);
      }
      const items = [...latest.values()];
      const ids = await upsertOrderChunk(tx, items.map((i) => i.order));
      const appliedSet = new Set(ids);
      const refunds = items.filter((i) => appliedSet.has(i.order.id)).flatMap((i) => i.refunds);
      await replaceRefunds(tx, shop, ids, refunds);
      applied.push(...ids);
    }
    return applied;
  });
}

export interface CustomerRow {
  shop: string;
  id: bigint;
  createdAt: Date;
  updatedAt: Date;
}

export async function upsertCustomers(customers: CustomerRow[]): Promise<number> {
  const latest = new Map<string, CustomerRow>();
  for (const c of customers) {
    const key = `${c.shop}/${c.id}`;
    const seen = latest.get(key);
    if (!seen || seen.updatedAt <= c.updatedAt) latest.set(key, c);
  }
  let applied = 0;
  for (const chunk of chunks([...latest.values()], ROWS_PER_STATEMENT)) {
    const values = chunk.map((c) => Prisma.sql`(${c.shop}, ${c.id}, ${c.createdAt}, ${c.updatedAt})`);
    applied += await prisma.$executeRaw`
      INSERT INTO customers (shop, id, created_at, updated_at) VALUES ${Prisma.join(values)}
      ON CONFLICT (shop, id) DO UPDATE SET created_at = EXCLUDED.created_at,
        updated_at = EXCLUDED.updated_at, synced_at = now()
      WHERE customers.updated_at <= EXCLUDED.updated_at`;
  }
  return applied;
}
