import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { generateStore } from "./seed";
import {
  customerOrders,
  isZeroValueOrder,
  lineRefundedQuantity,
  orderDiscounts,
  orderGrossSales,
  orderRefunded,
  orderShipping,
  orderSubtotal,
  orderTax,
  orderTotal,
  refundReturns,
  storeTotals,
} from "./truth";
import type { SimOrder, SimStore } from "./types";

const NOW = "2026-11-15T12:00:00Z";
const DAY = 86_400_000;
const store = generateStore({ seed: 42, now: NOW });
const counted = store.orders.filter((o) => !o.test);

function localHoursOfDay(iso: string, zone: string): number {
  const start = DateTime.fromISO(iso, { zone }).startOf("day");
  return start.plus({ days: 1 }).startOf("day").diff(start, "hours").hours;
}

function everyInstant(s: SimStore): string[] {
  const out: string[] = [s.shop.createdAt, s.shop.updatedAt];
  for (const c of s.customers) out.push(c.createdAt, c.updatedAt);
  for (const o of s.orders) {
    out.push(o.createdAt, o.updatedAt, o.processedAt);
    if (o.cancelledAt) out.push(o.cancelledAt);
    if (o.closedAt) out.push(o.closedAt);
    for (const r of o.refunds) out.push(r.createdAt, r.processedAt, r.updatedAt);
  }
  return out;
}

describe("generateStore", () => {
  it("GIVEN the same seed and now THEN the store is identical; another seed gives another store", () => {
    expect(generateStore({ seed: 42, now: NOW })).toEqual(store);
    const other = generateStore({ seed: 43, now: NOW });
    expect(other.orders.map((o) => o.processedAt)).not.toEqual(store.orders.map((o) => o.processedAt));
  });

  it("uses the defaults: a DST zone, USD, 400 customers over 26 months", () => {
    expect(store.shop.ianaTimezone).toBe("America/New_York");
    expect(store.shop.currencyCode).toBe("USD");
    expect(store.shop.domain).toBe("metryka-demo.myshopify.com");
    expect(store.customers).toHaveLength(400);
    const months = DateTime.fromISO(NOW).diff(DateTime.fromISO(store.shop.createdAt), "months").months;
    expect(months).toBeGreaterThan(25.9);
    expect(months).toBeLessThan(26.1);
  });

  it("has nothing after now, and every instant in Shopify's DateTime format", () => {
    for (const at of everyInstant(store)) {
      expect(at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(at <= NOW).toBe(true);
    }
  });

  it("gives unique ids per type, increasing with creation; order names follow", () => {
    const check = (ids: number[]): void => {
      expect(new Set(ids).size).toBe(ids.length);
      ids.forEach((id) => expect(Number.isSafeInteger(id) && id > 0).toBe(true));
    };
    check(store.orders.map((o) => o.id));
    check(store.customers.map((c) => c.id));
    check(store.orders.flatMap((o) => o.lineItems.map((l) => l.id)));
    check(store.orders.flatMap((o) => o.refunds.map((r) => r.id)));
    for (let i = 1; i < store.orders.length; i++) {
      expect(store.orders[i].id).toBeGreaterThan(store.orders[i - 1].id);
      expect(store.orders[i].createdAt >= store.orders[i - 1].createdAt).toBe(true);
      expect(store.orders[i].name).toBe(`#${store.orders[i].number}`);
    }
    const refunds = store.orders.flatMap((o) => o.refunds).sort((a, b) => a.id - b.id);
    for (let i = 1; i < refunds.length; i++) expect(refunds[i].createdAt >= refunds[i - 1].createdAt).toBe(true);
  });

  it("has ~10–15 % guest orders and a realistic share of returning customers", () => {
    const guests = counted.filter((o) => o.customerId === null).length;
    expect(guests / counted.length).toBeGreaterThan(0.1);
    expect(guests / counted.length).toBeLessThan(0.15);
    const totals = storeTotals(store);
    const repeatShare = totals.repeatCustomers / totals.customersWithOrders;
    expect(repeatShare).toBeGreaterThan(0.22);
    expect(repeatShare).toBeLessThan(0.38);
    const perCustomer = store.customers.map((c) => customerOrders(store, c.id).filter((o) => !o.test).length);
    expect(perCustomer.filter((n) => n >= 3).length).toBeGreaterThan(10);
    expect(Math.max(...perCustomer)).toBeLessThanOrEqual(12);
    expect(perCustomer.filter((n) => n === 0).length).toBeGreaterThan(0);
  });

  it("spaces repeat orders with a median gap of roughly two to three months", () => {
    const gaps: number[] = [];
    for (const c of store.customers) {
      const orders = customerOrders(store, c.id).filter((o) => !o.test);
      for (let i = 1; i < orders.length; i++) gaps.push((Date.parse(orders[i].processedAt) - Date.parse(orders[i - 1].processedAt)) / DAY);
    }
    gaps.sort((a, b) => a - b);
    const median = gaps[Math.floor(gaps.length / 2)];
    expect(median).toBeGreaterThan(45);
    expect(median).toBeLessThan(95);
  });

  it("refunds ~6 % of orders, always after the order, partial and full, some in a later month", () => {
    const refunded = counted.filter((o) => o.refunds.length > 0 && o.cancelledAt === null);
    expect(refunded.length / counted.length).toBeGreaterThan(0.035);
    expect(refunded.length / counted.length).toBeLessThan(0.085);
    let crossesMonth = 0;
    for (const order of refunded) {
      for (const refund of order.refunds) {
        const delay = Date.parse(refund.processedAt) - Date.parse(order.processedAt);
        expect(delay).toBeGreaterThanOrEqual(DAY);
        expect(delay).toBeLessThanOrEqual(40 * DAY + 3_600_000);
        const zone = store.shop.ianaTimezone;
        if (DateTime.fromISO(refund.processedAt, { zone }).month !== DateTime.fromISO(order.processedAt, { zone }).month) crossesMonth++;
      }
    }
    expect(crossesMonth).toBeGreaterThan(3);
    expect(refunded.some((o) => orderRefunded(o) === orderTotal(o))).toBe(true);
    expect(refunded.some((o) => orderRefunded(o) < orderTotal(o))).toBe(true);
    expect(refunded.some((o) => o.refunds.length >= 2)).toBe(true);
  });

  it("keeps refund lines consistent with the order's lines", () => {
    for (const order of store.orders) {
      const lineIds = new Set(order.lineItems.map((l) => l.id));
      for (const refund of order.refunds) {
        expect(refund.processedAt > order.processedAt).toBe(true);
        expect(refund.refundLineItems.length + (refund.shipping ? 1 : 0)).toBeGreaterThan(0);
        for (const rli of refund.refundLineItems) {
          expect(lineIds.has(rli.lineItemId)).toBe(true);
          expect(rli.quantity).toBeGreaterThan(0);
          expect(rli.subtotal).toBeGreaterThanOrEqual(0);
        }
        if (refund.shipping) expect(refund.shipping.subtotal).toBeLessThanOrEqual(orderShipping(order));
      }
      for (const line of order.lineItems) expect(lineRefundedQuantity(order, line.id)).toBeLessThanOrEqual(line.quantity);
      expect(orderRefunded(order)).toBeLessThanOrEqual(orderTotal(order));
      // A full refund gives back exactly the line values and tax, no rounding drift.
      if (orderRefunded(order) === orderTotal(order)) {
        expect(order.refunds.reduce((s, r) => s + refundReturns(r), 0)).toBe(orderSubtotal(order));
      }
    }
  });

  it("cancels ~2 % of orders after they were processed, most of them fully refunded", () => {
    const cancelled = counted.filter((o) => o.cancelledAt !== null);
    expect(cancelled.length / counted.length).toBeGreaterThan(0.01);
    expect(cancelled.length / counted.length).toBeLessThan(0.03);
    for (const o of cancelled) expect((o.cancelledAt as string) > o.processedAt).toBe(true);
    const fullyRefunded = cancelled.filter((o) => o.refunds.length > 0 && orderRefunded(o) === orderTotal(o));
    expect(fullyRefunded.length / cancelled.length).toBeGreaterThan(0.6);
  });

  it("has test orders (some by real customers) and zero-value orders of both kinds", () => {
    const tests = store.orders.filter((o) => o.test);
    expect(tests.length).toBeGreaterThanOrEqual(2);
    expect(tests.some((o) => o.customerId !== null)).toBe(true);
    const zero = counted.filter(isZeroValueOrder);
    expect(zero.length).toBeGreaterThanOrEqual(3);
    expect(zero.some((o) => o.discountCode !== null && orderDiscounts(o) === orderGrossSales(o) && orderGrossSales(o) > 0)).toBe(true);
    expect(zero.some((o) => orderGrossSales(o) === 0)).toBe(true);
    for (const o of zero) expect(orderTotal(o)).toBe(0);
  });

  it("has imported orders processed long before they were created, by customers created after them", () => {
    const imported = store.orders.filter((o) => Date.parse(o.createdAt) - Date.parse(o.processedAt) > 7 * DAY);
    expect(imported.length).toBeGreaterThanOrEqual(3);
    const byId = new Map(store.customers.map((c) => [c.id, c]));
    expect(imported.some((o) => o.customerId !== null && (byId.get(o.customerId)?.createdAt ?? "") > o.processedAt)).toBe(true);
  });

  it("places orders on both local DST-change days and around local midnight at month ends", () => {
    const zone = store.shop.ianaTimezone;
    const hours = counted.map((o) => localHoursOfDay(o.processedAt, zone));
    expect(hours.filter((h) => h === 23).length).toBeGreaterThanOrEqual(2);
    expect(hours.filter((h) => h === 25).length).toBeGreaterThanOrEqual(2);
    // The repeated hour on the fall-back day: two orders with the same local wall time, an hour apart.
    const fallBack = counted.filter((o) => localHoursOfDay(o.processedAt, zone) === 25);
    const wall = fallBack.map((o) => DateTime.fromISO(o.processedAt, { zone }).toFormat("yyyy-MM-dd HH:mm"));
    expect(new Set(wall).size).toBeLessThan(wall.length);
    // 23:xx local on the last day of a month is already the next month in UTC (New York is behind UTC).
    const monthEnd = counted.filter((o) => {
      const local = DateTime.fromISO(o.processedAt, { zone });
      return local.day === local.daysInMonth && local.hour === 23;
    });
    expect(monthEnd.length).toBeGreaterThan(15);
    expect(monthEnd.every((o) => DateTime.fromISO(o.processedAt, { zone: "utc" }).month !== DateTime.fromISO(o.processedAt, { zone }).month)).toBe(true);
  });

  it("in a zone east of UTC, 00:xx local on the 1st is still the previous month in UTC", () => {
    const berlin = generateStore({ seed: 7, now: NOW, timeZone: "Europe/Berlin", currencyCode: "EUR", customers: 120, domain: "berlin.myshopify.com" });
    expect(berlin.shop.ianaTimezone).toBe("Europe/Berlin");
    const monthStart = berlin.orders.filter((o) => {
      const local = DateTime.fromISO(o.processedAt, { zone: "Europe/Berlin" });
      return local.day === 1 && local.hour === 0;
    });
    expect(monthStart.length).toBeGreaterThan(10);
    expect(monthStart.every((o) => DateTime.fromISO(o.processedAt, { zone: "utc" }).day !== 1)).toBe(true);
    expect(berlin.orders.some((o) => localHoursOfDay(o.processedAt, "Europe/Berlin") === 23)).toBe(true);
  });

  it("keeps amounts consistent: total = subtotal + shipping + tax, subtotal = gross − discounts", () => {
    for (const o of store.orders) {
      expect(orderTotal(o)).toBe(orderSubtotal(o) + orderShipping(o) + orderTax(o));
      expect(orderSubtotal(o)).toBe(orderGrossSales(o) - orderDiscounts(o));
      expect(o.orderDiscount).toBe(o.lineItems.reduce((s, l) => s + l.orderDiscountAllocation, 0));
      expect(o.taxesIncluded).toBe(false);
      expect(o.lineItems.length).toBeGreaterThanOrEqual(1);
      expect(o.lineItems.length).toBeLessThanOrEqual(4);
      for (const l of o.lineItems) {
        for (const v of [l.unitPrice, l.lineDiscount, l.orderDiscountAllocation, l.tax]) {
          expect(Number.isInteger(v) && v >= 0).toBe(true);
        }
        expect(l.lineDiscount + l.orderDiscountAllocation).toBeLessThanOrEqual(l.unitPrice * l.quantity);
      }
    }
    expect(store.orders.some((o) => o.orderDiscount > 0)).toBe(true);
    expect(store.orders.some((o) => o.lineItems.some((l) => l.lineDiscount > 0))).toBe(true);
  });

  it("keeps updatedAt at or after every event on an order or customer", () => {
    const events = (o: SimOrder): string[] => [o.createdAt, o.processedAt, o.cancelledAt, o.closedAt, ...o.refunds.flatMap((r) => [r.processedAt, r.updatedAt])].filter((x): x is string => x !== null);
    for (const o of store.orders) for (const at of events(o)) expect(o.updatedAt >= at).toBe(true);
    for (const c of store.customers) expect(c.updatedAt >= c.createdAt).toBe(true);
    expect(store.orders.some((o) => o.updatedAt > events(o).reduce((a, b) => (a > b ? a : b)))).toBe(true);
  });

  it("reports totals whose identities hold", () => {
    const t = storeTotals(store);
    expect(t.orders).toBe(store.orders.length);
    expect(t.countedOrders + t.testOrders).toBe(t.orders);
    expect(t.netSales).toBe(t.grossSales - t.discounts - t.returns);
    expect(t.totalSales).toBe(t.netSales + t.shipping + t.taxes);
    expect(t.totalSales).toBe(t.totalPrice - t.refunded);
    expect(t.refunds).toBe(store.orders.reduce((s, o) => s + o.refunds.length, 0));
  });

  it("can switch currency mid-history: older orders keep the old currency", () => {
    const changed = generateStore({ seed: 5, now: NOW, customers: 80, currencyChange: { at: "2026-01-01T00:00:00Z", to: "EUR" }, domain: "switch.myshopify.com" });
    expect(changed.shop.currencyCode).toBe("EUR");
    expect(changed.shop.currencyChanges).toEqual([{ at: "2026-01-01T00:00:00Z", from: "USD", to: "EUR" }]);
    for (const o of changed.orders) expect(o.currencyCode).toBe(o.processedAt < "2026-01-01T00:00:00Z" ? "USD" : "EUR");
    expect(Object.keys(storeTotals(changed).byCurrency).sort()).toEqual(["EUR", "USD"]);
  });

  it("rejects a missing clock and an unknown zone", () => {
    expect(() => generateStore({ seed: 1, now: "" })).toThrow(/now/);
    expect(() => generateStore({ seed: 1, now: NOW, timeZone: "Mars/Olympus" })).toThrow(/time zone/);
  });
});

describe('generateStore with shape "store" (the demo shop)', () => {
  const shaped = generateStore({ seed: 42, now: NOW, customers: 3000, shape: "store" });
  const zone = shaped.shop.ianaTimezone;
  const real = shaped.orders.filter((o) => !o.test && !o.tags.includes("imported"));
  const localDay = (iso: string) => DateTime.fromISO(iso, { zone: "utc" }).setZone(zone);
  const byCustomer = new Map<number, SimOrder[]>();
  for (const o of shaped.orders) {
    if (o.test || o.customerId === null) continue;
    byCustomer.set(o.customerId, [...(byCustomer.get(o.customerId) ?? []), o]);
  }

  it("is deterministic, and the compact shape stays the default", () => {
    expect(generateStore({ seed: 42, now: NOW, customers: 3000, shape: "store" })).toEqual(shaped);
    expect(generateStore({ seed: 42, now: NOW, shape: "compact" })).toEqual(store);
  });

  it("grows: more new customers in the last six months than twice the first six", () => {
    const firstOrders = [...byCustomer.values()].map((orders) => orders.reduce((a, b) => (a.processedAt < b.processedAt ? a : b)).processedAt);
    const start = Date.parse(shaped.shop.createdAt);
    const end = Date.parse(NOW);
    const early = firstOrders.filter((at) => Date.parse(at) >= start && Date.parse(at) < start + 182 * DAY).length;
    const late = firstOrders.filter((at) => Date.parse(at) >= end - 182 * DAY).length;
    expect(late).toBeGreaterThan(2 * early);
  });

  it("peaks on Black Friday and in early December, and sells more on Sundays than on Saturdays", () => {
    const perDay = new Map<string, number>();
    for (const o of real) {
      const day = localDay(o.processedAt).toISODate()!;
      perDay.set(day, (perDay.get(day) ?? 0) + 1);
    }
    // 2025's Black Friday is 28 November; the October before it is an ordinary month.
    const october = [...perDay].filter(([day]) => day.startsWith("2025-10")).map(([, n]) => n);
    const octoberMean = october.reduce((a, b) => a + b, 0) / 31;
    expect(perDay.get("2025-11-28")!).toBeGreaterThan(2.5 * octoberMean);
    const decemberMean = [...perDay].filter(([day]) => day >= "2025-12-01" && day <= "2025-12-18").reduce((s, [, n]) => s + n, 0) / 18;
    expect(decemberMean).toBeGreaterThan(1.2 * octoberMean);
    const weekday = (n: number) => real.filter((o) => localDay(o.processedAt).weekday === n).length;
    expect(weekday(7)).toBeGreaterThan(weekday(6));
  });

  it("has a heavy-tailed number of orders per customer and gaps from days to more than a year", () => {
    const counts = [...byCustomer.values()].map((orders) => orders.length);
    const once = counts.filter((n) => n === 1).length / counts.length;
    expect(once).toBeGreaterThan(0.5);
    expect(once).toBeLessThan(0.75);
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(15);
    expect(counts.filter((n) => n >= 5).length).toBeGreaterThan(counts.length * 0.03);
    const gaps = [...byCustomer.values()].flatMap((orders) => {
      const at = orders.map((o) => Date.parse(o.processedAt)).sort((a, b) => a - b);
      return at.slice(1).map((t, i) => (t - at[i]) / DAY);
    });
    gaps.sort((a, b) => a - b);
    const median = gaps[Math.floor(gaps.length / 2)];
    expect(median).toBeGreaterThan(20);
    expect(median).toBeLessThan(150);
    expect(gaps.filter((g) => g < 14).length).toBeGreaterThan(gaps.length * 0.05);
    expect(gaps.filter((g) => g > 365).length).toBeGreaterThan(0);
  });

  it("keeps guests, refunds and cancellations, and the totals' identities", () => {
    const guests = real.filter((o) => o.customerId === null).length / real.length;
    expect(guests).toBeGreaterThan(0.08);
    expect(guests).toBeLessThan(0.16);
    expect(real.filter((o) => o.refunds.length > 0).length / real.length).toBeGreaterThan(0.04);
    expect(real.filter((o) => o.cancelledAt !== null).length / real.length).toBeGreaterThan(0.01);
    const t = storeTotals(shaped);
    expect(t.netSales).toBe(t.grossSales - t.discounts - t.returns);
    expect(t.totalSales).toBe(t.totalPrice - t.refunded);
    for (const o of shaped.orders) expect(o.processedAt <= NOW).toBe(true);
  });
});
