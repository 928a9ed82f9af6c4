// Hand-computed stores, each asserted as a whole report, from both implementations: the pure
// reference (`salesReport`) and the SQL one the app uses (`salesOverview`).
import { describe, expect, it } from "vitest";
import { GRANULARITIES, growthBase, InvalidRangeError, rangeBuckets, type Comparison, type DateRange, type Granularity } from "./periods";
import type { MetricOrder, MetricRefund } from "./rows";
import { salesPlan, salesReport, type SalesReport, type SalesTotals } from "./sales";
import { UnknownShopError } from "./context.server";
import { salesOverview, salesSeries } from "./sales.server";
import { DEFAULT_METRIC_SETTINGS, type MetricSettings } from "./settings";
import { getMetricSettings } from "./settings.server";
import { fixtureShop, order, refund } from "./test-helpers/fixtures";

async function bothImplementations(
  rows: { orders: MetricOrder[]; refunds?: MetricRefund[] },
  shop: { timeZone: string; currency?: string; settings?: Partial<MetricSettings> },
  query: { range: DateRange; granularity: Granularity; compareTo?: Comparison | null },
  now: Date,
): Promise<{ reference: SalesReport; sql: SalesReport }> {
  const domain = await fixtureShop(rows, shop);
  const sql = await salesOverview(domain, query, { now });
  const reference = salesReport({ orders: rows.orders, refunds: rows.refunds ?? [] }, query, {
    timeZone: shop.timeZone,
    currency: shop.currency ?? "USD",
    now,
    settings: await getMetricSettings(domain),
  });
  return { reference, sql };
}

/** Every field spelled out, so each expected total below is computed by hand. */
function totals(
  grossSales: number,
  discounts: number,
  returns: number,
  shipping: number,
  taxes: number,
  orders: number,
  split: { new: number; returning: number; guest: number },
): SalesTotals {
  const netSales = grossSales - discounts - returns;
  return {
    grossSales,
    discounts,
    returns,
    netSales,
    shipping,
    taxes,
    totalSales: netSales + shipping + taxes,
    orders,
    averageOrderValue: orders === 0 ? null : Math.round((grossSales - discounts) / orders),
    newCustomerNetSales: split.new,
    returningCustomerNetSales: split.returning,
    guestNetSales: split.guest,
  };
}

const ZERO = totals(0, 0, 0, 0, 0, 0, { new: 0, returning: 0, guest: 0 });

// America/New_York: EST (UTC−5) until 2026-03-08 02:00, then EDT (UTC−4).
const newYork = {
  orders: [
    order({ id: "110", at: "2026-02-20T15:00:00Z", grossSales: 10750 }), // guest, February
    order({ id: "101", customerId: "1", at: "2026-03-07T20:00:00Z", grossSales: 10000, discounts: 1000, shipping: 500, tax: 720 }),
    order({ id: "102", customerId: "1", at: "2026-03-08T06:30:00Z", grossSales: 5000, tax: 400 }), // 01:30 EST on the 23-hour day
    order({ id: "103", at: "2026-03-09T03:30:00Z", grossSales: 2000, tax: 160 }), // guest, 23:30 EDT on 8 March
    order({ id: "104", customerId: "2", at: "2026-04-01T03:30:00Z", grossSales: 8000, discounts: 500, shipping: 700, tax: 600 }), // 23:30 on 31 March
    order({ id: "105", customerId: "2", at: "2026-04-02T15:00:00Z", grossSales: 3000, tax: 240, cancelledAt: "2026-04-03T00:00:00Z" }),
    order({ id: "106", customerId: "3", at: "2026-03-10T15:00:00Z", grossSales: 99999, test: true }),
    // Deleted: would otherwise be customer 1's first order.
    order({ id: "107", customerId: "1", at: "2026-03-01T15:00:00Z", grossSales: 4444, deletedAt: "2026-03-05T00:00:00Z" }),
    order({ id: "108", customerId: "3", at: "2026-03-15T15:00:00Z", grossSales: 7000, currencyCode: "CAD" }),
    order({ id: "109", customerId: "4", at: "2026-04-10T15:00:00Z", grossSales: 2500, discounts: 2500 }), // zero-value
  ],
  refunds: [
    refund({ id: "201", orderId: "101", at: "2026-04-01T03:00:00Z", returns: 2000, shipping: 500, tax: 144 }), // 23:00 on 31 March
    refund({ id: "202", orderId: "104", at: "2026-04-01T04:30:00Z", returns: 3000 }), // 00:30 on 1 April
    refund({ id: "203", orderId: "106", at: "2026-04-05T00:00:00Z", returns: 5000 }), // of a test order
    refund({ id: "204", orderId: "105", at: "2026-04-03T00:00:00Z", returns: 3000, tax: 240 }), // at cancellation
  ],
};
const NOW = new Date("2026-04-15T12:00:00Z");

describe("sales report", () => {
  it("GIVEN refunds across the month boundary, a cancelled, a test, a deleted, a zero-value and a foreign-currency order WHEN reporting March–April monthly against the previous period THEN the whole report is as computed by hand", async () => {
    const query = { range: { from: "2026-03-01", to: "2026-05-01" }, granularity: "month" as const, compareTo: "previous_period" as const };
    const march = totals(25000, 1500, 2000, 1200 - 500, 720 + 400 + 160 + 600 - 144, 4, { new: 7000 + 7500, returning: 5000, guest: 2000 });
    const april = totals(5500, 2500, 6000, 0, 0, 2, { new: -3000, returning: 0, guest: 0 });
    const all = totals(30500, 4000, 8000, 700, 1736, 6, { new: 11500, returning: 5000, guest: 2000 });
    const february = totals(10750, 0, 0, 0, 0, 1, { new: 0, returning: 0, guest: 10750 });
    const expected: SalesReport = {
      currency: "USD",
      timeZone: "America/New_York",
      settings: { ...DEFAULT_METRIC_SETTINGS },
      range: query.range,
      granularity: "month",
      compareTo: "previous_period",
      now: NOW.toISOString(),
      totals: all,
      series: [
        { period: "2026-03", start: "2026-03-01T05:00:00.000Z", end: "2026-04-01T04:00:00.000Z", partial: false, ...march, growth: 1, growthBase: 10750 },
        // April so far (1 to 15 April) against 1 to 15 March: orders 101, 102 and 103, net
        // 9,000 + 5,000 + 2,000 = 16,000 (refund 201 is dated 31 March); (−3,000 − 16,000) ÷ 16,000.
        { period: "2026-04", start: "2026-04-01T04:00:00.000Z", end: "2026-05-01T04:00:00.000Z", partial: true, ...april, growth: -1.1875, growthBase: 16000 },
      ],
      comparison: {
        compareTo: "previous_period",
        // The range to date is 1 March to 15 April (NOW), 46 days: the 46 days before 1 March.
        range: { from: "2026-01-14", to: "2026-03-01" },
        totals: february,
        growth: {
          grossSales: 1.8372,
          discounts: null,
          returns: null,
          netSales: 0.7209,
          shipping: null,
          taxes: null,
          totalSales: 0.9475,
          orders: 5,
          averageOrderValue: -0.5891,
          newCustomerNetSales: null,
          returningCustomerNetSales: null,
          guestNetSales: -0.814,
        },
        // March against 14 January – 13 February, April so far against 14–28 February (the
        // guest's order of 20 February): each bucket's days, 46 days earlier.
        series: [
          { from: "2026-01-14", to: "2026-02-14", netSales: 0 },
          { from: "2026-02-14", to: "2026-03-01", netSales: 10750 },
        ],
      },
      otherCurrencies: [{ currency: "CAD", orders: 1, netSales: 7000 }],
      netSalesCmgr: null,
    };
    expect(march.netSales).toBe(21500);
    expect(all.averageOrderValue).toBe(4417);
    const { reference, sql } = await bothImplementations(newYork, { timeZone: "America/New_York" }, query, NOW);
    expect(reference).toEqual(expected);
    expect(sql).toEqual(expected);
  });

  it("GIVEN returns dated on the order date and cancelled orders excluded THEN the 31 March refund of a 7 March order and the 1 April refund of a 31 March order both land in March", async () => {
    const query = { range: { from: "2026-03-01", to: "2026-05-01" }, granularity: "month" as const };
    const settings = { refundDating: "order_date" as const, salesIncludeCancelled: false };
    const march = totals(25000, 1500, 5000, 700, 1736, 4, { new: 11500, returning: 5000, guest: 2000 });
    const april = totals(2500, 2500, 0, 0, 0, 1, { new: 0, returning: 0, guest: 0 });
    const { reference, sql } = await bothImplementations(newYork, { timeZone: "America/New_York", settings }, query, NOW);
    for (const report of [reference, sql]) {
      expect(report.settings).toEqual({ ...DEFAULT_METRIC_SETTINGS, ...settings });
      expect(report.series.map(({ period, partial, growth, start, end, ...rest }) => ({ period, partial, growth, ...rest }))).toEqual([
        { period: "2026-03", partial: false, growth: 0.7209, growthBase: 10750, ...march },
        // Against 1 to 15 March: 9,000 − 2,000 (refund 201, on its order's date) + 5,000 + 2,000.
        { period: "2026-04", partial: true, growth: -1, growthBase: 14000, ...april },
      ]);
      expect(report.totals).toEqual(totals(27500, 4000, 5000, 700, 1736, 5, { new: 11500, returning: 5000, guest: 2000 }));
      expect(report.comparison).toBeNull();
    }
  });

  it("GIVEN New York's 23-hour spring-forward day WHEN reporting by day THEN an order at 23:30 EDT stays on 8 March and growth is null on a zero base", async () => {
    const query = { range: { from: "2026-03-07", to: "2026-03-10" }, granularity: "day" as const };
    const expectedSeries = [
      { period: "2026-03-07", start: "2026-03-07T05:00:00.000Z", end: "2026-03-08T05:00:00.000Z", partial: false, growth: null, growthBase: 0,
        ...totals(10000, 1000, 0, 500, 720, 1, { new: 9000, returning: 0, guest: 0 }) },
      { period: "2026-03-08", start: "2026-03-08T05:00:00.000Z", end: "2026-03-09T04:00:00.000Z", partial: false, growth: -0.2222, growthBase: 9000,
        ...totals(7000, 0, 0, 0, 560, 2, { new: 0, returning: 5000, guest: 2000 }) },
      { period: "2026-03-09", start: "2026-03-09T04:00:00.000Z", end: "2026-03-10T04:00:00.000Z", partial: false, growth: -1, growthBase: 7000, ...ZERO },
    ];
    const { reference, sql } = await bothImplementations(newYork, { timeZone: "America/New_York" }, query, NOW);
    expect(reference.series).toEqual(expectedSeries);
    expect(sql.series).toEqual(expectedSeries);
    expect(sql.totals).toEqual(totals(17000, 1000, 0, 500, 1280, 3, { new: 9000, returning: 5000, guest: 2000 }));
  });

  it("GIVEN Berlin's 25-hour fall-back day WHEN reporting by day and by week THEN orders follow local midnight", async () => {
    const berlin = {
      orders: [
        order({ id: "1", at: "2026-10-24T21:59:59Z", grossSales: 100 }), // 23:59:59 CEST, 24 Oct
        order({ id: "2", at: "2026-10-24T22:30:00Z", grossSales: 200 }), // 00:30 CEST, 25 Oct
        order({ id: "3", at: "2026-10-25T22:30:00Z", grossSales: 400 }), // 23:30 CET, 25 Oct (hour 25)
        order({ id: "4", at: "2026-10-25T23:00:00Z", grossSales: 800 }), // 00:00 CET, Monday 26 Oct
      ],
    };
    const now = new Date("2026-12-01T00:00:00Z");
    const byDay = await bothImplementations(berlin, { timeZone: "Europe/Berlin", currency: "USD" },
      { range: { from: "2026-10-24", to: "2026-10-27" }, granularity: "day" }, now);
    for (const report of [byDay.reference, byDay.sql]) {
      expect(report.series.map((p) => [p.period, p.start, p.end, p.grossSales, p.orders, p.growth])).toEqual([
        ["2026-10-24", "2026-10-23T22:00:00.000Z", "2026-10-24T22:00:00.000Z", 100, 1, null],
        ["2026-10-25", "2026-10-24T22:00:00.000Z", "2026-10-25T23:00:00.000Z", 600, 2, 5],
        ["2026-10-26", "2026-10-25T23:00:00.000Z", "2026-10-26T23:00:00.000Z", 800, 1, 0.3333],
      ]);
    }
    const byWeek = await bothImplementations(berlin, { timeZone: "Europe/Berlin" },
      { range: { from: "2026-10-19", to: "2026-11-02" }, granularity: "week" }, now);
    for (const report of [byWeek.reference, byWeek.sql]) {
      expect(report.series.map((p) => [p.period, p.start, p.end, p.grossSales, p.orders])).toEqual([
        ["2026-W43", "2026-10-18T22:00:00.000Z", "2026-10-25T23:00:00.000Z", 700, 3],
        ["2026-W44", "2026-10-25T23:00:00.000Z", "2026-11-01T23:00:00.000Z", 800, 1],
      ]);
    }
  });

  it("GIVEN a shop that changed from USD to EUR THEN only EUR is summed and USD is reported apart, refunds with their order", async () => {
    const rows = {
      orders: [
        order({ id: "1", customerId: "9", at: "2026-01-10T12:00:00Z", grossSales: 5000, currencyCode: "USD" }),
        order({ id: "2", customerId: "9", at: "2026-02-10T12:00:00Z", grossSales: 4000, currencyCode: "EUR" }),
      ],
      refunds: [refund({ id: "3", orderId: "1", at: "2026-02-11T12:00:00Z", returns: 1000 })],
    };
    const now = new Date("2026-03-01T00:00:00Z");
    const { reference, sql } = await bothImplementations(rows, { timeZone: "Europe/Berlin", currency: "EUR" },
      { range: { from: "2026-01-01", to: "2026-03-01" }, granularity: "month" }, now);
    for (const report of [reference, sql]) {
      expect(report.currency).toBe("EUR");
      expect(report.series.map((p) => [p.period, p.netSales, p.orders, p.returningCustomerNetSales, p.newCustomerNetSales, p.growth])).toEqual([
        ["2026-01", 0, 0, 0, 0, null],
        ["2026-02", 4000, 1, 4000, 0, null], // the customer's first order was the USD one
      ]);
      expect(report.otherCurrencies).toEqual([{ currency: "USD", orders: 1, netSales: 4000 }]);
      // Both months are whole and finished, but January is zero: no compound rate.
      expect(report.netSalesCmgr).toEqual({ fromPeriod: "2026-01", toPeriod: "2026-02", months: 1, rate: null });
    }
  });

  it("GIVEN a week with more returned than sold WHEN reporting by week THEN the next week's growth follows the formula from that negative base, and says its base", async () => {
    // Week of 2 March: a sale of 30,000 on Monday; week of 9 March: 20,000 of it returned and a
    // sale of 5,000 (net −15,000); week of 16 March: a sale of 30,000.
    const rows = {
      orders: [
        order({ id: "1", customerId: "1", at: "2026-03-02T15:00:00Z", grossSales: 30000 }),
        order({ id: "2", customerId: "2", at: "2026-03-10T15:00:00Z", grossSales: 5000 }),
        order({ id: "3", customerId: "2", at: "2026-03-17T15:00:00Z", grossSales: 30000 }),
      ],
      refunds: [refund({ id: "11", orderId: "1", at: "2026-03-11T15:00:00Z", returns: 20000 })],
    };
    const query = { range: { from: "2026-03-02", to: "2026-03-23" }, granularity: "week" as const };
    const { reference, sql } = await bothImplementations(rows, { timeZone: "America/New_York" }, query, new Date("2026-04-01T00:00:00Z"));
    for (const report of [reference, sql]) {
      expect(report.series.map((p) => [p.period, p.netSales, p.growthBase, p.growth])).toEqual([
        ["2026-W10", 30000, 0, null],
        // (−15,000 − 30,000) ÷ 30,000
        ["2026-W11", -15000, 30000, -1.5],
        // (30,000 − (−15,000)) ÷ −15,000: a rise of 45,000 reads as −300 %.
        ["2026-W12", 30000, -15000, -3],
      ]);
    }
  });

  it("GIVEN a shop without orders THEN every bucket is listed with zeros, null averages and null growth", async () => {
    const now = new Date("2026-02-10T00:00:00Z");
    const { reference, sql } = await bothImplementations({ orders: [] }, { timeZone: "Asia/Kolkata" },
      { range: { from: "2026-01-01", to: "2026-04-01" }, granularity: "month", compareTo: "previous_year" }, now);
    const expected: SalesReport = {
      currency: "USD",
      timeZone: "Asia/Kolkata",
      settings: { ...DEFAULT_METRIC_SETTINGS },
      range: { from: "2026-01-01", to: "2026-04-01" },
      granularity: "month",
      compareTo: "previous_year",
      now: now.toISOString(),
      totals: ZERO,
      series: [
        { period: "2026-01", start: "2025-12-31T18:30:00.000Z", end: "2026-01-31T18:30:00.000Z", partial: false, ...ZERO, growth: null, growthBase: 0 },
        { period: "2026-02", start: "2026-01-31T18:30:00.000Z", end: "2026-02-28T18:30:00.000Z", partial: true, ...ZERO, growth: null, growthBase: 0 },
        // After now: nothing to compare with.
        { period: "2026-03", start: "2026-02-28T18:30:00.000Z", end: "2026-03-31T18:30:00.000Z", partial: true, ...ZERO, growth: null, growthBase: null },
      ],
      comparison: {
        compareTo: "previous_year",
        // Compared to date (to 10 February): 1 January to 10 February 2025.
        range: { from: "2025-01-01", to: "2025-02-11" },
        totals: ZERO,
        growth: Object.fromEntries(Object.keys(ZERO).map((key) => [key, null])) as SalesReport["comparison"] extends infer C
          ? C extends { growth: infer G } ? G : never : never,
        series: [
          { from: "2025-01-01", to: "2025-02-01", netSales: 0 },
          { from: "2025-02-01", to: "2025-02-11", netSales: 0 },
          { from: "2025-02-11", to: "2025-02-11", netSales: 0 }, // March has not begun
        ],
      },
      otherCurrencies: [],
      netSalesCmgr: null,
    };
    expect(reference).toEqual(expected);
    expect(sql).toEqual(expected);
  });

  it("GIVEN four finished months THEN CMGR is (last ÷ first)^(1/3) − 1 and a month after now has null growth", async () => {
    const rows = {
      orders: [
        order({ id: "1", at: "2026-01-15T12:00:00Z", grossSales: 10000 }),
        order({ id: "2", at: "2026-02-15T12:00:00Z", grossSales: 5000 }),
        order({ id: "3", at: "2026-03-15T12:00:00Z", grossSales: 20000 }),
        order({ id: "4", at: "2026-04-15T12:00:00Z", grossSales: 80000 }),
        order({ id: "5", at: "2026-05-02T12:00:00Z", grossSales: 1 }),
      ],
    };
    const now = new Date("2026-05-03T00:00:00Z");
    const { reference, sql } = await bothImplementations(rows, { timeZone: "UTC" },
      { range: { from: "2026-01-01", to: "2026-07-01" }, granularity: "month" }, now);
    for (const report of [reference, sql]) {
      expect(report.series.map((p) => [p.period, p.netSales, p.partial, p.growth])).toEqual([
        ["2026-01", 10000, false, null],
        ["2026-02", 5000, false, -0.5],
        ["2026-03", 20000, false, 3],
        ["2026-04", 80000, false, 3],
        // May so far (1 to 3 May) against 1 to 3 April, which sold nothing.
        ["2026-05", 1, true, null],
        ["2026-06", 0, true, null],
      ]);
      // 8^(1/3) − 1 = 1
      expect(report.netSalesCmgr).toEqual({ fromPeriod: "2026-01", toPeriod: "2026-04", months: 3, rate: 1 });
    }
  });

  it("GIVEN a range cut mid-month WHEN reporting monthly THEN each cut month's growth is against the same days a month earlier", async () => {
    const rows = {
      orders: [
        order({ id: "1", at: "2026-02-10T12:00:00Z", grossSales: 1000 }),
        order({ id: "2", at: "2026-02-20T12:00:00Z", grossSales: 2000 }),
        order({ id: "3", at: "2026-03-05T12:00:00Z", grossSales: 4000 }),
        order({ id: "4", at: "2026-03-18T12:00:00Z", grossSales: 3000 }),
        order({ id: "5", at: "2026-04-02T12:00:00Z", grossSales: 500 }),
      ],
    };
    const now = new Date("2026-04-10T12:00:00Z");
    const { reference, sql } = await bothImplementations(rows, { timeZone: "UTC" },
      { range: { from: "2026-03-15", to: "2026-04-20" }, granularity: "month" }, now);
    for (const report of [reference, sql]) {
      expect(report.series.map((p) => [p.period, p.netSales, p.growth])).toEqual([
        // 15 to 31 March (order 4) against 15 to 28 February (order 2): 3,000 against 2,000.
        // Against the whole of February (3,000) it would read 0.
        ["2026-03", 3000, 0.5],
        // April so far (1 to 10 April, order 5) against 1 to 10 March (order 3): 500 against 4,000.
        ["2026-04", 500, -0.875],
      ]);
    }
  });

  it("plans each bucket's growth against growthBase's days, pointing at the bucket before where it covers them", () => {
    const ranges: DateRange[] = [
      { from: "2024-01-01", to: "2027-01-01" },
      { from: "2024-02-29", to: "2026-12-04" },
      { from: "2026-11-30", to: "2026-12-06" },
    ];
    const nows = ["2026-12-02T19:00:00Z", "2026-12-31T23:00:00Z", "2030-01-01T00:00:00Z"].map((at) => new Date(at));
    let checked = 0;
    for (const range of ranges) {
      for (const granularity of GRANULARITIES) {
        for (const now of nows) {
          const context = { timeZone: "Australia/Sydney", now };
          const plan = salesPlan({ range, granularity }, context);
          const buckets = rangeBuckets(range, granularity, context);
          buckets.forEach((bucket, index) => {
            const base = plan.growthBases[index];
            const days = base === null ? null : "bucket" in base ? plan.buckets[base.bucket] : plan.baseSpans[base.span];
            const expected = growthBase(bucket, granularity, context);
            expect(days && [days.fromDay, days.toDay], `${bucket.period} by ${granularity}, now ${now.toISOString()}`).toEqual(
              expected && [expected.fromDay, expected.toDay],
            );
            checked += 1;
          });
          expect(plan.baseSpans.length).toBeLessThanOrEqual(3);
        }
      }
    }
    expect(checked).toBeGreaterThan(3000);
  });

  it("salesSeries gives net sales per month with growth for the home page", async () => {
    const domain = await fixtureShop(newYork, { timeZone: "America/New_York" });
    const report = await salesSeries(domain, { range: { from: "2026-02-01", to: "2026-05-01" } }, { now: NOW });
    expect(report.granularity).toBe("month");
    expect(report.series).toEqual([
      { period: "2026-02", start: "2026-02-01T05:00:00.000Z", end: "2026-03-01T05:00:00.000Z", partial: false, netSales: 10750, growth: null },
      { period: "2026-03", start: "2026-03-01T05:00:00.000Z", end: "2026-04-01T04:00:00.000Z", partial: false, netSales: 21500, growth: 1 },
      { period: "2026-04", start: "2026-04-01T04:00:00.000Z", end: "2026-05-01T04:00:00.000Z", partial: true, netSales: -3000, growth: -1.1875 },
    ]);
  });

  it("rejects an impossible range with InvalidRangeError before touching the database, and an unknown shop", async () => {
    const badRange = { range: { from: "2026-05-01", to: "2026-04-01" }, granularity: "day" as const };
    await expect(salesOverview("nobody.myshopify.com", badRange, { now: NOW })).rejects.toBeInstanceOf(InvalidRangeError);
    await expect(
      salesOverview("nobody.myshopify.com", { ...badRange, range: { from: "2026-04-01", to: "2026-05-01" } }, { now: NOW }),
    ).rejects.toBeInstanceOf(UnknownShopError);
  });
});
