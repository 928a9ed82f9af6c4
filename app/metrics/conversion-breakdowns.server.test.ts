// GIVEN pixel events whose sessions start on different sources, devices and landing pages, and
// Shopify's split figures, WHEN the breakdowns are read for a range, THEN each counts a session
// once under its first event's context (local days of the shop), lists the top values by
// sessions and sums the rest as "Other", and reads only the source it is asked for.
import { describe, expect, it } from "vitest";
import { metricsReport } from "#app/cli/metrics-report.server";
import prisma from "#app/db.server";
import { conversionBreakdowns, topWithOther } from "./conversion-breakdowns.server";
import { refreshPixelSessions } from "./pixel-sessions.server";
import { fixtureShop } from "./test-helpers/fixtures";

describe("topWithOther", () => {
  it("keeps the top values by sessions and sums the rest", () => {
    const rows = topWithOther(
      [
        { value: "b", sessions: 5, completed: 1 },
        { value: "a", sessions: 5, completed: 0 },
        { value: "c", sessions: 9, completed: 3 },
        { value: "d", sessions: 2, completed: 1 },
        { value: "e", sessions: 1, completed: 1 },
        { value: "zero", sessions: 0, completed: 0 },
      ],
      3,
    );
    expect(rows).toEqual([
      { value: "c", sessions: 9, sessionsCompletedCheckout: 3, conversionRate: 0.3333, other: false },
      { value: "a", sessions: 5, sessionsCompletedCheckout: 0, conversionRate: 0, other: false },
      { value: "b", sessions: 5, sessionsCompletedCheckout: 1, conversionRate: 0.2, other: false },
      { value: "Other", sessions: 3, sessionsCompletedCheckout: 2, conversionRate: 0.6667, other: true },
    ]);
  });
});

describe("conversion breakdowns", () => {
  it("count each pixel session under its first event's context, in the shop's local days", async () => {
    const shop = await fixtureShop({ orders: [] }, { timeZone: "America/New_York" });
    const at = (iso: string) => new Date(iso);
    const events = [
      // v1: from Google on mobile, lands on a product, buys (later events have other context).
      { id: "1", visitorId: "v1", name: "page_viewed", occurredAt: at("2026-03-10T15:00:00Z"), referrerHost: "www.google.com", device: "mobile", landingPath: "/products/a" },
      { id: "2", visitorId: "v1", name: "checkout_completed", occurredAt: at("2026-03-10T15:10:00Z"), device: "desktop", landingPath: "/checkouts/x" },
      // v2: a newsletter link on desktop.
      { id: "3", visitorId: "v2", name: "page_viewed", occurredAt: at("2026-03-10T16:00:00Z"), utmSource: "newsletter", referrerHost: "mail.example", device: "desktop", landingPath: "/" },
      // v3: direct, twice: two sessions (61 minutes apart).
      { id: "4", visitorId: "v3", name: "page_viewed", occurredAt: at("2026-03-11T01:00:00Z"), device: "tablet", landingPath: "/" },
      { id: "5", visitorId: "v3", name: "page_viewed", occurredAt: at("2026-03-11T02:01:00Z"), device: "tablet", landingPath: "/collections/all" },
      // v4: 23:30 local on 11 March (04:30 UTC on the 12th): outside a range ending on the 11th.
      { id: "6", visitorId: "v4", name: "page_viewed", occurredAt: at("2026-03-12T04:30:00Z"), device: "mobile", landingPath: "/" },
    ];
    await prisma.pixelEvent.createMany({ data: events.map((e) => ({ shop, ...e })) });
    await refreshPixelSessions(shop);

    const result = await conversionBreakdowns(shop, { range: { from: "2026-03-10", to: "2026-03-11" }, source: "pixel", top: 2 }, "America/New_York");
    expect(result.source).toBe("pixel");
    // v3's sessions start at 21:00 and 22:01 on 10 March in New York.
    expect(result.dimensions.source).toEqual([
      { value: "direct", sessions: 2, sessionsCompletedCheckout: 0, conversionRate: 0, other: false },
      { value: "newsletter", sessions: 1, sessionsCompletedCheckout: 0, conversionRate: 0, other: false },
      { value: "Other", sessions: 1, sessionsCompletedCheckout: 1, conversionRate: 1, other: true },
    ]);
    expect(result.dimensions.device.map((r) => [r.value, r.sessions, r.sessionsCompletedCheckout])).toEqual([
      ["tablet", 2, 0],
      ["desktop", 1, 0],
      ["Other", 1, 1],
    ]);
    expect(result.dimensions.landingPage.map((r) => [r.value, r.sessions])).toEqual([
      ["/", 2],
      ["/collections/all", 1],
      ["Other", 1],
    ]);
  });

  it("count a range of several days from its whole UTC days and the quarter hours at its edges, with later arrivals", async () => {
    // 9 to 12 March in New York (EDT from the 8th): 04:00 UTC on the 9th to 04:00 UTC on the 13th,
    // whole UTC days 10 to 12 in between.
    const shop = await fixtureShop({ orders: [] }, { timeZone: "America/New_York" });
    const visit = (id: string, iso: string, device: string) => ({ shop, id, visitorId: `v${id}`, name: "page_viewed", occurredAt: new Date(iso), device });
    await prisma.pixelEvent.createMany({
      data: [
        visit("1", "2026-03-09T03:59:00Z", "tablet"), // 23:59 on the 8th: outside
        visit("2", "2026-03-09T04:00:00Z", "tablet"), // 00:00 on the 9th: the first edge
        visit("3", "2026-03-09T23:50:00Z", "mobile"),
        visit("4", "2026-03-10T12:00:00Z", "mobile"), // whole UTC days
        visit("5", "2026-03-12T23:59:00Z", "desktop"),
        visit("6", "2026-03-13T03:45:00Z", "desktop"), // 23:45 on the 12th: the last edge
        visit("7", "2026-03-13T04:00:00Z", "tablet"), // 00:00 on the 13th: outside
      ],
    });
    await refreshPixelSessions(shop);
    const range = { from: "2026-03-09", to: "2026-03-13" };
    const devices = async () =>
      (await conversionBreakdowns(shop, { range, source: "pixel", top: 5 }, "America/New_York")).dimensions.device.map((r) => [r.value, r.sessions]);
    expect(await devices()).toEqual([
      ["desktop", 2],
      ["mobile", 2],
      ["tablet", 1],
    ]);
    // A visit that arrives later, on a day already summed, counts once the sessions are refreshed.
    await prisma.pixelEvent.create({ data: visit("8", "2026-03-11T09:00:00Z", "tablet") });
    await refreshPixelSessions(shop);
    expect(await devices()).toEqual([
      ["desktop", 2],
      ["mobile", 2],
      ["tablet", 2],
    ]);
  });

  it("read Shopify's split figures for the range's local days only", async () => {
    const shop = await fixtureShop({ orders: [] }, { timeZone: "Europe/Berlin" });
    const row = (day: string, value: string, sessions: number, completed: number) => ({
      shop,
      dimension: "device",
      day: new Date(`${day}T00:00:00Z`),
      value,
      sessions,
      sessionsWithCartAdditions: completed,
      sessionsReachedCheckout: completed,
      sessionsCompletedCheckout: completed,
    });
    await prisma.shopifySessionBreakdown.createMany({
      data: [row("2026-05-01", "mobile", 10, 1), row("2026-05-02", "mobile", 5, 1), row("2026-05-02", "desktop", 7, 2), row("2026-05-03", "desktop", 100, 50)],
    });
    const result = await conversionBreakdowns(shop, { range: { from: "2026-05-01", to: "2026-05-03" }, source: "shopify" }, "Europe/Berlin");
    expect(result.dimensions.device).toEqual([
      { value: "mobile", sessions: 15, sessionsCompletedCheckout: 2, conversionRate: 0.1333, other: false },
      { value: "desktop", sessions: 7, sessionsCompletedCheckout: 2, conversionRate: 0.2857, other: false },
    ]);
    expect(result.dimensions.source).toEqual([]);
    // `metrics --json` carries the same, from the source its conversion figures come from.
    await prisma.shopifySessionDay.create({
      data: { shop, day: new Date("2026-05-01T00:00:00Z"), sessions: 22, sessionsWithCartAdditions: 4, sessionsReachedCheckout: 4, sessionsCompletedCheckout: 4 },
    });
    const report = await metricsReport(
      shop,
      { range: { from: "2026-05-01", to: "2026-05-03" }, granularity: "day", compareTo: null, cohortGranularity: "month" },
      new Date("2026-06-01T00:00:00Z"),
    );
    expect(report.conversion.source).toBe("shopify");
    expect(report.conversion.breakdowns.device).toEqual(result.dimensions.device);
    // The pixel's are not Shopify's: nothing for this shop.
    const pixel = await conversionBreakdowns(shop, { range: { from: "2026-05-01", to: "2026-05-03" }, source: "pixel" }, "Europe/Berlin");
    expect(pixel.dimensions.device).toEqual([]);
  });
});
