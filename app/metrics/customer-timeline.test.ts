// GIVEN one customer's orders (counted, test, cancelled, deleted, in another currency, after
// now) and refunds before and after now, plus another customer's order, WHEN their timeline is
// built, THEN it holds their orders before now, newest first, deleted ones left out, each with
// net sales, the returns refunded before now, and whether (and why not) it counts.
import { describe, expect, it } from "vitest";
import { customerTimeline } from "./customer-timeline";
import { DEFAULT_METRIC_SETTINGS } from "./settings";
import { order, refund } from "./test-helpers/fixtures";

const NOW = new Date("2026-03-10T12:00:00Z");
const C = "501";
const rows = {
  orders: [
    order({ id: "1", customerId: C, at: "2026-01-31T23:30:00Z", grossSales: 10_000, discounts: 1_000 }),
    order({ id: "2", customerId: C, at: "2026-02-15T10:00:00Z", grossSales: 5_000, test: true }),
    order({ id: "3", customerId: C, at: "2026-02-20T10:00:00Z", grossSales: 4_000, cancelledAt: "2026-02-21T00:00:00Z" }),
    order({ id: "4", customerId: C, at: "2026-02-25T10:00:00Z", grossSales: 3_000, deletedAt: "2026-02-26T00:00:00Z" }),
    order({ id: "5", customerId: C, at: "2026-03-01T10:00:00Z", grossSales: 2_000, currencyCode: "CAD" }),
    order({ id: "6", customerId: C, at: "2026-03-11T10:00:00Z", grossSales: 9_000 }),
    order({ id: "7", customerId: "502", at: "2026-03-02T10:00:00Z", grossSales: 8_000 }),
  ],
  refunds: [
    refund({ id: "r1", orderId: "1", at: "2026-02-01T00:00:00Z", returns: 2_500 }),
    refund({ id: "r2", orderId: "1", at: "2026-03-12T00:00:00Z", returns: 1_000 }),
    refund({ id: "r3", orderId: "5", at: "2026-03-02T00:00:00Z", returns: 500, shipping: 300 }),
  ],
};

describe("a customer's order timeline", () => {
  it("lists their orders before now, newest first, with refunds before now and what counts", () => {
    const timeline = customerTimeline(rows, C, { timeZone: "Europe/Warsaw", now: NOW, settings: DEFAULT_METRIC_SETTINGS });
    expect(timeline).toEqual([
      { orderId: "5", processedAt: "2026-03-01T10:00:00.000Z", day: "2026-03-01", currency: "CAD", netSales: 2_000, refunded: 500, net: 1_500, counted: true, excluded: null },
      { orderId: "3", processedAt: "2026-02-20T10:00:00.000Z", day: "2026-02-20", currency: "USD", netSales: 4_000, refunded: 0, net: 4_000, counted: false, excluded: "cancelled" },
      { orderId: "2", processedAt: "2026-02-15T10:00:00.000Z", day: "2026-02-15", currency: "USD", netSales: 5_000, refunded: 0, net: 5_000, counted: false, excluded: "test" },
      // 23:30 UTC on Jan 31 is Feb 1 in Warsaw.
      { orderId: "1", processedAt: "2026-01-31T23:30:00.000Z", day: "2026-02-01", currency: "USD", netSales: 9_000, refunded: 2_500, net: 6_500, counted: true, excluded: null },
    ]);
  });

  it("counts cancelled orders when the setting does", () => {
    const settings = { ...DEFAULT_METRIC_SETTINGS, retentionIncludeCancelled: true };
    const timeline = customerTimeline(rows, C, { timeZone: "UTC", now: NOW, settings });
    expect(timeline.find((entry) => entry.orderId === "3")).toMatchObject({ counted: true, excluded: null });
    expect(timeline.find((entry) => entry.orderId === "2")).toMatchObject({ counted: false, excluded: "test" });
  });
});
