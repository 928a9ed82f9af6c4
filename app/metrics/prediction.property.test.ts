// Property: on generated stores in five time zones, the customers' summaries read from the
// rollups (SQL) equal those the reference computes from the raw orders, under every setting that
// changes them, on a day in the store's history and on the day it was generated, each date alone
// and both in one pass. (That the rollups refreshed after a change equal a rebuild is
// rollups.test.ts's.)
import { beforeAll, describe, expect, it } from "vitest";
import { customerSummaries, type CustomerSummary } from "./prediction";
import { customerSummariesOnSql, customerSummariesSql } from "./prediction.server";
import type { MetricSettings } from "./settings";
import { getMetricSettings, updateMetricSettings } from "./settings.server";
import { generateStore, writeStore, type GeneratedStore } from "./test-helpers/store";

const NOW = new Date("2026-11-18T15:37:21Z");
const CASES = [
  { seed: 41, timeZone: "America/New_York" },
  { seed: 42, timeZone: "Europe/Berlin" },
  { seed: 43, timeZone: "Australia/Sydney" },
  { seed: 44, timeZone: "Asia/Kolkata" },
  { seed: 45, timeZone: "Pacific/Chatham" },
];
const SETTINGS: Array<Partial<MetricSettings>> = [
  {},
  { retentionIncludeCancelled: true },
  { cohortIncludeZeroValue: false },
  { retentionIncludeCancelled: true, cohortIncludeZeroValue: false },
];
// Now, and a day in the middle of the history (later orders are not counted then).
const NOWS = [NOW, new Date("2026-03-29T01:30:00Z")];

describe.each(CASES)("prediction summaries on a generated store (seed $seed, $timeZone)", ({ seed, timeZone }) => {
  let store: GeneratedStore;

  beforeAll(async () => {
    store = generateStore({ seed, shop: `prediction-${seed}.myshopify.com`, timeZone, now: NOW, start: "2025-06-01", orders: 500, customers: 90, otherCurrency: "CAD" });
    await writeStore(store);
  });

  it.each(SETTINGS)("SQL equals the reference with %j", async (settings) => {
    await updateMetricSettings(store.shop, { retentionIncludeCancelled: false, cohortIncludeZeroValue: true, ...settings });
    const references: CustomerSummary[][] = [];
    for (const now of NOWS) {
      const context = { timeZone, currency: store.currency, now, settings: await getMetricSettings(store.shop) };
      const reference = customerSummaries(store, context);
      expect(await customerSummariesSql(store.shop, { now }), now.toISOString()).toEqual(reference);
      // Worth comparing: customers who came back, with spend, and some who did not.
      expect(reference.filter((s) => s.x > 1 && s.repeatSpend > 0).length).toBeGreaterThan(5);
      expect(reference.some((s) => s.x === 0)).toBe(true);
      references.push(reference);
    }
    // Both dates from one pass over the rollups, as a fit reads them, in either order.
    expect(await customerSummariesOnSql(store.shop, NOWS)).toEqual(references);
    expect(await customerSummariesOnSql(store.shop, [...NOWS].reverse())).toEqual([...references].reverse());
  });
});
