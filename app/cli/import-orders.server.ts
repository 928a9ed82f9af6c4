// `metryka import-orders`: streams a CSV file of orders into a shop's copy, in batches,
// idempotently (a re-import of the same file changes nothing), reporting every line it
// rejects with its number and reason. See order-csv.ts for the two formats.
import fs from "node:fs";
import type { Readable } from "node:stream";
import { parse } from "csv-parse";
import prisma from "#app/db.server";
import type { OrderRows } from "#app/sync/order-rows";
import { bulkWrites, type BulkWrites } from "#app/sync/order-writer.server";
import {
  assertImportOptions,
  detectFormat,
  plainOrder,
  rejectionReason,
  shopifyExportOrder,
  type CsvFormat,
  type CsvRecord,
  type ImportOptions,
  type Rejection,
} from "./order-csv";

const BATCH = 2000;

export interface ImportSummary {
  format: CsvFormat;
  /** Orders read from the file (rejected ones included). */
  orders: number;
  /** Orders written (new, or replacing an older imported version). */
  written: number;
  rejected: Rejection[];
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
 * Imports a CSV file of orders into `options.shop` (created if Metryka does not know it; it is
 * not installed then, and nothing syncs it). The rollups are rebuilt once at the end: an import
 * can touch any day of the shop's history.
 */
export async function importOrders(
  source: string | Readable,
  options: ImportOptions,
  progress: { onProgress?: (ordersRead: number) => void } = {},
): Promise<ImportSummary> {
  assertImportOptions(options);
  await ensureShop(options);
  return bulkWrites(options.shop, (writes) => importRows(source, options, writes, progress));
}

async function importRows(
  source: string | Readable,
  options: ImportOptions,
  writes: BulkWrites,
  { onProgress }: { onProgress?: (ordersRead: number) => void },
): Promise<ImportSummary> {
  const input = typeof source === "string" ? fs.createReadStream(source) : source;
  let format: CsvFormat | null = null;
  let headerError: string | null = null;
  const parser = input.pipe(
    parse({
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: false,
      columns: (header: string[]) => {
        const detected = detectFormat(header.map((h) => h.trim()));
        if (typeof detected === "string") format = detected;
        else headerError = detected.error;
        return header.map((h) => h.trim());
      },
    }),
  );

  const summary: ImportSummary = { format: "plain", orders: 0, written: 0, rejected: [] };
  const seen = new Map<bigint, number>();
  let batch: OrderRows[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    summary.written += (await writes.writeOrders(batch, { imported: true })).length;
    batch = [];
    onProgress?.(summary.orders);
  };
  const accept = async (line: number, build: () => OrderRows) => {
    summary.orders += 1;
    let rows: OrderRows;
    try {
      rows = build();
    } catch (error) {
      summary.rejected.push({ line, reason: rejectionReason(error) });
      return;
    }
    const firstLine = seen.get(rows.order.id);
    if (firstLine !== undefined) {
      summary.rejected.push({ line, reason: `order ${rows.order.id} appears again (first on line ${firstLine})` });
      return;
    }
    seen.set(rows.order.id, line);
    batch.push(rows);
    if (batch.length >= BATCH) await flush();
  };

  // Shopify's export: consecutive rows of one order (same Id) make one order.
  let group: { key: string; line: number; records: CsvRecord[] } | null = null;
  const closeGroup = async () => {
    if (!group) return;
    const { line, records } = group;
    group = null;
    await accept(line, () => shopifyExportOrder(records, options));
  };

  for await (const { record, info } of parser as AsyncIterable<{ record: CsvRecord; info: { lines: number } }>) {
    if (headerError) throw new Error(headerError);
    summary.format = format ?? "plain";
    if (format === "plain") {
      await accept(info.lines, () => plainOrder(record, options));
    } else {
      const key = (record.Id ?? "").trim() || (record.Name ?? "").trim();
      if (group && group.key === key) group.records.push(record);
      else {
        await closeGroup();
        group = { key, line: info.lines, records: [record] };
      }
    }
  }
  if (headerError) throw new Error(headerError);
  await closeGroup();
  await flush();
  return summary;
}
