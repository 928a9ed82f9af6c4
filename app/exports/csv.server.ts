// CSV files for merchants: a header row, then rows, written by csv-stringify as a stream (so a
// large table is never held whole), with every text cell that a spreadsheet would read as a
// formula neutralised, and file names that say what the file holds.
import { Readable } from "node:stream";
import { stringify } from "csv-stringify";

export type Cell = string | number | boolean | null | undefined;

/** A text starting with one of these is a formula to Excel, LibreOffice and Google Sheets. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** ...unless it is a plain number, which a spreadsheet reads as a number whatever its sign. */
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

/**
 * The cell as written: a text that would start a formula gets a leading apostrophe (OWASP's
 * advice for CSV injection), so it shows as the text it is. Numbers stay numbers.
 */
export function neutralise(cell: Cell): string | number | boolean | null {
  if (cell === undefined || cell === null) return null;
  if (typeof cell !== "string") return cell;
  return FORMULA_START.test(cell) && !PLAIN_NUMBER.test(cell) ? `'${cell}` : cell;
}

/** The file as a byte stream: UTF-8 with a BOM (Excel then reads accents right), CRLF lines. */
export function csvStream(header: readonly string[], rows: Iterable<readonly Cell[]> | AsyncIterable<readonly Cell[]>): ReadableStream<Uint8Array> {
  const stringifier = stringify({ bom: true, record_delimiter: "windows" });
  (async () => {
    try {
      stringifier.write(header.map(neutralise));
      for await (const row of rows) {
        // Waits while the reader is behind: memory stays flat for any number of rows.
        if (!stringifier.write(row.map(neutralise))) await new Promise((resolve) => stringifier.once("drain", resolve));
      }
      stringifier.end();
    } catch (error) {
      stringifier.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  })();
  // Node's bridge keeps the back-pressure: rows are made as fast as the reader takes bytes.
  return Readable.toWeb(stringifier) as ReadableStream<Uint8Array>;
}

/** The whole file as text (the command line, tests). */
export async function csvText(header: readonly string[], rows: Iterable<readonly Cell[]> | AsyncIterable<readonly Cell[]>): Promise<string> {
  return new Response(csvStream(header, rows)).text();
}

/**
 * `metryka-<table>-<from>_<last day>-<currency>[-<setting>…].csv`: what, when, in which currency
 * and under which settings, so two exports are never mistaken for each other.
 */
export function exportFileName(table: string, parts: { from: string; lastDay: string; currency: string; settings?: readonly string[] }): string {
  const words = [table, `${parts.from}_${parts.lastDay}`, parts.currency, ...(parts.settings ?? [])];
  return `metryka-${words.map((word) => word.replace(/[^A-Za-z0-9_.-]+/g, "-")).join("-")}.csv`;
}

/** A download response for a CSV stream. */
export function csvResponse(fileName: string, body: ReadableStream<Uint8Array>): Response {
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${fileName}"`,
      "Cache-Control": "no-store",
    },
  });
}
