import { describe, expect, it } from "vitest";
import {
  calendarPeriods,
  comparisonParts,
  comparisonRange,
  growthBase,
  InvalidRangeError,
  lastDayOf,
  localDay,
  periodKey,
  rangeBuckets,
  rangeSpan,
  rangeToDate,
  validateRange,
  type Granularity,
} from "./periods";

const iso = (b: { period: string; start: Date; end: Date; partial: boolean }) => ({
  period: b.period,
  start: b.start.toISOString(),
  end: b.end.toISOString(),
  partial: b.partial,
});

describe("periodKey", () => {
  it.each<[string, Granularity, string]>([
    ["2026-03-08", "day", "2026-03-08"],
    ["2026-03-08", "week", "2026-W10"], // a Sunday ends ISO week 10
    ["2026-03-09", "week", "2026-W11"], // Monday starts week 11
    ["2024-12-30", "week", "2025-W01"], // ISO week-year differs from the calendar year
    ["2027-01-03", "week", "2026-W53"],
    ["2026-03-08", "month", "2026-03"],
    ["2026-03-31", "quarter", "2026-Q1"],
    ["2026-04-01", "quarter", "2026-Q2"],
    ["2026-12-31", "year", "2026"],
  ])("%s by %s is %s", (day, granularity, key) => {
    expect(periodKey(day, granularity)).toBe(key);
  });
});

describe("rangeBuckets", () => {
  it("GIVEN New York's spring-forward day WHEN bucketing by day THEN that day lasts 23 hours", () => {
    const buckets = rangeBuckets({ from: "2026-03-07", to: "2026-03-10" }, "day", {
      timeZone: "America/New_York",
      now: new Date("2026-03-09T12:00:00Z"),
    });
    expect(buckets.map(iso)).toEqual([
      { period: "2026-03-07", start: "2026-03-07T05:00:00.000Z", end: "2026-03-08T05:00:00.000Z", partial: false },
      { period: "2026-03-08", start: "2026-03-08T05:00:00.000Z", end: "2026-03-09T04:00:00.000Z", partial: false },
      { period: "2026-03-09", start: "2026-03-09T04:00:00.000Z", end: "2026-03-10T04:00:00.000Z", partial: true },
    ]);
    expect(buckets.map((b) => (b.end.getTime() - b.start.getTime()) / 3_600_000)).toEqual([24, 23, 24]);
  });

  it("GIVEN Berlin's fall-back day WHEN bucketing by day THEN that day lasts 25 hours", () => {
    const buckets = rangeBuckets({ from: "2026-10-24", to: "2026-10-27" }, "day", {
      timeZone: "Europe/Berlin",
      now: new Date("2027-01-01T00:00:00Z"),
    });
    expect(buckets.map(iso)).toEqual([
      { period: "2026-10-24", start: "2026-10-23T22:00:00.000Z", end: "2026-10-24T22:00:00.000Z", partial: false },
      { period: "2026-10-25", start: "2026-10-24T22:00:00.000Z", end: "2026-10-25T23:00:00.000Z", partial: false },
      { period: "2026-10-26", start: "2026-10-25T23:00:00.000Z", end: "2026-10-26T23:00:00.000Z", partial: false },
    ]);
  });

  it("GIVEN a range starting mid-month WHEN bucketing by month THEN the first and last buckets are cut to the range and future ones are partial", () => {
    const buckets = rangeBuckets({ from: "2026-01-15", to: "2026-04-10" }, "month", {
      timeZone: "Europe/Berlin",
      now: new Date("2026-02-20T10:00:00Z"),
    });
    expect(buckets.map((b) => ({ ...iso(b), fromDay: b.fromDay, toDay: b.toDay }))).toEqual([
      { period: "2026-01", fromDay: "2026-01-15", toDay: "2026-02-01", start: "2026-01-14T23:00:00.000Z", end: "2026-01-31T23:00:00.000Z", partial: false },
      { period: "2026-02", fromDay: "2026-02-01", toDay: "2026-03-01", start: "2026-01-31T23:00:00.000Z", end: "2026-02-28T23:00:00.000Z", partial: true },
      { period: "2026-03", fromDay: "2026-03-01", toDay: "2026-04-01", start: "2026-02-28T23:00:00.000Z", end: "2026-03-31T22:00:00.000Z", partial: true },
      { period: "2026-04", fromDay: "2026-04-01", toDay: "2026-04-10", start: "2026-03-31T22:00:00.000Z", end: "2026-04-09T22:00:00.000Z", partial: true },
    ]);
  });

  it("buckets ISO weeks from Monday, quarters and years in the shop's zone", () => {
    const context = { timeZone: "UTC", now: new Date("2030-01-01T00:00:00Z") };
    expect(rangeBuckets({ from: "2026-03-04", to: "2026-03-24" }, "week", context).map((b) => [b.period, b.fromDay, b.toDay])).toEqual([
      ["2026-W10", "2026-03-04", "2026-03-09"],
      ["2026-W11", "2026-03-09", "2026-03-16"],
      ["2026-W12", "2026-03-16", "2026-03-23"],
      ["2026-W13", "2026-03-23", "2026-03-24"],
    ]);
    expect(rangeBuckets({ from: "2025-11-01", to: "2026-07-01" }, "quarter", context).map((b) => [b.period, b.fromDay, b.toDay])).toEqual([
      ["2025-Q4", "2025-11-01", "2026-01-01"],
      ["2026-Q1", "2026-01-01", "2026-04-01"],
      ["2026-Q2", "2026-04-01", "2026-07-01"],
    ]);
    expect(rangeBuckets({ from: "2024-01-01", to: "2026-01-01" }, "year", context).map((b) => b.period)).toEqual(["2024", "2025"]);
  });

  it("marks partial exactly the buckets whose end is after now", () => {
    const context = { timeZone: "UTC", now: new Date("2026-05-02T00:00:00Z") };
    const buckets = rangeBuckets({ from: "2026-05-01", to: "2026-05-04" }, "day", context);
    // The day ending exactly at now is finished; the one starting at now is not.
    expect(buckets.map((b) => [b.period, b.partial])).toEqual([
      ["2026-05-01", false],
      ["2026-05-02", true],
      ["2026-05-03", true],
    ]);
  });
});

describe("growthBase", () => {
  const timeZone = "America/New_York";
  const base = (range: { from: string; to: string }, granularity: Granularity, now: string) => {
    const context = { timeZone, now: new Date(now) };
    return rangeBuckets(range, granularity, context).map((bucket) => {
      const span = growthBase(bucket, granularity, context);
      return span && `${span.fromDay}..${span.toDay}`;
    });
  };

  it("compares whole periods with the whole period before, and cut ones with the same days", () => {
    // 15 March to 10 May: March from the 15th, whole April, May to the 9th.
    expect(base({ from: "2026-03-15", to: "2026-05-10" }, "month", "2026-06-01T12:00:00Z")).toEqual([
      "2026-02-15..2026-03-01",
      "2026-03-01..2026-04-01",
      "2026-04-01..2026-04-10",
    ]);
    // A whole quarter ending on the 30th is compared through the 31st of the quarter before.
    expect(base({ from: "2026-04-01", to: "2026-07-01" }, "quarter", "2026-08-01T12:00:00Z")).toEqual(["2026-01-01..2026-04-01"]);
  });

  it("moves the 31st to the last day of a shorter month", () => {
    expect(base({ from: "2026-03-31", to: "2026-04-01" }, "month", "2026-06-01T12:00:00Z")).toEqual(["2026-02-28..2026-03-01"]);
    expect(base({ from: "2028-03-30", to: "2028-03-31" }, "month", "2028-06-01T12:00:00Z")).toEqual(["2028-02-29..2028-03-01"]);
  });

  it("compares the period holding now through the same date, and has none for periods after now", () => {
    // 14:00 on 2 December in New York: December so far against 1 and 2 November.
    expect(base({ from: "2026-10-01", to: "2027-02-01" }, "month", "2026-12-02T19:00:00Z")).toEqual([
      "2026-09-01..2026-10-01",
      "2026-10-01..2026-11-01",
      "2026-11-01..2026-11-03",
      null,
    ]);
    // Wednesday of ISO week 49: Monday to Wednesday of week 48.
    expect(base({ from: "2026-11-30", to: "2026-12-07" }, "week", "2026-12-02T19:00:00Z")).toEqual(["2026-11-23..2026-11-26"]);
    // A day is compared with the day before, today as well.
    expect(base({ from: "2026-12-01", to: "2026-12-04" }, "day", "2026-12-02T19:00:00Z")).toEqual([
      "2026-11-30..2026-12-01",
      "2026-12-01..2026-12-02",
      null,
    ]);
  });

  it("reads the date of now in the shop's zone", () => {
    // 02:00 UTC on 3 December is still 2 December in New York.
    expect(base({ from: "2026-12-01", to: "2027-01-01" }, "month", "2026-12-03T02:00:00Z")).toEqual(["2026-11-01..2026-11-03"]);
  });
});

describe("calendarPeriods (cohorts)", () => {
  it("lists whole periods overlapping the range that started by now; the current one is partial", () => {
    const periods = calendarPeriods({ from: "2026-01-20", to: "2026-12-01" }, "month", {
      timeZone: "Asia/Kolkata",
      now: new Date("2026-03-31T18:29:59Z"), // 23:59:59 on 31 March in India
    });
    expect(periods.map((p) => [p.period, p.fromDay, p.toDay, p.partial])).toEqual([
      ["2026-01", "2026-01-01", "2026-02-01", false],
      ["2026-02", "2026-02-01", "2026-03-01", false],
      ["2026-03", "2026-03-01", "2026-04-01", true],
    ]);
  });
});

/** A now after every range below: each is compared whole. */
const LATER = { timeZone: "UTC", now: new Date("2030-01-01T00:00:00Z") };

describe("comparisonRange", () => {
  it.each([
    [{ from: "2026-03-01", to: "2026-04-01" }, "previous_period", { from: "2026-01-29", to: "2026-03-01" }],
    [{ from: "2026-03-10", to: "2026-03-17" }, "previous_period", { from: "2026-03-03", to: "2026-03-10" }],
    [{ from: "2026-03-01", to: "2026-04-01" }, "previous_year", { from: "2025-03-01", to: "2025-04-01" }],
    [{ from: "2024-02-01", to: "2024-03-01" }, "previous_year", { from: "2023-02-01", to: "2023-03-01" }],
    [{ from: "2024-02-28", to: "2024-02-29" }, "previous_year", { from: "2023-02-28", to: "2023-03-01" }],
    [{ from: "2024-02-29", to: "2024-03-01" }, "previous_year", { from: "2023-02-28", to: "2023-03-01" }],
    // Longer than the day-bucket limit: a comparison range has no granularity of its own.
    [{ from: "2000-01-01", to: "2020-01-01" }, "previous_period", { from: "1980-01-01", to: "2000-01-01" }], // 7305 days each,
  ] as const)("%j %s is %j", (range, kind, expected) => {
    expect(comparisonRange(range, kind, LATER)).toEqual(expected);
  });

  it("compares a range holding days still to come to date: its days so far against as many", () => {
    // The last 12 months on Saturday 5 December 2026, 09:00 in New York: 1 January to 5 December.
    const context = { timeZone: "America/New_York", now: new Date("2026-12-05T14:00:00Z") };
    const year = { from: "2026-01-01", to: "2027-01-01" };
    expect(rangeToDate(year, context)).toEqual({ from: "2026-01-01", to: "2026-12-06" });
    expect(comparisonRange(year, "previous_year", context)).toEqual({ from: "2025-01-01", to: "2025-12-06" });
    expect(comparisonRange(year, "previous_period", context)).toEqual({ from: "2025-01-27", to: "2026-01-01" }); // 339 days
    // 03:00 UTC on 6 December is still the 5th in New York.
    expect(rangeToDate(year, { ...context, now: new Date("2026-12-06T03:00:00Z") })).toEqual({ from: "2026-01-01", to: "2026-12-06" });
    // A range ending today, one that has ended and one that has not begun are measured whole.
    for (const range of [
      { from: "2026-11-06", to: "2026-12-06" },
      { from: "2026-01-01", to: "2026-02-01" },
      { from: "2027-01-01", to: "2027-02-01" },
    ]) {
      expect(rangeToDate(range, context)).toEqual(range);
    }
  });
});

describe("comparisonParts", () => {
  const starts = (range: { from: string; to: string }, granularity: Granularity) =>
    rangeBuckets(range, granularity, { timeZone: "UTC", now: new Date("2030-01-01T00:00:00Z") }).map((bucket) => bucket.fromDay);

  it("GIVEN a range within one month THEN its one bucket is compared with the whole comparison range", () => {
    const range = { from: "2026-11-03", to: "2026-11-21" };
    expect(comparisonParts(range, starts(range, "month"), "previous_period", LATER)).toEqual([{ from: "2026-10-16", to: "2026-11-03" }]);
    expect(comparisonParts(range, starts(range, "month"), "previous_year", LATER)).toEqual([{ from: "2025-11-03", to: "2025-11-21" }]);
  });

  it("GIVEN weeks of a range starting on a Thursday THEN each part is its week's days, the range's length earlier", () => {
    const range = { from: "2026-10-01", to: "2026-10-20" }; // Thursday 1 October, 19 days
    expect(comparisonParts(range, starts(range, "week"), "previous_period", LATER)).toEqual([
      { from: "2026-09-12", to: "2026-09-16" }, // Thu–Sun, 4 days
      { from: "2026-09-16", to: "2026-09-23" },
      { from: "2026-09-23", to: "2026-09-30" },
      { from: "2026-09-30", to: "2026-10-01" }, // Monday 19 October alone
    ]);
  });

  it("GIVEN days across 29 February THEN a year earlier that day and the 28th share one date, and the parts still tile the comparison range", () => {
    const range = { from: "2024-02-27", to: "2024-03-02" };
    const parts = comparisonParts(range, starts(range, "day"), "previous_year", LATER);
    expect(parts).toEqual([
      { from: "2023-02-27", to: "2023-02-28" },
      { from: "2023-02-28", to: "2023-02-28" }, // 28 February 2024: nothing left to compare with
      { from: "2023-02-28", to: "2023-03-01" }, // 29 February 2024: 28 February 2023
      { from: "2023-03-01", to: "2023-03-02" },
    ]);
    expect({ from: parts[0].from, to: parts.at(-1)!.to }).toEqual(comparisonRange(range, "previous_year", LATER));
    expect(parts.map(lastDayOf)).toEqual(["2023-02-27", "2023-02-28", "2023-02-28", "2023-03-01"]);
  });

  it("GIVEN months of a range holding days to come THEN the month so far meets as many days, and later months nothing", () => {
    const context = { timeZone: "America/New_York", now: new Date("2026-12-05T14:00:00Z") };
    const range = { from: "2026-10-01", to: "2027-02-01" };
    expect(comparisonParts(range, starts(range, "month"), "previous_year", context)).toEqual([
      { from: "2025-10-01", to: "2025-11-01" },
      { from: "2025-11-01", to: "2025-12-01" },
      { from: "2025-12-01", to: "2025-12-06" }, // 1–5 December
      { from: "2025-12-06", to: "2025-12-06" }, // January 2027: not begun
    ]);
    // 66 days to date (1 October to 5 December), so the previous period starts 27 July.
    expect(comparisonParts(range, starts(range, "month"), "previous_period", context)).toEqual([
      { from: "2026-07-27", to: "2026-08-27" },
      { from: "2026-08-27", to: "2026-09-26" },
      { from: "2026-09-26", to: "2026-10-01" },
      { from: "2026-10-01", to: "2026-10-01" },
    ]);
  });
});

describe("validateRange", () => {
  it.each([
    [{ from: "2026-03-01", to: "2026-03-01" }, "day", /must end after it starts/],
    [{ from: "2026-03-02", to: "2026-03-01" }, "day", /must end after it starts/],
    [{ from: "2026-02-30", to: "2026-03-01" }, "day", /not a calendar date/],
    [{ from: "2026-3-1", to: "2026-04-01" }, "day", /YYYY-MM-DD/],
    [{ from: "2000-01-01", to: "2020-01-01" }, "day", /more than 5000 day buckets/],
    [{ from: "2026-01-01", to: "2026-02-01" }, "fortnight", /granularity must be one of/],
  ])("rejects %j by %s", (range, granularity, message) => {
    expect(() => validateRange(range, granularity as Granularity)).toThrow(InvalidRangeError);
    expect(() => validateRange(range, granularity as Granularity)).toThrow(message);
  });

  it("accepts 20 years by month and rejects an unknown time zone", () => {
    expect(validateRange({ from: "2000-01-01", to: "2020-01-01" }, "month")).toEqual({ from: "2000-01-01", to: "2020-01-01" });
    expect(() => rangeSpan({ from: "2026-01-01", to: "2026-01-02" }, "Mars/Olympus")).toThrow(InvalidRangeError);
  });
});

describe("localDay", () => {
  it("puts 23:30 local on the last day of a month in that month, whatever UTC says", () => {
    expect(localDay(new Date("2026-04-01T03:30:00Z"), "America/New_York")).toBe("2026-03-31");
    expect(localDay(new Date("2026-03-31T22:30:00Z"), "Europe/Berlin")).toBe("2026-04-01");
  });
});
