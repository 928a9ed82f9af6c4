// Property: on generated stores (several seeds and time zones), the SQL implementation returns
// exactly the reference retention report, its rates alone and its cohort grid alone, for monthly
// and weekly cohorts, ranges of whole months and not, past, current and future, activity windows
// within one month and across many, and every setting that changes retention.
import { beforeAll, describe, expect, it } from "vitest";
import { atRiskReport, cohortMatrixReport, retentionRatesReport, retentionReport, type RetentionQuery } from "./retention";
import { atRiskOverview, cohortMatrix, retentionOverview, retentionRates } from "./retention.server";
import type { MetricSettings } from "./settings";
import { getMetricSettings, updateMetricSettings } from "./settings.server";
import { generateStore, writeStore, type GeneratedStore } from "./test-helpers/store";

const NOW = new Date("2026-11-18T15:37:21Z");
const EARLIER = new Date("2026-06-01T00:00:00Z");
const MID_MONTH = new Date("2026-03-17T08:12:45.123Z");
const CASES = [
  { seed: 31, timeZone: "America/New_York" },
  { seed: 32, timeZone: "Europe/Berlin" },
  { seed: 33, timeZone: "Australia/Sydney" },
  { seed: 34, timeZone: "Asia/Kolkata" },
  { seed: 35, timeZone: "Pacific/Chatham" },
];
// The whole report: whole months (rollup sums) and not (orders), monthly and weekly cohorts.
const QUERIES: RetentionQuery[] = [
  { range: { from: "2025-06-01", to: "2026-12-01" }, cohortGranularity: "month" },
  { range: { from: "2026-04-01", to: "2026-07-01" }, cohortGranularity: "week" },
  { range: { from: "2026-10-20", to: "2027-01-01" }, cohortGranularity: "week" },
  { range: { from: "2025-09-17", to: "2026-03-05" }, cohortGranularity: "month" },
];
// The rates alone: whole months in the past, holding now, after now, one month, one day.
const RATE_RANGES = [
  { from: "2025-07-01", to: "2026-02-01" },
  { from: "2026-01-01", to: "2026-12-01" },
  { from: "2026-11-01", to: "2026-12-01" },
  { from: "2026-12-01", to: "2027-03-01" },
  { from: "2025-01-01", to: "2025-08-01" },
  { from: "2026-03-01", to: "2026-03-02" },
  { from: "2026-03-14", to: "2026-05-20" },
  // One day longer than a 90-day window: the windows before its start and before its end are a day apart.
  { from: "2026-02-16", to: "2026-05-18" },
];
// The cohort grid alone.
const GRIDS: RetentionQuery[] = [
  { range: { from: "2025-06-01", to: "2026-12-01" }, cohortGranularity: "month" },
  { range: { from: "2026-02-10", to: "2026-04-01" }, cohortGranularity: "month" },
  { range: { from: "2026-08-01", to: "2026-10-01" }, cohortGranularity: "week" },
];
const SETTINGS: Array<Partial<MetricSettings>> = [
  {},
  { retentionIncludeCancelled: true, refundDating: "order_date" },
  { cohortIncludeZeroValue: false, activityWindowDays: 90 },
  { retentionIncludeCancelled: true, cohortIncludeZeroValue: false, activityWindowDays: 30, refundDating: "order_date" },
  // Windows inside one month, and one longer than the history.
  { retentionIncludeCancelled: true, activityWindowDays: 3 },
  { cohortIncludeZeroValue: false, activityWindowDays: 1000 },
];

describe.each(CASES)("retention on a generated store (seed $seed, $timeZone)", ({ seed, timeZone }) => {
  let store: GeneratedStore;

  beforeAll(async () => {
    store = generateStore({
      seed,
      shop: `retention-${seed}.myshopify.com`,
      timeZone,
      now: NOW,
      start: "2025-06-01",
      orders: 500,
      customers: 90,
      otherCurrency: "CAD",
    });
    await writeStore(store);
  });

  it.each(SETTINGS)("SQL equals the reference with %j", async (settings) => {
    const applied = await updateMetricSettings(store.shop, { retentionIncludeCancelled: false, cohortIncludeZeroValue: true, activityWindowDays: 365, refundDating: "refund_date", ...settings });
    const context = { timeZone, currency: store.currency, now: NOW, settings: await getMetricSettings(store.shop) };
    expect(context.settings).toEqual(applied);
    for (const query of QUERIES) {
      const sql = await retentionOverview(store.shop, query, { now: NOW });
      const reference = retentionReport(store, query, context);
      expect(sql, `${query.range.from}..${query.range.to} by ${query.cohortGranularity}`).toEqual(reference);
      // The comparison is only worth something if the store gives the metrics something to count.
      expect(reference.activity.customers).toBeGreaterThan(0);
    }
    let active = 0;
    let retained = 0;
    for (const range of [...RATE_RANGES, ...QUERIES.map((query) => query.range)]) {
      const reference = retentionRatesReport(store, { range }, context);
      expect(await retentionRates(store.shop, { range }, { now: NOW }), `rates ${range.from}..${range.to}`).toEqual(reference);
      active += reference.retention.activeAtStart + reference.retention.activeAtEnd + reference.activity.repeatCustomers;
      retained += reference.retention.retainedCustomers;
      expect(reference.retention.retentionRate ?? 0).toBeGreaterThanOrEqual(0);
      expect(reference.retention.retentionRate ?? 0).toBeLessThanOrEqual(1);
    }
    expect(active).toBeGreaterThan(0);
    expect(retained).toBeGreaterThan(0);
    for (const query of GRIDS) {
      const reference = cohortMatrixReport(store, query, context);
      expect(await cohortMatrix(store.shop, query, { now: NOW }), `grid ${query.range.from}..${query.range.to}`).toEqual(reference);
      expect(reference.cohorts.some((cohort) => cohort.cells.some((cell) => cell.k > 0 && cell.customers > 0))).toBe(true);
    }
    for (const query of [{ limit: 1000 }, { limit: 5 }, { limit: 4, offset: 3 }]) {
      const reference = atRiskReport(store, query, context);
      expect(await atRiskOverview(store.shop, query, { now: NOW }), JSON.stringify(query)).toEqual(reference);
      expect(reference.total).toBeGreaterThan(query.limit === 1000 ? 0 : 7);
    }
    // As of an earlier instant: customers with orders or refunds after it are read from their orders.
    for (const earlier of [EARLIER, MID_MONTH]) {
      const reference = atRiskReport(store, { limit: 1000 }, { ...context, now: earlier });
      expect(await atRiskOverview(store.shop, { limit: 1000 }, { now: earlier }), earlier.toISOString()).toEqual(reference);
      expect(reference.total).toBeGreaterThan(0);
    }
  });
});
