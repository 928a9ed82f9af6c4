// The simulator's ground truth in the shape of Metryka's rows, and the same rows as stored:
// tests that sync a store assert `stored…(…)` equals `expected…(store)`.
import type { PrismaClient } from "@prisma/client";
import {
  orderDiscounts,
  orderGrossSales,
  orderRefunded,
  orderShipping,
  orderTax,
  orderTotal,
  refundReturns,
  refundShipping,
  refundTax,
  refundTotal,
  type SimStore,
} from "#simulator/index";
import type { MetricOrder, MetricRefund } from "#app/metrics/rows";

const byId = <T extends { id: bigint }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function expectedOrders(store: SimStore) {
  return store.orders
    .map((o) => ({
      id: BigInt(o.id),
      name: o.name,
      customerId: o.customerId === null ? null : BigInt(o.customerId),
      processedAt: new Date(o.processedAt),
      createdAt: new Date(o.createdAt),
      updatedAt: new Date(o.updatedAt),
      cancelledAt: o.cancelledAt ? new Date(o.cancelledAt) : null,
      test: o.test,
      currencyCode: o.currencyCode,
      grossSales: BigInt(orderGrossSales(o)),
      discounts: BigInt(orderDiscounts(o)),
      shipping: BigInt(orderShipping(o)),
      tax: BigInt(orderTax(o)),
      totalPrice: BigInt(orderTotal(o)),
      totalRefunded: BigInt(orderRefunded(o)),
    }))
    .sort(byId);
}

export function expectedRefunds(store: SimStore) {
  return store.orders
    .flatMap((o) =>
      o.refunds.map((r) => ({
        id: BigInt(r.id),
        orderId: BigInt(o.id),
        processedAt: new Date(r.processedAt),
        returns: BigInt(refundReturns(r)),
        shipping: BigInt(refundShipping(r)),
        tax: BigInt(refundTax(r)),
        totalRefunded: BigInt(refundTotal(r)),
      })),
    )
    .sort(byId);
}

export function expectedCustomers(store: SimStore) {
  return store.customers
    .map((c) => ({ id: BigInt(c.id), createdAt: new Date(c.createdAt), updatedAt: new Date(c.updatedAt) }))
    .sort(byId);
}

/** The live orders (deleted ones are kept as tombstones: see storedDeletedOrderIds). */
export function storedOrders(prisma: PrismaClient, shop: string) {
  return prisma.order.findMany({
    where: { shop, deletedAt: null },
    orderBy: { id: "asc" },
    select: {
      id: true,
      name: true,
      customerId: true,
      processedAt: true,
      createdAt: true,
      updatedAt: true,
      cancelledAt: true,
      test: true,
      currencyCode: true,
      grossSales: true,
      discounts: true,
      shipping: true,
      tax: true,
      totalPrice: true,
      totalRefunded: true,
    },
  });
}

/** Ids of the orders kept as tombstones (deleted in Shopify), ascending. */
export async function storedDeletedOrderIds(prisma: PrismaClient, shop: string): Promise<bigint[]> {
  const rows = await prisma.order.findMany({ where: { shop, deletedAt: { not: null } }, orderBy: { id: "asc" }, select: { id: true } });
  return rows.map((row) => row.id);
}

/** The refunds of live orders (a deleted order's refunds stay stored with it, never counted). */
export async function storedRefunds(prisma: PrismaClient, shop: string) {
  const deleted = await storedDeletedOrderIds(prisma, shop);
  return prisma.refund.findMany({
    where: { shop, orderId: { notIn: deleted } },
    orderBy: { id: "asc" },
    select: { id: true, orderId: true, processedAt: true, returns: true, shipping: true, tax: true, totalRefunded: true },
  });
}

export function storedCustomers(prisma: PrismaClient, shop: string) {
  return prisma.customer.findMany({
    where: { shop, deletedAt: null },
    orderBy: { id: "asc" },
    select: { id: true, createdAt: true, updatedAt: true },
  });
}

/** The truth as the metrics' reference implementations take it (live orders only). */
export function truthMetricRows(store: SimStore): { orders: MetricOrder[]; refunds: MetricRefund[] } {
  return {
    orders: store.orders.map((o) => ({
      id: String(o.id),
      customerId: o.customerId === null ? null : String(o.customerId),
      processedAt: new Date(o.processedAt),
      cancelledAt: o.cancelledAt ? new Date(o.cancelledAt) : null,
      deletedAt: null,
      test: o.test,
      currencyCode: o.currencyCode,
      grossSales: orderGrossSales(o),
      discounts: orderDiscounts(o),
      shipping: orderShipping(o),
      tax: orderTax(o),
      totalPrice: orderTotal(o),
    })),
    refunds: store.orders.flatMap((o) =>
      o.refunds.map((r) => ({
        id: String(r.id),
        orderId: String(o.id),
        processedAt: new Date(r.processedAt),
        returns: refundReturns(r),
        shipping: refundShipping(r),
        tax: refundTax(r),
      })),
    ),
  };
}
