// CSV records from a stream of bytes, for `metryka import-orders` (pure: bytes in, records out),
// in bounded memory whatever the file holds.
//
// The grammar is RFC 4180's, as csv-parse reads it by default: fields separated by commas,
// records by CRLF, LF or CR; a field may be quoted ("...") and then hold commas, line breaks and
// doubled quotes (""); a UTF-8 byte order mark at the start is skipped; empty lines are skipped.
// csv-parse itself is not used here because it cannot go on after a record it gave up on: its
// `max_record_size` throws and stops the stream, and together with `skip_records_with_error` it
// drops every chunk that follows (csv-parse 6.2). Here a broken record is one record with a
// problem, and reading resumes after it:
// - a record longer than `maxRecordBytes` (a quote left open swallows the rest of the file) is
//   cut at the end of the physical line where it crossed the limit: its lines are one broken
//   record, and reading starts afresh on the next line;
// - a quote in the middle of an unquoted field, or a closing quote followed by something else
//   than a comma or a line break, makes the record broken (its fields before the problem are
//   kept), and the record goes on to the next line break outside quotes;
// - a field that is not valid UTF-8 or holds a NUL byte (PostgreSQL text cannot hold U+0000)
//   leaves the record whole but names the field.
// Line numbers are physical lines, 1-based: a quoted line break counts, so numbers are those an
// editor shows.
import { isUtf8 } from "node:buffer";

export type CsvProblem =
  /** The record's bytes cannot be read as CSV; `fields` holds the fields before the problem. */
  | { kind: "syntax"; detail: string }
  /** Field `column` (0-based) cannot be stored as text; every field is there. */
  | { kind: "encoding"; column: number; detail: string };

export interface CsvRecordRead {
  /** Line the record starts on. */
  line: number;
  /** Line it ends on: after `line` when a quoted field holds line breaks, or a record is cut. */
  lastLine: number;
  fields: string[];
  problem?: CsvProblem;
}

/** The file as a whole cannot be read as UTF-8 CSV. */
export class CsvFileError extends Error {}

const COMMA = 0x2c;
const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote inside a quoted field: the next byte says whether it closes the field. */
  QuoteInQuoted,
  /** The record crossed the size limit: skipping to the end of the physical line. */
  Skip,
}

export const NOT_UTF8 = "is not valid UTF-8";
export const HAS_NUL = "contains a NUL character (U+0000), which the database cannot store";

/** Incremental reader: `push` chunks, then `end`; each returns the records it completed. */
export class CsvRecordReader {
  private readonly maxRecordBytes: number;
  private state = State.FieldStart;
  private started = false; // whether the current record has a byte yet
  private recordBytes = 0;
  private line = 1;
  private recordLine = 1;
  private quoteLine = 1;
  private afterCR = false;
  private fields: string[] = [];
  private problem: CsvProblem | undefined;
  private field = Buffer.allocUnsafe(256);
  private fieldLength = 0;
  private fieldHasNul = false;
  private fieldHasHighBytes = false;
  private start: Buffer | null = Buffer.alloc(0); // bytes before the BOM check, then null
  private out: CsvRecordRead[] = [];

  constructor({ maxRecordBytes }: { maxRecordBytes: number }) {
    if (!(maxRecordBytes >= 16)) throw new RangeError("maxRecordBytes must be at least 16");
    this.maxRecordBytes = maxRecordBytes;
  }

  push(chunk: Uint8Array): CsvRecordRead[] {
    let bytes: Uint8Array = chunk;
    if (this.start !== null) {
      const head = Buffer.concat([this.start, chunk]);
      if (head.length < 3) {
        this.start = head;
        return [];
      }
      this.start = null;
      bytes = this.skipByteOrderMark(head);
    }
    this.scan(bytes);
    return this.take();
  }

  end(): CsvRecordRead[] {
    if (this.start !== null) {
      const head = this.start;
      this.start = null;
      this.scan(this.skipByteOrderMark(head));
    }
    if (this.state === State.Quoted && this.started) {
      this.fail(`a quoted field opened on line ${this.quoteLine} is not closed by the end of the file`);
    }
    if (this.started) {
      if (this.state !== State.Skip) this.endField();
      this.endRecord(this.line);
    }
    return this.take();
  }

  private take(): CsvRecordRead[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private skipByteOrderMark(head: Buffer): Buffer {
    if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return head.subarray(3);
    if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
      throw new CsvFileError("the file is UTF-16: save it as UTF-8 (CSV UTF-8) and import it again");
    }
    return head;
  }

  private scan(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i];
      if (this.afterCR) {
        this.afterCR = false;
        // The LF of a CRLF: the line break was counted (and the record ended) at the CR.
        if (byte === LF) {
          if (this.state === State.Quoted) this.append(byte);
          continue;
        }
      }
      const lineBreak = byte === CR || byte === LF;
      if (!this.started) {
        if (lineBreak) {
          // An empty line.
          this.newLine(byte);
          continue;
        }
        this.started = true;
        this.recordLine = this.line;
      }
      if (this.state !== State.Skip && ++this.recordBytes > this.maxRecordBytes) {
        this.fail(
          this.state === State.Quoted || this.state === State.QuoteInQuoted
            ? `a quoted field opened on line ${this.quoteLine} is not closed within ${this.maxRecordBytes} bytes (a quote left open?)`
            : `the record is longer than ${this.maxRecordBytes} bytes`,
        );
        this.state = State.Skip;
        this.fieldLength = 0;
      }
      switch (this.state) {
        case State.Skip:
          if (lineBreak) {
            const last = this.line;
            this.newLine(byte);
            this.endRecord(last);
          }
          break;
        case State.Quoted:
          if (byte === QUOTE) this.state = State.QuoteInQuoted;
          else {
            this.append(byte);
            if (lineBreak) this.newLine(byte);
          }
          break;
        case State.QuoteInQuoted:
          if (byte === QUOTE) {
            this.append(byte);
            this.state = State.Quoted;
            break;
          }
          if (byte !== COMMA && !lineBreak) {
            this.fail(`a closing quote on line ${this.line} is followed by other characters than a comma or a line break`);
            this.state = State.Unquoted;
            this.append(byte);
            break;
          }
          this.endOfUnquoted(byte, lineBreak);
          break;
        case State.FieldStart:
          if (byte === QUOTE) {
            this.state = State.Quoted;
            this.quoteLine = this.line;
            break;
          }
          this.state = State.Unquoted;
          this.endOfUnquoted(byte, lineBreak);
          break;
        case State.Unquoted:
          this.endOfUnquoted(byte, lineBreak);
          break;
      }
    }
  }

  /** A byte outside quotes: a separator, a line break, or the field's content. */
  private endOfUnquoted(byte: number, lineBreak: boolean): void {
    if (byte === COMMA) {
      this.endField();
      this.state = State.FieldStart;
    } else if (lineBreak) {
      this.endField();
      const last = this.line;
      this.newLine(byte);
      this.endRecord(last);
    } else {
      if (byte === QUOTE) this.fail(`a quote on line ${this.line} is inside a field that does not start with one`);
      this.state = State.Unquoted;
      this.append(byte);
    }
  }

  private newLine(byte: number): void {
    this.line++;
    if (byte === CR) this.afterCR = true;
  }

  private append(byte: number): void {
    if (this.fieldLength === this.field.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.field.length * 2, this.maxRecordBytes + 1));
      this.field.copy(grown, 0, 0, this.fieldLength);
      this.field = grown;
    }
    this.field[this.fieldLength++] = byte;
    if (byte === 0) this.fieldHasNul = true;
    else if (byte >= 0x80) this.fieldHasHighBytes = true;
  }

  private endField(): void {
    const bytes = this.field.subarray(0, this.fieldLength);
    if (this.problem?.kind !== "syntax") {
      const column = this.fields.length;
      if (!this.problem && this.fieldHasNul) this.problem = { kind: "encoding", column, detail: HAS_NUL };
      else if (!this.problem && this.fieldHasHighBytes && !isUtf8(bytes)) this.problem = { kind: "encoding", column, detail: NOT_UTF8 };
      this.fields.push(bytes.toString("utf8"));
    }
    this.fieldLength = 0;
    this.fieldHasNul = false;
    this.fieldHasHighBytes = false;
  }

  /** The record is broken: its fields so far are kept, no later one. */
  private fail(detail: string): void {
    if (this.problem?.kind !== "syntax") this.problem = { kind: "syntax", detail };
  }

  private endRecord(lastLine: number): void {
    this.out.push({ line: this.recordLine, lastLine, fields: this.fields, ...(this.problem ? { problem: this.problem } : {}) });
    this.fields = [];
    this.problem = undefined;
    this.started = false;
    this.recordBytes = 0;
    this.state = State.FieldStart;
    this.fieldLength = 0;
    this.fieldHasNul = false;
    this.fieldHasHighBytes = false;
    // A record can grow the field buffer to the limit: do not keep that for the next ones.
    if (this.field.length > 64 * 1024) this.field = Buffer.allocUnsafe(256);
  }
}

/** The records of a byte stream (a file, a Readable), a chunk's worth at a time. */
export async function* readCsvRecords(
  source: AsyncIterable<Uint8Array | string>,
  options: { maxRecordBytes: number },
): AsyncGenerator<CsvRecordRead[]> {
  const reader = new CsvRecordReader(options);
  for await (const chunk of source) {
    const records = reader.push(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk);
    if (records.length > 0) yield records;
  }
  const last = reader.end();
  if (last.length > 0) yield last;
}
