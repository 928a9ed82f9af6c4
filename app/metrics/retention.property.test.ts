// Property: on generated stores (several seeds and time zones), the SQL implementation returns
// exactly the reference retention report, its rates alone and its cohort grid alone, for monthly
// and weekly cohorts, ranges of whole months and not, past, current and future, activity windows
// within one month and across many, and every setting that changes retention; and both customer
// lists (at risk, repeat buyers) with every filter, its bounds met exactly, and every sort.
import { beforeAll, describe, expect, it } from "vitest";
import { InvalidRangeError } from "./periods";
import {
  atRiskReport,
  cohortMatrixReport,
  customerFilters,
  customerSort,
  repeatBuyersReport,
  retentionRatesReport,
  retentionReport,
  type AtRiskQuery,
  type CustomerFilters,
  type RetentionQuery,
} from "./retention";
import { atRiskOverview, cohortMatrix, repeatBuyersOverview, retentionOverview, retentionRates } from "./retention.server";
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
// The rates alone: whole months in the past, holding now, after now, one month, one day; cut
// mid-month at one end only, long past.
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
  { from: "2025-10-01", to: "2026-02-11" },
  { from: "2025-08-20", to: "2026-01-01" },
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

  it("lists at-risk customers and repeat buyers filtered and sorted, SQL equal to the reference", async () => {
    await updateMetricSettings(store.shop, { retentionIncludeCancelled: false, cohortIncludeZeroValue: true, activityWindowDays: 365, refundDating: "refund_date" });
    const context = { timeZone, currency: store.currency, now: NOW, settings: await getMetricSettings(store.shop) };
    const lists = [
      { name: "at risk", reference: atRiskReport, sql: atRiskOverview },
      { name: "repeat", reference: repeatBuyersReport, sql: repeatBuyersOverview },
    ] as const;
    for (const list of lists) {
      const everyone = list.reference(store, { limit: 1000 }, context).customers;
      expect(everyone.length, list.name).toBeGreaterThan(5);
      // Bounds taken from customers on the list, so that each is met exactly by someone.
      const pick = (index: number) => everyone[Math.min(index, everyone.length - 1)];
      const a = pick(3);
      const b = pick(Math.floor(everyone.length / 2));
      const spends = everyone.map((c) => c.netSpend).sort((x, y) => x - y);
      const days = everyone.map((c) => c.daysSinceLastOrder).sort((x, y) => x - y);
      const filterSets: CustomerFilters[] = [
        { minOrders: 2 },
        { maxOrders: 1 },
        { minOrders: a.orders, maxOrders: a.orders },
        { minNetSpend: spends[Math.floor(spends.length / 3)], maxNetSpend: spends[Math.floor((2 * spends.length) / 3)] },
        { minDaysSince: a.daysSinceLastOrder, maxDaysSince: a.daysSinceLastOrder },
        { minDaysSince: days[Math.floor(days.length / 4)], maxDaysSince: days[Math.floor((3 * days.length) / 4)], minNetSpend: b.netSpend },
        { minOrders: 1, maxOrders: 3, maxNetSpend: b.netSpend, minDaysSince: 0, maxDaysSince: b.daysSinceLastOrder },
      ];
      const queries: AtRiskQuery[] = [
        ...filterSets.map((filters) => ({ limit: 1000, filters })),
        { limit: 1000, sort: { key: "orders", direction: "desc" } },
        { limit: 1000, sort: { key: "orders", direction: "asc" }, filters: { minNetSpend: 0 } },
        { limit: 5, offset: 2, sort: { key: "last_order", direction: "asc" }, filters: { minOrders: 2 } },
        { limit: 1000, sort: { key: "last_order", direction: "desc" } },
        { limit: 4, offset: 1, sort: { key: "net_spend", direction: "asc" }, filters: { maxDaysSince: b.daysSinceLastOrder } },
      ];
      let narrowed = 0;
      for (const query of queries) {
        const reference = list.reference(store, query, context);
        expect(await list.sql(store.shop, query, { now: NOW }), `${list.name} ${JSON.stringify(query)}`).toEqual(reference);
        if (reference.total > 0 && reference.total < everyone.length) narrowed += 1;
        for (const customer of reference.customers) expect(everyone.map((c) => c.customerId)).toContain(customer.customerId);
      }
      // The filters must have narrowed the list for the comparison to test them.
      expect(narrowed, list.name).toBeGreaterThan(3);
      // As of an earlier instant (customers with later activity read from their orders), filtered.
      for (const query of queries.slice(0, 6)) {
        const reference = list.reference(store, query, { ...context, now: EARLIER });
        expect(await list.sql(store.shop, query, { now: EARLIER }), `${list.name} ${JSON.stringify(query)} at ${EARLIER.toISOString()}`).toEqual(reference);
      }
    }
  });
});

describe("customer list filters and sorts", () => {
  it.each<[CustomerFilters, string]>([
    [{ minOrders: 3, maxOrders: 2 }, "minOrders is above maxOrders"],
    [{ minDaysSince: -1 }, "minDaysSince must be a whole number"],
    [{ minOrders: 1.5 }, "minOrders must be a whole number"],
    [{ maxNetSpend: 2e12 }, "maxNetSpend must be a whole number"],
    [{ minNetSpend: 10, maxNetSpend: -10 }, "minNetSpend is above maxNetSpend"],
  ])("%j is refused", (filters, message) => {
    expect(() => customerFilters(filters)).toThrow(InvalidRangeError);
    expect(() => customerFilters(filters)).toThrow(message);
  });

  it("keeps valid bounds, a negative net spend included", () => {
    expect(customerFilters({ minNetSpend: -500, maxNetSpend: -500, minDaysSince: 0, maxOrders: undefined })).toEqual({ minNetSpend: -500, maxNetSpend: -500, minDaysSince: 0 });
  });

  it("refuses an unknown sort", () => {
    expect(() => customerSort({ key: "name" as never, direction: "asc" })).toThrow(InvalidRangeError);
    expect(customerSort()).toEqual({ key: "net_spend", direction: "desc" });
  });
});
