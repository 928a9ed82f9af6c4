import { describe, expect, it } from "vitest";
import { compileSearch, parseSearchQuery, type SearchFields } from "./search-query";

interface Row {
  id: number;
  updatedAt: string;
  test: boolean;
}
const fields: SearchFields<Row> = {
  updated_at: { kind: "date", get: (r) => r.updatedAt },
  id: { kind: "number", get: (r) => r.id },
  test: { kind: "boolean", get: (r) => r.test },
};
const rows: Row[] = [
  { id: 1, updatedAt: "2026-10-31T23:59:59Z", test: false },
  { id: 2, updatedAt: "2026-11-01T00:00:00Z", test: false },
  { id: 3, updatedAt: "2026-11-01T04:30:00Z", test: true }, // 00:30 in New York (EDT ends 2026-11-01)
  { id: 4, updatedAt: "2026-11-02T05:00:00Z", test: false }, // midnight Nov 2 in New York (EST)
];
const ids = (query: string, zone = "America/New_York"): number[] => rows.filter(compileSearch(query, fields, zone).predicate).map((r) => r.id);

describe("Shopify search syntax", () => {
  it.each([
    ["updated_at:>='2026-11-01T00:00:00Z'", [2, 3, 4]],
    ["updated_at:>'2026-11-01T00:00:00Z'", [3, 4]],
    ['updated_at:<"2026-11-01T00:00:00Z"', [1]],
    ["updated_at:<=2026-11-01T00:00:00Z", [1, 2]],
    ["updated_at:2026-11-01T00:00:00Z", [2]],
    // Bare dates are local days in the shop's zone: 2026-11-01 in New York is 04:00Z → 05:00Z next day (25 h).
    ["updated_at:2026-11-01", [3]],
    ["updated_at:>=2026-11-01", [3, 4]],
    ["updated_at:>2026-11-01", [4]],
    ["updated_at:<2026-11-01", [1, 2]],
    ["updated_at:>=2026-11-01 AND test:false", [4]],
    ["updated_at:>=2026-11-01 test:false", [4]],
    ["id:1 OR id:4", [1, 4]],
    ["-test:true", [1, 2, 4]],
    ["NOT test:true id:>1", [2, 4]],
    ["colour:blue", [1, 2, 3, 4]],
  ])("%s", (query, expected) => {
    expect(ids(query)).toEqual(expected);
  });

  it("reads a bare date in the given zone", () => {
    expect(ids("updated_at:2026-11-01", "UTC")).toEqual([2, 3]);
    expect(ids("updated_at:2026-10-31", "UTC")).toEqual([1]);
  });

  it("warns about unknown fields instead of failing", () => {
    expect(compileSearch("colour:blue id:1", fields, "UTC").warnings).toEqual([{ field: "colour", message: "Invalid search field for this query." }]);
    expect(parseSearchQuery("updated_at:>='2026-11-01T00:00:00Z'")).toEqual([[{ field: "updated_at", operator: ">=", value: "2026-11-01T00:00:00Z", negated: false }]]);
  });
});
