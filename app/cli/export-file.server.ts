// `metryka export`: a registered export written to stdout, or to a file that appears whole or not
// at all (written beside it under a temporary name, then renamed), with English headings.
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { csvStream } from "#app/exports/csv.server";
import type { ExportDefinition } from "#app/exports/registry.server";

/**
 * Builds the export for `shop` (its query from `params`, as of `now`) and writes it to `out`, or
 * to stdout without one. A query the export refuses throws before anything is written; a failure
 * while writing leaves no file behind.
 */
export async function writeExport(definition: ExportDefinition, shop: string, params: URLSearchParams, now: Date, out?: string): Promise<void> {
  await definition.prepare?.(shop);
  const file = await definition.build(shop, params, now);
  const bytes = () => Readable.fromWeb(csvStream(file.header, file.rows) as WebReadableStream);
  if (!out) {
    await pipeline(bytes(), process.stdout, { end: false });
    return;
  }
  const target = path.resolve(out);
  const partial = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.partial`);
  try {
    await pipeline(bytes(), fs.createWriteStream(partial, { flags: "wx" }));
    await fs.promises.rename(partial, target);
  } catch (error) {
    await fs.promises.rm(partial, { force: true });
    throw error;
  }
}
