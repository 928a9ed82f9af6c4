// An order from a page of ORDERS_UPDATED_SINCE holds at most a page of each nested list. The
// rare order with more line items, refunds or refund line items is read again, list by list,
// with queries small enough to stay under the per-query cost limit.
import type { AdminClient } from "#app/shopify/admin-client.server";
import {
  ORDER_LINE_ITEMS,
  ORDER_REFUNDS,
  REFUND_LINE_ITEMS,
  REFUNDS_PAGE_SIZE,
} from "#app/shopify/queries";
import type {
  LineItemNode,
  OrderNode,
  RefundHeaderNode,
  RefundLineItemNode,
  RefundNode,
  RefundShippingLineNode,
} from "./order-rows";

interface PageInfo {
  hasNextPage: boolean;
  endCursor?: string | null;
}

type Paged<T> = { pageInfo: PageInfo; nodes: T[] };

export type PagedRefundNode = RefundHeaderNode & {
  refundLineItems: Paged<RefundLineItemNode>;
  refundShippingLines: Paged<RefundShippingLineNode>;
};

export type PagedOrderNode = Omit<OrderNode, "lineItems" | "refunds"> & {
  lineItems: Paged<LineItemNode>;
  refunds: PagedRefundNode[];
};

async function allLineItems(client: AdminClient, orderId: string): Promise<LineItemNode[]> {
  const items: LineItemNode[] = [];
  let after: string | null = null;
  do {
    const data: { order: { lineItems: Paged<LineItemNode> } } = await client.request(ORDER_LINE_ITEMS, { id: orderId, after });
    items.push(...data.order.lineItems.nodes);
    after = data.order.lineItems.pageInfo.hasNextPage ? (data.order.lineItems.pageInfo.endCursor ?? null) : null;
  } while (after);
  return items;
}

/** Every line item and shipping line of one refund, read page by page. */
export async function allRefundLines(
  client: AdminClient,
  refundId: string,
): Promise<{ lineItems: RefundLineItemNode[]; shippingLines: RefundShippingLineNode[] }> {
  const lineItems: RefundLineItemNode[] = [];
  let shippingLines: RefundShippingLineNode[] = [];
  let after: string | null = null;
  do {
    const data: {
      refund: { refundLineItems: Paged<RefundLineItemNode>; refundShippingLines: { nodes: RefundShippingLineNode[] } } | null;
    } = await client.request(REFUND_LINE_ITEMS, { id: refundId, after });
    if (!data.refund) break;
    lineItems.push(...data.refund.refundLineItems.nodes);
    shippingLines = data.refund.refundShippingLines.nodes;
    after = data.refund.refundLineItems.pageInfo.hasNextPage ? (data.refund.refundLineItems.pageInfo.endCursor ?? null) : null;
  } while (after);
  return { lineItems, shippingLines };
}

async function fullRefund(client: AdminClient, header: RefundHeaderNode): Promise<RefundNode> {
  const { lineItems, shippingLines } = await allRefundLines(client, header.id);
  return { ...header, refundLineItems: { nodes: lineItems }, refundShippingLines: { nodes: shippingLines } };
}

const isComplete = (refund: PagedRefundNode) =>
  !refund.refundLineItems.pageInfo.hasNextPage && !refund.refundShippingLines.pageInfo.hasNextPage;

/** The order with every nested list complete. */
export async function completeOrder(client: AdminClient, node: PagedOrderNode): Promise<OrderNode> {
  const lineItems = node.lineItems.pageInfo.hasNextPage
    ? await allLineItems(client, node.id)
    : node.lineItems.nodes;
  let refunds: RefundNode[];
  if (node.refunds.length < REFUNDS_PAGE_SIZE && node.refunds.every(isComplete)) {
    refunds = node.refunds;
  } else {
    // A full page of refunds may mean more: list them all, then complete those that need it.
    const known = new Map(node.refunds.map((r) => [r.id, r]));
    const { order }: { order: { refunds: RefundHeaderNode[] } } = await client.request(ORDER_REFUNDS, { id: node.id });
    refunds = [];
    for (const header of order.refunds) {
      const paged = known.get(header.id);
      refunds.push(paged && isComplete(paged) ? paged : await fullRefund(client, header));
    }
  }
  return { ...node, lineItems: { nodes: lineItems }, refunds };
}
