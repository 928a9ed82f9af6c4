// GIVEN the bytes of a bulk operation's JSONL, cut into chunks anywhere, WHEN they are read as a
// stream, THEN the same typed records come out as from the whole file, with their line numbers,
// and a line that does not belong in the file stops the read naming that line.
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { gidType, JsonlError, jsonlLines, readBulkRecords, type BulkRecord, type ByteSource } from "./jsonl";

const money = (amount: string) => ({ shopMoney: { amount, currencyCode: "EUR" } });

const order = (id: number, name: string) => ({
  id: `gid://shopify/Order/${id}`,
  name,
  createdAt: "2026-03-01T10:00:00Z",
  updatedAt: "2026-03-02T10:00:00Z",
  processedAt: "2026-03-01T10:00:00Z",
  cancelledAt: null,
  test: false,
  currencyCode: "EUR",
  taxesIncluded: true,
  sourceName: "web",
  customer: { id: "gid://shopify/Customer/7" },
  totalDiscountsSet: money("0.00"),
  totalShippingPriceSet: money("4.90"),
  totalTaxSet: money("3.00"),
  totalPriceSet: money("24.90"),
  totalRefundedSet: money("0.00"),
  refunds: [],
});
const lineItem = (id: number, orderId: number) => ({
  id: `gid://shopify/LineItem/${id}`,
  quantity: 2,
  originalUnitPriceSet: money("10.00"),
  __parentId: `gid://shopify/Order/${orderId}`,
});
const customer = (id: number) => ({
  id: `gid://shopify/Customer/${id}`,
  createdAt: "2026-01-01T00:00:00Z",
  updatedAt: "2026-01-02T00:00:00Z",
});

const jsonl = (...objects: unknown[]) => objects.map((o) => JSON.stringify(o)).join("\n") + "\n";

async function* chunked(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    yield bytes.slice(start, cut);
    start = cut;
  }
}

async function readAll(source: ByteSource, batchSize = 1000): Promise<BulkRecord[][]> {
  const batches: BulkRecord[][] = [];
  for await (const batch of readBulkRecords(source, { batchSize })) batches.push(batch);
  return batches;
}

const summary = (records: BulkRecord[]) =>
  records.map((r) => ({ type: r.type, line: r.line, id: r.node.id, parentId: "parentId" in r ? r.parentId : null }));

async function readError(source: ByteSource): Promise<JsonlError> {
  try {
    await readAll(source);
  } catch (error) {
    if (error instanceof JsonlError) return error;
    throw error;
  }
  throw new Error("expected the read to fail");
}

describe("gidType", () => {
  it.each([
    ["gid://shopify/Order/1", "Order"],
    ["gid://shopify/RefundLineItem/99?x=1", "RefundLineItem"],
    ["gid://other/Order/1", null],
    ["gid://shopify/", null],
    [42, null],
  ])("%s → %s", (gid, type) => {
    expect(gidType(gid)).toBe(type);
  });
});

describe("readBulkRecords", () => {
  it("reads the same records whatever the chunk boundaries, including inside a multi-byte character", async () => {
    const text = jsonl(order(1, "Café ☕ №1 🎉"), lineItem(11, 1), customer(7));
    const bytes = new TextEncoder().encode(text);
    const whole = (await readAll([bytes])).flat();
    expect(summary(whole)).toEqual([
      { type: "Order", line: 1, id: "gid://shopify/Order/1", parentId: null },
      { type: "LineItem", line: 2, id: "gid://shopify/LineItem/11", parentId: "gid://shopify/Order/1" },
      { type: "Customer", line: 3, id: "gid://shopify/Customer/7", parentId: null },
    ]);
    expect((whole[0].node as { name: string }).name).toBe("Café ☕ №1 🎉");

    // Every single cut, and one-byte chunks: boundaries land inside lines, at "\n", and inside
    // the 2-, 3- and 4-byte characters of the name.
    const emoji = text.indexOf("🎉");
    const emojiByte = new TextEncoder().encode(text.slice(0, emoji)).length;
    for (const cuts of [[emojiByte + 1], [emojiByte + 2], [emojiByte + 3], [text.indexOf("\n")], [5, 6, 7]]) {
      expect((await readAll(chunked(bytes, cuts))).flat()).toEqual(whole);
    }
    for (let cut = 1; cut < bytes.length; cut++) {
      expect((await readAll(chunked(bytes, [cut]))).flat()).toEqual(whole);
    }
    const oneByte = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
    expect((await readAll(chunked(bytes, oneByte))).flat()).toEqual(whole);
  });

  it("accepts CRLF line ends, empty lines and a last line without a newline, keeping line numbers", async () => {
    const text = `${JSON.stringify(order(1, "#1"))}\r\n\r\n\n${JSON.stringify(customer(7))}\r\n${JSON.stringify(lineItem(11, 1))}`;
    const records = (await readAll([new TextEncoder().encode(text)])).flat();
    expect(summary(records)).toEqual([
      { type: "Order", line: 1, id: "gid://shopify/Order/1", parentId: null },
      { type: "Customer", line: 4, id: "gid://shopify/Customer/7", parentId: null },
      { type: "LineItem", line: 5, id: "gid://shopify/LineItem/11", parentId: "gid://shopify/Order/1" },
    ]);
  });

  it("keeps a CR that is split from its LF by a chunk boundary out of the line", async () => {
    const text = `${JSON.stringify(customer(1))}\r\n${JSON.stringify(customer(2))}\r\n`;
    const bytes = new TextEncoder().encode(text);
    const records = (await readAll(chunked(bytes, [text.indexOf("\r") + 1]))).flat();
    expect(records.map((r) => r.node.id)).toEqual(["gid://shopify/Customer/1", "gid://shopify/Customer/2"]);
  });

  it("yields children where they are in the file, however far after their parent", async () => {
    const lines = [order(1, "#1"), order(2, "#2"), customer(5), order(3, "#3"), lineItem(31, 3), lineItem(11, 1)];
    const records = (await readAll([jsonl(...lines)])).flat();
    expect(summary(records).slice(4)).toEqual([
      { type: "LineItem", line: 5, id: "gid://shopify/LineItem/31", parentId: "gid://shopify/Order/3" },
      { type: "LineItem", line: 6, id: "gid://shopify/LineItem/11", parentId: "gid://shopify/Order/1" },
    ]);
  });

  it("classifies refunds and refund line items by their GID and parent", async () => {
    const refund = {
      id: "gid://shopify/Refund/50",
      createdAt: null,
      processedAt: "2026-03-05T00:00:00Z",
      totalRefundedSet: money("10.00"),
      __parentId: "gid://shopify/Order/1",
    };
    const refundLine = {
      id: "gid://shopify/RefundLineItem/500",
      quantity: 1,
      subtotalSet: money("8.00"),
      totalTaxSet: money("2.00"),
      __parentId: "gid://shopify/Refund/50",
    };
    const records = (await readAll([jsonl(order(1, "#1"), refund, refundLine)])).flat();
    expect(records.map((r) => r.type)).toEqual(["Order", "Refund", "RefundLineItem"]);
  });

  it("groups records in batches of the requested size", async () => {
    const batches = await readAll([jsonl(customer(1), customer(2), customer(3), customer(4), customer(5))], 2);
    expect(batches.map((b) => b.map((r) => r.line))).toEqual([[1, 2], [3, 4], [5]]);
  });

  it("reads a web ReadableStream (a fetch body) and a Node Readable", async () => {
    const text = jsonl(customer(1), customer(2));
    const web = new Blob([text]).stream();
    const node = Readable.from([Buffer.from(text.slice(0, 10)), Buffer.from(text.slice(10))]);
    expect((await readAll(web)).flat().map((r) => r.line)).toEqual([1, 2]);
    expect((await readAll(node)).flat().map((r) => r.line)).toEqual([1, 2]);
  });

  it("rejects an object type the app does not store, naming its line", async () => {
    const error = await readError([jsonl(customer(1), customer(2), { id: "gid://shopify/Product/9" })]);
    expect(error.line).toBe(3);
    expect(error.message).toBe("line 3: unsupported object type Product (gid://shopify/Product/9)");
  });

  it("rejects a malformed line, naming its line even when it spans chunks", async () => {
    const text = jsonl(customer(1)) + "\n" + '{"id": "gid://shopify/Customer/2", oops}\n' + jsonl(customer(3));
    const bytes = new TextEncoder().encode(text);
    const error = await readError(chunked(bytes, [text.indexOf("oops")]));
    expect(error.line).toBe(3);
    expect(error.message).toMatch(/^line 3: not valid JSON/);
  });

  it.each([
    ["a line that is not an object", "[1,2]", "line 2: expected a JSON object"],
    ["an object without a GID", '{"id": 12}', 'line 2: no Shopify GID in "id" (12)'],
    [
      "a child without its parent",
      JSON.stringify({ ...lineItem(1, 1), __parentId: undefined }),
      "line 2: LineItem needs a __parentId of type Order, got undefined",
    ],
    [
      "a child under the wrong type of parent",
      JSON.stringify({ ...lineItem(1, 1), __parentId: "gid://shopify/Customer/1" }),
      'line 2: LineItem needs a __parentId of type Order, got "gid://shopify/Customer/1"',
    ],
    [
      "a root object with a parent",
      JSON.stringify({ ...customer(1), __parentId: "gid://shopify/Order/1" }),
      "line 2: Customer is a root object but has a __parentId",
    ],
  ])("rejects %s", async (_, line, message) => {
    const error = await readError([jsonl(customer(9)) + line + "\n"]);
    expect(error.message).toBe(message);
  });

  it("rejects bytes that are not UTF-8", async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode(jsonl(customer(1))), 0x7b, 0xff, 0xfe, 0x7d, 0x0a]);
    const error = await readError([bytes]);
    expect(error.message).toMatch(/not valid UTF-8/);
  });
});

describe("jsonlLines", () => {
  it("takes the CR of a CRLF off the line, also when a chunk ends between CR and LF", async () => {
    const got: string[] = [];
    for await (const lines of jsonlLines(["a\r", "\nb\r\n", "c\r"])) got.push(...lines.map((l) => l.text));
    expect(got).toEqual(["a", "b", "c"]);
  });

  it("does not wait for the end of the stream to give the lines it has", async () => {
    let released!: () => void;
    const gate = new Promise<void>((resolve) => (released = resolve));
    async function* source() {
      yield "a\nb\n";
      await gate;
      yield "c\n";
    }
    const lines = jsonlLines(source());
    const first = await lines.next();
    expect(first.value).toEqual([
      { line: 1, text: "a" },
      { line: 2, text: "b" },
    ]);
    released();
    expect((await lines.next()).value).toEqual([{ line: 3, text: "c" }]);
    expect((await lines.next()).done).toBe(true);
  });
});
