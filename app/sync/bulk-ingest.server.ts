// Bulk operation results into PostgreSQL: a JSONL stream is read, converted and written in
// batches of thousands of rows (COPY into staging tables, then one set-based merge per table;
// see store-orders.server.ts), while the next batch is parsed. Memory holds two batches at
// most, whatever the file's size.
//
// Idempotent: the merge is last-writer-wins on updated_at and children are keyed by their own
// ids, so ingesting a file twice, or a file older than what webhooks already stored, changes
// nothing, and a run that died halfway is finished by running it again from the start.
import prisma from "#app/db.server";
import type { AdminClient } from "#app/shopify/admin-client.server";
import { REFUND_DETAILS, refundDetailsVariables, REFUNDS_PER_DETAILS_REQUEST } from "#app/shopify/bulk-queries";
import { allRefundLines } from "./complete-order.server";
import { gidToId, idToGid } from "#app/shopify/gid";
import { JsonlError, readBulkRecords, type BulkRecord, type ByteSource } from "./jsonl";
import {
  customerRow,
  lineItemRow,
  orderRow,
  refundDetailRows,
  refundLineItemRow,
  refundRow,
  type RefundLineItemNode,
  type RefundLineItemRow,
  type RefundShippingLineNode,
  type RefundShippingRow,
} from "./order-rows";
import type { BulkWrites } from "./order-writer.server";
import { emptyRowBatch, stageRows, type RowBatch, type StagedRows } from "./store-orders.server";
import { errorMessage } from "#app/error-message";

export interface IngestProgress {
  /** Order lines read and committed so far. */
  orders: number;
  customers: number;
  /** JSONL lines (objects) read and committed so far, of every type. */
  lines: number;
}

export interface IngestOptions {
  /** Called after each committed batch with running totals. */
  onProgress?: (progress: IngestProgress) => void;
  /** Objects per batch, each batch one transaction. */
  batchSize?: number;
  /** Stops between batches; what was committed stays (a later run completes it). */
  signal?: AbortSignal;
}

export interface IngestSummary extends IngestProgress {
  lineItems: number;
  refunds: number;
  refundLineItems: number;
  batches: number;
  /** The database's clock before the first write: every row written is synced at or after it. */
  startedAt: Date;
}

export const DEFAULT_INGEST_BATCH_SIZE = 20_000;

/** Records → rows appended to `rows`; a record that does not convert names its line. */
function addBulkRows(shop: string, records: BulkRecord[], rows: RowBatch): void {
  for (const record of records) {
    try {
      switch (record.type) {
        case "Order": {
          const order = orderRow(shop, record.node);
          rows.orders.push(order);
          for (const refund of record.node.refunds ?? []) rows.refunds.push(refundRow(shop, order.id, refund));
          break;
        }
        case "LineItem":
          rows.lineItems.push(lineItemRow(shop, gidToId(record.parentId, "Order"), record.node));
          break;
        case "Refund":
          rows.refunds.push(refundRow(shop, gidToId(record.parentId, "Order"), record.node));
          break;
        case "RefundLineItem":
          rows.refundLineItems.push(refundLineItemRow(shop, gidToId(record.parentId, "Refund"), record.node));
          break;
        case "Customer":
          rows.customers.push(customerRow(shop, record.node));
          break;
      }
    } catch (error) {
      if (error instanceof JsonlError) throw error;
      throw new JsonlError(record.line, `${record.type}: ${errorMessage(error)}`);
    }
  }
}

interface PreparedBatch {
  staged: StagedRows;
  lines: number;
}

// Parsed JSON is turned into rows a few hundred lines at a time: the parsed objects die young
// (cheap for the garbage collector) and only the much smaller rows wait for the batch to fill.
const READ_BATCH = 500;

async function* preparedBatches(shop: string, source: ByteSource, batchSize: number): AsyncGenerator<PreparedBatch> {
  let rows = emptyRowBatch();
  let lines = 0;
  for await (const records of readBulkRecords(source, { batchSize: Math.min(READ_BATCH, batchSize) })) {
    addBulkRows(shop, records, rows);
    lines += records.length;
    if (lines >= batchSize) {
      yield { staged: stageRows(shop, rows), lines };
      rows = emptyRowBatch();
      lines = 0;
    }
  }
  if (lines > 0) yield { staged: stageRows(shop, rows), lines };
}

/**
 * Ingests a bulk operation's JSONL (orders with line items and inline refunds, customers, or
 * both) for `shop`, through the bulk writes of a `bulkWrites` run (the rollups are rebuilt when
 * it ends). Refunds' line items and shipping are not in a bulk file (see
 * app/shopify/bulk-queries.ts): follow with `syncRefundDetails(shop, client, summary.startedAt, writes)`.
 */
export async function ingestBulkJsonl(
  shop: string,
  source: ByteSource,
  writes: BulkWrites,
  options: IngestOptions = {},
): Promise<IngestSummary> {
  const batchSize = options.batchSize ?? DEFAULT_INGEST_BATCH_SIZE;
  return writes.withRowWriter(async (writer) => {
    const summary: IngestSummary = {
      orders: 0,
      customers: 0,
      lines: 0,
      lineItems: 0,
      refunds: 0,
      refundLineItems: 0,
      batches: 0,
      startedAt: writer.startedAt,
    };
    const batches = preparedBatches(shop, source, batchSize)[Symbol.asyncIterator]();
    const pull = () => {
      const next = batches.next();
      next.catch(() => undefined); // observed when awaited; not an unhandled rejection meanwhile
      return next;
    };
    let pending = pull();
    try {
      for (;;) {
        const next = await pending;
        if (next.done) break;
        options.signal?.throwIfAborted();
        const { staged, lines } = next.value;
        // Parse the next batch while the database merges this one (not while this one is sent:
        // both need this thread).
        await writer.write(staged, { onStaged: () => (pending = pull()) });
        summary.batches += 1;
        summary.lines += lines;
        summary.orders += staged.counts.orders;
        summary.customers += staged.counts.customers;
        summary.lineItems += staged.counts.lineItems;
        summary.refunds += staged.counts.refunds;
        summary.refundLineItems += staged.counts.refundLineItems;
        options.onProgress?.({ orders: summary.orders, customers: summary.customers, lines: summary.lines });
      }
      return summary;
    } catch (error) {
      // Stop reading (and downloading) without waiting for a read that may never finish.
      void batches.return(undefined).catch(() => undefined);
      throw error;
    }
  });
}

type RefundDetailsNode = {
  id: string;
  refundLineItems: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: RefundLineItemNode[] };
  refundShippingLines: { pageInfo: { hasNextPage: boolean }; nodes: RefundShippingLineNode[] };
};

/** A refund whose lists did not fit in REFUND_DETAILS, read again in full. */
async function completeRefund(client: AdminClient, node: RefundDetailsNode): Promise<RefundDetailsNode> {
  if (!node.refundLineItems.pageInfo.hasNextPage && !node.refundShippingLines.pageInfo.hasNextPage) return node;
  const { lineItems, shippingLines } = await allRefundLines(client, node.id);
  return {
    ...node,
    refundLineItems: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: lineItems },
    refundShippingLines: { pageInfo: { hasNextPage: false }, nodes: shippingLines },
  };
}

const REFUND_IDS_PER_READ = 500;

/**
 * Reads from the Admin API the line items and shipping of the shop's refunds whose order was
 * written at or after `since` (a bulk ingest's `startedAt`), and stores them: their returns and
 * tax are then derived like every other refund's. Paged by refund id, committed every few
 * hundred refunds; running it again is harmless. Returns how many refunds were completed.
 */
export async function syncRefundDetails(
  shop: string,
  client: AdminClient,
  since: Date,
  writes: BulkWrites,
  options: { onProgress?: (refunds: number) => void } = {},
): Promise<number> {
  let after = 0n;
  let done = 0;
  for (;;) {
    // Walks the shop's refunds in primary key order and keeps those of recently written orders
    // (filtering after the LIMIT keeps the plan an index range scan).
    const scanned = await prisma.$queryRaw<Array<{ id: bigint; wanted: boolean | null }>>`
      SELECT r.id,
        (SELECT o.synced_at FROM orders o WHERE o.shop = r.shop AND o.id = r.order_id) >= ${since}::timestamptz AS wanted
      FROM refunds r
      WHERE r.shop = ${shop} AND r.id > ${after}::bigint
      ORDER BY r.id
      LIMIT ${REFUND_IDS_PER_READ}`;
    if (scanned.length === 0) return done;
    after = BigInt(scanned[scanned.length - 1].id);
    const page = scanned.filter((row) => row.wanted === true);
    if (page.length === 0) continue;
    const details: { refundLineItems: RefundLineItemRow[]; refundShipping: RefundShippingRow[] } = {
      refundLineItems: [],
      refundShipping: [],
    };
    for (let i = 0; i < page.length; i += REFUNDS_PER_DETAILS_REQUEST) {
      const ids = page.slice(i, i + REFUNDS_PER_DETAILS_REQUEST).map((row) => idToGid(row.id, "Refund"));
      const answer = await client.request<Record<string, RefundDetailsNode | null>>(
        REFUND_DETAILS,
        refundDetailsVariables(ids),
      );
      const seen = new Set<string>();
      for (const node of Object.values(answer)) {
        // Null: the refund is gone or out of reach; nothing to add to it. A repeated id (a short
        // request) comes back once per slot.
        if (!node?.id || seen.has(node.id)) continue;
        seen.add(node.id);
        const full = await completeRefund(client, node);
        const rows = refundDetailRows(shop, gidToId(full.id, "Refund"), full);
        details.refundLineItems.push(...rows.refundLineItems);
        details.refundShipping.push(rows.refundShipping);
      }
    }
    await writes.writeRefundDetails(details);
    done += page.length;
    options.onProgress?.(done);
  }
}
