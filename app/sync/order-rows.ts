// Admin API nodes → Metryka's rows (pure). Amounts become integer minor units in the shop
// currency (`shopMoney`). Line items and refund line items are rows of their own, keyed by their
// Shopify id: an order's gross sales and a refund's returns and tax are derived from them in SQL
// (store-orders.server.ts), so the paged API and bulk JSONL, where children arrive as separate
// lines, store an order the same way.
import { gidToId } from "#app/shopify/gid";
import { toMinorUnits } from "#app/shopify/money";

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

function minor(money: Money): bigint {
  const shopMoney = money?.shopMoney;
  if (typeof shopMoney?.amount !== "string" || typeof shopMoney.currencyCode !== "string") {
    throw new Error(`amount is not { shopMoney { amount currencyCode } }: ${JSON.stringify(money)}`);
  }
  return toMinorUnits(shopMoney.amount, shopMoney.currencyCode);
}

function requiredText(value: string, field: string): string {
  if (typeof value !== "string") throw new Error(`${field} is missing`);
  return value;
}

function quantity(value: number): number {
  if (!Number.isInteger(value)) throw new Error(`quantity is not an integer: ${JSON.stringify(value)}`);
  return value;
}

function date(value: string, field: string): Date {
  const parsed = new Date(value);
  if (typeof value !== "string" || Number.isNaN(parsed.getTime())) {
    throw new Error(`${field} is not a date: ${JSON.stringify(value)}`);
  }
  return parsed;
}

export function orderRow(shop: string, node: OrderHeaderNode): OrderRow {
  return {
    shop,
    id: gidToId(node.id, "Order"),
    name: requiredText(node.name, "name"),
    customerId: node.customer ? gidToId(node.customer.id, "Customer") : null,
    processedAt: date(node.processedAt, "processedAt"),
    createdAt: date(node.createdAt, "createdAt"),
    updatedAt: date(node.updatedAt, "updatedAt"),
    cancelledAt: node.cancelledAt ? date(node.cancelledAt, "cancelledAt") : null,
    test: node.test === true,
    currencyCode: node.totalPriceSet.shopMoney.currencyCode,
    taxesIncluded: node.taxesIncluded === true,
    sourceName: node.sourceName ?? null,
    discounts: minor(node.totalDiscountsSet),
    shipping: minor(node.totalShippingPriceSet),
    tax: minor(node.totalTaxSet),
    totalPrice: minor(node.totalPriceSet),
    totalRefunded: minor(node.totalRefundedSet),
  };
}

export function lineItemRow(shop: string, orderId: bigint, node: LineItemNode): LineItemRow {
  return {
    shop,
    id: gidToId(node.id, "LineItem"),
    orderId,
    quantity: quantity(node.quantity),
    originalUnitPrice: minor(node.originalUnitPriceSet),
  };
}

export function refundRow(shop: string, orderId: bigint, node: RefundHeaderNode): RefundRow {
  return {
    shop,
    id: gidToId(node.id, "Refund"),
    orderId,
    processedAt: date(node.processedAt, "processedAt"),
    createdAt: date(node.createdAt ?? node.processedAt, "createdAt"),
    // Shop money: the same currency as the order's.
    currencyCode: node.totalRefundedSet.shopMoney.currencyCode,
    totalRefunded: minor(node.totalRefundedSet),
  };
}

export function refundLineItemRow(shop: string, refundId: bigint, node: RefundLineItemNode): RefundLineItemRow {
  if (!node.id) throw new Error("A refund line item has no id; select RefundLineItem.id");
  return {
    shop,
    id: gidToId(node.id, "RefundLineItem"),
    refundId,
    quantity: quantity(node.quantity),
    subtotal: minor(node.subtotalSet),
    tax: minor(node.totalTaxSet),
  };
}

export function refundShippingRow(shop: string, refundId: bigint, lines: RefundShippingLineNode[]): RefundShippingRow {
  return {
    shop,
    refundId,
    shipping: lines.reduce((sum, line) => sum + minor(line.subtotalAmountSet), 0n),
    tax: lines.reduce((sum, line) => sum + (line.taxAmountSet ? minor(line.taxAmountSet) : 0n), 0n),
  };
}

export function customerRow(shop: string, node: CustomerNode): CustomerRow {
  return {
    shop,
    id: gidToId(node.id, "Customer"),
    createdAt: date(node.createdAt, "createdAt"),
    updatedAt: date(node.updatedAt, "updatedAt"),
  };
}

/** A refund's line items and shipping, as the paged queries return them in full. */
export function refundDetailRows(
  shop: string,
  refundId: bigint,
  node: Pick<RefundNode, "refundLineItems" | "refundShippingLines">,
): { refundLineItems: RefundLineItemRow[]; refundShipping: RefundShippingRow } {
  return {
    refundLineItems: node.refundLineItems.nodes.map((item) => refundLineItemRow(shop, refundId, item)),
    refundShipping: refundShippingRow(shop, refundId, node.refundShippingLines.nodes),
  };
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
  return rows;
}
