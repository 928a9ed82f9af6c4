// Streaming reader for the JSONL files bulk operations produce (pure: bytes in, typed records
// out). The file is never held whole: bytes are decoded and split into lines chunk by chunk, and
// records come out in bounded batches.
//
// Shape of a bulk query's output (https://shopify.dev/docs/api/usage/bulk-operations/queries):
// one JSON object per line; the nodes of a nested connection are lines of their own carrying
// `__parentId`, always after their parent but not necessarily right after it; lists that are
// not connections (`Order.refunds`) stay inline in their parent's line.
import type {
  BulkOrderNode,
  CustomerNode,
  LineItemNode,
  RefundHeaderNode,
  RefundLineItemNode,
} from "./order-rows";
import { errorMessage } from "#app/error-message";

/** Bytes from `fetch`'s body, a Node `Readable`, or any (async) iterable of chunks. */
export type ByteSource =
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array | string>;

export type BulkRecord =
  | { type: "Order"; line: number; node: BulkOrderNode }
  | { type: "Customer"; line: number; node: CustomerNode }
  | { type: "LineItem"; line: number; parentId: string; node: LineItemNode }
  | { type: "Refund"; line: number; parentId: string; node: RefundHeaderNode }
  | { type: "RefundLineItem"; line: number; parentId: string; node: RefundLineItemNode };

export type BulkRecordType = BulkRecord["type"];

/** A line that is not what a bulk file may hold; `line` is 1-based. */
export class JsonlError extends Error {
  constructor(
    readonly line: number,
    detail: string,
  ) {
    super(`line ${line}: ${detail}`);
    this.name = "JsonlError";
  }
}

const GID_PREFIX = "gid://shopify/";

// Which parent type each child type hangs under; roots have none.
const PARENT_TYPE: Record<BulkRecordType, string | null> = {
  Order: null,
  Customer: null,
  LineItem: "Order",
  Refund: "Order",
  RefundLineItem: "Refund",
};

/** "gid://shopify/LineItem/12" → "LineItem"; null when the value is not a Shopify GID. */
export function gidType(gid: unknown): string | null {
  if (typeof gid !== "string" || !gid.startsWith(GID_PREFIX)) return null;
  const end = gid.indexOf("/", GID_PREFIX.length);
  return end > GID_PREFIX.length ? gid.slice(GID_PREFIX.length, end) : null;
}

function isReadableStream(source: ByteSource): source is ReadableStream<Uint8Array> {
  return typeof (source as ReadableStream<Uint8Array>).getReader === "function";
}

async function* chunksOf(source: ByteSource): AsyncGenerator<Uint8Array | string> {
  if (!isReadableStream(source)) {
    yield* source;
    return;
  }
  const reader = source.getReader();
  let done = false;
  try {
    while (!done) {
      const next = await reader.read();
      done = next.done;
      if (next.value !== undefined) yield next.value;
    }
  } finally {
    // Stopped early (an error downstream): tell the producer, e.g. abort the download.
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** Non-empty lines with their 1-based numbers, a chunk's worth at a time. */
export async function* jsonlLines(source: ByteSource): AsyncGenerator<Array<{ line: number; text: string }>> {
  // `stream: true` keeps a multi-byte character split across chunks until its last byte comes.
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let pending = "";
  let lineNumber = 0;
  const decode = (chunk: Uint8Array | string, last: boolean) => {
    try {
      return typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: !last });
    } catch {
      throw new JsonlError(lineNumber + 1, "not valid UTF-8");
    }
  };
  const split = (text: string, last: boolean) => {
    const out: Array<{ line: number; text: string }> = [];
    let start = 0;
    for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
      lineNumber += 1;
      const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
      if (stop > start) out.push({ line: lineNumber, text: text.slice(start, stop) });
      start = end + 1;
    }
    pending = text.slice(start);
    if (last && pending.length > 0) {
      lineNumber += 1;
      const stop = pending.charCodeAt(pending.length - 1) === 13 ? pending.length - 1 : pending.length;
      if (stop > 0) out.push({ line: lineNumber, text: pending.slice(0, stop) });
      pending = "";
    }
    return out;
  };
  for await (const chunk of chunksOf(source)) {
    const lines = split(pending + decode(chunk, false), false);
    if (lines.length > 0) yield lines;
  }
  const lines = split(pending + decode(new Uint8Array(0), true), true);
  if (lines.length > 0) yield lines;
}

/** One parsed line → a typed record; throws a JsonlError naming the line. */
export function classifyLine(line: number, text: string): BulkRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new JsonlError(line, `not valid JSON (${errorMessage(error)})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new JsonlError(line, "expected a JSON object");
  }
  const object = value as Record<string, unknown>;
  const type = gidType(object.id);
  if (type === null) throw new JsonlError(line, `no Shopify GID in "id" (${JSON.stringify(object.id)})`);
  if (!(type in PARENT_TYPE)) throw new JsonlError(line, `unsupported object type ${type} (${object.id})`);
  const recordType = type as BulkRecordType;
  const parentType = PARENT_TYPE[recordType];
  const parentId = object.__parentId;
  if (parentType === null) {
    if (parentId !== undefined) throw new JsonlError(line, `${type} is a root object but has a __parentId`);
    // Fields are checked where records become rows (order-rows.ts), with the line number.
    return { type: recordType, line, node: object } as unknown as BulkRecord;
  }
  if (gidType(parentId) !== parentType) {
    throw new JsonlError(line, `${type} needs a __parentId of type ${parentType}, got ${JSON.stringify(parentId)}`);
  }
  return { type: recordType, line, parentId, node: object } as unknown as BulkRecord;
}

export interface ReadBulkOptions {
  /** Records per batch (the last one may be smaller). */
  batchSize?: number;
}

/** Typed records of a bulk JSONL file, in file order, in batches of at most `batchSize`. */
export async function* readBulkRecords(
  source: ByteSource,
  { batchSize = 10_000 }: ReadBulkOptions = {},
): AsyncGenerator<BulkRecord[]> {
  if (!(batchSize >= 1)) throw new RangeError("batchSize must be at least 1");
  let batch: BulkRecord[] = [];
  for await (const lines of jsonlLines(source)) {
    for (const { line, text } of lines) {
      batch.push(classifyLine(line, text));
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}
