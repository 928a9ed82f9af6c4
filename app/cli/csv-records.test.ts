// Reading CSV records in bounded memory: the grammar csv-parse reads, the same records however
// the bytes are cut into chunks, and a broken record that never stops the reading.
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { CsvFileError, CsvRecordReader, HAS_NUL, NOT_UTF8, type CsvRecordRead } from "./csv-records";

function read(input: Buffer | string, { maxRecordBytes = 1024, chunk = Infinity }: { maxRecordBytes?: number; chunk?: number } = {}): CsvRecordRead[] {
  const bytes = typeof input === "string" ? Buffer.from(input, "utf8") : input;
  const reader = new CsvRecordReader({ maxRecordBytes });
  const out: CsvRecordRead[] = [];
  for (let i = 0; i < bytes.length; i += chunk) out.push(...reader.push(bytes.subarray(i, Math.min(bytes.length, i + chunk))));
  out.push(...reader.end());
  return out;
}

/** Every way of cutting the input in two, and byte by byte, gives the same records. */
function readEveryWay(input: Buffer | string, options: { maxRecordBytes?: number } = {}): CsvRecordRead[] {
  const whole = read(input, options);
  const bytes = typeof input === "string" ? Buffer.from(input, "utf8") : input;
  expect(read(bytes, { ...options, chunk: 1 })).toEqual(whole);
  for (let cut = 1; cut < bytes.length; cut++) {
    const reader = new CsvRecordReader({ maxRecordBytes: options.maxRecordBytes ?? 1024 });
    const records = [...reader.push(bytes.subarray(0, cut)), ...reader.push(bytes.subarray(cut)), ...reader.end()];
    expect(records).toEqual(whole);
  }
  return whole;
}

describe("CSV records", () => {
  it.each([
    ["plain", "a,b,c\n1,2,3\n"],
    ["no final line break", "a,b\n1,2"],
    ["CRLF", "a,b\r\n1,2\r\n"],
    ["CR", "a,b\r1,2\r"],
    ["quoted commas, quotes and line breaks", 'a,b\n"x, ""y""","line\r\nbreak"\n3,""\n'],
    ["empty fields", "a,b,c\n,,\n1,,\n"],
    ["empty lines", "a,b\n\n1,2\n\n\n3,4\n"],
    ["empty CRLF lines", "a,b\r\n\r\n1,2\r\n\r\n"],
    ["a byte order mark", "\uFEFFa,b\n1,2\n"],
    ["multi-byte characters", "name,city\nZoë,Kraków\n☕,東京\n"],
    ["ragged rows", "a,b,c\n1\n1,2,3,4\n"],
  ])("reads %s as csv-parse does", (_what, text) => {
    const records = readEveryWay(text);
    expect(records.map((r) => r.fields)).toEqual(parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true }));
    expect(records.every((r) => r.problem === undefined)).toBe(true);
  });

  it("takes CRLF, LF and CR as line breaks even when a file mixes them", () => {
    // csv-parse would keep to the first kind it meets, and read "2\r" here.
    expect(readEveryWay("a,b\n1,2\r\n3,4\r5,6").map((r) => r.fields)).toEqual([["a", "b"], ["1", "2"], ["3", "4"], ["5", "6"]]);
  });

  it("numbers physical lines, counting the line breaks inside quotes", () => {
    const records = readEveryWay('h\n\n"a\nb"\r\nc\r\n"d\r\ne\r\nf"\n\ng');
    expect(records.map(({ line, lastLine }) => [line, lastLine])).toEqual([
      [1, 1],
      [3, 4],
      [5, 5],
      [6, 8],
      [10, 10],
    ]);
  });

  it("cuts a quote left open at the size limit, as one broken record of the lines it swallowed, and reads on", () => {
    const lines = ["id,total", "1,10", '2,"20', ...Array.from({ length: 40 }, (_, i) => `${i + 3},30`), "99,40", "100,50"];
    // Each swallowed line is 5 or 6 bytes: 64 bytes are crossed on line 14.
    const records = readEveryWay(lines.join("\n") + "\n", { maxRecordBytes: 64 });
    expect(records.slice(0, 3)).toEqual([
      { line: 1, lastLine: 1, fields: ["id", "total"] },
      { line: 2, lastLine: 2, fields: ["1", "10"] },
      {
        line: 3,
        lastLine: 14,
        fields: ["2"],
        problem: { kind: "syntax", detail: "a quoted field opened on line 3 is not closed within 64 bytes (a quote left open?)" },
      },
    ]);
    // Reading starts afresh on line 15.
    expect(records[3]).toEqual({ line: 15, lastLine: 15, fields: ["14", "30"] });
    expect(records.at(-1)).toEqual({ line: 45, lastLine: 45, fields: ["100", "50"] });
    expect(records).toHaveLength(3 + 31);
  });

  it("cuts an over-long unquoted line at its end", () => {
    const records = readEveryWay(`a,b\n1,${"x".repeat(100)},y\n2,z\n`, { maxRecordBytes: 32 });
    expect(records.map((r) => [r.line, r.lastLine, r.problem?.kind ?? null])).toEqual([
      [1, 1, null],
      [2, 2, "syntax"],
      [3, 3, null],
    ]);
    expect(records[1].problem).toEqual({ kind: "syntax", detail: "the record is longer than 32 bytes" });
  });

  it("reports a quote still open at the end of the file", () => {
    expect(readEveryWay('a,b\n1,"2\n3,4\n')).toEqual([
      { line: 1, lastLine: 1, fields: ["a", "b"] },
      { line: 2, lastLine: 4, fields: ["1"], problem: { kind: "syntax", detail: "a quoted field opened on line 2 is not closed by the end of the file" } },
    ]);
  });

  it("reports stray quotes on their own line and reads the next", () => {
    expect(readEveryWay('a,b\n1,2"5\n"3"x,4\n5,6\n')).toEqual([
      { line: 1, lastLine: 1, fields: ["a", "b"] },
      { line: 2, lastLine: 2, fields: ["1"], problem: { kind: "syntax", detail: "a quote on line 2 is inside a field that does not start with one" } },
      {
        line: 3,
        lastLine: 3,
        fields: [],
        problem: { kind: "syntax", detail: "a closing quote on line 3 is followed by other characters than a comma or a line break" },
      },
      { line: 4, lastLine: 4, fields: ["5", "6"] },
    ]);
  });

  it("names the field holding bytes that are not UTF-8 or a NUL, and keeps the record whole", () => {
    const bytes = Buffer.concat([Buffer.from("a,b,c\n1,Jos"), Buffer.from([0xe9]), Buffer.from(",3\n4,5,6\u0000\n\u00e9,\"\u0000\",x\n7,8,9\n")]);
    const records = readEveryWay(bytes);
    expect(records.map((r) => [r.line, r.fields.length, r.problem ?? null])).toEqual([
      [1, 3, null],
      [2, 3, { kind: "encoding", column: 1, detail: NOT_UTF8 }],
      [3, 3, { kind: "encoding", column: 2, detail: HAS_NUL }],
      [4, 3, { kind: "encoding", column: 1, detail: HAS_NUL }],
      [5, 3, null],
    ]);
    // A UTF-8 sequence cut across chunks is still valid (readEveryWay cut it everywhere).
    expect(read("a\n€\n", { chunk: 1 })[1]).toEqual({ line: 2, lastLine: 2, fields: ["€"] });
  });

  it("refuses a UTF-16 file as a whole", () => {
    expect(() => read(Buffer.from("\uFEFFa,b\n", "utf16le"))).toThrow(CsvFileError);
  });

  it("never holds more than the size limit of one record", () => {
    // A 4 MB line and a 4 MB open quote, read in 64 KiB chunks, with a 1 KiB limit.
    const reader = new CsvRecordReader({ maxRecordBytes: 1024 });
    const chunk = Buffer.alloc(64 * 1024, "x");
    const records: CsvRecordRead[] = [...reader.push(Buffer.from("a\n"))];
    for (let i = 0; i < 64; i++) records.push(...reader.push(chunk));
    records.push(...reader.push(Buffer.from('\n"')));
    for (let i = 0; i < 64; i++) records.push(...reader.push(chunk));
    records.push(...reader.push(Buffer.from("\nok\n")), ...reader.end());
    expect(records.map((r) => [r.line, r.lastLine, r.problem?.kind ?? null, r.fields.join("").length])).toEqual([
      [1, 1, null, 1],
      [2, 2, "syntax", 0],
      [3, 3, "syntax", 0],
      [4, 4, null, 2],
    ]);
    expect((reader as unknown as { field: Buffer }).field.length).toBeLessThanOrEqual(1025);
  });
});
