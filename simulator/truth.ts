/**
 * Pure helpers over a `SimStore`: the figures a Shopify admin (and the Admin API) would show, and
 * the totals a test asserts the app synced. No I/O, no clock.
 */
import type {
  Minor,
  SimCustomer,
  SimLineItem,
  SimOrder,
  SimRefund,
  SimStore,
} from "./types";

// ---------------------------------------------------------------------------------------------
// Ids

export type GidType =
  | "Order"
  | "Customer"
  | "Refund"
  | "LineItem"
  | "RefundLineItem"
  | "RefundShippingLine"
  | "ShippingLine"
  | "Shop"
  | "CustomerVisit"
  | "Product"
  | "ProductVariant"
  | "AppInstallation"
  | "App"
  | "BulkOperation"
  | "WebhookSubscription";

export function gid(type: GidType | string, id: number | string): string {
  return `gid://shopify/${type}/${id}`;
}

/** `gid://shopify/Order/123` → `{ type: "Order", id: 123 }`; null for anything else. */
export function parseGid(value: string): { type: string; id: number } | null {
  const match = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)(?:\?.*)?$/.exec(value);
  if (!match) return null;
  const id = Number(match[2]);
  if (!Number.isSafeInteger(id)) return null;
  return { type: match[1], id };
}

// ---------------------------------------------------------------------------------------------
// Line items

/** unitPrice × quantity (before any discount). */
export function lineOriginalTotal(line: SimLineItem): Minor {
  return line.unitPrice * line.quantity;
}

/** Line total after line-level discounts only (Shopify's `LineItem.discountedTotalSet`). */
export function lineDiscountedTotal(line: SimLineItem): Minor {
  return lineOriginalTotal(line) - line.lineDiscount;
}

/** Line total after every discount, including its share of order-level discounts (pre-tax). */
export function lineNetTotal(line: SimLineItem): Minor {
  return lineOriginalTotal(line) - line.lineDiscount - line.orderDiscountAllocation;
}

/** Units of the line refunded so far (optionally only by refunds processed up to `asOf`). */
export function lineRefundedQuantity(order: SimOrder, lineItemId: number, asOf?: string): number {
  let quantity = 0;
  for (const refund of order.refunds) {
    if (asOf !== undefined && refund.processedAt > asOf) continue;
    for (const rli of refund.refundLineItems) {
      if (rli.lineItemId === lineItemId) quantity += rli.quantity;
    }
  }
  return quantity;
}

/** Units still on the order: quantity − refunded units (Shopify's `LineItem.currentQuantity`). */
export function lineCurrentQuantity(order: SimOrder, line: SimLineItem): number {
  return line.quantity - lineRefundedQuantity(order, line.id);
}

/**
 * Share of `amount` that belongs to `units` of `quantity`, computed cumulatively so that refunding
 * a line in several steps adds up exactly to refunding it at once.
 */
export function proportionalShare(amount: Minor, quantity: number, alreadyUnits: number, units: number): Minor {
  if (quantity === 0) return 0;
  const upTo = (u: number): Minor => Math.round((amount * u) / quantity);
  return upTo(alreadyUnits + units) - upTo(alreadyUnits);
}

// ---------------------------------------------------------------------------------------------
// Orders

/** Gross sales: Σ line originalUnitPrice × quantity (tax-exclusive, before discounts). */
export function orderGrossSales(order: SimOrder): Minor {
  let sum = 0;
  for (const line of order.lineItems) sum += lineOriginalTotal(line);
  return sum;
}

/** Discounts: line-level plus order-level (Shopify's `Order.totalDiscountsSet`). */
export function orderDiscounts(order: SimOrder): Minor {
  let sum = order.orderDiscount;
  for (const line of order.lineItems) sum += line.lineDiscount;
  return sum;
}

/** Subtotal: gross − discounts (Shopify's `Order.subtotalPriceSet`). */
export function orderSubtotal(order: SimOrder): Minor {
  return orderGrossSales(order) - orderDiscounts(order);
}

/** Shipping charged (Shopify's `Order.totalShippingPriceSet`). */
export function orderShipping(order: SimOrder): Minor {
  return order.shippingLine?.price ?? 0;
}

/** Tax charged on lines and shipping (Shopify's `Order.totalTaxSet`). */
export function orderTax(order: SimOrder): Minor {
  let sum = order.shippingLine?.tax ?? 0;
  for (const line of order.lineItems) sum += line.tax;
  return sum;
}

/** Total: subtotal + shipping + tax (Shopify's `Order.totalPriceSet`, prices tax-exclusive). */
export function orderTotal(order: SimOrder): Minor {
  return orderSubtotal(order) + orderShipping(order) + orderTax(order);
}

/** Σ refunded amounts of the order (Shopify's `Order.totalRefundedSet`). */
export function orderRefunded(order: SimOrder): Minor {
  let sum = 0;
  for (const refund of order.refunds) sum += refundTotal(refund);
  return sum;
}

/** Σ refunded item value of the order (returns), whatever the refund dates. */
export function orderReturns(order: SimOrder): Minor {
  let sum = 0;
  for (const refund of order.refunds) sum += refundReturns(refund);
  return sum;
}

/** Subtotal after refunds (Shopify's `Order.currentSubtotalPriceSet`). */
export function orderCurrentSubtotal(order: SimOrder): Minor {
  return orderSubtotal(order) - orderReturns(order);
}

/** Tax after refunds (Shopify's `Order.currentTotalTaxSet`). */
export function orderCurrentTax(order: SimOrder): Minor {
  let refunded = 0;
  for (const refund of order.refunds) refunded += refundTax(refund);
  return orderTax(order) - refunded;
}

/** Shipping after refunds (Shopify's `Order.currentShippingPriceSet`). */
export function orderCurrentShipping(order: SimOrder): Minor {
  let refunded = 0;
  for (const refund of order.refunds) refunded += refund.shipping?.subtotal ?? 0;
  return orderShipping(order) - refunded;
}

/** Total after refunds (Shopify's `Order.currentTotalPriceSet`). */
export function orderCurrentTotal(order: SimOrder): Minor {
  return orderTotal(order) - orderRefunded(order);
}

/** Discounts still applying to the units that remain on the order. */
export function orderCurrentDiscounts(order: SimOrder): Minor {
  let sum = 0;
  for (const line of order.lineItems) {
    const refunded = lineRefundedQuantity(order, line.id);
    const discount = line.lineDiscount + line.orderDiscountAllocation;
    sum += discount - proportionalShare(discount, line.quantity, 0, refunded);
  }
  return sum;
}

/** Zero-value order: nothing to pay for the goods (100 % discount or free products). */
export function isZeroValueOrder(order: SimOrder): boolean {
  return orderSubtotal(order) === 0;
}

export type FinancialStatus = "PAID" | "PARTIALLY_REFUNDED" | "REFUNDED" | "VOIDED";

/** Shopify's `displayFinancialStatus` for the generated payment flows (always captured at once). */
export function orderFinancialStatus(order: SimOrder): FinancialStatus {
  const refunded = orderRefunded(order);
  if (order.cancelledAt !== null && order.refunds.length === 0) return "VOIDED";
  if (order.refunds.length > 0 && refunded >= orderTotal(order)) return "REFUNDED";
  if (refunded > 0) return "PARTIALLY_REFUNDED";
  return "PAID";
}

// ---------------------------------------------------------------------------------------------
// Refunds

/** Returns: Σ refund line item subtotal (refunded items after their discounts, before tax). */
export function refundReturns(refund: SimRefund): Minor {
  let sum = 0;
  for (const rli of refund.refundLineItems) sum += rli.subtotal;
  return sum;
}

/** Tax given back: items' tax plus refunded shipping tax. */
export function refundTax(refund: SimRefund): Minor {
  let sum = refund.shipping?.tax ?? 0;
  for (const rli of refund.refundLineItems) sum += rli.tax;
  return sum;
}

/** Shipping given back (pre-tax). */
export function refundShipping(refund: SimRefund): Minor {
  return refund.shipping?.subtotal ?? 0;
}

/** Money given back by the refund (Shopify's `Refund.totalRefundedSet`). */
export function refundTotal(refund: SimRefund): Minor {
  return refundReturns(refund) + refundTax(refund) + refundShipping(refund);
}

// ---------------------------------------------------------------------------------------------
// Customers

/** The customer's orders, oldest processedAt first (test orders included). */
export function customerOrders(store: SimStore, customerId: number): SimOrder[] {
  return store.orders
    .filter((o) => o.customerId === customerId)
    .sort((a, b) => (a.processedAt < b.processedAt ? -1 : a.processedAt > b.processedAt ? 1 : a.id - b.id));
}

/**
 * `Customer.numberOfOrders` as the simulator reports it: every non-test order, cancelled ones
 * included. (Shopify does not document how it treats cancelled/test orders here; the app must not
 * build cohorts on it.)
 */
export function customerNumberOfOrders(orders: readonly SimOrder[]): number {
  return orders.filter((o) => !o.test).length;
}

/** `Customer.amountSpent`: Σ (total − refunded) over non-test orders in the shop's current currency. */
export function customerAmountSpent(orders: readonly SimOrder[], currencyCode: string): Minor {
  let sum = 0;
  for (const o of orders) {
    if (o.test || o.currencyCode !== currencyCode) continue;
    sum += orderCurrentTotal(o);
  }
  return sum;
}

export function customerById(store: SimStore, id: number): SimCustomer | undefined {
  return store.customers.find((c) => c.id === id);
}

// ---------------------------------------------------------------------------------------------
// Store totals (ground truth for "the app synced exactly this")

export interface MoneyTotals {
  /** Counted (non-test) orders in this currency. */
  orders: number;
  grossSales: Minor;
  discounts: Minor;
  /** Σ refund line item subtotals of these orders (all refund dates). */
  returns: Minor;
  /** grossSales − discounts − returns. */
  netSales: Minor;
  /** Shipping charged minus shipping refunded. */
  shipping: Minor;
  /** Tax charged minus tax refunded. */
  taxes: Minor;
  /** netSales + shipping + taxes = Σ totalPrice − Σ totalRefunded. */
  totalSales: Minor;
  /** Σ totalPrice as charged. */
  totalPrice: Minor;
  /** Σ totalRefunded. */
  refunded: Minor;
}

/**
 * Money over counted orders in `currencyCode` (cancelled orders included, as Shopify's sales
 * reports do); orders in an older currency are only in `byCurrency`.
 */
export interface StoreTotals extends Omit<MoneyTotals, "orders"> {
  /** Every order the store holds, test and cancelled included: what a complete sync must store. */
  orders: number;
  /** Orders that count by default (not test). */
  countedOrders: number;
  testOrders: number;
  cancelledOrders: number;
  /** Counted orders without a customer. */
  guestOrders: number;
  /** Counted orders whose subtotal is 0. */
  zeroValueOrders: number;
  lineItems: number;
  /** Every customer record. */
  customers: number;
  /** Customers with at least one counted order. */
  customersWithOrders: number;
  /** Customers with at least two counted orders. */
  repeatCustomers: number;
  /** Refund records on all orders (test orders included). */
  refunds: number;
  refundLineItems: number;
  /** Currency of the money fields: the shop's current currency. */
  currencyCode: string;
  /** The same sums for every currency the store's counted orders use. */
  byCurrency: Record<string, MoneyTotals>;
}

function emptyMoneyTotals(): MoneyTotals {
  return {
    orders: 0,
    grossSales: 0,
    discounts: 0,
    returns: 0,
    netSales: 0,
    shipping: 0,
    taxes: 0,
    totalSales: 0,
    totalPrice: 0,
    refunded: 0,
  };
}

export function storeTotals(store: SimStore): StoreTotals {
  const byCurrency: Record<string, MoneyTotals> = {};
  const ordersPerCustomer = new Map<number, number>();
  let testOrders = 0;
  let cancelledOrders = 0;
  let guestOrders = 0;
  let zeroValueOrders = 0;
  let lineItems = 0;
  let refunds = 0;
  let refundLineItems = 0;

  for (const order of store.orders) {
    lineItems += order.lineItems.length;
    refunds += order.refunds.length;
    for (const refund of order.refunds) refundLineItems += refund.refundLineItems.length;
    if (order.cancelledAt !== null) cancelledOrders++;
    if (order.test) {
      testOrders++;
      continue;
    }
    if (order.customerId === null) guestOrders++;
    else ordersPerCustomer.set(order.customerId, (ordersPerCustomer.get(order.customerId) ?? 0) + 1);
    if (isZeroValueOrder(order)) zeroValueOrders++;

    const t = (byCurrency[order.currencyCode] ??= emptyMoneyTotals());
    const gross = orderGrossSales(order);
    const discounts = orderDiscounts(order);
    const returns = orderReturns(order);
    let refundedShipping = 0;
    let refundedTax = 0;
    for (const refund of order.refunds) {
      refundedShipping += refundShipping(refund);
      refundedTax += refundTax(refund);
    }
    t.orders++;
    t.grossSales += gross;
    t.discounts += discounts;
    t.returns += returns;
    t.netSales += gross - discounts - returns;
    t.shipping += orderShipping(order) - refundedShipping;
    t.taxes += orderTax(order) - refundedTax;
    t.totalPrice += orderTotal(order);
    t.refunded += orderRefunded(order);
  }
  for (const t of Object.values(byCurrency)) t.totalSales = t.netSales + t.shipping + t.taxes;

  const main = byCurrency[store.shop.currencyCode] ?? emptyMoneyTotals();
  let repeatCustomers = 0;
  for (const n of ordersPerCustomer.values()) if (n >= 2) repeatCustomers++;

  return {
    orders: store.orders.length,
    countedOrders: store.orders.length - testOrders,
    testOrders,
    cancelledOrders,
    guestOrders,
    zeroValueOrders,
    lineItems,
    customers: store.customers.length,
    customersWithOrders: ordersPerCustomer.size,
    repeatCustomers,
    refunds,
    refundLineItems,
    currencyCode: store.shop.currencyCode,
    grossSales: main.grossSales,
    discounts: main.discounts,
    returns: main.returns,
    netSales: main.netSales,
    shipping: main.shipping,
    taxes: main.taxes,
    totalSales: main.totalSales,
    totalPrice: main.totalPrice,
    refunded: main.refunded,
    byCurrency,
  };
}
