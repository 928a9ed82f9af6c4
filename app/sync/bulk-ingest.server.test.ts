// GIVEN a hand-made bulk JSONL (children split from their parents, across batches), WHEN it is
// ingested, THEN the stored rows are exactly the expected ones, with gross sales and returns
// derived from the stored line items; ingesting again, ingesting older data, or finishing an
// interrupted run changes nothing; and the paged path stores an order exactly like the bulk path.
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import prisma from "#app/db.server";
import { env } from "#app/env.server";
import { createAdminClient, type AdminClient } from "#app/shopify/admin-client.server";
import { bulkOperationStatus, downloadBulkResult, startBulkQuery } from "#app/shopify/bulk.server";
import { BULK_CUSTOMERS_QUERY, BULK_ORDERS_QUERY } from "#app/shopify/bulk-queries";
import {
  generateStore,
  orderDiscounts,
  orderGrossSales,
  orderRefunded,
  orderShipping,
  orderTax,
  orderTotal,
  refundReturns,
  refundShipping,
  refundTax,
  startSimulator,
} from "#simulator/index";
import * as bulkIngest from "./bulk-ingest.server";
import type { IngestOptions, IngestProgress } from "./bulk-ingest.server";
import { JsonlError } from "./jsonl";
import { orderRows, type OrderNode } from "./order-rows";
import { endSqlPool } from "#app/db-pool.server";
import { bulkWrites, writeCustomers, writeOrders } from "./order-writer.server";
import { simulatorGraphql } from "../../tests/support/simulated-shop";
import type { ByteSource } from "./jsonl";
import type { CustomerRow, OrderRows } from "./order-rows";

// Every write goes through the order writer, which refreshes the shop's rollups: the shops
// written to exist.
const knownShops = new Set<string>();
async function ensureShop(shop: string) {
  if (knownShops.has(shop)) return;
  await prisma.shop.upsert({ where: { domain: shop }, create: { domain: shop, ianaTimezone: "UTC", currencyCode: "EUR" }, update: {} });
  knownShops.add(shop);
}
async function ingestBulkJsonl(shop: string, source: ByteSource, options?: IngestOptions) {
  await ensureShop(shop);
  return bulkWrites(shop, (writes) => bulkIngest.ingestBulkJsonl(shop, source, writes, options));
}
async function syncRefundDetails(shop: string, client: AdminClient, since: Date) {
  await ensureShop(shop);
  return bulkWrites(shop, (writes) => bulkIngest.syncRefundDetails(shop, client, since, writes));
}
async function upsertOrders(shop: string, batch: OrderRows[]) {
  await ensureShop(shop);
  return writeOrders(shop, batch);
}
async function upsertCustomers(rows: CustomerRow[]) {
  await ensureShop(rows[0].shop);
  return writeCustomers(rows[0].shop, rows);
}

afterAll(async () => {
  await endSqlPool();
});

const money = (amount: string) => ({ shopMoney: { amount, currencyCode: "EUR" } });

interface OrderSpec {
  id: number;
  name: string;
  updatedAt: string;
  customer: number | null;
  cancelledAt?: string | null;
  refunds?: Array<{ id: number; processedAt: string; total: string }>;
}

/** "18.65" for refunds of "18.65"; "0.00" without refunds. */
function refundedTotal(o: OrderSpec): string {
  const cents = (o.refunds ?? []).reduce((sum, r) => sum + Math.round(Number(r.total) * 100), 0);
  return (cents / 100).toFixed(2);
}

function orderLine(o: OrderSpec) {
  return {
    id: `gid://shopify/Order/${o.id}`,
    name: o.name,
    createdAt: "2026-03-01T09:00:00Z",
    updatedAt: o.updatedAt,
    processedAt: "2026-03-01T09:30:00Z",
    cancelledAt: o.cancelledAt ?? null,
    test: false,
    currencyCode: "EUR",
    taxesIncluded: false,
    sourceName: "web",
    customer: o.customer === null ? null : { id: `gid://shopify/Customer/${o.customer}` },
    totalDiscountsSet: money("2.00"),
    totalShippingPriceSet: money("4.90"),
    totalTaxSet: money("5.10"),
    totalPriceSet: money("30.50"),
    // Shopify's Order.totalRefundedSet: the sum of the order's refunds.
    totalRefundedSet: money(refundedTotal(o)),
    refunds: (o.refunds ?? []).map((r) => ({
      id: `gid://shopify/Refund/${r.id}`,
      createdAt: r.processedAt,
      processedAt: r.processedAt,
      totalRefundedSet: money(r.total),
    })),
  };
}
const lineItem = (id: number, orderId: number, quantity: number, price: string) => ({
  id: `gid://shopify/LineItem/${id}`,
  quantity,
  originalUnitPriceSet: money(price),
  __parentId: `gid://shopify/Order/${orderId}`,
});
const refundLineItem = (id: number, refundId: number, subtotal: string, tax: string) => ({
  id: `gid://shopify/RefundLineItem/${id}`,
  quantity: 1,
  subtotalSet: money(subtotal),
  totalTaxSet: money(tax),
  __parentId: `gid://shopify/Refund/${refundId}`,
});
const customerLine = (id: number, updatedAt: string) => ({
  id: `gid://shopify/Customer/${id}`,
  createdAt: "2025-12-01T00:00:00Z",
  updatedAt,
});

const jsonl = (objects: unknown[]) => objects.map((o) => JSON.stringify(o)).join("\n") + "\n";

const ORDER_1: OrderSpec = {
  id: 1,
  name: "#1001",
  updatedAt: "2026-03-06T00:00:00Z",
  customer: 7,
  refunds: [{ id: 50, processedAt: "2026-03-05T12:00:00Z", total: "18.65" }],
};
const ORDER_2: OrderSpec = { id: 2, name: "#1002", updatedAt: "2026-03-02T00:00:00Z", customer: null, cancelledAt: "2026-03-02T00:00:00Z" };
const ORDER_3: OrderSpec = {
  id: 3,
  name: "#1003\twith a tab",
  updatedAt: "2026-03-04T00:00:00Z",
  customer: 8,
  refunds: [{ id: 60, processedAt: "2026-03-04T00:00:00Z", total: "5.00" }],
};

// Children come after their parents, some far after; with batches of 3 they cross batches.
const FILE = [
  orderLine(ORDER_1),
  lineItem(11, 1, 2, "10.00"),
  orderLine(ORDER_2),
  customerLine(7, "2026-02-01T00:00:00Z"),
  lineItem(21, 2, 3, "1.99"),
  refundLineItem(500, 50, "10.00", "2.10"),
  orderLine(ORDER_3),
  customerLine(8, "2026-02-02T00:00:00Z"),
  lineItem(12, 1, 1, "5.50"),
  refundLineItem(501, 50, "5.50", "1.15"),
  lineItem(31, 3, 1, "100.00"),
];

async function rowsOf(shop: string) {
  const strip = <T extends { shop: string }>({ shop: _, ...rest }: T) => rest;
  const [orders, lineItems, refunds, refundLineItems, customers] = await Promise.all([
    prisma.order.findMany({ where: { shop }, orderBy: { id: "asc" }, omit: { syncedAt: true } }),
    prisma.orderLineItem.findMany({ where: { shop }, orderBy: { id: "asc" } }),
    prisma.refund.findMany({ where: { shop }, orderBy: { id: "asc" } }),
    prisma.refundLineItem.findMany({ where: { shop }, orderBy: { id: "asc" } }),
    prisma.customer.findMany({ where: { shop }, orderBy: { id: "asc" }, omit: { syncedAt: true } }),
  ]);
  return {
    orders: orders.map(strip),
    lineItems: lineItems.map(strip),
    refunds: refunds.map(strip),
    refundLineItems: refundLineItems.map(strip),
    customers: customers.map(strip),
  };
}

const at = (iso: string) => new Date(iso);

function expectedOrder(o: OrderSpec, grossSales: bigint) {
  return {
    id: BigInt(o.id),
    name: o.name,
    customerId: o.customer === null ? null : BigInt(o.customer),
    processedAt: at("2026-03-01T09:30:00Z"),
    createdAt: at("2026-03-01T09:00:00Z"),
    updatedAt: at(o.updatedAt),
    cancelledAt: o.cancelledAt ? at(o.cancelledAt) : null,
    deletedAt: null,
    test: false,
    currencyCode: "EUR",
    taxesIncluded: false,
    sourceName: "web",
    grossSales,
    discounts: 200n,
    shipping: 490n,
    tax: 510n,
    totalPrice: 3050n,
    totalRefunded: BigInt(refundedTotal(o).replace(".", "")),
    imported: false,
  };
}

const EXPECTED = {
  orders: [
    expectedOrder(ORDER_1, 2n * 1000n + 550n),
    expectedOrder(ORDER_2, 3n * 199n),
    expectedOrder(ORDER_3, 10000n),
  ],
  lineItems: [
    { id: 11n, orderId: 1n, quantity: 2, originalUnitPrice: 1000n },
    { id: 12n, orderId: 1n, quantity: 1, originalUnitPrice: 550n },
    { id: 21n, orderId: 2n, quantity: 3, originalUnitPrice: 199n },
    { id: 31n, orderId: 3n, quantity: 1, originalUnitPrice: 10000n },
  ],
  refunds: [
    {
      id: 50n,
      orderId: 1n,
      processedAt: at("2026-03-05T12:00:00Z"),
      createdAt: at("2026-03-05T12:00:00Z"),
      currencyCode: "EUR",
      returns: 1000n + 550n,
      tax: 210n + 115n,
      shipping: 0n,
      totalRefunded: 1865n,
    },
    {
      id: 60n,
      orderId: 3n,
      processedAt: at("2026-03-04T00:00:00Z"),
      createdAt: at("2026-03-04T00:00:00Z"),
      currencyCode: "EUR",
      returns: 0n,
      tax: 0n,
      shipping: 0n,
      totalRefunded: 500n,
    },
  ],
  refundLineItems: [
    { id: 500n, refundId: 50n, quantity: 1, subtotal: 1000n, tax: 210n },
    { id: 501n, refundId: 50n, quantity: 1, subtotal: 550n, tax: 115n },
  ],
  customers: [
    { id: 7n, createdAt: at("2025-12-01T00:00:00Z"), updatedAt: at("2026-02-01T00:00:00Z"), deletedAt: null },
    { id: 8n, createdAt: at("2025-12-01T00:00:00Z"), updatedAt: at("2026-02-02T00:00:00Z"), deletedAt: null },
  ],
};

async function* interruptedAfter(text: string, lines: number): AsyncGenerator<string> {
  const all = text.split("\n");
  for (let i = 0; i < lines; i++) yield all[i] + "\n";
  throw new Error("connection reset by peer");
}

describe("ingestBulkJsonl", () => {
  it("stores exactly the file's rows, deriving gross sales and returns from children in later batches", async () => {
    const shop = "exact.myshopify.com";
    const progress: IngestProgress[] = [];
    const summary = await ingestBulkJsonl(shop, [jsonl(FILE)], { batchSize: 3, onProgress: (p) => progress.push(p) });

    expect(await rowsOf(shop)).toEqual(EXPECTED);
    expect(summary).toMatchObject({ orders: 3, customers: 2, lines: 11, lineItems: 4, refunds: 2, refundLineItems: 2, batches: 4 });
    expect(progress).toEqual([
      { orders: 2, customers: 0, lines: 3 },
      { orders: 2, customers: 1, lines: 6 },
      { orders: 3, customers: 2, lines: 9 },
      { orders: 3, customers: 2, lines: 11 },
    ]);
  });

  it("stores the same rows whatever the batch size", async () => {
    const shop = "one-batch.myshopify.com";
    await ingestBulkJsonl(shop, [jsonl(FILE)], { batchSize: 1000 });
    expect(await rowsOf(shop)).toEqual(EXPECTED);
  });

  it("changes nothing when the same file is ingested twice", async () => {
    const shop = "twice.myshopify.com";
    await ingestBulkJsonl(shop, [jsonl(FILE)], { batchSize: 4 });
    const first = await rowsOf(shop);
    await ingestBulkJsonl(shop, [jsonl(FILE)], { batchSize: 5 });
    expect(await rowsOf(shop)).toEqual(first);
    expect(first).toEqual(EXPECTED);
  });

  it("does not let an older file overwrite a newer order, its children or a newer customer", async () => {
    const shop = "newer.myshopify.com";
    // Stored first: order 1 edited later (new name, line item 11 now 5 units, a new line item 13).
    const newer = [
      orderLine({ ...ORDER_1, name: "#1001 edited", updatedAt: "2026-03-10T00:00:00Z" }),
      lineItem(11, 1, 5, "10.00"),
      lineItem(12, 1, 1, "5.50"),
      lineItem(13, 1, 1, "1.00"),
      refundLineItem(500, 50, "10.00", "2.10"),
      refundLineItem(501, 50, "5.50", "1.15"),
      customerLine(7, "2026-03-10T00:00:00Z"),
    ];
    await ingestBulkJsonl(shop, [jsonl(newer)]);
    const before = await rowsOf(shop);
    expect(before.orders[0]).toMatchObject({ name: "#1001 edited", grossSales: 5000n + 550n + 100n });

    // The older file also says refund line item 500 was worth 9.00: it must not win either.
    const older = FILE.map((line) => (line.id === "gid://shopify/RefundLineItem/500" ? refundLineItem(500, 50, "9.00", "2.10") : line));
    await ingestBulkJsonl(shop, [jsonl(older)], { batchSize: 3 });
    const after = await rowsOf(shop);

    expect(after.orders[0]).toEqual(before.orders[0]);
    expect(after.lineItems.filter((l) => l.orderId === 1n)).toEqual(before.lineItems);
    expect(after.refunds.find((r) => r.id === 50n)).toEqual(before.refunds.find((r) => r.id === 50n));
    expect(after.refundLineItems).toEqual(before.refundLineItems);
    expect(after.customers.find((c) => c.id === 7n)).toEqual(before.customers.find((c) => c.id === 7n));
    // What the older file had that was not stored yet goes in.
    expect(after.orders.map((o) => o.id)).toEqual([1n, 2n, 3n]);
    expect(after.orders.slice(1)).toEqual(EXPECTED.orders.slice(1));
    expect(after.customers.find((c) => c.id === 8n)).toEqual(EXPECTED.customers[1]);
  });

  it("finishes an interrupted run: a second full run gives the same rows as one clean run", async () => {
    const shop = "crash.myshopify.com";
    const text = jsonl(FILE);
    const progress: IngestProgress[] = [];
    await expect(
      ingestBulkJsonl(shop, interruptedAfter(text, 7), { batchSize: 2, onProgress: (p) => progress.push(p) }),
    ).rejects.toThrow("connection reset by peer");
    // Three batches of two lines were committed before the connection broke.
    expect(progress.at(-1)).toEqual({ orders: 2, customers: 1, lines: 6 });
    const partial = await rowsOf(shop);
    expect(partial.orders.map((o) => o.grossSales)).toEqual([2000n, 597n]); // line item 12 not there yet

    await ingestBulkJsonl(shop, [text], { batchSize: 2 });
    expect(await rowsOf(shop)).toEqual(EXPECTED);
  });

  it("runs a batch again when another writer inserts one of its orders meanwhile", async () => {
    const shop = "race.myshopify.com";
    const other = new pg.Client({ connectionString: env.DATABASE_URL });
    await other.connect();
    try {
      // A webhook's newer version of order 1, not committed yet when the ingest inserts.
      await other.query("BEGIN");
      await other.query(
        `INSERT INTO orders (shop, id, name, processed_at, created_at, updated_at, currency_code, gross_sales,
           discounts, shipping, tax, total_price, total_refunded)
         VALUES ($1, 1, '#1001 from a webhook', now(), now(), '2026-04-01T00:00:00Z', 'EUR', 0, 0, 0, 0, 0, 0)`,
        [shop],
      );
      const run = ingestBulkJsonl(shop, [jsonl(FILE)]);
      // Wait until the ingest is blocked on that row's key, then let the webhook commit.
      for (;;) {
        const { rows } = await other.query<{ waiting: number }>(
          "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
        );
        if (rows[0].waiting > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await other.query("COMMIT");
      await run;
    } finally {
      await other.end();
    }
    const rows = await rowsOf(shop);
    // The newer order stays, without the older file's line items; the rest is the file's.
    expect(rows.orders[0]).toMatchObject({ name: "#1001 from a webhook", grossSales: 0n });
    expect(rows.orders.slice(1)).toEqual(EXPECTED.orders.slice(1));
    expect(rows.lineItems.map((l) => l.id)).toEqual([21n, 31n]);
    expect(rows.refunds.map((r) => r.id)).toEqual([60n]);
  });

  it("stops between batches when aborted, keeping what was committed", async () => {
    const shop = "abort.myshopify.com";
    const controller = new AbortController();
    const run = ingestBulkJsonl(shop, [jsonl(FILE)], {
      batchSize: 3,
      signal: controller.signal,
      onProgress: () => controller.abort(new Error("shop uninstalled")),
    });
    await expect(run).rejects.toThrow("shop uninstalled");
    expect((await rowsOf(shop)).orders.map((o) => o.id)).toEqual([1n, 2n]);
  });

  it("rejects a file with a bad line, naming it, after committing the batches before it", async () => {
    const shop = "bad-line.myshopify.com";
    const text = jsonl(FILE.slice(0, 4)) + '{"id":"gid://shopify/Order/9","name":\n' + jsonl(FILE.slice(4));
    const error = await ingestBulkJsonl(shop, [text], { batchSize: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JsonlError);
    expect((error as JsonlError).message).toMatch(/^line 5: not valid JSON/);
    expect((await rowsOf(shop)).orders.map((o) => o.id)).toEqual([1n, 2n]);
  });

  it("names the line of an object whose fields do not convert", async () => {
    const shop = "bad-money.myshopify.com";
    const bad = { ...lineItem(11, 1, 2, "10.00"), originalUnitPriceSet: { shopMoney: { amount: "ten", currencyCode: "EUR" } } };
    const error = await ingestBulkJsonl(shop, [jsonl([orderLine(ORDER_1), bad])]).catch((e: unknown) => e);
    expect((error as Error).message).toBe('line 2: LineItem: LineItem.originalUnitPriceSet: Not a decimal amount: "ten"');
    expect(await prisma.order.count({ where: { shop } })).toBe(0);
  });
});

// A stand-in for the Admin API answering the refund detail queries.
function refundDetailsClient(
  details: Record<string, { lineItems: ReturnType<typeof refundLineItem>[]; shipping: Array<[string, string]> }>,
  calls: string[],
): AdminClient {
  const nodeOf = (id: string, first: number) => {
    const d = details[id];
    if (!d) return null;
    return {
      id,
      refundLineItems: {
        pageInfo: { hasNextPage: d.lineItems.length > first, endCursor: d.lineItems.length > first ? String(first) : null },
        nodes: d.lineItems.slice(0, first).map(({ __parentId: _, ...node }) => node),
      },
      refundShippingLines: {
        pageInfo: { hasNextPage: false },
        nodes: d.shipping.map(([amount, tax]) => ({ subtotalAmountSet: money(amount), taxAmountSet: money(tax) })),
      },
    };
  };
  return createAdminClient("test.myshopify.com", async (query, options) => {
    const variables = options?.variables ?? {};
    let data: unknown;
    if (/query RefundDetails\b/.test(query)) {
      const slots = Object.entries(variables as Record<string, string>);
      calls.push(`RefundDetails ${slots.map(([slot, id]) => `${slot}=${id.split("/").pop()}`).join(" ")}`);
      data = Object.fromEntries(slots.map(([slot, id]) => [slot, nodeOf(id, 10)]));
    } else if (/query RefundLineItems\b/.test(query)) {
      const id = variables.id as string;
      const after = variables.after === null ? 0 : Number(variables.after);
      calls.push(`RefundLineItems ${id} after ${after}`);
      const all = details[id].lineItems;
      data = {
        refund: {
          refundLineItems: {
            pageInfo: { hasNextPage: all.length > after + 100, endCursor: String(after + 100) },
            nodes: all.slice(after, after + 100).map(({ __parentId: _, ...node }) => node),
          },
          refundShippingLines: {
            nodes: details[id].shipping.map(([amount, tax]) => ({ subtotalAmountSet: money(amount), taxAmountSet: money(tax) })),
          },
        },
      };
    } else {
      throw new Error(`unexpected query ${query}`);
    }
    return new Response(JSON.stringify({ data }), { headers: { "content-type": "application/json" } });
  });
}

describe("syncRefundDetails", () => {
  it("adds the line items and shipping that a bulk file cannot carry, and derives returns", async () => {
    const shop = "details.myshopify.com";
    const withoutRefundLines = FILE.filter((line) => !line.id.startsWith("gid://shopify/RefundLineItem/"));
    const summary = await ingestBulkJsonl(shop, [jsonl(withoutRefundLines)]);
    expect((await rowsOf(shop)).refunds.map((r) => r.returns)).toEqual([0n, 0n]);

    const many = Array.from({ length: 12 }, (_, i) => refundLineItem(600 + i, 60, "0.25", "0.05"));
    const calls: string[] = [];
    const client = refundDetailsClient(
      {
        "gid://shopify/Refund/50": {
          lineItems: [refundLineItem(500, 50, "10.00", "2.10"), refundLineItem(501, 50, "5.50", "1.15")],
          shipping: [["4.90", "0.39"]],
        },
        "gid://shopify/Refund/60": { lineItems: many, shipping: [] },
      },
      calls,
    );
    expect(await syncRefundDetails(shop, client, summary.startedAt)).toBe(2);

    expect(calls).toEqual([
      "RefundDetails r0=50 r1=60 r2=60 r3=60 r4=60 r5=60 r6=60 r7=60 r8=60 r9=60",
      "RefundLineItems gid://shopify/Refund/60 after 0",
    ]);
    const rows = await rowsOf(shop);
    // Refund 50's tax: its items' and its shipping's.
    expect(rows.refunds).toEqual([
      { ...EXPECTED.refunds[0], shipping: 490n, tax: 210n + 115n + 39n },
      { ...EXPECTED.refunds[1], returns: 12n * 25n, tax: 12n * 5n },
    ]);
    expect(rows.refundLineItems).toHaveLength(14);

    // Again: nothing changes.
    await syncRefundDetails(shop, client, summary.startedAt);
    expect(await rowsOf(shop)).toEqual(rows);
  });

  it("only reads refunds of orders written since the given instant", async () => {
    const shop = "details-since.myshopify.com";
    await ingestBulkJsonl(shop, [jsonl(FILE)]);
    const calls: string[] = [];
    const later = new Date(Date.now() + 60_000);
    expect(await syncRefundDetails(shop, refundDetailsClient({}, calls), later)).toBe(0);
    expect(calls).toEqual([]);
  });
});

describe("one way to store an order", () => {
  it("stores an order from the paged API exactly as from a bulk file plus its refund details", async () => {
    const node: OrderNode = {
      ...orderLine(ORDER_1),
      lineItems: {
        nodes: [lineItem(11, 1, 2, "10.00"), lineItem(12, 1, 1, "5.50")].map(({ __parentId: _, ...n }) => n),
      },
      refunds: orderLine(ORDER_1).refunds.map((refund) => ({
        ...refund,
        refundLineItems: {
          nodes: [refundLineItem(500, 50, "10.00", "2.10"), refundLineItem(501, 50, "5.50", "1.15")].map(
            ({ __parentId: _, ...n }) => n,
          ),
        },
        refundShippingLines: { nodes: [{ subtotalAmountSet: money("4.90"), taxAmountSet: money("0.39") }] },
      })),
    };
    const paged = "paged.myshopify.com";
    expect(await upsertOrders(paged, [orderRows(paged, node)])).toEqual([1n]);

    const bulk = "bulk.myshopify.com";
    const summary = await ingestBulkJsonl(bulk, [jsonl([orderLine(ORDER_1), lineItem(12, 1, 1, "5.50"), lineItem(11, 1, 2, "10.00")])]);
    const client = refundDetailsClient(
      {
        "gid://shopify/Refund/50": {
          lineItems: [refundLineItem(500, 50, "10.00", "2.10"), refundLineItem(501, 50, "5.50", "1.15")],
          shipping: [["4.90", "0.39"]],
        },
      },
      [],
    );
    await syncRefundDetails(bulk, client, summary.startedAt);

    const pagedRows = await rowsOf(paged);
    expect(await rowsOf(bulk)).toEqual(pagedRows);
    expect(pagedRows.orders).toEqual([EXPECTED.orders[0]]);
    expect(pagedRows.refunds).toEqual([{ ...EXPECTED.refunds[0], shipping: 490n, tax: 210n + 115n + 39n }]);
  });

  it("ignores an older paged version of an order with its children, and reports what it applied", async () => {
    const shop = "paged-older.myshopify.com";
    const node = (updatedAt: string, quantity: number): OrderNode => ({
      ...orderLine({ ...ORDER_2, updatedAt }),
      lineItems: { nodes: [{ id: "gid://shopify/LineItem/21", quantity, originalUnitPriceSet: money("1.99") }] },
      refunds: [],
    });
    expect(await upsertOrders(shop, [orderRows(shop, node("2026-03-05T00:00:00Z", 3))])).toEqual([2n]);
    expect(await upsertOrders(shop, [orderRows(shop, node("2026-03-04T00:00:00Z", 9))])).toEqual([]);
    const rows = await rowsOf(shop);
    expect(rows.orders[0].grossSales).toBe(597n);
    expect(rows.lineItems).toEqual([{ id: 21n, orderId: 2n, quantity: 3, originalUnitPrice: 199n }]);
  });

  it("keeps a refund's shipping tax when an older version of its order arrives", async () => {
    const shop = "paged-older-refund.myshopify.com";
    const node = (updatedAt: string, itemTax: string): OrderNode => ({
      ...orderLine({ ...ORDER_1, updatedAt }),
      lineItems: { nodes: [lineItem(11, 1, 2, "10.00")].map(({ __parentId: _, ...n }) => n) },
      refunds: orderLine(ORDER_1).refunds.map((refund) => ({
        ...refund,
        refundLineItems: { nodes: [refundLineItem(500, 50, "10.00", itemTax)].map(({ __parentId: _, ...n }) => n) },
        refundShippingLines: { nodes: [{ subtotalAmountSet: money("4.90"), taxAmountSet: money("0.39") }] },
      })),
    });
    expect(await upsertOrders(shop, [orderRows(shop, node("2026-03-05T00:00:00Z", "2.10"))])).toEqual([1n]);
    const stored = await rowsOf(shop);
    expect(stored.refunds.map((r) => [r.shipping, r.tax])).toEqual([[490n, 210n + 39n]]);
    // The older version (other item tax) changes nothing, the shipping's tax included.
    expect(await upsertOrders(shop, [orderRows(shop, node("2026-03-04T00:00:00Z", "1.00"))])).toEqual([]);
    expect(await rowsOf(shop)).toEqual(stored);
  });

  it("keeps the newest version when one batch holds an order twice", async () => {
    const shop = "paged-twice.myshopify.com";
    const node = (updatedAt: string, quantity: number): OrderNode => ({
      ...orderLine({ ...ORDER_2, updatedAt }),
      lineItems: { nodes: [{ id: "gid://shopify/LineItem/21", quantity, originalUnitPriceSet: money("1.99") }] },
      refunds: [],
    });
    const newer = orderRows(shop, node("2026-03-05T00:00:00Z", 2));
    const older = orderRows(shop, node("2026-03-04T00:00:00Z", 9));
    expect(await upsertOrders(shop, [newer, older])).toEqual([2n]);
    const rows = await rowsOf(shop);
    expect(rows.orders.map((o) => [o.updatedAt, o.grossSales])).toEqual([[at("2026-03-05T00:00:00Z"), 398n]]);
  });

  it("writes customers last-writer-wins through the same path", async () => {
    const shop = "customers.myshopify.com";
    const row = (updatedAt: string) => ({ shop, id: 7n, createdAt: at("2025-12-01T00:00:00Z"), updatedAt: at(updatedAt) });
    expect(await upsertCustomers([row("2026-03-02T00:00:00Z"), row("2026-02-01T00:00:00Z")])).toBe(1);
    expect(await upsertCustomers([row("2026-03-01T00:00:00Z")])).toBe(0);
    expect((await rowsOf(shop)).customers.map((c) => c.updatedAt)).toEqual([at("2026-03-02T00:00:00Z")]);
  });
});

describe("a backfill through the simulator's bulk operations", () => {
  it("stores every order, line item, refund and customer of the store exactly", async () => {
    const store = generateStore({ seed: 21, now: "2026-11-15T12:00:00Z", customers: 60, domain: "bulk-sim.myshopify.com" });
    const shop = store.shop.domain;
    const simulator = await startSimulator({ apiKey: "bulk-test-key", apiSecret: "bulk-test-secret", stores: [store] });
    try {
      const { accessToken } = simulator.installations.issue({ shop, kind: "offline" });
      const client = createAdminClient(shop, simulatorGraphql(simulator, shop, accessToken));
      const runToCompletion = async (query: string) => {
        const { id } = await startBulkQuery(client, query);
        for (;;) {
          const state = await bulkOperationStatus(client, id);
          if (state.status === "COMPLETED") return state;
          expect(["CREATED", "RUNNING"]).toContain(state.status);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      };
      const orders = await runToCompletion(BULK_ORDERS_QUERY);
      const customers = await runToCompletion(BULK_CUSTOMERS_QUERY);

      const ingested = await ingestBulkJsonl(shop, await downloadBulkResult(orders.url!), { batchSize: 50 });
      await ingestBulkJsonl(shop, await downloadBulkResult(customers.url!));
      const refunds = store.orders.flatMap((o) => o.refunds.map((r) => ({ order: o, refund: r })));
      expect(refunds.length).toBeGreaterThan(0);
      expect(await syncRefundDetails(shop, client, ingested.startedAt)).toBe(refunds.length);

      const rows = await rowsOf(shop);
      expect(ingested.orders).toBe(store.orders.length);
      expect(rows.orders.map((o) => [o.id, o.customerId, o.grossSales, o.discounts, o.shipping, o.tax, o.totalPrice, o.totalRefunded])).toEqual(
        [...store.orders]
          .sort((a, b) => a.id - b.id)
          .map((o) => [
            BigInt(o.id),
            o.customerId === null ? null : BigInt(o.customerId),
            BigInt(orderGrossSales(o)),
            BigInt(orderDiscounts(o)),
            BigInt(orderShipping(o)),
            BigInt(orderTax(o)),
            BigInt(orderTotal(o)),
            BigInt(orderRefunded(o)),
          ]),
      );
      expect(rows.lineItems).toHaveLength(store.orders.reduce((n, o) => n + o.lineItems.length, 0));
      expect(rows.refunds.map((r) => [r.id, r.orderId, r.processedAt, r.returns, r.tax, r.shipping])).toEqual(
        refunds
          .sort((a, b) => a.refund.id - b.refund.id)
          .map(({ order, refund }) => [
            BigInt(refund.id),
            BigInt(order.id),
            new Date(refund.processedAt),
            BigInt(refundReturns(refund)),
            BigInt(refundTax(refund)),
            BigInt(refundShipping(refund)),
          ]),
      );
      expect(rows.customers.map((c) => c.id)).toEqual(store.customers.map((c) => BigInt(c.id)).sort((a, b) => (a < b ? -1 : 1)));
    } finally {
      await simulator.close();
    }
  });
});
