// GIVEN pixel events received over two months and visitor salts of several days, WHEN the
// upkeep deletes what is past its retention, THEN raw events older than the setting are gone,
// and the sessions stored for them, the sessions they made are still in the report, younger
// events stay, and only the salts of today and yesterday (UTC) remain.
import { describe, expect, it } from "vitest";
import prisma from "#app/db.server";
import { conversionOverview } from "#app/metrics/conversion.server";
import { SHOPS_PER_REFRESH } from "#app/metrics/pixel-sessions.server";
import { fixtureShop } from "#app/metrics/test-helpers/fixtures";
import { deleteExpiredPixelData } from "./retention.server";

describe("pixel data retention", () => {
  it("deletes old raw events after rolling them up, and salts before yesterday", async () => {
    const shop = await fixtureShop({ orders: [] }, { timeZone: "Europe/Berlin" });
    const now = new Date("2026-11-20T10:00:00Z");
    const old = new Date("2026-10-01T10:00:00Z");
    const recent = new Date("2026-11-19T10:00:00Z");
    const rows = [
      { id: "old-1", visitorId: "a", name: "page_viewed", occurredAt: old, receivedAt: old },
      { id: "old-2", visitorId: "a", name: "checkout_completed", occurredAt: new Date(old.getTime() + 60_000), receivedAt: old },
      { id: "new-1", visitorId: "b", name: "page_viewed", occurredAt: recent, receivedAt: recent },
    ];
    await prisma.pixelEvent.createMany({ data: rows.map((row) => ({ shop, ...row })) });
    for (const day of ["2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20"]) {
      await prisma.pixelSalt.create({ data: { shop, day: new Date(`${day}T00:00:00Z`), salt: Buffer.alloc(32, 1) } });
    }
    // The report to keep: the same events in a store that received them all recently. (A report
    // of the store itself would refresh its sessions before the upkeep does.)
    const twin = await fixtureShop({ orders: [] }, { timeZone: "Europe/Berlin" });
    await prisma.pixelEvent.createMany({ data: rows.map((row) => ({ shop: twin, ...row, receivedAt: recent })) });
    const query = { range: { from: "2026-09-01", to: "2026-12-01" }, granularity: "month" as const };
    const before = await conversionOverview(twin, query, { now });

    expect(await deleteExpiredPixelData(now, 30)).toEqual({ events: 2, salts: 2 });
    expect((await prisma.pixelEvent.findMany({ where: { shop } })).map((e) => e.id)).toEqual(["new-1"]);
    expect((await prisma.pixelSalt.findMany({ where: { shop }, orderBy: { day: "asc" } })).map((s) => s.day.toISOString().slice(0, 10))).toEqual([
      "2026-11-19",
      "2026-11-20",
    ]);
    // The sessions stored for refreshes: those of the days past the retention are gone too.
    const stored = await prisma.$queryRaw<Array<{ visitor_id: string }>>`SELECT visitor_id FROM pixel_sessions WHERE shop = ${shop}`;
    expect(stored.map((s) => s.visitor_id)).toEqual(["b"]);
    const after = await conversionOverview(shop, query, { now });
    expect(after).toEqual(before);
    expect(after.totals).toMatchObject({ sessions: 2, sessionsCompletedCheckout: 1 });
  });

  it("does the same for more stores than one refresh takes, each store on its own", async () => {
    const now = new Date("2026-11-20T10:00:00Z");
    const old = new Date("2026-10-01T10:00:00Z");
    const recent = new Date("2026-11-19T10:00:00Z");
    // Old visitors (one completing a checkout) and a recent one; a different number of old
    // visitors in each store, so that one store's sessions counted as another's would show.
    const eventsOf = (tag: string, visitors: number) => [
      ...Array.from({ length: visitors }, (_, v) => ({ id: `${tag}-old-${v}`, visitorId: `${tag}-v${v}`, name: "page_viewed", occurredAt: old, receivedAt: old })),
      { id: `${tag}-old-checkout`, visitorId: `${tag}-v0`, name: "checkout_completed", occurredAt: new Date(old.getTime() + 60_000), receivedAt: old },
      { id: `${tag}-new`, visitorId: `${tag}-r`, name: "page_viewed", occurredAt: recent, receivedAt: recent },
    ];
    // Each store with a twin that received the same events recently: the report to keep.
    const stores: Array<{ shop: string; twin: string; visitors: number }> = [];
    for (let i = 0; i < SHOPS_PER_REFRESH + 2; i++) {
      const timeZone = i % 2 ? "Asia/Tokyo" : "America/Los_Angeles";
      const [shop, twin] = [await fixtureShop({ orders: [] }, { timeZone }), await fixtureShop({ orders: [] }, { timeZone })];
      stores.push({ shop, twin, visitors: 1 + (i % 4) });
      const events = eventsOf(`s${i}`, 1 + (i % 4));
      await prisma.pixelEvent.createMany({ data: events.map((row) => ({ shop, ...row })) });
      await prisma.pixelEvent.createMany({ data: events.map((row) => ({ shop: twin, ...row, receivedAt: recent })) });
    }
    const fresh = await fixtureShop({ orders: [] }, { timeZone: "UTC" });
    await prisma.pixelEvent.createMany({ data: [{ shop: fresh, id: "f-new", visitorId: "f", name: "page_viewed", occurredAt: recent, receivedAt: recent }] });

    const oldEvents = stores.reduce((sum, { visitors }) => sum + visitors + 1, 0);
    expect((await deleteExpiredPixelData(now, 30)).events).toBe(oldEvents);
    const query = { range: { from: "2026-09-01", to: "2026-12-01" }, granularity: "month" as const };
    for (const [i, { shop, twin, visitors }] of stores.entries()) {
      expect((await prisma.pixelEvent.findMany({ where: { shop } })).map((e) => e.id)).toEqual([`s${i}-new`]);
      const stored = await prisma.$queryRaw<Array<{ visitor_id: string }>>`SELECT visitor_id FROM pixel_sessions WHERE shop = ${shop}`;
      expect(stored.map((s) => s.visitor_id)).toEqual([`s${i}-r`]);
      const after = await conversionOverview(shop, query, { now });
      expect(after).toEqual(await conversionOverview(twin, query, { now }));
      expect(after.totals).toMatchObject({ sessions: visitors + 1, sessionsCompletedCheckout: 1 });
    }
    expect((await prisma.pixelEvent.findMany({ where: { shop: fresh } })).map((e) => e.id)).toEqual(["f-new"]);
  });
});
