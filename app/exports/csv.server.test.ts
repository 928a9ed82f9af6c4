// CSV files: hostile cells neutralised, quoting by the library, a BOM and CRLF lines, names that
// say what the file holds, and a stream that waits for its reader.
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { csvStream, csvText, exportFileName, neutralise } from "./csv.server";

describe("CSV exports", () => {
  it("neutralises every text a spreadsheet would run as a formula, and leaves numbers and plain text alone", () => {
    expect(neutralise("=HYPERLINK(\"http://evil\",\"x\")")).toBe("'=HYPERLINK(\"http://evil\",\"x\")");
    expect(neutralise("+1+cmd|' /C calc'!A0")).toBe("'+1+cmd|' /C calc'!A0");
    expect(neutralise("-2+3")).toBe("'-2+3");
    expect(neutralise("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(neutralise("\t=1")).toBe("'\t=1");
    expect(neutralise("\r=1")).toBe("'\r=1");
    expect(neutralise("-12.50")).toBe("-12.50");
    expect(neutralise("+48")).toBe("+48");
    expect(neutralise(-1250)).toBe(-1250);
    expect(neutralise("Net sales")).toBe("Net sales");
    expect(neutralise("a=b")).toBe("a=b");
    expect(neutralise(null)).toBeNull();
    expect(neutralise(undefined)).toBeNull();
  });

  it("writes a BOM, a header row and CRLF lines, quoting what needs it, and reads back as written", async () => {
    const rows = [["Zażółć, \"gęślą\"\njaźń", "-12.50"], ["=1+1", 3], [null, true]];
    const bytes = Buffer.from(await new Response(csvStream(["Name", "Amount"], rows)).arrayBuffer());
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const text = await csvText(["Name", "Amount"], rows);
    expect(text.startsWith("Name,Amount\r\n")).toBe(true);
    expect(parse(text, { bom: true, record_delimiter: "\r\n" })).toEqual([
      ["Name", "Amount"],
      ["Zażółć, \"gęślą\"\njaźń", "-12.50"],
      ["'=1+1", "3"],
      ["", "1"],
    ]);
  });

  it("streams rows as the reader takes them, not all at once", async () => {
    let produced = 0;
    function* rows() {
      for (let i = 0; i < 200_000; i++) {
        produced++;
        yield [i, "x".repeat(100)];
      }
    }
    const reader = csvStream(["n", "pad"], rows()).getReader();
    await reader.read();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // A reader that stopped after one chunk left most rows unmade.
    expect(produced).toBeLessThan(200_000);
    let bytes = 0;
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) bytes += chunk.value.length;
    expect(produced).toBe(200_000);
    expect(bytes).toBeGreaterThan(200_000 * 100);
  });

  it("names a file by table, range, currency and settings, in characters every system accepts", () => {
    expect(exportFileName("sales-by-month", { from: "2026-01-01", lastDay: "2026-06-30", currency: "PLN", settings: ["returns-on-refund-date"] })).toBe(
      "metryka-sales-by-month-2026-01-01_2026-06-30-PLN-returns-on-refund-date.csv",
    );
    expect(exportFileName("a/b c", { from: "x", lastDay: "y", currency: "EUR" })).toBe("metryka-a-b-c-x_y-EUR.csv");
  });
});
