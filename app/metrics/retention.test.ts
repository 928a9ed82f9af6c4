// Hand-computed stores asserted as whole outputs (the entire cohort grid, every activity count),
// from both the reference (`retentionReport`, `retentionRatesReport`) and the SQL implementation
// (`retentionOverview`, `retentionRates`).
import { describe, expect, it } from "vitest";
import { InvalidRangeError } from "./periods";
import type { MetricOrder, MetricRefund } from "./rows";
import {
  atRiskReport,
  cohortMatrixReport,
  retentionRatesReport,
  retentionReport,
  type AtRiskQuery,
  type AtRiskReport,
  type Cohort,
  type CohortCell,
  type RetentionQuery,
  type RetentionReport,
} from "./retention";
import { atRiskOverview, cohortMatrix, retentionOverview, retentionRates } from "./retention.server";
import { DEFAULT_METRIC_SETTINGS, type MetricSettings } from "./settings";
import { getMetricSettings } from "./settings.server";
import { fixtureShop, order, refund } from "./test-helpers/fixtures";

interface Both<T> {
  reference: T;
  sql: T;
}

async function bothImplementations(
  rows: { orders: MetricOrder[]; refunds?: MetricRefund[] },
  shop: { timeZone: string; currency?: string; settings?: Partial<MetricSettings> },
  query: RetentionQuery,
  now: Date,
  atRiskQuery: AtRiskQuery = {},
): Promise<Both<RetentionReport> & { atRisk: Both<AtRiskReport> }> {
  const domain = await fixtureShop(rows, shop);
  const data = { orders: rows.orders, refunds: rows.refunds ?? [] };
  const context = { timeZone: shop.timeZone, currency: shop.currency ?? "USD", now, settings: await getMetricSettings(domain) };
  return {
    sql: await retentionOverview(domain, query, { now }),
    reference: retentionReport(data, query, context),
    atRisk: {
      sql: await atRiskOverview(domain, atRiskQuery, { now }),
      reference: atRiskReport(data, atRiskQuery, context),
    },
  };
}

/** One cell: [period, partial, customers, retention, netSales, cumulative, lifetimeValue]. */
type CellRow = [string, boolean, number, number | null, number, number, number | null];
function cohort(name: string, start: string, size: number, cells: CellRow[]): Cohort {
  return {
    cohort: name,
    start,
    size,
    cells: cells.map(([period, partial, customers, retention, netSales, cumulativeNetSales, lifetimeValue], k): CohortCell => ({
      k,
      period,
      partial,
      customers,
      retention,
      netSales,
      cumulativeNetSales,
      lifetimeValue,
    })),
  };
}

// Europe/Berlin: CET (UTC+1) until 29 March 2026, then CEST (UTC+2). Shop currency EUR.
const berlin = {
  orders: [
    order({ id: "11", customerId: "1", at: "2025-12-15T12:00:00Z", grossSales: 5000, currencyCode: "EUR" }),
    order({ id: "12", customerId: "1", at: "2026-01-20T12:00:00Z", grossSales: 3000, currencyCode: "EUR" }),
    order({ id: "13", customerId: "1", at: "2026-03-05T12:00:00Z", grossSales: 2000, currencyCode: "EUR" }),
    order({ id: "21", customerId: "2", at: "2026-01-31T22:30:00Z", grossSales: 4000, currencyCode: "EUR" }), // 23:30 on 31 January
    order({ id: "22", customerId: "2", at: "2026-02-10T12:00:00Z", grossSales: 1000, currencyCode: "EUR" }),
    order({ id: "23", customerId: "2", at: "2026-02-20T12:00:00Z", grossSales: 1500, currencyCode: "EUR" }),
    order({ id: "31", customerId: "3", at: "2026-01-05T12:00:00Z", grossSales: 1000, discounts: 1000, currencyCode: "EUR" }), // zero-value
    order({ id: "32", customerId: "3", at: "2026-02-15T12:00:00Z", grossSales: 6000, currencyCode: "EUR" }),
    order({ id: "41", customerId: "4", at: "2026-02-03T12:00:00Z", grossSales: 2500, currencyCode: "EUR" }),
    order({ id: "42", customerId: "4", at: "2026-03-10T12:00:00Z", grossSales: 9999, currencyCode: "EUR", cancelledAt: "2026-03-11T00:00:00Z" }),
    order({ id: "43", customerId: "4", at: "2026-04-02T12:00:00Z", grossSales: 500, currencyCode: "EUR" }),
    order({ id: "51", customerId: "5", at: "2026-03-31T22:30:00Z", grossSales: 700, currencyCode: "EUR" }), // 00:30 on 1 April
    order({ id: "61", customerId: "6", at: "2026-01-10T12:00:00Z", grossSales: 900, currencyCode: "EUR", test: true }),
    order({ id: "71", customerId: "7", at: "2025-03-01T12:00:00Z", grossSales: 800, currencyCode: "EUR" }),
    order({ id: "81", customerId: "8", at: "2026-02-01T12:00:00Z", grossSales: 300, currencyCode: "EUR", deletedAt: "2026-02-02T00:00:00Z" }),
    order({ id: "91", at: "2026-01-15T12:00:00Z", grossSales: 10000, currencyCode: "EUR" }), // guest
  ],
  refunds: [
    refund({ id: "201", orderId: "21", at: "2026-03-02T12:00:00Z", returns: 1000 }),
    refund({ id: "202", orderId: "41", at: "2026-02-04T12:00:00Z", returns: 500 }),
  ],
};
const NOW = new Date("2026-04-10T12:00:00Z");
const Q1 = { range: { from: "2026-01-01", to: "2026-04-01" }, cohortGranularity: "month" as const };

describe("retention report", () => {
  it("GIVEN a small Berlin store THEN activity, retention, time between orders, the whole monthly cohort grid and the lapsed customers are as computed by hand", async () => {
    const expectedAtRisk: AtRiskReport = {
      currency: "EUR",
      timeZone: "Europe/Berlin",
      settings: { ...DEFAULT_METRIC_SETTINGS },
      now: NOW.toISOString(),
      // gaps 9.5625, 10, 36, 41, 44, 58: p90 = 44 + (58 − 44) × 0.5
      lapsePointDays: 51,
      gaps: 6,
      total: 2,
      offset: 0,
      customers: [
        { customerId: "3", lastOrderAt: "2026-02-15T12:00:00.000Z", lastOrderDay: "2026-02-15", daysSinceLastOrder: 54, orders: 2, netSpend: 6000 },
        { customerId: "7", lastOrderAt: "2025-03-01T12:00:00.000Z", lastOrderDay: "2025-03-01", daysSinceLastOrder: 405, orders: 1, netSpend: 800 },
      ],
    };
    const expected: RetentionReport = {
      currency: "EUR",
      timeZone: "Europe/Berlin",
      settings: { ...DEFAULT_METRIC_SETTINGS },
      range: Q1.range,
      cohortGranularity: "month",
      now: NOW.toISOString(),
      activity: {
        customers: 4, // 1, 2, 3, 4 (5's order is on 1 April local; 4's March order is cancelled)
        orders: 8,
        newCustomers: 3, // 2, 3, 4
        returningCustomers: 1, // 1 (first order in December)
        repeatCustomers: 3, // 1, 2, 3
        repeatPurchaseRate: 0.75,
        returningCustomerRate: 0.75,
        purchaseFrequency: 2,
      },
      retention: {
        windowDays: 365,
        start: "2025-12-31T23:00:00.000Z",
        end: "2026-03-31T22:00:00.000Z",
        activeAtStart: 2, // 1 and 7
        activeAtEnd: 4, // 1, 2, 3, 4
        retainedCustomers: 1, // 1 (7's only order is before the end window)
        retentionRate: 0.5, // 1 ÷ 2
        churnRate: 0.5,
      },
      timeBetweenOrders: {
        // 9.5625 (2), 36 (1), 41 (3)
        firstToSecond: { count: 3, p25: 22.78, median: 36, p75: 38.5 },
        // 9.5625, 10, 36, 41, 44
        betweenOrders: { count: 5, p25: 10, median: 36, p75: 41 },
      },
      cohorts: [
        cohort("2026-01", "2025-12-31T23:00:00.000Z", 2, [
          ["2026-01", false, 2, 1, 4000, 4000, 2000],
          ["2026-02", false, 2, 1, 8500, 12500, 6250],
          ["2026-03", false, 0, 0, -1000, 11500, 5750],
          ["2026-04", true, 0, 0, 0, 11500, 5750],
        ]),
        cohort("2026-02", "2026-01-31T23:00:00.000Z", 1, [
          ["2026-02", false, 1, 1, 2000, 2000, 2000],
          ["2026-03", false, 0, 0, 0, 2000, 2000],
          ["2026-04", true, 1, 1, 500, 2500, 2500],
        ]),
        cohort("2026-03", "2026-02-28T23:00:00.000Z", 0, [
          ["2026-03", false, 0, null, 0, 0, null],
          ["2026-04", true, 0, null, 0, 0, null],
        ]),
      ],
    };
    const { reference, sql, atRisk } = await bothImplementations(berlin, { timeZone: "Europe/Berlin", currency: "EUR" }, Q1, NOW);
    expect(reference).toEqual(expected);
    expect(sql).toEqual(expected);
    expect(atRisk.reference).toEqual(expectedAtRisk);
    expect(atRisk.sql).toEqual(expectedAtRisk);
  });

  it("GIVEN zero-value orders excluded from cohort assignment THEN customer 3 joins February's cohort", async () => {
    const { reference, sql } = await bothImplementations(
      berlin,
      { timeZone: "Europe/Berlin", currency: "EUR", settings: { cohortIncludeZeroValue: false } },
      Q1,
      NOW,
    );
    const expected = [
      cohort("2026-01", "2025-12-31T23:00:00.000Z", 1, [
        ["2026-01", false, 1, 1, 4000, 4000, 4000],
        ["2026-02", false, 1, 1, 2500, 6500, 6500],
        ["2026-03", false, 0, 0, -1000, 5500, 5500],
        ["2026-04", true, 0, 0, 0, 5500, 5500],
      ]),
      cohort("2026-02", "2026-01-31T23:00:00.000Z", 2, [
        ["2026-02", false, 2, 1, 8000, 8000, 4000],
        ["2026-03", false, 0, 0, 0, 8000, 4000],
        ["2026-04", true, 1, 0.5, 500, 8500, 4250],
      ]),
      cohort("2026-03", "2026-02-28T23:00:00.000Z", 0, [
        ["2026-03", false, 0, null, 0, 0, null],
        ["2026-04", true, 0, null, 0, 0, null],
      ]),
    ];
    expect(reference.cohorts).toEqual(expected);
    expect(sql.cohorts).toEqual(expected);
    expect(sql.settings.cohortIncludeZeroValue).toBe(false);
  });

  it("GIVEN refunds dated on the order date and cancelled orders included THEN the refund moves to January and customer 4 is active in March", async () => {
    const { reference, sql } = await bothImplementations(
      berlin,
      { timeZone: "Europe/Berlin", currency: "EUR", settings: { refundDating: "order_date", retentionIncludeCancelled: true } },
      Q1,
      NOW,
    );
    const expected = [
      cohort("2026-01", "2025-12-31T23:00:00.000Z", 2, [
        ["2026-01", false, 2, 1, 3000, 3000, 1500],
        ["2026-02", false, 2, 1, 8500, 11500, 5750],
        ["2026-03", false, 0, 0, 0, 11500, 5750],
        ["2026-04", true, 0, 0, 0, 11500, 5750],
      ]),
      cohort("2026-02", "2026-01-31T23:00:00.000Z", 1, [
        ["2026-02", false, 1, 1, 2000, 2000, 2000],
        ["2026-03", false, 1, 1, 9999, 11999, 11999],
        ["2026-04", true, 1, 1, 500, 12499, 12499],
      ]),
      cohort("2026-03", "2026-02-28T23:00:00.000Z", 0, [
        ["2026-03", false, 0, null, 0, 0, null],
        ["2026-04", true, 0, null, 0, 0, null],
      ]),
    ];
    for (const report of [reference, sql]) {
      expect(report.cohorts).toEqual(expected);
      expect(report.activity).toEqual({
        customers: 4,
        orders: 9,
        newCustomers: 3,
        returningCustomers: 1,
        repeatCustomers: 4,
        repeatPurchaseRate: 1,
        returningCustomerRate: 1,
        purchaseFrequency: 2.25,
      });
    }
  });

  it("GIVEN weekly cohorts THEN weeks start on Monday in the shop's zone and the current week is partial", async () => {
    const rows = {
      orders: [
        order({ id: "1", customerId: "1", at: "2026-02-02T08:00:00Z", grossSales: 1000 }), // Monday, W06
        order({ id: "2", customerId: "1", at: "2026-02-09T08:00:00Z", grossSales: 1000 }), // W07
        order({ id: "3", customerId: "2", at: "2026-02-08T22:30:00Z", grossSales: 2000 }), // Sunday 23:30, W06
        order({ id: "4", customerId: "2", at: "2026-02-15T23:30:00Z", grossSales: 2000 }), // Monday 00:30, W08
        order({ id: "5", customerId: "3", at: "2026-02-12T08:00:00Z", grossSales: 500 }), // W07
      ],
    };
    const now = new Date("2026-02-18T12:00:00Z");
    const { reference, sql } = await bothImplementations(rows, { timeZone: "Europe/Berlin" },
      { range: { from: "2026-02-02", to: "2026-02-16" }, cohortGranularity: "week" }, now);
    const expected = [
      cohort("2026-W06", "2026-02-01T23:00:00.000Z", 2, [
        ["2026-W06", false, 2, 1, 3000, 3000, 1500],
        ["2026-W07", false, 1, 0.5, 1000, 4000, 2000],
        ["2026-W08", true, 1, 0.5, 2000, 6000, 3000],
      ]),
      cohort("2026-W07", "2026-02-08T23:00:00.000Z", 1, [
        ["2026-W07", false, 1, 1, 500, 500, 500],
        ["2026-W08", true, 0, 0, 0, 500, 500],
      ]),
    ];
    expect(reference.cohorts).toEqual(expected);
    expect(sql.cohorts).toEqual(expected);
  });

  it("GIVEN a shop without customers THEN every rate is null, cohorts are empty rows and the lapse point is 30 days", async () => {
    const rows = { orders: [order({ id: "1", at: "2026-01-10T12:00:00Z", grossSales: 1000 })] }; // a guest
    const now = new Date("2026-02-10T00:00:00Z");
    const { reference, sql, atRisk } = await bothImplementations(rows, { timeZone: "UTC" }, { range: { from: "2026-01-01", to: "2026-02-01" } }, now);
    for (const lapsed of [atRisk.reference, atRisk.sql]) {
      expect([lapsed.lapsePointDays, lapsed.gaps, lapsed.total, lapsed.customers]).toEqual([30, 0, 0, []]);
    }
    for (const report of [reference, sql]) {
      expect(report.activity).toEqual({
        customers: 0, orders: 0, newCustomers: 0, returningCustomers: 0, repeatCustomers: 0,
        repeatPurchaseRate: null, returningCustomerRate: null, purchaseFrequency: null,
      });
      expect(report.retention).toMatchObject({ activeAtStart: 0, activeAtEnd: 0, retainedCustomers: 0, retentionRate: null, churnRate: null });
      expect(report.timeBetweenOrders).toEqual({
        firstToSecond: { count: 0, p25: null, median: null, p75: null },
        betweenOrders: { count: 0, p25: null, median: null, p75: null },
      });
      expect(report.cohorts).toEqual([
        cohort("2026-01", "2026-01-01T00:00:00.000Z", 0, [
          ["2026-01", false, 0, null, 0, 0, null],
          ["2026-02", true, 0, null, 0, 0, null],
        ]),
      ]);
    }
  });

  it("GIVEN a range ending after now THEN E is measured at now, and a limit caps the at-risk list but not its count", async () => {
    const rows = {
      orders: [
        order({ id: "1", customerId: "1", at: "2025-01-01T00:00:00Z", grossSales: 100 }),
        order({ id: "2", customerId: "2", at: "2025-02-01T00:00:00Z", grossSales: 300 }),
        order({ id: "3", customerId: "3", at: "2025-03-01T00:00:00Z", grossSales: 200 }),
        order({ id: "4", customerId: "3", at: "2026-01-15T00:00:00Z", grossSales: 200 }),
      ],
    };
    const now = new Date("2026-01-20T00:00:00Z");
    const { reference, sql, atRisk } = await bothImplementations(rows, { timeZone: "UTC", settings: { activityWindowDays: 30 } },
      { range: { from: "2026-01-01", to: "2026-02-01" } }, now, { limit: 1 });
    for (const report of [reference, sql]) {
      expect(report.retention).toEqual({
        windowDays: 30,
        start: "2026-01-01T00:00:00.000Z",
        end: "2026-01-20T00:00:00.000Z",
        activeAtStart: 0,
        activeAtEnd: 1,
        retainedCustomers: 0,
        retentionRate: null,
        churnRate: null,
      });
    }
    for (const lapsed of [atRisk.reference, atRisk.sql]) {
      // One gap of 320 days: the lapse point. Customers 1 and 2 are past it; 2 spent more.
      expect(lapsed.lapsePointDays).toBe(320);
      expect(lapsed.total).toBe(2);
      expect(lapsed.customers.map((c) => c.customerId)).toEqual(["2"]);
    }
  });

  it("GIVEN orders on the very instants the activity windows start and end THEN each counts on the side its instant is on", async () => {
    // Berlin (UTC+1 until 29 March), W = 45 days, P = February and March, now = 20 March 10:00Z.
    // Start window [18 Dec 00:00 local, 1 Feb 00:00 local) = [2025-12-17T23:00Z, 2026-01-31T23:00Z);
    // end window [now − 45 days, now) = [2026-02-03T10:00Z, 2026-03-20T10:00Z). Both span two months.
    const at = (customer: string, ...instants: string[]) =>
      instants.map((instant, i) => order({ id: `${customer}${i}`, customerId: customer, at: instant, grossSales: 1000 }));
    const rows = {
      orders: [
        ...at("1", "2025-12-17T23:00:00.000Z"), // on the start window's first instant: active at start
        ...at("2", "2025-12-17T22:59:59.999Z", "2026-03-05T12:00:00.000Z"), // 1 ms before it: not; active at end
        ...at("3", "2026-01-31T22:59:59.999Z", "2026-02-03T10:00:00.000Z", "2026-03-01T12:00:00.000Z"), // last instant; on the end window's first
        ...at("4", "2026-01-31T23:00:00.000Z", "2026-03-20T10:00:00.000Z"), // on the start of P, then at now: active in neither window
        ...at("5", "2026-02-03T09:59:59.999Z"), // 1 ms before the end window
        ...at("6", "2026-02-10T12:00:00.000Z", "2026-03-10T12:00:00.000Z"),
      ],
    };
    const now = new Date("2026-03-20T10:00:00.000Z");
    const shop = { timeZone: "Europe/Berlin", settings: { activityWindowDays: 45 } };
    const domain = await fixtureShop(rows, shop);
    const context = { timeZone: shop.timeZone, currency: "USD", now, settings: await getMetricSettings(domain) };
    const query = { range: { from: "2026-02-01", to: "2026-04-01" } };
    const expected = {
      currency: "USD",
      timeZone: "Europe/Berlin",
      settings: { ...DEFAULT_METRIC_SETTINGS, activityWindowDays: 45 },
      range: query.range,
      now: now.toISOString(),
      activity: {
        customers: 5,
        orders: 8,
        newCustomers: 3,
        returningCustomers: 2,
        repeatCustomers: 3,
        repeatPurchaseRate: 0.6,
        returningCustomerRate: 0.8,
        purchaseFrequency: 1.6,
      },
      retention: {
        windowDays: 45,
        start: "2026-01-31T23:00:00.000Z",
        end: "2026-03-20T10:00:00.000Z",
        activeAtStart: 2, // 1 and 3
        activeAtEnd: 3, // 2, 3 and 6 (4's order at now is after the window)
        retainedCustomers: 1, // 3
        retentionRate: 0.5,
        churnRate: 0.5,
      },
    };
    expect(retentionRatesReport({ orders: rows.orders }, query, context)).toEqual(expected);
    expect(await retentionRates(domain, query, { now })).toEqual(expected);
    // The same store through the orders (a range not made of whole months) and the cohort grid.
    const cut = { range: { from: "2026-01-15", to: "2026-03-16" } };
    expect(await retentionRates(domain, cut, { now })).toEqual(retentionRatesReport({ orders: rows.orders }, cut, context));
    expect(await cohortMatrix(domain, query, { now })).toEqual(cohortMatrixReport({ orders: rows.orders, refunds: [] }, query, context));
  });

  it("GIVEN 24 months with a one-year window and new customers who lapse again THEN the rate is the share of S still active at the end, where (E − N) ÷ S was negative", async () => {
    // UTC, W = 365 days, P = 2024 and 2025, now = 1 March 2026.
    // S window [2023-01-01, 2024-01-01): A, B, C, D. E window [2025-01-01, 2026-01-01): A, D, H.
    // N (acquired in P): E, F, G, who lapse within P, and H. The old formula: (3 − 4) ÷ 4 = −0.25.
    const at = (customer: string, ...days: string[]) =>
      days.map((day, i) => order({ id: `${customer}${i}`, customerId: customer, at: `${day}T12:00:00Z`, grossSales: 1000 }));
    const rows = {
      orders: [
        ...at("1", "2023-06-01", "2025-06-01"), // A: active at the start and at the end
        ...at("2", "2023-03-01"), // B: at the start only
        ...at("3", "2023-09-01", "2024-05-01"), // C: at the start, lapses within P
        ...at("4", "2023-11-01", "2024-03-01", "2025-02-01"), // D: at the start and at the end
        ...at("5", "2024-02-01"), // E: new in P, lapsed by its end
        ...at("6", "2024-04-01", "2024-06-01"), // F: likewise
        ...at("7", "2024-08-01"), // G: likewise
        ...at("8", "2025-03-01"), // H: new in P, active at the end
      ],
    };
    const now = new Date("2026-03-01T00:00:00Z");
    const domain = await fixtureShop(rows, { timeZone: "UTC" });
    const context = { timeZone: "UTC", currency: "USD", now, settings: await getMetricSettings(domain) };
    const query = { range: { from: "2024-01-01", to: "2026-01-01" } };
    const expected = {
      windowDays: 365,
      start: "2024-01-01T00:00:00.000Z",
      end: "2026-01-01T00:00:00.000Z",
      activeAtStart: 4,
      activeAtEnd: 3,
      retainedCustomers: 2, // A and D
      retentionRate: 0.5, // 2 ÷ 4
      churnRate: 0.5,
    };
    const reference = retentionRatesReport({ orders: rows.orders }, query, context);
    expect(reference.retention).toEqual(expected);
    expect(reference.activity.newCustomers).toBe(4);
    expect((expected.activeAtEnd - reference.activity.newCustomers) / expected.activeAtStart).toBe(-0.25);
    expect((await retentionRates(domain, query, { now })).retention).toEqual(expected);
    // The same store through a range that is not whole months.
    const cut = { range: { from: "2024-01-10", to: "2025-12-20" } };
    expect(await retentionRates(domain, cut, { now })).toEqual(retentionRatesReport({ orders: rows.orders }, cut, context));
  });

  it("GIVEN a range inside one month THEN customers with orders in the month on both sides of an end count only their orders in the range", async () => {
    // New York (UTC−4 in March after the 8th), P = 10 to 19 March (local), now = 15 April.
    // Customers whose orders in March all fall in P count from their month alone; 4 and 5 also
    // ordered in March outside P, 6 only around it.
    const at = (customer: string, ...instants: string[]) =>
      instants.map((instant, i) => order({ id: `${customer}${i}`, customerId: customer, at: instant, grossSales: 1000 }));
    const rows = {
      orders: [
        ...at("1", "2026-03-11T15:00:00Z", "2026-03-12T15:00:00Z"), // new, two orders in P
        ...at("2", "2026-01-20T15:00:00Z", "2026-03-15T15:00:00Z"), // returning, one order in P
        ...at("3", "2026-03-18T15:00:00Z"), // new, one order in P
        ...at("4", "2026-03-02T15:00:00Z", "2026-03-14T15:00:00Z"), // ordered in March before P: returning
        ...at("5", "2026-03-19T15:00:00Z", "2026-03-25T15:00:00Z"), // new in P, next order after it
        ...at("6", "2026-03-05T15:00:00Z", "2026-03-28T15:00:00Z"), // nothing in P
        ...at("7", "2026-03-20T04:00:00Z"), // 20 March 00:00 local: P's end, not in it
      ],
    };
    const now = new Date("2026-04-15T12:00:00Z");
    const domain = await fixtureShop(rows, { timeZone: "America/New_York" });
    const context = { timeZone: "America/New_York", currency: "USD", now, settings: await getMetricSettings(domain) };
    const query = { range: { from: "2026-03-10", to: "2026-03-20" } };
    const activity = {
      customers: 5, // 1 to 5
      orders: 6,
      newCustomers: 3, // 1, 3, 5
      returningCustomers: 2, // 2, 4
      repeatCustomers: 1, // 1
      repeatPurchaseRate: 0.2,
      returningCustomerRate: 0.6, // two orders by the end: 1, 2, 4
      purchaseFrequency: 1.2,
    };
    expect(retentionRatesReport({ orders: rows.orders }, query, context).activity).toEqual(activity);
    expect((await retentionRates(domain, query, { now })).activity).toEqual(activity);
  });

  it("rejects a bad cohort granularity, a grid too large or a bad at-risk limit with InvalidRangeError", async () => {
    const domain = await fixtureShop({ orders: [] }, { timeZone: "UTC" });
    await expect(
      retentionOverview(domain, { range: Q1.range, cohortGranularity: "day" as "week" }, { now: NOW }),
    ).rejects.toBeInstanceOf(InvalidRangeError);
    await expect(
      retentionOverview(domain, { range: { from: "1990-01-05", to: "2026-01-01" }, cohortGranularity: "week" }, { now: NOW }),
    ).rejects.toThrow(/cohort grid .* cells/);
    await expect(retentionRates(domain, { range: { from: "2026-02-01", to: "2026-02-01" } }, { now: NOW })).rejects.toBeInstanceOf(InvalidRangeError);
    await expect(cohortMatrix(domain, { range: Q1.range, cohortGranularity: "year" as "week" }, { now: NOW })).rejects.toBeInstanceOf(InvalidRangeError);
    await expect(atRiskOverview(domain, { limit: -1 }, { now: NOW })).rejects.toBeInstanceOf(InvalidRangeError);
    await expect(atRiskOverview(domain, { limit: 1001 }, { now: NOW })).rejects.toBeInstanceOf(InvalidRangeError);
  });
});
