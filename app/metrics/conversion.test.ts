// Sessions and the funnel on hand-built event streams, asserted whole from both implementations,
// and a property test on generated visitors.
import { describe, expect, it } from "vitest";
import {
  conversionOfParts,
  conversionReport,
  PIXEL_EVENTS,
  sessionsFromEvents,
  type ConversionQuery,
  type ConversionReport,
  type ConversionTotals,
  type PixelEvent,
  type ShopifySessionDay,
} from "./conversion";
import { conversionOverview } from "./conversion.server";
import { fixtureShop, writeSessions } from "./test-helpers/fixtures";
import { createRandom } from "#simulator/random";

let eventIds = 0;
function event(visitorId: string, at: string, name: string = "page_viewed"): PixelEvent {
  eventIds += 1;
  return { id: `e${eventIds}`, visitorId, name, occurredAt: new Date(at) };
}

async function bothImplementations(
  data: { events?: PixelEvent[]; days?: ShopifySessionDay[] },
  timeZone: string,
  query: ConversionQuery,
  now: Date,
): Promise<{ reference: ConversionReport; sql: ConversionReport }> {
  const shop = await fixtureShop({ orders: [] }, { timeZone });
  await writeSessions(shop, data);
  const sql = await conversionOverview(shop, query, { now });
  const reference = conversionReport({ events: data.events ?? [], days: data.days ?? [] }, query, { timeZone, now });
  return { reference, sql };
}

/** A day of Shopify's figures: sessions, then those with cart additions, reaching and completing checkout. */
function sessionDay(day: string, sessions: number, cart: number, checkout: number, completed: number): ShopifySessionDay {
  return { day, sessions, sessionsWithCartAdditions: cart, sessionsReachedCheckout: checkout, sessionsCompletedCheckout: completed };
}

function totals(sessions: number, cart: number, checkout: number, completed: number, orders: number | null, signUps: number | null): ConversionTotals {
  const rate = (n: number | null) => (n === null || sessions === 0 ? null : Math.round((n / sessions) * 10_000) / 10_000);
  return {
    sessions,
    sessionsWithCartAdditions: cart,
    sessionsReachedCheckout: checkout,
    sessionsCompletedCheckout: completed,
    conversionRate: rate(completed),
    orders,
    ordersPerSession: rate(orders),
    signUps,
    signUpRate: rate(signUps),
  };
}

// America/New_York; 8 March 2026 is the 23-hour spring-forward day.
const events = [
  // A: one session up to a gap of exactly 30 minutes, two orders in it; a gap of 31 minutes starts another.
  event("A", "2026-03-07T14:00:00Z"),
  event("A", "2026-03-07T14:20:00Z", PIXEL_EVENTS.addToCart),
  event("A", "2026-03-07T14:50:00Z", PIXEL_EVENTS.checkoutStarted),
  event("A", "2026-03-07T14:55:00Z", PIXEL_EVENTS.checkoutCompleted),
  event("A", "2026-03-07T14:56:00Z", PIXEL_EVENTS.checkoutCompleted),
  event("A", "2026-03-07T15:27:00Z"), // 31 minutes after 14:56
  // B: 20 minutes apart but across midnight UTC: two sessions, both on 7 March in New York.
  event("B", "2026-03-07T23:50:00Z"),
  event("B", "2026-03-08T00:10:00Z", PIXEL_EVENTS.addToCart),
  // C: starts 23:45 on 8 March local, signs up at 00:05 on 9 March local: one session, on the 8th.
  event("C", "2026-03-09T03:45:00Z"),
  event("C", "2026-03-09T04:05:00Z", PIXEL_EVENTS.signUp),
  // D: starts 23:50 on 6 March local and completes a checkout on the 7th: not in the range.
  event("D", "2026-03-07T04:50:00Z"),
  event("D", "2026-03-07T05:10:00Z", PIXEL_EVENTS.checkoutCompleted),
  // E: 23:00 on the 9th, then 70 minutes later on the 10th: one session in the range.
  event("E", "2026-03-10T03:00:00Z"),
  event("E", "2026-03-10T04:10:00Z"),
];

describe("sessions", () => {
  it("follow Shopify's rule: no gap over 30 minutes, cut at midnight UTC", () => {
    const sessions = sessionsFromEvents(events).map((s) => [s.visitorId, s.start.toISOString(), s.orders]);
    expect(sessions).toEqual([
      ["A", "2026-03-07T14:00:00.000Z", 2],
      ["A", "2026-03-07T15:27:00.000Z", 0],
      ["B", "2026-03-07T23:50:00.000Z", 0],
      ["B", "2026-03-08T00:10:00.000Z", 0],
      ["C", "2026-03-09T03:45:00.000Z", 0],
      ["D", "2026-03-07T04:50:00.000Z", 1],
      ["E", "2026-03-10T03:00:00.000Z", 0],
      ["E", "2026-03-10T04:10:00.000Z", 0],
    ]);
  });
});

describe("conversion report", () => {
  it("GIVEN pixel events around 30-minute gaps, midnight UTC and local midnight THEN the whole daily series is as computed by hand", async () => {
    const query = { range: { from: "2026-03-07", to: "2026-03-10" }, granularity: "day" as const };
    const now = new Date("2026-03-12T00:00:00Z");
    const expected: ConversionReport = {
      source: "pixel",
      timeZone: "America/New_York",
      range: query.range,
      granularity: "day",
      now: now.toISOString(),
      totals: totals(6, 2, 1, 1, 2, 1),
      series: [
        { period: "2026-03-07", start: "2026-03-07T05:00:00.000Z", end: "2026-03-08T05:00:00.000Z", partial: false, ...totals(4, 2, 1, 1, 2, 0) },
        { period: "2026-03-08", start: "2026-03-08T05:00:00.000Z", end: "2026-03-09T04:00:00.000Z", partial: false, ...totals(1, 0, 0, 0, 0, 1) },
        { period: "2026-03-09", start: "2026-03-09T04:00:00.000Z", end: "2026-03-10T04:00:00.000Z", partial: false, ...totals(1, 0, 0, 0, 0, 0) },
      ],
    };
    expect(expected.totals.conversionRate).toBe(0.1667);
    const { reference, sql } = await bothImplementations({ events }, "America/New_York", query, now);
    expect(reference).toEqual(expected);
    expect(sql).toEqual(expected);
  });

  it("GIVEN Shopify's daily figures and pixel events THEN Shopify's are read by default, never mixed, and the pixel's on request", async () => {
    const days: ShopifySessionDay[] = [
      sessionDay("2026-03-06", 999, 9, 9, 9),
      sessionDay("2026-03-07", 100, 10, 5, 2),
      sessionDay("2026-03-08", 50, 5, 2, 1),
    ];
    const query = { range: { from: "2026-03-07", to: "2026-03-16" }, granularity: "week" as const };
    const now = new Date("2026-03-12T00:00:00Z");
    const shopify = await bothImplementations({ events, days }, "America/New_York", query, now);
    const expected = {
      source: "shopify",
      totals: totals(150, 15, 7, 3, null, null),
      series: [
        { period: "2026-W10", partial: false, ...totals(150, 15, 7, 3, null, null) },
        { period: "2026-W11", partial: true, ...totals(0, 0, 0, 0, null, null) },
      ],
    };
    for (const report of [shopify.reference, shopify.sql]) {
      expect({ source: report.source, totals: report.totals, series: report.series.map(({ start, end, ...rest }) => rest) }).toEqual(expected);
    }
    const pixel = await bothImplementations({ events, days }, "America/New_York", { ...query, source: "pixel" }, now);
    expect(pixel.reference.source).toBe("pixel");
    expect(pixel.sql).toEqual(pixel.reference);
    expect(pixel.sql.totals).toEqual(totals(7, 2, 1, 1, 2, 1)); // E's second session (10 March) is in W11 now
  });

  it("GIVEN a report by day THEN each part of it sums its days, by the SQL report as by the reference, and a report by week is refused", async () => {
    const days: ShopifySessionDay[] = [
      sessionDay("2026-03-07", 100, 10, 5, 2),
      sessionDay("2026-03-08", 50, 5, 2, 1),
      sessionDay("2026-03-10", 40, 4, 4, 4),
    ];
    const query = { range: { from: "2026-03-06", to: "2026-03-12" }, granularity: "day" as const };
    const now = new Date("2026-03-20T00:00:00Z");
    const parts = [
      { from: "2026-03-06", to: "2026-03-08" }, // 6–7 March
      { from: "2026-03-08", to: "2026-03-08" }, // empty
      { from: "2026-03-08", to: "2026-03-12" }, // 8–11 March
    ];
    const expected = [totals(100, 10, 5, 2, null, null), totals(0, 0, 0, 0, null, null), totals(90, 9, 6, 5, null, null)];
    const { reference, sql } = await bothImplementations({ days }, "Europe/Berlin", query, now);
    expect(conversionOfParts(reference, parts)).toEqual(expected);
    expect(conversionOfParts(sql, parts)).toEqual(expected);
    const pixel = await bothImplementations({ events, days: [] }, "America/New_York", { ...query, source: "pixel" }, now);
    // The pixel's sessions of 7–9 March: A's two, B's two, C's, and E's first (D's began on the
    // 6th, E's second on the 10th).
    const [ofDays] = conversionOfParts(pixel.sql, [{ from: "2026-03-07", to: "2026-03-10" }]);
    expect(ofDays.sessions).toBe(6);
    expect(conversionOfParts(pixel.sql, [{ from: "2026-03-06", to: "2026-03-12" }])).toEqual([pixel.sql.totals]);
    const weekly = await bothImplementations({ days }, "Europe/Berlin", { ...query, granularity: "week" }, now);
    expect(() => conversionOfParts(weekly.sql, parts)).toThrow(/by day/);
  });

  it("GIVEN a shop without session data THEN the report has no source and null values", async () => {
    const query = { range: { from: "2026-03-01", to: "2026-03-03" }, granularity: "day" as const };
    const now = new Date("2026-03-12T00:00:00Z");
    const { reference, sql } = await bothImplementations({}, "UTC", query, now);
    const empty = totals(0, 0, 0, 0, null, null);
    const nulls = { ...empty, sessions: null, sessionsWithCartAdditions: null, sessionsReachedCheckout: null, sessionsCompletedCheckout: null };
    for (const report of [reference, sql]) {
      expect(report.source).toBeNull();
      expect(report.totals).toEqual(nulls);
      expect(report.series.map((p) => p.sessions)).toEqual([null, null]);
    }
    const asked = await bothImplementations({}, "UTC", { ...query, source: "shopify" }, now);
    expect(asked.sql.source).toBe("shopify");
    expect(asked.sql.totals).toEqual(nulls);
    expect(asked.reference).toEqual(asked.sql);
  });
});

describe.each([
  { seed: 41, timeZone: "America/New_York" },
  { seed: 42, timeZone: "Asia/Kolkata" },
  { seed: 43, timeZone: "Pacific/Chatham" },
])("conversion on generated visitors (seed $seed, $timeZone)", ({ seed, timeZone }) => {
  it("SQL equals the reference by day and by week", async () => {
    const random = createRandom(seed);
    const names = ["page_viewed", "page_viewed", "page_viewed", PIXEL_EVENTS.addToCart, PIXEL_EVENTS.checkoutStarted, PIXEL_EVENTS.checkoutCompleted, PIXEL_EVENTS.signUp];
    const generated: PixelEvent[] = [];
    for (let v = 0; v < 60; v++) {
      // Start near a UTC or local midnight or anywhere in a 10-day window, then walk with gaps around 30 minutes.
      let t = Date.parse("2026-03-05T00:00:00Z") + random.int(0, 10 * 24 * 60) * 60_000;
      const count = random.int(1, 12);
      for (let i = 0; i < count; i++) {
        generated.push(event(`v${seed}-${v}`, new Date(t).toISOString(), random.pick(names)));
        t += random.pick([0, 60_000, 29 * 60_000, 30 * 60_000, 30 * 60_000 + 1000, 31 * 60_000, 5 * 3_600_000]);
      }
    }
    const now = new Date("2026-03-13T10:00:00Z");
    const shop = await fixtureShop({ orders: [] }, { timeZone });
    await writeSessions(shop, { events: generated });
    let sessions = 0;
    for (const query of [
      { range: { from: "2026-03-04", to: "2026-03-17" }, granularity: "day" as const },
      { range: { from: "2026-03-06", to: "2026-03-20" }, granularity: "week" as const },
    ]) {
      const sql = await conversionOverview(shop, query, { now });
      expect(sql).toEqual(conversionReport({ events: generated, days: [] }, query, { timeZone, now }));
      sessions += sql.totals.sessions ?? 0;
    }
    expect(sessions).toBeGreaterThan(60);
  });
});
