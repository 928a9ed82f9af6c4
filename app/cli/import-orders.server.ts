// `metryka import-orders`: streams a CSV file of orders into a shop's copy, in batches,
// idempotently (a re-import of the same file changes nothing), reporting every line it
// rejects with its number and reason. See order-csv.ts for the two formats.
//
// Whatever the file holds, one bad line is one rejection and the rest is imported: a record the
// CSV reader gives up on (csv-records.ts), a value a column cannot hold, an order id seen
// before, even a database refusal of one order's values. Only a file that cannot be read as a
// whole (no recognisable header, UTF-16) stops the import.
//
// Memory does not grow with the file: records are read a chunk at a time, orders and the
// rejections found since the last write wait in one batch at most, rejections go to the
// caller as they are found (only their count is kept), and the order ids already read live in
// PostgreSQL (see OrderIdsSeen).
import fs from "node:fs";
import type { Readable } from "node:stream";
import type pg from "pg";
import { sqlPool } from "#app/db-pool.server";
import prisma from "#app/db.server";
import { isRefusalOfData } from "#app/sync/database-errors";
import type { OrderRows } from "#app/sync/order-rows";
import { bulkWrites, type BulkWrites } from "#app/sync/order-writer.server";
import { CsvFileError, NOT_UTF8, readCsvRecords, type CsvProblem, type CsvRecordRead } from "./csv-records";
import {
  assertImportOptions,
  detectFormat,
  plainOrder,
  rejectionReason,
  ShopifyExportOrder,
  type CsvFormat,
  type CsvRecord,
  type ImportOptions,
  type Rejection,
} from "./order-csv";
import { errorMessage } from "#app/error-message";

/** Orders and rejections waiting to be written and reported together. */
const BATCH = 2000;
/** …and at most this many line items (an order of Shopify's export can have up to 999). */
const BATCH_LINE_ITEMS = 20_000;
/** The longest CSV record read whole; a longer one (a quote left open) is rejected, see csv-records.ts. */
export const DEFAULT_MAX_RECORD_BYTES = 256 * 1024;

export interface ImportSummary {
  format: CsvFormat;
  /** Orders read from the file, rejected ones included (lines that could not be read at all count as one). */
  orders: number;
  /** Orders imported: read, and neither rejected nor refused. */
  imported: number;
  /** Orders written (new, or replacing an older imported version). */
  written: number;
  /** Rejections reported (orders, or lines that could not be read). */
  rejected: number;
}

export interface ImportHooks {
  /** After each batch written, with the orders read so far. */
  onProgress?: (ordersRead: number) => void;
  /**
   * Each rejection as it is found: after the batch it belongs to is written, in line order
   * within it. Not kept: a caller that wants them all keeps them.
   */
  onRejected?: (rejection: Rejection) => void;
  /** See DEFAULT_MAX_RECORD_BYTES. */
  maxRecordBytes?: number;
}

async function ensureShop(options: ImportOptions) {
  const existing = await prisma.shop.findUnique({ where: { domain: options.shop } });
  if (!existing) {
    await prisma.shop.create({ data: { domain: options.shop, ianaTimezone: options.timeZone, currencyCode: options.currency } });
    return;
  }
  if (existing.ianaTimezone !== options.timeZone || existing.currencyCode !== options.currency) {
    throw new Error(
      `${options.shop} is in ${existing.ianaTimezone} with currency ${existing.currencyCode}; ` +
        `the import says ${options.timeZone} and ${options.currency}. Use the shop's own settings.`,
    );
  }
}

/**
 * The order ids an import has read, with the line each was first on, so that an id appearing
 * again is reported with that line. They are kept in a temporary table on a connection the
 * import holds for itself: PostgreSQL keeps it (on disk past `temp_buffers`), so the process's
 * memory is the same for a file of any size; it belongs to the session, so concurrent imports
 * do not see each other's ids, and it goes away with the connection. Looking in `orders`
 * instead could not tell this file's orders from those an earlier import or a sync wrote, nor
 * say on which line an id was first.
 */
class OrderIdsSeen {
  private constructor(private readonly client: pg.PoolClient) {}

  static async open(): Promise<OrderIdsSeen> {
    const client = await sqlPool().connect();
    try {
      await client.query("CREATE TEMP TABLE IF NOT EXISTS import_order_lines (id bigint PRIMARY KEY, line bigint NOT NULL)");
      await client.query("TRUNCATE import_order_lines");
      return new OrderIdsSeen(client);
    } catch (error) {
      client.release(true);
      throw error;
    }
  }

  /** Records ids first seen in this batch (unique within it); returns the first line of those seen before. */
  async seenBefore(batch: Array<{ id: bigint; line: number }>): Promise<Map<bigint, number>> {
    // The SELECT reads the table as it was before the INSERT beside it: only earlier batches' ids.
    const { rows } = await this.client.query<{ id: string; line: string }>(
      `WITH batch AS (SELECT * FROM unnest($1::bigint[], $2::bigint[]) AS b (id, line)),
         added AS (INSERT INTO import_order_lines (id, line) SELECT id, line FROM batch ON CONFLICT (id) DO NOTHING)
       SELECT s.id::text AS id, s.line::text AS line FROM batch b JOIN import_order_lines s ON s.id = b.id`,
      [batch.map((o) => String(o.id)), batch.map((o) => String(o.line))],
    );
    return new Map(rows.map((row) => [BigInt(row.id), Number(row.line)]));
  }

  async close(failed: boolean): Promise<void> {
    if (failed) {
      this.client.release(true);
      return;
    }
    await this.client.query("DROP TABLE IF EXISTS import_order_lines").then(
      () => this.client.release(),
      (error: Error) => this.client.release(error),
    );
  }
}

interface PendingOrder {
  line: number;
  lastLine?: number;
  rows: OrderRows;
}

const span = (line: number, lastLine: number) => (lastLine > line ? { line, lastLine } : { line });

/** A broken record's reason; `columns` names the field of an encoding problem. */
function problemReason(problem: CsvProblem, columns: string[]): string {
  if (problem.kind === "syntax") return problem.detail;
  const column = columns[problem.column] || `column ${problem.column + 1}`;
  return problem.detail === NOT_UTF8 ? `${column} ${NOT_UTF8} (is the file saved as UTF-8?)` : `${column} ${problem.detail}`;
}

/**
 * Imports a CSV file of orders into `options.shop` (created if Metryka does not know it: it is
 * then not installed, and nothing syncs it). The orders are marked imported, which keeps them
 * out of the lost-deletion sweep; the order writer rebuilds the shop's rollups once when the
 * import is written, since it can touch any day of the shop's history.
 */
export async function importOrders(source: string | Readable, options: ImportOptions, hooks: ImportHooks = {}): Promise<ImportSummary> {
  assertImportOptions(options);
  const input = typeof source === "string" ? fs.createReadStream(source) : source;
  try {
    await ensureShop(options);
  } catch (error) {
    input.destroy();
    throw error;
  }
  return bulkWrites(options.shop, (writes) => importRecords(input, options, hooks, writes));
}

async function importRecords(input: Readable, options: ImportOptions, hooks: ImportHooks, writes: BulkWrites): Promise<ImportSummary> {
  const { onProgress, onRejected, maxRecordBytes = DEFAULT_MAX_RECORD_BYTES } = hooks;
  const summary: ImportSummary = { format: "plain", orders: 0, imported: 0, written: 0, rejected: 0 };
  const seen = await OrderIdsSeen.open();
  let failed = false;

  // What waits for the next write: orders, and the rejections found since the last one (so
  // that rejections are reported in line order within a batch).
  let pending: PendingOrder[] = [];
  let pendingLineItems = 0;
  let rejections: Rejection[] = [];
  const reject = (rejection: Rejection) => {
    rejections.push(rejection);
  };
  const appearsAgain = (order: PendingOrder, first: number): Rejection => ({
    ...span(order.line, order.lastLine ?? order.line),
    reason: `order ${order.rows.order.id} appears again (first on line ${first})`,
  });

  /** Writes orders, halving them around any whose values the database refuses. */
  const write = async (orders: PendingOrder[]): Promise<void> => {
    if (orders.length === 0) return;
    try {
      summary.written += (await writes.writeOrders(orders.map((o) => o.rows), { imported: true })).length;
      summary.imported += orders.length;
    } catch (error) {
      // A row's problem, found by writing its batch in halves.
      if (!isRefusalOfData(error)) throw error;
      if (orders.length === 1) {
        const [order] = orders;
        const message = errorMessage(error);
        reject({ ...span(order.line, order.lastLine ?? order.line), reason: `the database refused order ${order.rows.order.id}: ${message}` });
        return;
      }
      const half = Math.ceil(orders.length / 2);
      await write(orders.slice(0, half));
      await write(orders.slice(half));
    }
  };

  const flush = async () => {
    const orders = pending;
    pending = [];
    pendingLineItems = 0;
    // An id twice in this batch: the first stays (the map is as large as the batch, no more).
    const firstInBatch = new Map<bigint, number>();
    const unique: PendingOrder[] = [];
    for (const order of orders) {
      const first = firstInBatch.get(order.rows.order.id);
      if (first === undefined) {
        firstInBatch.set(order.rows.order.id, order.line);
        unique.push(order);
      } else reject(appearsAgain(order, first));
    }
    const firstBefore = unique.length > 0 ? await seen.seenBefore(unique.map((o) => ({ id: o.rows.order.id, line: o.line }))) : new Map<bigint, number>();
    const fresh: PendingOrder[] = [];
    for (const order of unique) {
      const first = firstBefore.get(order.rows.order.id);
      if (first === undefined) fresh.push(order);
      else reject(appearsAgain(order, first));
    }
    await write(fresh);
    const report = rejections.sort((a, b) => a.line - b.line);
    rejections = [];
    summary.rejected += report.length;
    for (const rejection of report) onRejected?.(rejection);
    onProgress?.(summary.orders);
  };

  const flushIfFull = async () => {
    if (pending.length + rejections.length >= BATCH || pendingLineItems >= BATCH_LINE_ITEMS) await flush();
  };

  /** One order read (lines `line`…`lastLine`): its rows, or its rejection. */
  const accept = async (line: number, lastLine: number, build: () => OrderRows) => {
    summary.orders += 1;
    let rows: OrderRows;
    try {
      rows = build();
    } catch (error) {
      reject({ ...span(line, lastLine), reason: rejectionReason(error) });
      await flushIfFull();
      return;
    }
    pending.push({ ...span(line, lastLine), rows });
    pendingLineItems += rows.lineItems.length;
    await flushIfFull();
  };

  // Shopify's export: consecutive rows of one order (same Id, or Name without one) make one order.
  let group: { key: string | undefined; name: string | undefined; line: number; lastLine: number; order: ShopifyExportOrder } | null = null;
  const closeGroup = async () => {
    if (!group) return;
    const { line, lastLine, order } = group;
    group = null;
    await accept(line, lastLine, () => order.build());
  };

  try {
    let columns: string[] | null = null;
    let format: CsvFormat = "plain";
    const record = (fields: string[]): CsvRecord => {
      const out: CsvRecord = {};
      for (let i = 0; i < columns!.length; i++) out[columns![i]] = fields[i];
      return out;
    };
    let idColumn = -1;
    let nameColumn = -1;
    /**
     * The order a row of Shopify's export belongs to: its Id, or its Name when it has no Id. A
     * broken row may not say: it has the fields before its problem only (Name comes first in
     * the export, Id last).
     */
    const orderOf = (row: CsvRecordRead): { key: string | undefined; name: string | undefined } => {
      const known = row.problem?.kind === "syntax" ? row.fields.length : Infinity;
      const field = (column: number) => (column >= 0 && column < known ? (row.fields[column] ?? "").trim() : undefined);
      const id = field(idColumn);
      const name = field(nameColumn);
      return { key: id || (id === "" ? name : undefined), name };
    };
    /** Whether a row is of the open order; a broken row that does not say is taken to be. */
    const ofGroup = (open: { key: string | undefined; name: string | undefined }, row: { key: string | undefined; name: string | undefined }) => {
      if (row.key !== undefined) return row.key === open.key;
      return row.name === undefined || open.name === undefined || row.name === open.name;
    };

    const shopifyRow = async (row: CsvRecordRead) => {
      const { key, name } = orderOf(row);
      const reason = row.problem ? problemReason(row.problem, columns!) : null;
      const lines = row.lastLine > row.line ? `lines ${row.line}-${row.lastLine}` : `line ${row.line}`;
      if (group && ofGroup(group, { key, name })) {
        // A row of the open order, or a broken one that may be: the order is refused with it.
        group.lastLine = row.lastLine;
        if (reason) group.order.refuse(`${lines}: ${reason}`);
        else group.order.add(record(row.fields));
        return;
      }
      await closeGroup();
      const order = new ShopifyExportOrder(options);
      group = { key, name, line: row.line, lastLine: row.lastLine, order };
      if (reason) order.refuse(reason);
      else order.add(record(row.fields));
    };

    for await (const records of readCsvRecords(input, { maxRecordBytes })) {
      for (const row of records) {
        if (columns === null) {
          if (row.problem) throw new CsvFileError(`the header (line ${row.line}) cannot be read: ${problemReason(row.problem, [])}`);
          columns = row.fields.map((h) => h.trim());
          const detected = detectFormat(columns);
          if (typeof detected !== "string") throw new CsvFileError(detected.error);
          format = summary.format = detected;
          idColumn = columns.lastIndexOf("Id");
          nameColumn = columns.lastIndexOf("Name");
          continue;
        }
        if (format === "shopify") {
          await shopifyRow(row);
        } else if (row.problem) {
          summary.orders += 1;
          reject({ ...span(row.line, row.lastLine), reason: problemReason(row.problem, columns) });
          await flushIfFull();
        } else {
          await accept(row.line, row.lastLine, () => plainOrder(record(row.fields), options));
        }
      }
    }
    await closeGroup();
    await flush();
  } catch (error) {
    failed = true;
    input.destroy();
    throw error;
  } finally {
    await seen.close(failed);
  }
  return summary;
}
