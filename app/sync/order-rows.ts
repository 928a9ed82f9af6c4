// Admin API order nodes → Metryka's rows (pure). Amounts become integer minor units in the
// shop currency (`shopMoney`); line items and refund line items are folded into the order's
// gross sales and each refund's returns, the only things the metrics need from them.
import { gidToId } from "#app/shopify/gid";
import { toMinorUnits } from "#app/shopify/money";

interface Money {
  shopMoney: { amount: string; currencyCode: string };
}

export interface LineItemNode {
  quantity: number;
  originalUnitPriceSet: Money;
}

export interface RefundNode {
  id: string;
  createdAt: string | null;
  processedAt: string;
  totalRefundedSet: Money;
  refundLineItems: { nodes: Array<{ subtotalSet: Money; totalTaxSet: Money }> };
  refundShippingLines: { nodes: Array<{ subtotalAmountSet: Money }> };
}

export interface OrderNode {
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
  lineItems: { nodes: LineItemNode[] };
  refunds: RefundNode[];
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
  grossSales: bigint;
  discounts: bigint;
  shipping: bigint;
  tax: bigint;
  totalPrice: bigint;
  totalRefunded: bigint;
}

export interface RefundRow {
  shop: string;
  id: bigint;
  orderId: bigint;
  processedAt: Date;
  createdAt: Date;
  currencyCode: string;
  returns: bigint;
  tax: bigint;
  shipping: bigint;
  totalRefunded: bigint;
}

const minor = (money: Money) => BigInt(toMinorUnits(money.shopMoney.amount, money.shopMoney.currencyCode));
const sum = (values: bigint[]) => values.reduce((a, b) => a + b, 0n);

export function orderRows(shop: string, node: OrderNode): { order: OrderRow; refunds: RefundRow[] } {
  const orderId = gidToId(node.id, "Order");
  const currencyCode = node.totalPriceSet.shopMoney.currencyCode;
  const order: OrderRow = {
    shop,
    id: orderId,
    name: node.name,
    customerId: node.customer ? gidToId(node.customer.id, "Customer") : null,
    processedAt: new Date(node.processedAt),
    createdAt: new Date(node.createdAt),
    updatedAt: new Date(node.updatedAt),
    cancelledAt: node.cancelledAt ? new Date(node.cancelledAt) : null,
    test: node.test,
    currencyCode,
    taxesIncluded: node.taxesIncluded,
    sourceName: node.sourceName,
    grossSales: sum(node.lineItems.nodes.map((item) => minor(item.originalUnitPriceSet) * BigInt(item.quantity))),
    discounts: minor(node.totalDiscountsSet),
    shipping: minor(node.totalShippingPriceSet),
    tax: minor(node.totalTaxSet),
    totalPrice: minor(node.totalPriceSet),
    totalRefunded: minor(node.totalRefundedSet),
  };
  const refunds = node.refunds.map((refund): RefundRow => ({
    shop,
    id: gidToId(refund.id, "Refund"),
    orderId,
    processedAt: new Date(refund.processedAt),
    createdAt: new Date(refund.createdAt ?? refund.processedAt),
    currencyCode,
    returns: sum(refund.refundLineItems.nodes.map((item) => minor(item.subtotalSet))),
    tax: sum(refund.refundLineItems.nodes.map((item) => minor(item.totalTaxSet))),
    shipping: sum(refund.refundShippingLines.nodes.map((line) => minor(line.subtotalAmountSet))),
    totalRefunded: minor(refund.totalRefundedSet),
  }));
  return { order, refunds };
}
