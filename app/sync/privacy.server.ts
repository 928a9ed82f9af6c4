// Shopify's privacy webhooks (https://shopify.dev/docs/apps/build/privacy-law-compliance), done
// completely: what Metryka holds on a customer is erased in one transaction or exported for the
// merchant to send on, and a shop's data goes whole. What is held, and for how long, is in
// docs/privacy.md.
import type { Prisma } from "@prisma/client";
import prisma from "#app/db.server";
import { removeCustomers } from "./order-writer.server";
import { forgetTaggedCustomers } from "#app/tagging/tag-jobs.server";

type Tx = Prisma.TransactionClient;

/** Exports made for customers' data requests are kept this long for the merchant to fetch. */
export const DATA_REQUEST_EXPORT_RETENTION_DAYS = 90;

/** A customer named by a privacy request: their Shopify id, the key of their imported orders, the orders listed. */
export interface CustomerRequest {
  customerId: bigint;
  /** The key `metryka import-orders` kept the orders of their email under (personal-data.ts). */
  importedCustomerId: bigint | null;
  orderIds: bigint[];
}

const customerKeys = (request: CustomerRequest) => [request.customerId, ...(request.importedCustomerId === null ? [] : [request.importedCustomerId])];

/** Privacy requests are kept as a record that they were carried out, with their payload emptied. */
const PRIVACY_REQUESTS = ["customers/redact", "customers/data_request"];

/**
 * Erases the stored webhook payloads about these customers or these orders: the customers' own
 * events, their orders' and those orders' refunds, and merges naming them are deleted; privacy
 * requests about them (this one included) keep their row, so that a redelivery is still known
 * as done, but not their payload.
 */
async function erasePayloadsAbout(tx: Tx, shop: string, customerIds: bigint[], orderIds: bigint[]): Promise<void> {
  const customers = customerIds.map(String);
  const orders = orderIds.map(String);
  const gids = customerIds.map((id) => `gid://shopify/Customer/${id}`);
  await tx.$executeRaw`
    UPDATE webhook_events SET payload = '{}'::jsonb
    WHERE shop = ${shop} AND topic = ANY(${PRIVACY_REQUESTS}::text[]) AND payload->'customer'->>'id' = ANY(${customers}::text[])`;
  await tx.$executeRaw`
    DELETE FROM webhook_events
    WHERE shop = ${shop} AND topic <> ALL(${PRIVACY_REQUESTS}::text[]) AND (
      payload->'customer'->>'id' = ANY(${customers}::text[])
      OR (topic LIKE 'customers/%' AND payload->>'id' = ANY(${customers}::text[]))
      OR (topic LIKE 'orders/%' AND payload->>'id' = ANY(${orders}::text[]))
      OR (topic = 'orders/edited' AND payload->'order_edit'->>'order_id' = ANY(${orders}::text[]))
      OR (topic = 'refunds/create' AND payload->>'order_id' = ANY(${orders}::text[]))
      OR (topic = 'customers/merge' AND (
        payload->>'admin_graphql_api_customer_kept_id' = ANY(${gids}::text[])
        OR payload->>'admin_graphql_api_customer_deleted_id' = ANY(${gids}::text[]))))`;
}

/**
 * customers/redact, in one transaction: the customer's record goes and a tombstone keeping only
 * the id stays (a late delivery cannot store them again); their orders, the orders the request
 * lists and the orders imported under the key of their email stay as anonymous amounts (sales
 * do not change); the rollups counting them under the customer are recomputed; the exports made
 * for their data requests, their ids in tagging requests and every stored payload about them or
 * those orders are erased.
 */
export async function redactCustomer(shop: string, request: CustomerRequest, at: Date): Promise<void> {
  const customers = customerKeys(request);
  await removeCustomers(shop, customers, at, {
    unlinkOrders: request.orderIds,
    also: async (tx, changed) => {
      await tx.dataRequestExport.deleteMany({ where: { shop, customerId: { in: customers } } });
      await forgetTaggedCustomers(tx, shop, customers);
      await erasePayloadsAbout(tx, shop, customers, [...new Set([...changed, ...request.orderIds])]);
    },
  });
}

const text = (value: bigint | Date | null) => (value === null ? null : value instanceof Date ? value.toISOString() : String(value));

/**
 * customers/data_request: what Metryka holds on the customer, kept for the merchant to send on
 * (Settings page, `metryka data-requests`): the customer's id and record dates, and their orders
 * (those stored under their id, those the request lists and those imported under the key of
 * their email) with dates and amounts as stored, each with its refunds. Level 1 data only.
 */
export async function exportCustomerData(shop: string, requestId: bigint, request: CustomerRequest): Promise<void> {
  const customers = customerKeys(request);
  const customer = await prisma.customer.findUnique({ where: { shop_id: { shop, id: request.customerId } } });
  const orders = await prisma.order.findMany({
    where: { shop, OR: [{ customerId: { in: customers } }, { id: { in: request.orderIds } }] },
    orderBy: { id: "asc" },
  });
  const refunds = await prisma.refund.findMany({ where: { shop, orderId: { in: orders.map((o) => o.id) } }, orderBy: { id: "asc" } });
  const contents = {
    customerId: text(request.customerId),
    customer: customer ? { createdAt: text(customer.createdAt), updatedAt: text(customer.updatedAt) } : null,
    ordersRequested: request.orderIds.map(text),
    orders: orders.map((o) => ({
      id: text(o.id),
      name: o.name,
      imported: o.imported,
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
    create: { shop, id: requestId, customerId: request.customerId, export: contents },
    update: { customerId: request.customerId, export: contents, createdAt: new Date() },
  });
}

export type DataRequestContents = Prisma.JsonObject;

export interface DataRequestSummary {
  /** Shopify's data_request.id. */
  requestId: string;
  customerId: string;
  createdAt: string;
  orders: number;
}

/** The shop's data request exports, newest first. */
export async function dataRequestExports(shop: string): Promise<DataRequestSummary[]> {
  const rows = await prisma.dataRequestExport.findMany({ where: { shop }, orderBy: { createdAt: "desc" } });
  return rows.map((row) => ({
    requestId: String(row.id),
    customerId: String(row.customerId),
    createdAt: row.createdAt.toISOString(),
    orders: ((row.export as { orders?: unknown[] } | null)?.orders ?? []).length,
  }));
}

/** The export made for a customers/data_request (its `data_request.id`), or null. */
export async function dataRequestExport(
  shop: string,
  requestId: bigint | number | string,
): Promise<{ customerId: bigint; createdAt: Date; contents: DataRequestContents } | null> {
  let id: bigint;
  try {
    id = BigInt(requestId);
  } catch {
    return null;
  }
  const row = await prisma.dataRequestExport.findUnique({ where: { shop_id: { shop, id } } });
  return row ? { customerId: row.customerId, createdAt: row.createdAt, contents: row.export as DataRequestContents } : null;
}

/** Deletes the exports past DATA_REQUEST_EXPORT_RETENTION_DAYS; returns how many. */
export async function deleteExpiredExports(now = new Date()): Promise<number> {
  const { count } = await prisma.dataRequestExport.deleteMany({
    where: { createdAt: { lt: new Date(now.getTime() - DATA_REQUEST_EXPORT_RETENTION_DAYS * 86_400_000) } },
  });
  return count;
}

/**
 * shop/redact: every row the app holds for a shop, gone: each table with a `shop` column (found
 * in the catalog, so a table added later cannot be forgotten) and the shop itself.
 */
export async function eraseShop(shop: string): Promise<void> {
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
