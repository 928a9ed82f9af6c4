// The rows the reference implementations read (pure): the columns of `orders` and `refunds`
// that the metrics need, with ids as decimal strings and money as integer minor units.
import type { MetricSettings } from "./settings";

export interface MetricOrder {
  id: string;
  /** Null for a guest checkout or a deleted customer. */
  customerId: string | null;
  processedAt: Date;
  cancelledAt: Date | null;
  deletedAt: Date | null;
  test: boolean;
  currencyCode: string;
  grossSales: number;
  discounts: number;
  shipping: number;
  tax: number;
  totalPrice: number;
}

export interface MetricRefund {
  id: string;
  orderId: string;
  processedAt: Date;
  /** Value of the refunded line items (pre-tax subtotal). */
  returns: number;
  shipping: number;
  tax: number;
}

/** An `orders` row as the database client reads it (ids and money as bigint), as a reference row. */
export function metricOrder(o: {
  id: bigint;
  customerId: bigint | null;
  processedAt: Date;
  cancelledAt: Date | null;
  deletedAt: Date | null;
  test: boolean;
  currencyCode: string;
  grossSales: bigint;
  discounts: bigint;
  shipping: bigint;
  tax: bigint;
  totalPrice: bigint;
}): MetricOrder {
  return {
    id: String(o.id),
    customerId: o.customerId === null ? null : String(o.customerId),
    processedAt: o.processedAt,
    cancelledAt: o.cancelledAt,
    deletedAt: o.deletedAt,
    test: o.test,
    currencyCode: o.currencyCode,
    grossSales: Number(o.grossSales),
    discounts: Number(o.discounts),
    shipping: Number(o.shipping),
    tax: Number(o.tax),
    totalPrice: Number(o.totalPrice),
  };
}

/** A `refunds` row as the database client reads it, as a reference row. */
export function metricRefund(r: { id: bigint; orderId: bigint; processedAt: Date; returns: bigint; shipping: bigint; tax: bigint }): MetricRefund {
  return { id: String(r.id), orderId: String(r.orderId), processedAt: r.processedAt, returns: Number(r.returns), shipping: Number(r.shipping), tax: Number(r.tax) };
}

/** Orders by processedAt, then by id (numerically): the order in which "first" is decided. */
export function compareOrders(a: MetricOrder, b: MetricOrder): number {
  const byTime = a.processedAt.getTime() - b.processedAt.getTime();
  if (byTime !== 0) return byTime;
  const x = BigInt(a.id);
  const y = BigInt(b.id);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Sales and order metrics: never test or deleted orders; cancelled ones per the setting. */
export function countsInSales(order: MetricOrder, settings: MetricSettings): boolean {
  return !order.test && order.deletedAt === null && (settings.salesIncludeCancelled || order.cancelledAt === null);
}

/** Customer and retention metrics: as sales, but guests never count and cancelled per its own setting. */
export function countsInRetention(order: MetricOrder, settings: MetricSettings): boolean {
  return (
    order.customerId !== null &&
    !order.test &&
    order.deletedAt === null &&
    (settings.retentionIncludeCancelled || order.cancelledAt === null)
  );
}

/** Whether an instant lies in the half-open interval [start, end). */
export function within(instant: Date, start: Date, end: Date): boolean {
  const t = instant.getTime();
  return t >= start.getTime() && t < end.getTime();
}
