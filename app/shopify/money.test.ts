import { describe, expect, it } from "vitest";
import { AmountRangeError, fromMinorUnits, toMinorUnits } from "./money";

describe("money", () => {
  it.each([
    ["12.30", "USD", 1230n],
    ["12.3", "USD", 1230n],
    ["0.07", "EUR", 7n],
    ["1500", "JPY", 1500n],
    ["1500.0", "JPY", 1500n],
    ["1.234", "KWD", 1234n],
    ["-4.05", "USD", -405n],
    ["90071992547.40", "USD", 9007199254740n],
    // Above 2^53, where a float would round to ...992.
    ["90071992547409.93", "USD", 9007199254740993n],
    ["92233720368547758.07", "USD", 9223372036854775807n],
    ["-92233720368547758.07", "USD", -9223372036854775807n],
    ["9223372036854775807", "JPY", 9223372036854775807n],
    ["0009223372036854775807", "JPY", 9223372036854775807n],
  ])("reads %s %s as %i minor units, exactly", (amount, currency, minor) => {
    expect(toMinorUnits(amount, currency)).toBe(minor);
    expect(toMinorUnits(fromMinorUnits(minor, currency), currency)).toBe(minor);
  });

  it("writes minor units back as Shopify's decimal strings", () => {
    expect([
      fromMinorUnits(1230n, "USD"),
      fromMinorUnits(5n, "USD"),
      fromMinorUnits(1500n, "JPY"),
      fromMinorUnits(-405n, "USD"),
      fromMinorUnits(9007199254740993n, "USD"),
    ]).toEqual(["12.30", "0.05", "1500", "-4.05", "90071992547409.93"]);
  });

  it.each([["12.345", "USD"], ["1.5", "JPY"], ["abc", "USD"], ["", "USD"], ["1e3", "USD"], ["0x10", "USD"], ["+1", "USD"]])(
    "refuses %s %s instead of rounding or guessing",
    (amount, currency) => {
      expect(() => toMinorUnits(amount, currency)).toThrow();
    },
  );

  it.each([
    ["92233720368547758.08", "USD"],
    ["-92233720368547758.08", "USD"],
    ["9223372036854775808", "JPY"],
    ["100000000000000000000", "USD"],
    ["9".repeat(400), "USD"],
  ])("refuses %s %s: beyond what a bigint column holds", (amount, currency) => {
    expect(() => toMinorUnits(amount, currency)).toThrow(AmountRangeError);
    expect(() => toMinorUnits(amount, currency)).toThrow(/out of range: at most 9223372036854775807 minor units/);
  });
});
