// A seeded synthetic store written as the JSONL files Shopify's bulk operations produce for
// BULK_ORDERS_QUERY and BULK_CUSTOMERS_QUERY (app/shopify/bulk-queries.ts): one object per line,
// line items as lines of their own with `__parentId` (most right after their order, some after
// the next order), refunds inline in their order's line. Refund line items and shipping are not
// in a bulk file; they are kept aside, as the refund detail queries would return them.
import fs from "node:fs";
import { once } from "node:events";
import type {
  BulkOrderNode,
  CustomerNode,
  LineItemNode,
  RefundLineItemNode,
  RefundShippingLineNode,
} from "#app/sync/order-rows";
import { seededRandom } from "./timing";

const SHOP_CURRENCY = "USD";
const ORDER_ID = 5_000_000_000;
const LINE_ITEM_ID = 6_000_000_000;
const CUSTOMER_ID = 7_000_000_000;
const REFUND_ID = 8_000_000_000;
const REFUND_LINE_ITEM_ID = 9_000_000_000;
const START = Date.UTC(2024, 0, 1);
const DAY = 86_400_000;

const money = (cents: number) => ({
  shopMoney: { amount: (cents / 100).toFixed(2), currencyCode: SHOP_CURRENCY },
});

export interface RefundDetails {
  refundLineItems: RefundLineItemNode[];
  refundShippingLines: RefundShippingLineNode[];
}

export interface SyntheticOrder {
  /** The order's JSONL object (refunds inline). */
  order: BulkOrderNode;
  /** Its line items' JSONL objects, with `__parentId`. */
  lineItems: Array<LineItemNode & { __parentId: string }>;
  /** Refund GID → what the refund detail queries return for it. */
  refundDetails: Map<string, RefundDetails>;
}

export interface StoreShape {
  orders: number;
  customers: number;
  seed: number;
}

export function customerCount(orders: number): number {
  return Math.max(1, Math.round(orders / 2));
}

/** The store's orders in file order; the same shape and seed give the same orders. */
export function* syntheticOrders({ orders, customers, seed }: StoreShape): Generator<SyntheticOrder> {
  const random = seededRandom(seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  let lineItemId = LINE_ITEM_ID;
  let refundId = REFUND_ID;
  let refundLineItemId = REFUND_LINE_ITEM_ID;
  for (let i = 0; i < orders; i++) {
    const id = `gid://shopify/Order/${ORDER_ID + i}`;
    const processed = START + Math.floor((i / orders) * 730 * DAY) + int(0, DAY - 1);
    const updated = processed + int(0, 30) * DAY;
    const lines = Array.from({ length: int(1, 4) }, () => ({
      id: `gid://shopify/LineItem/${lineItemId++}`,
      quantity: int(1, 3),
      price: int(100, 20_000),
    }));
    const subtotal = lines.reduce((sum, l) => sum + l.price * l.quantity, 0);
    const discount = random() < 0.1 ? Math.round(subtotal * 0.1) : 0;
    const shipping = random() < 0.5 ? 490 : 0;
    const tax = Math.round((subtotal - discount) * 0.08);
    const refundDetails = new Map<string, RefundDetails>();
    const refunds: BulkOrderNode["refunds"] = [];
    let refunded = 0;
    if (random() < 0.06) {
      const line = lines[0];
      const refundTax = Math.round(line.price * 0.08);
      const refundShipping = random() < 0.3 ? shipping : 0;
      const refundShippingTax = Math.round(refundShipping * 0.08);
      const refundGid = `gid://shopify/Refund/${refundId++}`;
      const refundedAt = new Date(processed + int(1, 20) * DAY).toISOString();
      refunded = line.price + refundTax + refundShipping + refundShippingTax;
      refunds.push({ id: refundGid, createdAt: refundedAt, processedAt: refundedAt, totalRefundedSet: money(refunded) });
      refundDetails.set(refundGid, {
        refundLineItems: [
          { id: `gid://shopify/RefundLineItem/${refundLineItemId++}`, quantity: 1, subtotalSet: money(line.price), totalTaxSet: money(refundTax) },
        ],
        refundShippingLines: refundShipping
          ? [{ subtotalAmountSet: money(refundShipping), taxAmountSet: money(refundShippingTax) }]
          : [],
      });
    }
    const customer = random() < 0.85 ? { id: `gid://shopify/Customer/${CUSTOMER_ID + int(0, customers - 1)}` } : null;
    yield {
      order: {
        id,
        name: `#${1001 + i}`,
        createdAt: new Date(processed).toISOString(),
        updatedAt: new Date(updated).toISOString(),
        processedAt: new Date(processed).toISOString(),
        cancelledAt: random() < 0.02 ? new Date(processed + DAY).toISOString() : null,
        test: false,
        currencyCode: SHOP_CURRENCY,
        taxesIncluded: false,
        sourceName: random() < 0.8 ? "web" : "pos",
        customer,
        totalDiscountsSet: money(discount),
        totalShippingPriceSet: money(shipping),
        totalTaxSet: money(tax),
        totalPriceSet: money(subtotal - discount + shipping + tax),
        totalRefundedSet: money(refunded),
        refunds,
      },
      lineItems: lines.map((l) => ({
        id: l.id,
        quantity: l.quantity,
        originalUnitPriceSet: money(l.price),
        __parentId: id,
      })),
      refundDetails,
    };
  }
}

export function* syntheticCustomers({ customers, seed }: StoreShape): Generator<CustomerNode> {
  const random = seededRandom(seed + 1);
  for (let i = 0; i < customers; i++) {
    const created = START - Math.floor(random() * 365 * DAY);
    yield {
      id: `gid://shopify/Customer/${CUSTOMER_ID + i}`,
      createdAt: new Date(created).toISOString(),
      updatedAt: new Date(created + Math.floor(random() * 700 * DAY)).toISOString(),
    };
  }
}

async function writeLines(path: string, lines: Iterable<string>): Promise<number> {
  const out = fs.createWriteStream(path);
  let bytes = 0;
  let buffer = "";
  for (const line of lines) {
    buffer += line + "\n";
    if (buffer.length > 1 << 20) {
      bytes += Buffer.byteLength(buffer);
      if (!out.write(buffer)) await once(out, "drain");
      buffer = "";
    }
  }
  bytes += Buffer.byteLength(buffer);
  out.end(buffer);
  await once(out, "finish");
  return bytes;
}

export interface WrittenStore {
  ordersFile: string;
  customersFile: string;
  bytes: number;
  lines: number;
  refundDetails: Map<string, RefundDetails>;
}

/** Writes the bulk files of a synthetic store; keeps the refund details (about 6% of orders). */
export async function writeSyntheticStore(shape: StoreShape, ordersFile: string, customersFile: string): Promise<WrittenStore> {
  const refundDetails = new Map<string, RefundDetails>();
  let lines = 0;
  function* orderLines(): Generator<string> {
    let deferred: string[] = [];
    const random = seededRandom(shape.seed + 2);
    for (const item of syntheticOrders(shape)) {
      yield JSON.stringify(item.order);
      lines += 1;
      for (const line of deferred) yield line;
      deferred = [];
      const children = item.lineItems.map((l) => JSON.stringify(l));
      lines += children.length;
      // Children after their parent but not always right after it.
      if (random() < 0.1) deferred = children;
      else yield* children;
      for (const [id, details] of item.refundDetails) refundDetails.set(id, details);
    }
    yield* deferred;
  }
  function* customerLines(): Generator<string> {
    for (const customer of syntheticCustomers(shape)) {
      lines += 1;
      yield JSON.stringify(customer);
    }
  }
  const bytes = (await writeLines(ordersFile, orderLines())) + (await writeLines(customersFile, customerLines()));
  return { ordersFile, customersFile, bytes, lines, refundDetails };
}
