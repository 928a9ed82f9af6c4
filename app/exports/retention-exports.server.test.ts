// GIVEN a small Warsaw store, WHEN its cohorts (monthly and weekly) and its time between orders
// are exported, THEN each file's rows are the engine's figures for the same query (the cohort
// grid's cells, the histogram's bins and the quartiles), in the shop currency's major units,
// under a name that says the table, range, currency and settings; in Polish only the headings
// and yes/no change; and a bad query is refused before any file is made.
import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, it } from "vitest";
import { InvalidRangeError } from "#app/metrics/periods";
import { cohortMatrix, gapHistogram, retentionOverview } from "#app/metrics/retention.server";
import { fixtureShop, order, refund } from "#app/metrics/test-helpers/fixtures";
import { fromMinorUnits } from "#app/shopify/money";
import { csvText } from "./csv.server";
import { cohortsExport, timeBetweenOrdersExport } from "./retention-exports.server";

const NOW = new Date("2026-03-20T12:00:00Z");
const RANGE = { from: "2025-12-01", to: "2026-04-01" };
const money = (minor: number | null) => (minor === null ? "" : fromMinorUnits(BigInt(Math.round(minor)), "PLN"));
const cells = async (file: { header: string[]; rows: Iterable<unknown[]> | AsyncIterable<unknown[]> }) =>
  parse(await csvText(file.header, file.rows as Iterable<never[]>), { bom: true }) as string[][];

describe("retention exports", () => {
  let shop: string;

  beforeAll(async () => {
    const at = (day: string, hour = 10) => `${day}T${String(hour).padStart(2, "0")}:00:00Z`;
    shop = await fixtureShop(
      {
        orders: [
          order({ id: "1", customerId: "7", at: at("2025-12-03"), grossSales: 10_000, currencyCode: "PLN" }),
          order({ id: "2", customerId: "7", at: at("2025-12-05"), grossSales: 2_000, currencyCode: "PLN" }),
          order({ id: "3", customerId: "7", at: at("2026-01-20"), grossSales: 4_550, currencyCode: "PLN" }),
          order({ id: "4", customerId: "8", at: at("2025-12-20"), grossSales: 7_000, currencyCode: "PLN" }),
          order({ id: "5", customerId: "8", at: at("2026-03-02"), grossSales: 3_000, currencyCode: "PLN" }),
          order({ id: "6", customerId: "9", at: at("2026-01-08"), grossSales: 1_999, currencyCode: "PLN" }),
          order({ id: "7", customerId: "9", at: at("2026-01-08", 18), grossSales: 500, currencyCode: "PLN" }),
          order({ id: "8", customerId: "10", at: at("2026-02-14"), grossSales: 12_345, currencyCode: "PLN" }),
          order({ id: "9", customerId: "10", at: at("2026-03-18"), grossSales: 800, currencyCode: "PLN" }),
          order({ id: "10", at: at("2026-02-01"), grossSales: 900, currencyCode: "PLN" }),
        ],
        refunds: [refund({ id: "1", orderId: "3", at: "2026-02-02T09:00:00Z", returns: 1_000 })],
      },
      { timeZone: "Europe/Warsaw", currency: "PLN" },
    );
  });

  it.each(["month", "week"] as const)("writes every cell of the %sly cohort grid as the engine has it", async (cohorts) => {
    const params = new URLSearchParams({ ...RANGE, cohorts });
    const file = await cohortsExport(shop, params, NOW);
    expect(file.fileName).toBe(
      `metryka-cohorts-by-${cohorts}-2025-12-01_2026-03-31-PLN-without-cancelled-zero-value-acquires-returns-on-refund-date.csv`,
    );
    const [header, ...rows] = await cells(file);
    expect(header[0]).toBe("Cohort");
    expect(header).toContain("Retention rate");
    expect(header).toContain("Net sales (PLN)");
    const grid = await cohortMatrix(shop, { range: RANGE, cohortGranularity: cohorts }, { now: NOW });
    const expected = grid.cohorts.flatMap((cohort) =>
      cohort.cells.map((cell) => [
        cohort.cohort,
        cohort.cohort.length === 7 ? `${cohort.cohort}-01` : rows.find((row) => row[0] === cohort.cohort)?.[1],
        String(cohort.size),
        String(cell.k),
        cell.period,
        cell.partial ? "yes" : "no",
        String(cell.customers),
        cell.retention === null ? "" : String(cell.retention),
        money(cell.netSales),
        money(cell.cumulativeNetSales),
        money(cell.lifetimeValue),
      ]),
    );
    expect(rows).toEqual(expected);
    // Something to compare: customers came back, and money was made.
    expect(grid.cohorts.some((cohort) => cohort.cells.some((cell) => cell.k > 0 && cell.customers > 0))).toBe(true);
    // A weekly cohort's first day is the Monday its week starts on (shop-local).
    if (cohorts === "week") for (const row of rows) expect(new Date(`${row[1]}T12:00:00Z`).getUTCDay()).toBe(1);

    const polish = await cohortsExport(shop, params, NOW, "pl");
    expect(polish.fileName).toBe(file.fileName);
    const [plHeader, ...plRows] = await cells(polish);
    expect(plHeader[0]).toBe("Kohorta");
    expect(plRows.map((row) => [...row.slice(0, 5), ...row.slice(6)])).toEqual(rows.map((row) => [...row.slice(0, 5), ...row.slice(6)]));
  });

  it("writes the histogram's bins and the quartiles as the engine has them", async () => {
    const file = await timeBetweenOrdersExport(shop, new URLSearchParams(RANGE), NOW);
    expect(file.fileName).toBe("metryka-time-between-orders-2025-12-01_2026-03-31-PLN-without-cancelled.csv");
    const [header, ...rows] = await cells(file);
    expect(header).toEqual(["From (days)", "To (days)", "Second orders", "Repeat orders"]);
    const histogram = await gapHistogram(shop, { range: RANGE }, { now: NOW });
    const { timeBetweenOrders } = await retentionOverview(shop, { range: RANGE }, { now: NOW });
    const text = (value: number | null) => (value === null ? "" : String(value));
    expect(rows).toEqual([
      ...histogram.betweenOrders.map((bin, i) => [String(bin.fromDays), text(bin.toDays), String(histogram.firstToSecond[i].count), String(bin.count)]),
      ...(["count", "p25", "median", "p75"] as const).map((key) => [
        { count: "Count", p25: "25th percentile (days)", median: "Median (days)", p75: "75th percentile (days)" }[key],
        "",
        text(timeBetweenOrders.firstToSecond[key]),
        text(timeBetweenOrders.betweenOrders[key]),
      ]),
    ]);
    expect(timeBetweenOrders.betweenOrders.count).toBeGreaterThan(2);
  });

  it("refuses a bad query with the reason", async () => {
    await expect(cohortsExport(shop, new URLSearchParams({ ...RANGE, cohorts: "day" }), NOW)).rejects.toThrow(InvalidRangeError);
    await expect(cohortsExport(shop, new URLSearchParams({ from: "2026-05-01", to: "2026-04-01" }), NOW)).rejects.toThrow(InvalidRangeError);
    await expect(timeBetweenOrdersExport(shop, new URLSearchParams({ from: "2026-02-30", to: "2026-04-01" }), NOW)).rejects.toThrow(InvalidRangeError);
  });
});
