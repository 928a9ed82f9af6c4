// What the database's columns can hold (pure). Rows are written in batches (COPY, then
// set-based merges), so one value a column cannot hold makes PostgreSQL refuse the whole batch
// it is in: every value is checked against these before it is written, where a refusal can
// still name the one field it is about.

/** The largest PostgreSQL `bigint`: ids and minor units. Amounts are held to ± this. */
export const BIGINT_MAX = 9223372036854775807n;

/** The largest PostgreSQL `integer`: quantities. */
export const INTEGER_MAX = 2147483647;

/** Whether `value` is an id the `bigint` id columns hold: 1 to BIGINT_MAX. */
export function isStorableId(value: bigint): boolean {
  return value >= 1n && value <= BIGINT_MAX;
}

/** Whether a string of decimal digits (leading zeros allowed) is a storable id. */
export function isStorableIdText(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  // Leading zeros aside, BIGINT_MAX has 19 digits: longer strings are never parsed.
  const significant = digits.replace(/^0+/, "");
  return significant.length > 0 && significant.length <= 19 && BigInt(significant) <= BIGINT_MAX;
}

/** Whether `value` is a quantity the `integer` columns hold: a whole number, 0 to INTEGER_MAX. */
export function isStorableQuantity(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= INTEGER_MAX;
}

// In a `u` regex, \p{Cs} matches only surrogates that are not part of a pair.
const UNPAIRED_SURROGATE = /\p{Cs}/u;

/**
 * Why PostgreSQL `text` cannot hold `value`, or null when it can: it has no NUL character
 * (U+0000, which PostgreSQL text refuses), and no unpaired surrogate (which is not a character:
 * written out as UTF-8 it would silently become U+FFFD). Never quotes the value.
 */
export function textProblem(value: string): string | null {
  if (value.includes("\u0000")) return "contains a NUL character (U+0000)";
  if (UNPAIRED_SURROGATE.test(value)) return "contains an unpaired UTF-16 surrogate";
  return null;
}

/**
 * Whether a `timestamptz` column holds this instant as rows write it (`toISOString()`): years 1
 * to 9999 in UTC. JavaScript dates reach year 275760 and year 0, which PostgreSQL reads
 * differently or refuses.
 */
export function isStorableInstant(date: Date): boolean {
  const time = date.getTime();
  if (Number.isNaN(time)) return false;
  const year = date.getUTCFullYear();
  return year >= 1 && year <= 9999;
}
