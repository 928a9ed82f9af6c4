// Property: on generated stores (several seeds and time zones), the SQL implementation over the
// daily rollup returns exactly the reference report, for every granularity, comparison and
// setting that changes sales.
import { beforeAll, describe, expect, it } from "vitest";
import type { Comparison, DateRange, Granularity } from "./periods";
import { GRANULARITIES } from "./periods";
import { refreshDailyRollups } from "./rollups.server";
import { salesReport } from "./sales";
import { salesOverview } from "./sales.server";
import { REFUND_DATINGS, type MetricSettings } from "./settings";
import { getMetricSettings, updateMetricSettings } from "./settings.server";
import { generateStore, writeStore, type GeneratedStore } from "./test-helpers/store";

const NOW = new Date("2026-11-18T15:37:21Z");
const CASES = [
  { seed: 11, timeZone: "America/New_York" },
  { seed: 12, timeZone: "Europe/Berlin" },
  { seed: 13, timeZone: "Australia/Sydney" },
  { seed: 14, timeZone: "Asia/Kolkata" },
  { seed: 15, timeZone: "Pacific/Chatham" },
];
const RANGES: DateRange[] = [
  { from: "2025-05-01", to: "2026-12-01" }, // everything, with buckets after now
  { from: "2025-09-17", to: "2026-03-05" }, // cut buckets at both ends
];
const COMPARE: Array<Comparison | null> = [null, "previous_period", "previous_year"];

const SETTINGS: Array<Pick<MetricSettings, "refundDating" | "salesIncludeCancelled">> = REFUND_DATINGS.flatMap((refundDating) =>
  [true, false].map((salesIncludeCancelled) => ({ refundDating, salesIncludeCancelled })),
);

describe.each(CASES)("sales on a generated store (seed $seed, $timeZone)", ({ seed, timeZone }) => {
  let store: GeneratedStore;

  beforeAll(async () => {
    store = generateStore({
      seed,
      shop: `property-${seed}.myshopify.com`,
      timeZone,
      now: NOW,
      start: "2025-06-01",
      orders: 500,
      customers: 110,
      otherCurrency: "CAD",
    });
    await writeStore(store);
    await refreshDailyRollups(store.shop);
  });

  it.each(SETTINGS)("SQL equals the reference with %j", async (settings) => {
    await updateMetricSettings(store.shop, settings);
    const context = { timeZone, currency: store.currency, now: NOW, settings: await getMetricSettings(store.shop) };
    let compared = 0;
    for (const range of RANGES) {
      for (const [index, granularity] of GRANULARITIES.entries()) {
        const query = { range, granularity: granularity as Granularity, compareTo: COMPARE[(index + seed) % COMPARE.length] };
        const sql = await salesOverview(store.shop, query, { now: NOW });
        const reference = salesReport(store, query, context);
        expect(sql, `${range.from}..${range.to} by ${granularity}`).toEqual(reference);
        // The comparison range's parts, one per bucket, add up to it.
        expect(sql.comparison === null).toBe(query.compareTo === null);
        if (sql.comparison) {
          expect(sql.comparison.series.length).toBe(sql.series.length);
          expect(sql.comparison.series.reduce((sum, part) => sum + part.netSales, 0)).toBe(sql.comparison.totals.netSales);
        }
        compared += 1;
      }
    }
    expect(compared).toBe(RANGES.length * GRANULARITIES.length);
  });

  it("the generated store exercises the edge cases", () => {
    const orders = store.orders;
    expect(orders.filter((o) => o.test).length).toBeGreaterThan(0);
    expect(orders.filter((o) => o.deletedAt).length).toBeGreaterThan(0);
    expect(orders.filter((o) => o.cancelledAt).length).toBeGreaterThan(0);
    expect(orders.filter((o) => o.customerId === null).length).toBeGreaterThan(0);
    expect(orders.filter((o) => o.totalPrice === 0).length).toBeGreaterThan(0);
    expect(orders.filter((o) => o.currencyCode !== store.currency).length).toBeGreaterThan(0);
    expect(store.refunds.length).toBeGreaterThan(0);
  });
});
