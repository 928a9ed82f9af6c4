// Admin API nodes → Metryka's rows (pure). Amounts become integer minor units in the shop
// currency (`shopMoney`). Line items and refund line items are rows of their own, keyed by their
// Shopify id: an order's gross sales and a refund's returns and tax are derived from them in SQL
// (store-orders.server.ts), so the paged API and bulk JSONL, where children arrive as separate
// lines, store an order the same way.
import { BIGINT_MAX, INTEGER_MAX, isStorableInstant, isStorableQuantity, textProblem } from "#app/db-values";
import { gidToId } from "#app/shopify/gid";
import { toMinorUnits } from "#app/shopify/money";
import { errorMessage } from "#app/error-message";

export interface Money {
  shopMoney: { amount: string; currencyCode: string };
}

export interface LineItemNode {
  id: string;
  quantity: number;
  originalUnitPriceSet: Money;
}

export interface RefundLineItemNode {
  id: string;
  quantity: number;
  subtotalSet: Money;
  totalTaxSet: Money;
}

export interface RefundShippingLineNode {
  subtotalAmountSet: Money;
  /** The shipping's tax given back; absent from sources that do not carry it (counted as 0). */
  taxAmountSet?: Money;
}

/** A refund as the bulk order line carries it: `Order.refunds` is a list, inlined in the order. */
export interface RefundHeaderNode {
  id: string;
  createdAt: string | null;
  processedAt: string;
  totalRefundedSet: Money;
}

export interface RefundNode extends RefundHeaderNode {
  refundLineItems: { nodes: RefundLineItemNode[] };
  refundShippingLines: { nodes: RefundShippingLineNode[] };
}

/** The order's own fields, without its nested lists. */
export interface OrderHeaderNode {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  processedAt: string;
  cancelledAt: string | null;
  test: boolean;
  currencyCode: string;
  taxesIncluded: boolean;
  sourceName: string | null;
  customer: { id: string } | null;
  totalDiscountsSet: Money;
  totalShippingPriceSet: Money;
  totalTaxSet: Money;
  totalPriceSet: Money;
  totalRefundedSet: Money;
}

/** An order line of the bulk JSONL: line items follow as lines of their own. */
export interface BulkOrderNode extends OrderHeaderNode {
  refunds: RefundHeaderNode[];
}

/** An order from paged queries, with its nested lists complete. */
export interface OrderNode extends OrderHeaderNode {
  lineItems: { nodes: LineItemNode[] };
  refunds: RefundNode[];
}

export interface CustomerNode {
  id: string;
  createdAt: string;
  updatedAt: string;
}

export interface OrderRow {
  shop: string;
  id: bigint;
  name: string;
  customerId: bigint | null;
  processedAt: Date;
  createdAt: Date;
  updatedAt: Date;
  cancelledAt: Date | null;
  test: boolean;
  currencyCode: string;
  taxesIncluded: boolean;
  sourceName: string | null;
  discounts: bigint;
  shipping: bigint;
  tax: bigint;
  totalPrice: bigint;
  totalRefunded: bigint;
  /**
   * Brought in from a file (`metryka import-orders`) rather than read from Shopify: kept out of
   * the lost-deletion sweep, since Shopify may never have had it. A version read from Shopify
   * replaces the flag.
   */
  imported?: boolean;
}

export interface LineItemRow {
  shop: string;
  id: bigint;
  orderId: bigint;
  quantity: number;
  originalUnitPrice: bigint;
}

/** A refund's own fields; its returns and tax are derived from its refund line items. */
export interface RefundRow {
  shop: string;
  id: bigint;
  orderId: bigint;
  processedAt: Date;
  createdAt: Date;
  currencyCode: string;
  totalRefunded: bigint;
}

export interface RefundLineItemRow {
  shop: string;
  id: bigint;
  refundId: bigint;
  quantity: number;
  subtotal: bigint;
  tax: bigint;
}

/** A refund's refunded shipping and its tax, from its complete list of refund shipping lines. */
export interface RefundShippingRow {
  shop: string;
  refundId: bigint;
  shipping: bigint;
  tax: bigint;
}

export interface CustomerRow {
  shop: string;
  id: bigint;
  createdAt: Date;
  updatedAt: Date;
}

/** Everything one paged order node becomes. */
export interface OrderRows {
  order: OrderRow;
  lineItems: LineItemRow[];
  refunds: RefundRow[];
  refundLineItems: RefundLineItemRow[];
  refundShipping: RefundShippingRow[];
}

// Every value is checked against what its column holds (db-values.ts) before it goes into a
// row: a value the database refuses would fail the whole batch the row is written in, where
// here it is refused alone, naming its field. Messages name fields, ids and amounts, never the
// text of a field (names and the like end up in logs).

function fail(type: string, field: string, problem: string): never {
  throw new Error(`${type}.${field} ${problem}`);
}

function minor(money: Money, type: string, field: string): bigint {
  const shopMoney = money?.shopMoney;
  if (typeof shopMoney?.amount !== "string" || typeof shopMoney.currencyCode !== "string") {
    fail(type, field, "is not { shopMoney { amount currencyCode } }");
  }
  try {
    return toMinorUnits(shopMoney.amount, shopMoney.currencyCode);
  } catch (error) {
    throw new Error(`${type}.${field}: ${errorMessage(error)}`);
  }
}

/** A sum of minor units, refused when its column could not hold it. */
function storableSum(total: bigint, type: string, field: string): bigint {
  if (total > BIGINT_MAX || total < -BIGINT_MAX) fail(type, field, `adds up to ${total} minor units, beyond the ±${BIGINT_MAX} the database holds`);
  return total;
}

function text(value: string, type: string, field: string): string {
  if (typeof value !== "string") fail(type, field, "is missing");
  const problem = textProblem(value);
  if (problem) fail(type, field, problem);
  return value;
}

function optionalText(value: string | null | undefined, type: string, field: string): string | null {
  return value === null || value === undefined ? null : text(value, type, field);
}

function quantity(value: number, type: string): number {
  if (!isStorableQuantity(value)) {
    fail(type, "quantity", `is not a whole number from 0 to ${INTEGER_MAX}: ${typeof value === "number" ? value : typeof value}`);
  }
  return value;
}

function date(value: string, type: string, field: string): Date {
  if (typeof value !== "string") fail(type, field, "is missing");
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) fail(type, field, "is not a date-time");
  if (!isStorableInstant(parsed)) fail(type, field, "is not a date-time the database holds (years 1 to 9999)");
  return parsed;
}

export function orderRow(shop: string, node: OrderHeaderNode): OrderRow {
  const T = "Order";
  return {
    shop,
    id: gidToId(node.id, "Order"),
    name: text(node.name, T, "name"),
    customerId: node.customer ? gidToId(node.customer.id, "Customer") : null,
    processedAt: date(node.processedAt, T, "processedAt"),
    createdAt: date(node.createdAt, T, "createdAt"),
    updatedAt: date(node.updatedAt, T, "updatedAt"),
    cancelledAt: node.cancelledAt ? date(node.cancelledAt, T, "cancelledAt") : null,
    test: node.test === true,
    currencyCode: text(node.totalPriceSet?.shopMoney?.currencyCode, T, "totalPriceSet.shopMoney.currencyCode"),
    taxesIncluded: node.taxesIncluded === true,
    sourceName: optionalText(node.sourceName, T, "sourceName"),
    discounts: minor(node.totalDiscountsSet, T, "totalDiscountsSet"),
    shipping: minor(node.totalShippingPriceSet, T, "totalShippingPriceSet"),
    tax: minor(node.totalTaxSet, T, "totalTaxSet"),
    totalPrice: minor(node.totalPriceSet, T, "totalPriceSet"),
    totalRefunded: minor(node.totalRefundedSet, T, "totalRefundedSet"),
  };
}

export function lineItemRow(shop: string, orderId: bigint, node: LineItemNode): LineItemRow {
  const T = "LineItem";
  const row: LineItemRow = {
    shop,
    id: gidToId(node.id, "LineItem"),
    orderId,
    quantity: quantity(node.quantity, T),
    originalUnitPrice: minor(node.originalUnitPriceSet, T, "originalUnitPriceSet"),
  };
  // Its share of the order's gross sales, summed in SQL as a bigint.
  storableSum(row.originalUnitPrice * BigInt(row.quantity), T, "originalUnitPriceSet × quantity");
  return row;
}

export function refundRow(shop: string, orderId: bigint, node: RefundHeaderNode): RefundRow {
  const T = "Refund";
  return {
    shop,
    id: gidToId(node.id, "Refund"),
    orderId,
    processedAt: date(node.processedAt, T, "processedAt"),
    createdAt: date(node.createdAt ?? node.processedAt, T, "createdAt"),
    // Shop money: the same currency as the order's.
    currencyCode: text(node.totalRefundedSet?.shopMoney?.currencyCode, T, "totalRefundedSet.shopMoney.currencyCode"),
    totalRefunded: minor(node.totalRefundedSet, T, "totalRefundedSet"),
  };
}

export function refundLineItemRow(shop: string, refundId: bigint, node: RefundLineItemNode): RefundLineItemRow {
  if (!node.id) throw new Error("A refund line item has no id; select RefundLineItem.id");
  const T = "RefundLineItem";
  return {
    shop,
    id: gidToId(node.id, "RefundLineItem"),
    refundId,
    quantity: quantity(node.quantity, T),
    subtotal: minor(node.subtotalSet, T, "subtotalSet"),
    tax: minor(node.totalTaxSet, T, "totalTaxSet"),
  };
}

export function refundShippingRow(shop: string, refundId: bigint, lines: RefundShippingLineNode[]): RefundShippingRow {
  const T = "RefundShippingLine";
  return {
    shop,
    refundId,
    shipping: storableSum(lines.reduce((sum, line) => sum + minor(line.subtotalAmountSet, T, "subtotalAmountSet"), 0n), T, "subtotalAmountSet"),
    tax: storableSum(
      lines.reduce((sum, line) => sum + (line.taxAmountSet ? minor(line.taxAmountSet, T, "taxAmountSet") : 0n), 0n),
      T,
      "taxAmountSet",
    ),
  };
}

export function customerRow(shop: string, node: CustomerNode): CustomerRow {
  return {
    shop,
    id: gidToId(node.id, "Customer"),
    createdAt: date(node.createdAt, "Customer", "createdAt"),
    updatedAt: date(node.updatedAt, "Customer", "updatedAt"),
  };
}

/** A refund's line items and shipping, as the paged queries return them in full. */
export function refundDetailRows(
  shop: string,
  refundId: bigint,
  node: Pick<RefundNode, "refundLineItems" | "refundShippingLines">,
): { refundLineItems: RefundLineItemRow[]; refundShipping: RefundShippingRow } {
  const refundLineItems = node.refundLineItems.nodes.map((item) => refundLineItemRow(shop, refundId, item));
  const refundShipping = refundShippingRow(shop, refundId, node.refundShippingLines.nodes);
  // The refund's returns and tax, summed in SQL as bigints.
  storableSum(refundLineItems.reduce((sum, item) => sum + item.subtotal, 0n), "Refund", "refundLineItems.subtotalSet");
  storableSum(refundLineItems.reduce((sum, item) => sum + item.tax, refundShipping.tax), "Refund", "tax");
  return { refundLineItems, refundShipping };
}

export function orderRows(shop: string, node: OrderNode): OrderRows {
  const order = orderRow(shop, node);
  const rows: OrderRows = {
    order,
    lineItems: node.lineItems.nodes.map((item) => lineItemRow(shop, order.id, item)),
    refunds: [],
    refundLineItems: [],
    refundShipping: [],
  };
  for (const refund of node.refunds) {
    const row = refundRow(shop, order.id, refund);
    const details = refundDetailRows(shop, row.id, refund);
    rows.refunds.push(row);
    rows.refundLineItems.push(...details.refundLineItems);
    rows.refundShipping.push(details.refundShipping);
  }
  // The order's gross sales, summed in SQL as a bigint.
  storableSum(rows.lineItems.reduce((sum, item) => sum + item.originalUnitPrice * BigInt(item.quantity), 0n), "Order", "lineItems (gross sales)");
  return rows;
}
