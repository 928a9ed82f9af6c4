/**
 * What the rollups (rollups.server.ts) read of an order and of its refunds. A write that changes
 * none of these for any of its orders changes no rollup, so it needs no refresh: most of a
 * store's `orders/updated` webhooks are fulfilments, tags and notes, which then neither
 * recompute their customers' rows nor wait for the shop's lock behind a rebuild. The row writer
 * compares them before and after each write (store-orders.server.ts); `rollups.test.ts` changes
 * every other column of the orders and refunds and checks that a rebuild comes out the same.
 */
export const ORDER_ROLLUP_INPUTS = [
  "customer_id",
  "processed_at",
  "cancelled_at",
  "test",
  "deleted_at",
  "currency_code",
  "gross_sales",
  "discounts",
  "shipping",
  "tax",
  "total_price",
] as const;

/** A refund's columns the rollups read, besides the order it belongs to. */
export const REFUND_ROLLUP_INPUTS = ["id", "processed_at", "returns", "shipping", "tax"] as const;
