// GIVEN a small Warsaw store in PLN, WHEN its sales are exported by month, THEN the file holds
// every total of each month as computed by hand, growth beside the net sales it is measured
// against, in złoty with two decimals, under a name that says the range, currency and settings;
// in Polish (the admin's language) the same file has Polish headings and yes/no, and the same
// numbers; and an impossible range is refused.
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { InvalidRangeError } from "#app/metrics/periods";
import { fixtureShop, order, refund } from "#app/metrics/test-helpers/fixtures";
import { csvText } from "./csv.server";
import { salesExport } from "./sales-export.server";

const NOW = new Date("2026-03-15T12:00:00Z");

describe("sales export", () => {
  it("writes each month's totals exactly", async () => {
    const shop = await fixtureShop(
      {
        orders: [
          // January (Warsaw): a customer's first order, and a guest's with a discount.
          order({ id: "1", customerId: "7", at: "2026-01-10T10:00:00Z", grossSales: 10_000, shipping: 1_500, tax: 2_300, currencyCode: "PLN" }),
          order({ id: "2", at: "2026-01-31T22:30:00Z", grossSales: 5_005, discounts: 505, currencyCode: "PLN" }),
          // February: the customer again, partly returned in March.
          order({ id: "3", customerId: "7", at: "2026-02-02T09:00:00Z", grossSales: 20_000, currencyCode: "PLN" }),
        ],
        refunds: [refund({ id: "1", orderId: "3", at: "2026-03-01T09:00:00Z", returns: 4_000 })],
      },
      { timeZone: "Europe/Warsaw", currency: "PLN" },
    );
    const file = await salesExport(shop, new URLSearchParams({ from: "2026-01-01", to: "2026-04-01", granularity: "month" }), NOW);
    expect(file.fileName).toBe("metryka-sales-by-month-2026-01-01_2026-03-31-PLN-returns-on-refund-date-with-cancelled.csv");
    const [header, ...rows] = parse(await csvText(file.header, file.rows), { bom: true }) as string[][];
    expect(header).toEqual([
      "Period",
      "First day",
      "Last day",
      "Partial",
      "Gross sales (PLN)",
      "Discounts (PLN)",
      "Returns (PLN)",
      "Net sales (PLN)",
      "Shipping (PLN)",
      "Taxes (PLN)",
      "Total sales (PLN)",
      "Orders",
      "Average order value (PLN)",
      "New customers' net sales (PLN)",
      "Returning customers' net sales (PLN)",
      "Guests' net sales (PLN)",
      "Net sales growth",
      "Net sales compared with (PLN)",
    ]);
    expect(rows).toEqual([
      // 2026-01-31T22:30Z is 23:30 in Warsaw: still January.
      ["2026-01", "2026-01-01", "2026-01-31", "no", "150.05", "5.05", "0.00", "145.00", "15.00", "23.00", "183.00", "2", "72.50", "100.00", "0.00", "45.00", "", "0.00"],
      ["2026-02", "2026-02-01", "2026-02-28", "no", "200.00", "0.00", "0.00", "200.00", "0.00", "0.00", "200.00", "1", "200.00", "0.00", "200.00", "0.00", "0.3793", "145.00"],
      // March so far (to the 15th) against 1 to 15 February.
      ["2026-03", "2026-03-01", "2026-03-31", "yes", "0.00", "0.00", "40.00", "-40.00", "0.00", "0.00", "-40.00", "0", "", "0.00", "-40.00", "0.00", "-1.2", "200.00"],
    ]);

    const polish = await salesExport(shop, new URLSearchParams({ from: "2026-01-01", to: "2026-04-01", granularity: "month" }), NOW, "pl");
    expect(polish.fileName).toBe(file.fileName);
    const [plHeader, ...plRows] = parse(await csvText(polish.header, polish.rows), { bom: true }) as string[][];
    expect(plHeader.slice(0, 5)).toEqual(["Okres", "Pierwszy dzień", "Ostatni dzień", "Niepełny", "Sprzedaż brutto (PLN)"]);
    expect(plHeader).toHaveLength(header.length);
    expect(plRows.map((row) => row[3])).toEqual(["nie", "nie", "tak"]);
    expect(plRows.map((row) => [...row.slice(0, 3), ...row.slice(4)])).toEqual(rows.map((row) => [...row.slice(0, 3), ...row.slice(4)]));
  });

  it("refuses an impossible range with the reason", async () => {
    const shop = await fixtureShop({ orders: [] }, { timeZone: "UTC" });
    await expect(salesExport(shop, new URLSearchParams({ from: "2026-05-01", to: "2026-04-01" }), NOW)).rejects.toThrow(InvalidRangeError);
    await expect(salesExport(shop, new URLSearchParams({ from: "2026-02-30", to: "2026-04-01" }), NOW)).rejects.toThrow(InvalidRangeError);
  });
});
