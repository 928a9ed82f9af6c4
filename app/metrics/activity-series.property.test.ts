// Property: on generated stores, the SQL activity series (customer activity per day, week,
// month or quarter of a range) returns exactly the reference series, for ranges cut mid-period and not,
// past, current and future, and every setting that changes who counts and when they were acquired.
import { beforeAll, describe, expect, it } from "vitest";
import type { Granularity } from "./periods";
import { activitySeriesReport, customerActivityReport, retentionRatesReport } from "./retention";
import { activitySeries, customerActivity } from "./retention.server";
import type { MetricSettings } from "./settings";
import { getMetricSettings, updateMetricSettings } from "./settings.server";
import { generateStore, writeStore, type GeneratedStore } from "./test-helpers/store";

const NOW = new Date("2026-11-18T15:37:21Z");
const CASES = [
  { seed: 41, timeZone: "America/New_York" },
  { seed: 42, timeZone: "Pacific/Chatham" },
];
const QUERIES: Array<{ range: { from: string; to: string }; granularity: Granularity }> = [
  { range: { from: "2025-12-01", to: "2026-12-01" }, granularity: "month" },
  { range: { from: "2025-09-17", to: "2026-03-05" }, granularity: "month" },
  // Whole months in every bucket: read from the monthly rollups.
  { range: { from: "2025-01-01", to: "2027-01-01" }, granularity: "quarter" },
  { range: { from: "2026-03-11", to: "2026-06-02" }, granularity: "week" },
  { range: { from: "2026-10-20", to: "2027-01-01" }, granularity: "week" },
  { range: { from: "2026-02-20", to: "2026-04-10" }, granularity: "day" },
  { range: { from: "2026-11-01", to: "2026-12-01" }, granularity: "day" },
];
const SETTINGS: Array<Partial<MetricSettings>> = [
  {},
  { retentionIncludeCancelled: true, cohortIncludeZeroValue: false },
];

describe.each(CASES)("activity series on a generated store (seed $seed, $timeZone)", ({ seed, timeZone }) => {
  let store: GeneratedStore;

  beforeAll(async () => {
    store = generateStore({
      seed,
      shop: `activity-${seed}.myshopify.com`,
      timeZone,
      now: NOW,
      start: "2025-06-01",
      orders: 500,
      customers: 90,
      otherCurrency: "CAD",
    });
    // Customers whose only order is zero-value, first seen within a range read by day: new
    // customers when zero-value orders acquire, not otherwise. Few generated customers are so.
    for (const [i, at] of ["2026-03-02T15:00:00Z", "2026-11-10T12:00:00Z"].entries()) {
      store.orders.push({
        id: String(5_100_000_000_000 + i),
        customerId: String(7_100_000_000_000 + i),
        processedAt: new Date(at),
        cancelledAt: null,
        deletedAt: null,
        test: false,
        currencyCode: store.currency,
        grossSales: 0,
        discounts: 0,
        shipping: 0,
        tax: 0,
        totalPrice: 0,
      });
    }
    await writeStore(store);
  });

  it.each(SETTINGS)("SQL equals the reference with %j", async (settings) => {
    await updateMetricSettings(store.shop, { retentionIncludeCancelled: false, cohortIncludeZeroValue: true, ...settings });
    const context = { timeZone, currency: store.currency, now: NOW, settings: await getMetricSettings(store.shop) };
    let returning = 0;
    let repeat = 0;
    // Customers with two orders on one day: by day, SQL tells them apart by an order's neighbours.
    let repeatWithinADay = 0;
    for (const query of QUERIES) {
      const reference = activitySeriesReport(store, query, context);
      const label = `${query.range.from}..${query.range.to} by ${query.granularity}`;
      expect(await activitySeries(store.shop, query, { now: NOW }), label).toEqual(reference);
      // A customer is acquired once: the periods' new customers add up to the range's.
      const whole = retentionRatesReport(store, { range: query.range }, context);
      // The range's activity alone is the rates' activity, from SQL and from the reference.
      expect(customerActivityReport(store, { range: query.range }, context), label).toEqual(whole.activity);
      expect(await customerActivity(store.shop, { range: query.range }, { now: NOW }), label).toEqual(whole.activity);
      expect(reference.series.reduce((sum, point) => sum + point.newCustomers, 0), label).toBe(whole.activity.newCustomers);
      returning += reference.series.reduce((sum, point) => sum + point.returningCustomers, 0);
      repeat += reference.series.reduce((sum, point) => sum + point.repeatCustomers, 0);
      if (query.granularity === "day") repeatWithinADay += reference.series.reduce((sum, point) => sum + point.repeatCustomers, 0);
    }
    // The comparison is only worth something if the store gives the series something to count.
    expect(returning).toBeGreaterThan(0);
    expect(repeat).toBeGreaterThan(0);
    expect(repeatWithinADay).toBeGreaterThan(0);
  });
});
