// GIVEN the period keys the engine gives (months, days, ISO weeks), WHEN a page shows them, THEN
// each reads as a date in the page's language: a month by name, a day and a week (by its Monday,
// where ISO weeks start, including week 1 that begins in the previous December) as a date.
import { describe, expect, it } from "vitest";
import { formatter } from "./format";

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

describe("spans of days", () => {
  it("reads first and last day, or the one day, in the page's language", () => {
    expect(formatter("en").days("2026-10-16", "2026-11-02")).toBe("Oct 16, 2026 – Nov 2, 2026");
    expect(formatter("en").days("2026-11-02", "2026-11-02")).toBe("Nov 2, 2026");
    expect(formatter("pl").days("2026-10-16", "2026-11-02")).toBe("16 paź 2026 – 2 lis 2026");
  });
});
