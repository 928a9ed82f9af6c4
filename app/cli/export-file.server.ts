// `metryka export`: a registered export written to stdout, or to a file that appears whole or not
// at all (written beside it under a temporary name, then renamed), with English headings.
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { csvStream } from "#app/exports/csv.server";
import type { ExportDefinition } from "#app/exports/registry.server";
import { RecomputingError, StoresRecomputingError } from "#app/metrics/context.server";
import { durationInUnits, type RebuildProgress } from "#app/metrics/rebuild-progress";
import { ensureDailyRollups } from "#app/metrics/rollups.server";

/** A recompute's zone and currency, and how long the store's last one took, as the app says it (durationInUnits). */
function recomputeText({ timeZone, currency, progress }: { timeZone: string; currency: string; progress: RebuildProgress | null }): string {
  if (!progress?.lastSeconds) return `${timeZone} and ${currency}`;
  const { value, unit } = durationInUnits(progress.lastSeconds);
  return `${timeZone} and ${currency} (its last recompute took ${value} ${unit}${value === 1 ? "" : "s"})`;
}

/**
 * Builds the export for `shop` (its query from `params`, as of `now`) and writes it to `out`, or
 * to stdout without one. A query the export refuses throws before anything is written; a failure
 * while writing leaves no file behind. While the shop's figures are being recomputed (after a
 * change of its time zone or currency), or those of some stores the file holds (a portfolio's
 * members), where a download answers 503 after a few seconds, the command line says so (`say`,
 * stderr by default, with how long each store's last recompute took) and waits for them, however
 * long: a script asking for a file would rather wait than fail.
 */
export async function writeExport(
  definition: ExportDefinition,
  shop: string,
  params: URLSearchParams,
  now: Date,
  out?: string,
  say: (line: string) => void = (line) => process.stderr.write(`metryka: ${line}\n`),
): Promise<void> {
  await definition.prepare?.(shop);
  const file = await definition.build(shop, params, now).catch(async (error: unknown) => {
    if (error instanceof RecomputingError) {
      say(`this store's numbers are being recomputed in ${recomputeText(error)}: the export waits for them`);
      await ensureDailyRollups(shop, error.timeZone, error.currency);
    } else if (error instanceof StoresRecomputingError) {
      const stores = error.stores.map((store) => `${store.name} (${store.shop}) in ${recomputeText(store)}`);
      say(`the numbers of ${stores.join("; ")} are being recomputed: the export waits for them`);
      await Promise.all(error.stores.map((store) => ensureDailyRollups(store.shop, store.timeZone, store.currency)));
    } else {
      throw error;
    }
    return definition.build(shop, params, now);
  });
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
