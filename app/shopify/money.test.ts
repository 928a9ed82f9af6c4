import { describe, expect, it } from "vitest";
import { fromMinorUnits, toMinorUnits } from "./money";

describe("money", () => {
  it.each([
    ["12.30", "USD", 1230],
    ["12.3", "USD", 1230],
    ["0.07", "EUR", 7],
    ["1500", "JPY", 1500],
    ["1500.0", "JPY", 1500],
    ["1.234", "KWD", 1234],
    ["-4.05", "USD", -405],
    ["90071992547.40", "USD", 9007199254740],
  ])("reads %s %s as %i minor units, exactly", (amount, currency, minor) => {
    expect(toMinorUnits(amount, currency)).toBe(minor);
    expect(toMinorUnits(fromMinorUnits(minor, currency), currency)).toBe(minor);
  });

  it("writes minor units back as Shopify's decimal strings", () => {
    expect([fromMinorUnits(1230, "USD"), fromMinorUnits(5, "USD"), fromMinorUnits(1500, "JPY"), fromMinorUnits(-405, "USD")]).toEqual([
      "12.30",
      "0.05",
      "1500",
      "-4.05",
    ]);
  });

  it.each([["12.345", "USD"], ["1.5", "JPY"], ["abc", "USD"], ["", "USD"], ["1e3", "USD"]])(
    "refuses %s %s instead of rounding or guessing",
    (amount, currency) => {
      expect(() => toMinorUnits(amount, currency)).toThrow();
    },
  );
});
