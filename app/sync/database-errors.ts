// Whether a failed database write is worth trying again. PostgreSQL says what went wrong in a
// SQLSTATE code (https://www.postgresql.org/docs/current/errcodes-appendix.html): a lost
// connection, a deadlock, a server shutting down or out of resources pass; a value the column
// cannot hold (class 22: out of range, a NUL in text, invalid encoding) or a broken constraint
// (class 23) fails the same way every time. Errors reach here from `pg` (a `code` of five
// characters) and from Prisma's driver adapter (the code in `meta.code`, or named in the message).

const TRANSIENT_CLASSES = new Set(["08", "40", "53", "57", "58"]);
const TRANSIENT_CODES = new Set(["55P03", "55006", "XX000"]);
// Node's own network errors on the way to the database.
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** The SQLSTATE (or Node network code) an error carries, through Prisma's wrappers and causes. */
export function databaseErrorCode(error: unknown): string | null {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    if (typeof current !== "object") return null;
    const candidate = current as { code?: unknown; meta?: { code?: unknown }; message?: unknown; cause?: unknown };
    if (typeof candidate.code === "string" && (SQLSTATE.test(candidate.code) || NETWORK_CODES.has(candidate.code))) return candidate.code;
    if (typeof candidate.meta?.code === "string" && SQLSTATE.test(candidate.meta.code)) return candidate.meta.code;
    const named = typeof candidate.message === "string" ? /\bCode: `([0-9A-Z]{5})`/.exec(candidate.message) : null;
    if (named) return named[1];
    current = candidate.cause;
  }
  return null;
}

/**
 * True when trying again later may succeed: the database was unreachable, busy or in the way of
 * itself, or the failure is not a database one at all (a bug fixed by the next deploy, say).
 * False when PostgreSQL refused the data itself.
 */
export function isTransientFailure(error: unknown): boolean {
  const code = databaseErrorCode(error);
  if (code === null || NETWORK_CODES.has(code)) return true;
  return TRANSIENT_CLASSES.has(code.slice(0, 2)) || TRANSIENT_CODES.has(code);
}

/**
 * A one-line reason for a person: PostgreSQL's message and code, not the error's detail (which
 * can quote whole rows). The message names a value at most, and the tables an event writes hold
 * ids, dates and amounts only.
 */
export function failureReason(error: unknown): string {
  const code = databaseErrorCode(error);
  const message = error instanceof Error ? error.message.split("\n").map((line) => line.trim()).filter(Boolean).pop() ?? error.name : String(error);
  return code ? `${message} (SQLSTATE ${code})` : message;
}

/**
 * PostgreSQL refused the values themselves (class 22, data exception; 23, integrity constraint
 * violation; 54, program limit exceeded, e.g. a value too large to index): the same rows fail
 * the same way every time. A unique violation (23505) is a concurrent writer's, which the row
 * writer retries, not a row's problem.
 */
export function isRefusalOfData(error: unknown): boolean {
  const code = databaseErrorCode(error);
  return code !== null && /^(22|23|54)/.test(code) && code !== "23505";
}
