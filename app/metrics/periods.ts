// Calendar arithmetic for every metric (pure). A range is half-open in the shop's local dates,
// `[from, to)`; each bucket is a calendar period (ISO week, month, …) of the shop's time zone,
// cut to the range, with the UTC instants where it starts and ends (a DST day lasts 23 or 25 h).
import { DateTime, IANAZone } from "luxon";

export const GRANULARITIES = ["day", "week", "month", "quarter", "year"] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export const COMPARISONS = ["previous_period", "previous_year"] as const;
export type Comparison = (typeof COMPARISONS)[number];

/** Shop-local dates `YYYY-MM-DD`; `to` is exclusive. */
export interface DateRange {
  from: string;
  to: string;
}

/** Local dates `[fromDay, toDay)` with the UTC instants `[start, end)` they cover. */
export interface Span {
  /** First local date in the span. */
  fromDay: string;
  /** First local date after the span (exclusive). */
  toDay: string;
  /** UTC instant of local midnight at `fromDay`. */
  start: Date;
  /** UTC instant of local midnight at `toDay`. */
  end: Date;
}

/** One calendar period of a series, cut to the range it belongs to. */
export interface Bucket extends Span {
  /** Day `2026-03-08`, week `2026-W10` (ISO), month `2026-03`, quarter `2026-Q1`, year `2026`. */
  period: string;
  /** Not finished at `now`: the bucket holding `now`, and any bucket after it. */
  partial: boolean;
}

/** The most buckets one series may hold (e.g. 5,000 days ≈ 13.7 years). */
export const MAX_BUCKETS = 5000;

/**
 * Why a query is refused, for a page to say in the admin's language: `rangeErrors.<key>` in the
 * messages, with `values` (parameter names, dates and limits as the URL and the engine write them).
 */
export type QueryRefusal =
  | { key: "notADate" | "notACalendarDate" | "notAnAmount" | "beyondList"; values: { parameter: string; value: string } }
  | { key: "notAWholeNumber" | "missing" | "invalid"; values: { parameter: string } }
  | { key: "unknownTimeZone"; values: { value: string } }
  | { key: "notOneOf"; values: { parameter: string; value: string; allowed: string } }
  | { key: "bothOrNeither" }
  | { key: "outsideYears" | "endBeforeStart"; values: { from: string; to: string } }
  | { key: "tooManyBuckets"; values: { from: string; to: string; max: number } }
  | { key: "tooManyCohortCells"; values: { from: string; cells: number; max: number } }
  | { key: "wholeNumber"; values: { parameter: string; low: number; high: number } }
  | { key: "atLeast" | "atMost" | "tooLong"; values: { parameter: string; limit: number } }
  | { key: "minAboveMax"; values: { min: string; max: string } }
  | { key: "notACustomerId" | "noSuchCustomer" };

/** Every refusal's key, each with its message in every language. */
export const QUERY_REFUSAL_KEYS = [
  "notADate",
  "notACalendarDate",
  "notAnAmount",
  "beyondList",
  "notAWholeNumber",
  "missing",
  "invalid",
  "unknownTimeZone",
  "notOneOf",
  "bothOrNeither",
  "outsideYears",
  "endBeforeStart",
  "tooManyBuckets",
  "tooManyCohortCells",
  "wholeNumber",
  "atLeast",
  "atMost",
  "tooLong",
  "minAboveMax",
  "notACustomerId",
  "noSuchCustomer",
] as const satisfies readonly QueryRefusal["key"][];
// A key added to QueryRefusal but not listed above fails to compile here.
const everyRefusalListed: Exclude<QueryRefusal["key"], (typeof QUERY_REFUSAL_KEYS)[number]> extends never ? true : never = true;
void everyRefusalListed;

/**
 * A request a page, file or API cannot serve as asked (a 4xx): the English `message` is for
 * logs, the API and the command line; a page says `refusal` in the admin's language.
 */
export class RefusedQueryError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404,
    readonly refusal: QueryRefusal,
  ) {
    super(message);
    this.name = "RefusedQueryError";
  }
}

/** A range, time zone or granularity a caller asked for that cannot be served (an HTTP 400). */
export class InvalidRangeError extends RefusedQueryError {
  declare readonly status: 400;
  constructor(message: string, refusal: QueryRefusal) {
    super(message, 400, refusal);
    this.name = "InvalidRangeError";
  }
}

/** The refusal of `value` for `parameter`, which takes only one of `allowed`. */
function notOneOf(parameter: string, value: unknown, allowed: readonly string[]): InvalidRangeError {
  return new InvalidRangeError(`${parameter} must be one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`, {
    key: "notOneOf",
    values: { parameter, value: String(value), allowed: allowed.join(", ") },
  });
}

/** Throws InvalidRangeError unless `value` is one of `allowed`. */
export function assertOneOf<T extends string>(parameter: string, value: unknown, allowed: readonly T[]): asserts value is T {
  if (!(allowed as readonly unknown[]).includes(value)) throw notOneOf(parameter, value, allowed);
}

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `cache`'s answer for `key`, computed and kept on first use (a throw keeps nothing); the map is
 * emptied once it holds `limit` answers. For the pure calendar work below: Luxon parses a date or
 * finds a zone's offset in tens of microseconds, and a page's plans ask the same few hundred
 * questions many times over (a year by day: each day's midnight for its bucket, its comparison
 * part, its checks).
 */
function remembered<T>(cache: Map<string, T>, key: string, limit: number, compute: () => T): T {
  const known = cache.get(key);
  if (known !== undefined) return known;
  const value = compute();
  if (cache.size >= limit) cache.clear();
  cache.set(key, value);
  return value;
}

/** Plain dates parsed so far (Luxon's DateTime is immutable); only calendar dates are kept. */
const parsedDates = new Map<string, DateTime>();

/** Date arithmetic on plain local dates happens in UTC, where every day has 24 hours. */
function plainDate(day: string, label: string): DateTime {
  return remembered(parsedDates, day, 10_000, () => {
    if (typeof day !== "string" || !LOCAL_DATE.test(day)) {
      throw new InvalidRangeError(`${label} must be a date written YYYY-MM-DD, got ${JSON.stringify(day)}`, {
        key: "notADate",
        values: { parameter: label, value: String(day) },
      });
    }
    const date = DateTime.fromISO(day, { zone: "utc" });
    if (!date.isValid) {
      throw new InvalidRangeError(`${label} is not a calendar date: ${day}`, { key: "notACalendarDate", values: { parameter: label, value: day } });
    }
    return date;
  });
}

/** Throws InvalidRangeError unless `day` is a real date written YYYY-MM-DD. */
export function assertLocalDate(day: string, label: string): void {
  plainDate(day, label);
}

function isoDay(date: DateTime): string {
  return date.toISODate() as string;
}

/**
 * The zones found valid so far: Luxon checks a zone by building an Intl.DateTimeFormat (tens of
 * microseconds), and a page's plans check the shop's zone hundreds of times. Only names Intl
 * accepts are kept (it also accepts other spellings of them: the set is emptied past 1,000).
 */
const validZones = new Set<string>();

/** Throws InvalidRangeError unless `timeZone` is an IANA zone name. */
export function assertTimeZone(timeZone: string): void {
  if (validZones.has(timeZone)) return;
  if (typeof timeZone === "string" && IANAZone.isValidZone(timeZone)) {
    if (validZones.size >= 1_000) validZones.clear();
    validZones.add(timeZone);
  } else {
    throw new InvalidRangeError(`unknown time zone ${JSON.stringify(timeZone)}`, {
      key: "unknownTimeZone",
      values: { value: String(timeZone) },
    });
  }
}

/** Throws InvalidRangeError unless `value` is one of the granularities. */
export function assertGranularity(value: string): asserts value is Granularity {
  assertOneOf("granularity", value, GRANULARITIES);
}

export function addDays(day: string, days: number): string {
  return isoDay(plainDate(day, "day").plus({ days }));
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round(plainDate(to, "to").diff(plainDate(from, "from"), "days").days);
}

/** The shop-local date of an instant. */
export function localDay(instant: Date, timeZone: string): string {
  return DateTime.fromJSDate(instant, { zone: timeZone }).toISODate() as string;
}

/** Local midnights found so far, by zone and date (epoch milliseconds). */
const localMidnights = new Map<string, number>();

/**
 * The first instant of a local date: local midnight, or the first existing local time when a
 * DST change skips midnight (luxon moves a skipped wall time forward, as PostgreSQL's
 * `(ts AT TIME ZONE tz)::date` boundaries do).
 */
export function startOfLocalDay(day: string, timeZone: string): Date {
  plainDate(day, "day");
  return new Date(remembered(localMidnights, `${timeZone}\u0000${day}`, 20_000, () => DateTime.fromISO(day, { zone: timeZone }).toMillis()));
}

/** First local date of the calendar period (of the given granularity) holding `day`. */
export function periodStartDay(day: string, granularity: Granularity): string {
  const date = plainDate(day, "day");
  switch (granularity) {
    case "day":
      return isoDay(date);
    case "week":
      return isoDay(date.startOf("week")); // luxon weeks are ISO weeks, Monday first
    case "month":
      return isoDay(date.startOf("month"));
    case "quarter":
      return isoDay(date.startOf("quarter"));
    case "year":
      return isoDay(date.startOf("year"));
  }
}

/** Luxon's unit of one period of each granularity. */
const PERIOD_UNITS = { day: "days", week: "weeks", month: "months", quarter: "quarters", year: "years" } as const;

/** The next period's first day, by granularity and day, as found so far. */
const nextStarts = new Map<string, string>();

/** First local date of the calendar period after the one starting at `startDay`. */
export function nextPeriodStartDay(startDay: string, granularity: Granularity): string {
  return remembered(nextStarts, `${granularity}\u0000${startDay}`, 20_000, () =>
    isoDay(plainDate(startDay, "day").plus({ [PERIOD_UNITS[granularity]]: 1 })),
  );
}

/** The key of the calendar period holding `day`: `2026-03-08`, `2026-W10`, `2026-03`, `2026-Q1`, `2026`. */
export function periodKey(day: string, granularity: Granularity): string {
  const date = plainDate(day, "day");
  switch (granularity) {
    case "day":
      return isoDay(date);
    case "week":
      return date.toFormat("kkkk-'W'WW");
    case "month":
      return date.toFormat("yyyy-MM");
    case "quarter":
      return date.toFormat("yyyy-'Q'q");
    case "year":
      return date.toFormat("yyyy");
  }
}

function bucket(fromDay: string, toDay: string, granularity: Granularity, timeZone: string, now: Date): Bucket {
  const start = startOfLocalDay(fromDay, timeZone);
  const end = startOfLocalDay(toDay, timeZone);
  return {
    period: periodKey(fromDay, granularity),
    fromDay,
    toDay,
    start,
    end,
    partial: end.getTime() > now.getTime(),
  };
}

/** Checks that both ends are real dates between 1900 and 2999 and `from` is before `to`. */
function validateDates(range: DateRange): void {
  if (typeof range !== "object" || range === null) throw new InvalidRangeError("a range needs from and to", { key: "bothOrNeither" });
  const from = plainDate(range.from, "from");
  const to = plainDate(range.to, "to");
  if (from.year < 1900 || to.year > 2999) {
    throw new InvalidRangeError(`the range ${range.from}..${range.to} is outside the years 1900–2999`, {
      key: "outsideYears",
      values: { from: range.from, to: range.to },
    });
  }
  if (to <= from) {
    throw new InvalidRangeError(`the range must end after it starts (from ${range.from}, to ${range.to}, to is exclusive)`, {
      key: "endBeforeStart",
      values: { from: range.from, to: range.to },
    });
  }
}

/**
 * Checks a range: both ends real dates, `from` before `to`, at most MAX_BUCKETS buckets of the
 * granularity. Throws InvalidRangeError with a message fit for the merchant.
 */
export function validateRange(range: DateRange, granularity: Granularity = "day"): DateRange {
  validateDates(range);
  assertGranularity(granularity);
  let count = 0;
  for (let day = periodStartDay(range.from, granularity); day < range.to; day = nextPeriodStartDay(day, granularity)) {
    count += 1;
    if (count > MAX_BUCKETS) {
      throw new InvalidRangeError(
        `the range ${range.from}..${range.to} holds more than ${MAX_BUCKETS} ${granularity} buckets; choose a coarser granularity or a shorter range`,
        { key: "tooManyBuckets", values: { from: range.from, to: range.to, max: MAX_BUCKETS } },
      );
    }
  }
  return { from: range.from, to: range.to };
}

/**
 * Every bucket of the range, in order: calendar periods of the shop's time zone cut to the
 * range (a range starting mid-month begins with a short month). Buckets after `now` are listed
 * too; every bucket whose end is after `now` is `partial`.
 */
export function rangeBuckets(
  range: DateRange,
  granularity: Granularity,
  { timeZone, now }: { timeZone: string; now: Date },
): Bucket[] {
  validateRange(range, granularity);
  assertTimeZone(timeZone);
  const buckets: Bucket[] = [];
  for (let day = periodStartDay(range.from, granularity); day < range.to; day = nextPeriodStartDay(day, granularity)) {
    const fromDay = day < range.from ? range.from : day;
    const next = nextPeriodStartDay(day, granularity);
    const toDay = next > range.to ? range.to : next;
    buckets.push(bucket(fromDay, toDay, granularity, timeZone, now));
  }
  return buckets;
}

/** The whole calendar period (of the granularity) holding the local date `day`. */
export function calendarBucket(
  day: string,
  granularity: Granularity,
  { timeZone, now }: { timeZone: string; now: Date },
): Bucket {
  assertTimeZone(timeZone);
  const fromDay = periodStartDay(day, granularity);
  return bucket(fromDay, nextPeriodStartDay(fromDay, granularity), granularity, timeZone, now);
}

/** The same local date one period of the granularity earlier (31 March: 28 or 29 February). */
function periodEarlier(day: string, granularity: Granularity): string {
  return isoDay(plainDate(day, "day").minus({ [PERIOD_UNITS[granularity]]: 1 }));
}

/**
 * The days a bucket's growth is measured against: the same days one period earlier. The
 * bucket's first and last days move back one period (31 March to 28 or 29 February); a bucket
 * that runs to the end of its period is compared through the end of the period before, and the
 * bucket holding `now` only through the date of `now`. So a whole month is compared with the
 * whole month before, a first month cut at the 15th with the 15th onwards of the month before,
 * and the month so far with the same dates of the month before. Null for a bucket that starts
 * after `now`: it has no growth.
 */
export function growthBase(bucket: Bucket, granularity: Granularity, { timeZone, now }: { timeZone: string; now: Date }): Span | null {
  if (bucket.start.getTime() > now.getTime()) return null;
  const periodStart = periodStartDay(bucket.fromDay, granularity);
  const periodLastDay = addDays(nextPeriodStartDay(periodStart, granularity), -1);
  const bucketLastDay = addDays(bucket.toDay, -1);
  const today = bucket.end.getTime() > now.getTime() ? localDay(now, timeZone) : null;
  const lastDay = today !== null && today < bucketLastDay ? today : bucketLastDay;
  const fromDay = periodEarlier(bucket.fromDay, granularity);
  const toDay = lastDay === periodLastDay ? periodStart : addDays(periodEarlier(lastDay, granularity), 1);
  return { fromDay, toDay, start: startOfLocalDay(fromDay, timeZone), end: startOfLocalDay(toDay, timeZone) };
}

/**
 * Whole calendar periods (not cut to the range) that overlap the range and have started by
 * `now`: periods after `now` are absent, the one holding `now` is `partial`. Cohort rows.
 */
export function calendarPeriods(
  range: DateRange,
  granularity: Granularity,
  { timeZone, now }: { timeZone: string; now: Date },
): Bucket[] {
  validateRange(range, granularity);
  assertTimeZone(timeZone);
  const periods: Bucket[] = [];
  for (let day = periodStartDay(range.from, granularity); day < range.to; day = nextPeriodStartDay(day, granularity)) {
    const period = bucket(day, nextPeriodStartDay(day, granularity), granularity, timeZone, now);
    if (period.start.getTime() > now.getTime()) break;
    periods.push(period);
  }
  return periods;
}

/**
 * The days of a range a comparison measures: through the date of `now` when the range holds
 * days still to come after it (the last 12 months on 5 December, to 31 December, are measured to
 * 5 December), else the whole range. A range that has not begun is measured whole.
 */
export function rangeToDate(range: DateRange, { timeZone, now }: { timeZone: string; now: Date }): DateRange {
  validateDates(range);
  const tomorrow = addDays(localDay(now, timeZone), 1);
  return range.from < tomorrow && tomorrow < range.to ? { from: range.from, to: tomorrow } : { from: range.from, to: range.to };
}

/**
 * The range a report is compared with, from the range to date (`rangeToDate`): a range holding
 * days still to come is compared to date, so its days so far meet as many days, not a whole
 * range. `previous_period`: the same number of days just before `from`. `previous_year`: the
 * same first and last dates one year earlier (29 February becomes 28 February).
 */
export function comparisonRange(range: DateRange, comparison: Comparison, context: { timeZone: string; now: Date }): DateRange {
  return comparisonOf(rangeToDate(range, context), comparison);
}

/** comparisonRange of a range already measured to date. */
function comparisonOf(measured: DateRange, comparison: Comparison): DateRange {
  if (comparison === "previous_period") {
    const length = daysBetween(measured.from, measured.to);
    return { from: addDays(measured.from, -length), to: measured.from };
  }
  if (comparison === "previous_year") {
    return { from: periodEarlier(measured.from, "year"), to: addDays(periodEarlier(addDays(measured.to, -1), "year"), 1) };
  }
  throw notOneOf("compareTo", comparison, COMPARISONS);
}

/**
 * The comparison range cut where the range's buckets start (`starts`, the first being the
 * range's `from`), each start moved as the range is: `previous_period` the length of the range
 * to date earlier, `previous_year` to the same date a year earlier (29 February to 28 February).
 * Part i is what bucket i is compared with; the parts tile the comparison range, so their sums
 * are its sum (a part is empty where two starts move to one date, and for a bucket that starts
 * after the date of `now`).
 */
export function comparisonParts(
  range: DateRange,
  starts: string[],
  comparison: Comparison,
  context: { timeZone: string; now: Date },
): DateRange[] {
  const measured = rangeToDate(range, context);
  const other = comparisonOf(measured, comparison);
  const length = daysBetween(measured.from, measured.to);
  const moved = starts.map((day, index) => {
    if (index === 0) return other.from;
    if (day >= measured.to) return other.to;
    return comparison === "previous_period" ? addDays(day, -length) : periodEarlier(day, "year");
  });
  return moved.map((from, index) => ({ from, to: index + 1 < moved.length ? moved[index + 1] : other.to }));
}

/** The last local date of `[from, to)`, or `from` when it is empty (as a comparison part can be). */
export function lastDayOf(range: DateRange): string {
  return range.to > range.from ? addDays(range.to, -1) : range.from;
}

/** The instants a range covers in the shop's time zone. */
export function rangeSpan(range: DateRange, timeZone: string): Span {
  validateDates(range);
  assertTimeZone(timeZone);
  return {
    fromDay: range.from,
    toDay: range.to,
    start: startOfLocalDay(range.from, timeZone),
    end: startOfLocalDay(range.to, timeZone),
  };
}

/** The local dates `[from, to)` of a range, one by one. */
export function daysOf(range: DateRange): string[] {
  const days: string[] = [];
  for (let day = range.from; day < range.to; day = addDays(day, 1)) days.push(day);
  return days;
}
