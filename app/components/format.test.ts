// GIVEN the period keys the engine gives (months, days, ISO weeks), WHEN a page shows them, THEN
// each reads as a date in the page's language: a month by name, a day and a week (by its Monday,
// where ISO weeks start, including week 1 that begins in the previous December) as a date. A
// running time reads in seconds or minutes, runs on between two loads of a page's data, and a
// rebuild's bar is its share of the last one's time. A growth against an amount below zero is
// marked, as its sign reads against the change.
import { describe, expect, it } from "vitest";
import { progressAfter } from "#app/metrics/rebuild-progress";
import { formatter, fromNegativeBase } from "./format";
import { rebuildShare } from "./RecomputingCard";

describe("period labels", () => {
  it.each([
    ["2026-03", "Mar 2026"],
    ["2026-03-09", "Mar 9, 2026"],
    ["2026-W37", "Sep 7, 2026"],
    ["2026-W01", "Dec 29, 2025"],
    ["2021-W01", "Jan 4, 2021"],
    ["2020-W53", "Dec 28, 2020"],
    ["2026-Q1", "2026-Q1"],
  ])("reads %s as %s in English", (key, label) => {
    expect(formatter("en").period(key)).toBe(label);
  });

  it("reads a week in Polish by its Monday too", () => {
    expect(formatter("pl").period("2026-W37")).toBe("7 wrz 2026");
  });
});

describe("growth", () => {
  it("reads a fraction with its sign, null as a dash, and marks one measured against an amount below zero", () => {
    const en = formatter("en");
    expect([en.growth(0.14), en.growth(-0.317), en.growth(0), en.growth(null)]).toEqual(["+14.0%", "-31.7%", "0.0%", "—"]);
    // −$150.00 to $300.00: (30,000 − (−15,000)) ÷ −15,000.
    expect(en.growth(-3, -15000)).toBe("-300.0% †");
    expect(en.growth(1, 15000)).toBe("+100.0%");
    expect([en.growth(null, -15000), en.growth(0.5, 0), en.growth(0.5, null)]).toEqual(["—", "+50.0%", "+50.0%"]);
    expect(formatter("pl").growth(-3, -15000)).toBe("-300,0% †");
    expect([fromNegativeBase(-3, -15000), fromNegativeBase(null, -15000), fromNegativeBase(-3, 0), fromNegativeBase(-3, undefined)]).toEqual([true, false, false, false]);
  });
});

describe("spans of days", () => {
  it("reads first and last day, or the one day, in the page's language", () => {
    expect(formatter("en").days("2026-10-16", "2026-11-02")).toBe("Oct 16, 2026 – Nov 2, 2026");
    expect(formatter("en").days("2026-11-02", "2026-11-02")).toBe("Nov 2, 2026");
    expect(formatter("pl").days("2026-10-16", "2026-11-02")).toBe("16 paź 2026 – 2 lis 2026");
  });
});

describe("running times", () => {
  it("reads seconds under two minutes (at least one), whole minutes from there, in the page's language", () => {
    const en = formatter("en");
    expect([0.2, 1.4, 45, 119.4, 120, 185].map(en.duration)).toEqual(["1 second", "1 second", "45 seconds", "119 seconds", "2 minutes", "3 minutes"]);
    const pl = formatter("pl");
    expect([1, 12, 150, 300].map(pl.duration)).toEqual(["1 sekunda", "12 sekund", "3 minuty", "5 minut"]);
  });
});

describe("a rebuild's progress between two loads", () => {
  it("runs on by the seconds since it was read, and stays as it was when no rebuild was running", () => {
    expect(progressAfter({ elapsedSeconds: 10, lastSeconds: 40 }, 3)).toEqual({ elapsedSeconds: 13, lastSeconds: 40 });
    expect(rebuildShare(progressAfter({ elapsedSeconds: 10, lastSeconds: 40 }, 10))).toBe(0.5);
    expect(progressAfter({ elapsedSeconds: null, lastSeconds: 40 }, 3)).toEqual({ elapsedSeconds: null, lastSeconds: 40 });
    expect(progressAfter({ elapsedSeconds: 10, lastSeconds: null }, 0)).toEqual({ elapsedSeconds: 10, lastSeconds: null });
    expect(progressAfter(null, 5)).toBeNull();
  });
});

describe("a rebuild's bar", () => {
  it("is the share of the last rebuild's time run so far, stopping short of the end, and absent without both times", () => {
    expect(rebuildShare({ elapsedSeconds: 10, lastSeconds: 40 })).toBe(0.25);
    expect(rebuildShare({ elapsedSeconds: 90, lastSeconds: 40 })).toBe(0.95);
    expect(rebuildShare({ elapsedSeconds: 10, lastSeconds: null })).toBeNull();
    expect(rebuildShare({ elapsedSeconds: null, lastSeconds: 40 })).toBeNull();
    expect(rebuildShare({ elapsedSeconds: 10, lastSeconds: 0 })).toBeNull();
    expect(rebuildShare(null)).toBeNull();
  });
});
