// GIVEN a CSV file of 200,000 lines streamed to the import (a quarter good orders, a quarter ids
// seen before, near and far back, half bad lines), WHEN it is imported, THEN every line is
// accounted for (duplicates found across batches, rejections reported as they come, in line
// order) and the import's memory does not grow with the file: the JavaScript heap, measured
// after full garbage collections, ends where it was a tenth of the way in, within a margin far
// below what keeping anything per line would take (150,000 rejections alone are over 15 MB).
import { Readable } from "node:stream";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { beforeAll, describe, expect, it } from "vitest";
import prisma from "#app/db.server";
import { truncateAll } from "../../tests/support/database";
import { importOrders, type ImportSummary } from "./import-orders.server";

const SHOP = "large.myshopify.com";
const LINES = 200_000;
const FAR_BACK = 20_000;

// Full collections on demand, without starting the test process with --expose-gc.
v8.setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Data line k (0-based) is on file line k + 2. */
function line(k: number): string {
  const day = `2026-${String((k % 12) + 1).padStart(2, "0")}-${String((k % 28) + 1).padStart(2, "0")}`;
  switch (k % 4) {
    case 0:
      return `${k + 1},${(k % 5000) + 1},${day},12.34`;
    case 1: {
      // The id of a good line: the one just before (same batch) or one far back (an earlier batch).
      const first = k - 1 >= FAR_BACK ? k - 1 - FAR_BACK : k - 1;
      return `${first + 1},7,${day},1.00`;
    }
    case 2:
      return `${k + 1},7,${day},1.234`;
    default:
      return `${k + 1},7\u00008,${day},1.00`;
  }
}

function* file(): Generator<string> {
  yield "id,customer_id,processed_at,total\n";
  for (let k = 0; k < LINES; k += 1000) {
    let chunk = "";
    for (let i = k; i < Math.min(LINES, k + 1000); i++) chunk += `${line(i)}\n`;
    yield chunk;
  }
}

function expectedReason(fileLine: number): string {
  const k = fileLine - 2;
  if (k % 4 === 1) {
    const first = k - 1 >= FAR_BACK ? k - 1 - FAR_BACK : k - 1;
    return `order ${first + 1} appears again (first on line ${first + 2})`;
  }
  if (k % 4 === 2) return 'total has more decimals than USD allows: "1.234"';
  return "customer_id contains a NUL character (U+0000), which the database cannot store";
}

describe("import-orders on a large file", () => {
  let summary: ImportSummary;
  let rejections = 0;
  let outOfOrder = 0;
  let wrongReasons = 0;
  const heap: Array<{ read: number; used: number }> = [];

  beforeAll(async () => {
    await truncateAll();
    let lastLine = 0;
    let nextSample = 0;
    summary = await importOrders(
      Readable.from(file()),
      { shop: SHOP, timeZone: "UTC", currency: "USD" },
      {
        onRejected: ({ line: at, reason }) => {
          rejections += 1;
          if (at <= lastLine) outOfOrder += 1;
          lastLine = at;
          if (reason !== expectedReason(at)) wrongReasons += 1;
        },
        onProgress: (read) => {
          // About twenty samples, whatever the batch size.
          if (read < nextSample) return;
          nextSample = read + LINES / 20;
          gc();
          heap.push({ read, used: process.memoryUsage().heapUsed });
        },
      },
    );
  }, 300_000);

  it("accounts for every line: a quarter imported, the rest rejected with the right reason, in line order", async () => {
    expect(summary).toEqual({ format: "plain", orders: LINES, imported: LINES / 4, written: LINES / 4, rejected: (LINES * 3) / 4 });
    expect(rejections).toBe((LINES * 3) / 4);
    expect({ outOfOrder, wrongReasons }).toEqual({ outOfOrder: 0, wrongReasons: 0 });
    expect(await prisma.order.count({ where: { shop: SHOP } })).toBe(LINES / 4);
  });

  it("keeps its memory flat from a tenth of the way in to the end", () => {
    const warm = heap.find((sample) => sample.read >= LINES / 10)!;
    const later = heap.filter((sample) => sample.read > warm.read);
    expect(later.length).toBeGreaterThan(5);
    const growth = Math.max(...later.map((sample) => sample.used)) - warm.used;
    expect(growth).toBeLessThan(8 * 1024 * 1024);
  });
});
