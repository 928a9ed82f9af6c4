// GIVEN a day of pixel sessions already rolled up, WHEN new events arrive for one visitor (one
// that joins two of their sessions into one) and for a new visitor, THEN a refresh rewrites only
// those visitors' sessions (another visitor's stored session is the row it was), the slot the
// joined session no longer starts in is gone, and the report equals the reference over every
// event. AND a day rolled up before its sessions were stored is rebuilt whole, not counted twice.
// AND a report told that the sessions were refreshed for its request (a page's comparison range)
// reads them as they are, without refreshing them again. AND of several stores (the Portfolio's),
// those with events their sessions lack are found, and refreshed together each as if alone. AND
// the last minute's arrivals, which a refresh reads again in case a batch was still committing,
// are read again only when one arrived late among them, as a drain's transaction that commits
// after a later one does. AND the upkeep brings every store with a pixel up to date, in groups,
// refreshing only those whose sessions lack events.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { ensurePixelSettings } from "#app/collector/pixel-settings.server";
import prisma from "#app/db.server";
import { conversionReport, PIXEL_EVENTS, type PixelEvent } from "./conversion";
import { conversionOverview } from "./conversion.server";
import {
  refreshPixelSessions,
  refreshPixelSessionsOfPixelStores,
  refreshPixelSessionsOfShops,
  SHOPS_PER_REFRESH,
  shopsWithNewPixelEvents,
} from "./pixel-sessions.server";
import { fixtureShop } from "./test-helpers/fixtures";

const TIME_ZONE = "Europe/Warsaw";
const NOW = new Date("2026-11-30T12:00:00Z");
const QUERY = { range: { from: "2026-11-18", to: "2026-11-21" }, granularity: "day" as const };
const HOUR = 3_600_000;

const at = (time: string) => new Date(`2026-11-19T${time}:00Z`);

/** Stores events as the drain does, each received at `receivedAt`. */
async function receive(shop: string, events: PixelEvent[], receivedAt: Date): Promise<void> {
  await prisma.pixelEvent.createMany({
    data: events.map((e) => ({ shop, id: e.id, visitorId: e.visitorId, name: e.name, occurredAt: e.occurredAt, receivedAt })),
  });
}

const report = (shop: string) => conversionOverview(shop, QUERY, { now: NOW });
const reference = (events: PixelEvent[]) => conversionReport({ events, days: [] }, QUERY, { timeZone: TIME_ZONE, now: NOW });

async function storedSessions(shop: string) {
  return prisma.$queryRaw<Array<{ visitor_id: string; started_at: Date; xmin: string }>>`
    SELECT visitor_id, started_at, xmin::text FROM pixel_sessions WHERE shop = ${shop} ORDER BY visitor_id, started_at`;
}

async function slots(shop: string): Promise<string[]> {
  const rows = await prisma.$queryRaw<Array<{ slot: Date }>>`SELECT slot FROM pixel_session_slots WHERE shop = ${shop} ORDER BY slot`;
  return rows.map((row) => row.slot.toISOString().slice(11, 16));
}

describe("a pixel session refresh", () => {
  const first: PixelEvent[] = [
    // Two sessions of `a` (an hour apart), one of `b`.
    { id: "a-1", visitorId: "a", name: "page_viewed", occurredAt: at("10:00") },
    { id: "a-2", visitorId: "a", name: PIXEL_EVENTS.addToCart, occurredAt: at("11:00") },
    { id: "b-1", visitorId: "b", name: "page_viewed", occurredAt: at("10:05") },
    { id: "b-2", visitorId: "b", name: PIXEL_EVENTS.checkoutCompleted, occurredAt: at("10:20") },
  ];
  const later: PixelEvent[] = [
    // Half-way between `a`'s two sessions: 30 minutes from each, so one session from 10:00.
    { id: "a-3", visitorId: "a", name: PIXEL_EVENTS.checkoutStarted, occurredAt: at("10:30") },
    { id: "c-1", visitorId: "c", name: "page_viewed", occurredAt: at("12:00") },
  ];

  it("rebuilds only the sessions of the visitors with new events", async () => {
    const shop = await fixtureShop({ orders: [] }, { timeZone: TIME_ZONE });
    await receive(shop, first, new Date(Date.now() - 2 * HOUR));
    await refreshPixelSessions(shop);
    expect(await report(shop)).toEqual(reference(first));
    expect(await slots(shop)).toEqual(["10:00", "11:00"]);
    const before = await storedSessions(shop);
    expect(before.map((s) => s.visitor_id)).toEqual(["a", "a", "b"]);

    await receive(shop, later, new Date());
    await refreshPixelSessions(shop);
    const events = [...first, ...later];
    const sql = await report(shop);
    expect(sql).toEqual(reference(events));
    expect(sql.totals).toMatchObject({ sessions: 3, sessionsWithCartAdditions: 1, sessionsReachedCheckout: 2, sessionsCompletedCheckout: 1 });
    // `a`'s 11:00 session is part of the one from 10:00 now: its slot is empty, and gone.
    expect(await slots(shop)).toEqual(["10:00", "12:00"]);
    const after = await storedSessions(shop);
    expect(after.map((s) => `${s.visitor_id} ${s.started_at.toISOString().slice(11, 16)}`)).toEqual(["a 10:00", "b 10:05", "c 12:00"]);
    // `b` had no new event: its row was not written again.
    expect(after.find((s) => s.visitor_id === "b")!.xmin).toBe(before.find((s) => s.visitor_id === "b")!.xmin);
  });

  it("is not done again for a report whose request refreshed the sessions already", async () => {
    const shop = await fixtureShop({ orders: [] }, { timeZone: TIME_ZONE });
    await receive(shop, first, new Date(Date.now() - 2 * HOUR));
    expect(await report(shop)).toEqual(reference(first));
    await receive(shop, later, new Date());
    const watermark = () => prisma.pixelRollupState.findUniqueOrThrow({ where: { shop }, select: { receivedThrough: true } });
    const before = await watermark();
    // The second report of a page: the sessions as the first report's refresh left them.
    expect(await conversionOverview(shop, QUERY, { now: NOW }, { sessionsRefreshed: true })).toEqual(reference(first));
    expect(await watermark()).toEqual(before);
    // The next request's refresh takes the new events in.
    expect(await report(shop)).toEqual(reference([...first, ...later]));
  });

  it("rebuilds whole a day whose sessions were not stored, without counting them twice", async () => {
    const shop = await fixtureShop({ orders: [] }, { timeZone: TIME_ZONE });
    await receive(shop, first, new Date(Date.now() - 2 * HOUR));
    await refreshPixelSessions(shop);
    // As a day rolled up before sessions were stored: its slots, no sessions.
    await prisma.$executeRaw`DELETE FROM pixel_sessions WHERE shop = ${shop}`;

    await receive(shop, later, new Date());
    await refreshPixelSessions(shop);
    expect(await report(shop)).toEqual(reference([...first, ...later]));
    expect((await storedSessions(shop)).map((s) => s.visitor_id)).toEqual(["a", "b", "c"]);
  });
});

describe("stores whose pixel sessions lack events", () => {
  const events = (visitor: string): PixelEvent[] => [{ id: `${visitor}-1`, visitorId: visitor, name: "page_viewed", occurredAt: at("10:00") }];

  it("are those never refreshed, with events since their watermark or in the intake", async () => {
    const [never, behind, current, queued, none] = await Promise.all(
      Array.from({ length: 5 }, () => fixtureShop({ orders: [] }, { timeZone: TIME_ZONE })),
    );
    // Never refreshed: any event counts.
    await receive(never, events("n"), new Date(Date.now() - 2 * HOUR));
    // Refreshed, then an event arrives.
    await receive(behind, events("b"), new Date(Date.now() - 2 * HOUR));
    await refreshPixelSessions(behind);
    await receive(behind, [{ id: "b-2", visitorId: "b", name: "page_viewed", occurredAt: at("10:10") }], new Date());
    // Refreshed, nothing since.
    await receive(current, events("c"), new Date(Date.now() - 2 * HOUR));
    await refreshPixelSessions(current);
    // Refreshed, and a batch waits in the collector's intake.
    await receive(queued, events("q"), new Date(Date.now() - 2 * HOUR));
    await refreshPixelSessions(queued);
    await prisma.pixelIntake.create({ data: { shop: queued, events: "[]" } });

    expect((await shopsWithNewPixelEvents([never, behind, current, queued, none])).sort()).toEqual([never, behind, queued].sort());

    // What arrives next is found, and counted by the refresh.
    const next: PixelEvent = { id: "c-2", visitorId: "t", name: "page_viewed", occurredAt: at("12:00") };
    await receive(current, [next], new Date());
    expect(await shopsWithNewPixelEvents([current])).toEqual([current]);
    await refreshPixelSessions(current);
    const after = await report(current);
    expect(after.totals.sessions).toBe(2);
    expect(after).toEqual(reference([...events("c"), next]));
  });
});

describe("the last minute's arrivals", () => {
  it("are read again only when one of them arrived late", async () => {
    const shop = await fixtureShop({ orders: [] }, { timeZone: TIME_ZONE });
    // Received just now: within the minute a refresh would take again for batches still committing.
    const now = new Date();
    const firstSeen: PixelEvent[] = [
      { id: "x-1", visitorId: "x", name: "page_viewed", occurredAt: at("10:00") },
      { id: "y-1", visitorId: "y", name: "page_viewed", occurredAt: at("11:00") },
    ];
    await receive(shop, firstSeen.slice(0, 1), new Date(now.getTime() - 20_000));
    await receive(shop, firstSeen.slice(1), now);
    await refreshPixelSessions(shop);
    expect(await report(shop)).toEqual(reference(firstSeen));
    // The refresh counted them: nothing is new.
    expect(await shopsWithNewPixelEvents([shop])).toEqual([]);

    // A batch that was still committing: received before the last event the refresh saw.
    const late: PixelEvent = { id: "x-2", visitorId: "x", name: PIXEL_EVENTS.addToCart, occurredAt: at("10:10") };
    await receive(shop, [late], new Date(now.getTime() - 10_000));
    expect(await shopsWithNewPixelEvents([shop])).toEqual([shop]);
    await refreshPixelSessions(shop);
    const withLate = await report(shop);
    expect(withLate).toEqual(reference([...firstSeen, late]));
    expect(withLate.totals.sessionsWithCartAdditions).toBe(1);
    expect(await shopsWithNewPixelEvents([shop])).toEqual([]);

    // And one received after it.
    const next: PixelEvent = { id: "z-1", visitorId: "z", name: "page_viewed", occurredAt: at("12:00") };
    await receive(shop, [next], new Date(now.getTime() + 1));
    expect(await shopsWithNewPixelEvents([shop])).toEqual([shop]);
    await refreshPixelSessions(shop);
    expect(await report(shop)).toEqual(reference([...firstSeen, late, next]));
  });

  it("are counted when a batch commits after a refresh saw later ones", async () => {
    const shop = await fixtureShop({ orders: [] }, { timeZone: TIME_ZONE });
    const early: PixelEvent = { id: "e-1", visitorId: "e", name: PIXEL_EVENTS.checkoutStarted, occurredAt: at("09:00") };
    const later: PixelEvent = { id: "l-1", visitorId: "l", name: "page_viewed", occurredAt: at("09:30") };
    // A drain's transaction: its events are received when it begins (the column's default,
    // now()), and nobody sees them until it commits.
    const drain = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await drain.connect();
    try {
      await drain.query("BEGIN");
      await drain.query(`INSERT INTO pixel_events (shop, id, visitor_id, name, occurred_at) VALUES ($1, $2, $3, $4, $5)`, [
        shop,
        early.id,
        early.visitorId,
        early.name,
        early.occurredAt,
      ]);
      // Another batch begins later and commits first; a refresh sees it alone.
      await new Promise((resolve) => setTimeout(resolve, 20));
      await prisma.$executeRaw`
        INSERT INTO pixel_events (shop, id, visitor_id, name, occurred_at) VALUES (${shop}, ${later.id}, ${later.visitorId}, ${later.name}, ${later.occurredAt})`;
      await refreshPixelSessions(shop);
      expect(await report(shop)).toEqual(reference([later]));
      await drain.query("COMMIT");
    } finally {
      await drain.end();
    }
    const [{ received }] = await prisma.$queryRaw<Array<{ received: Date[] }>>`
      SELECT array_agg(received_at ORDER BY id) AS received FROM pixel_events WHERE shop = ${shop}`;
    expect(received[0].getTime()).toBeLessThan(received[1].getTime());
    // The early batch arrived before the last event that refresh saw: it is new all the same.
    expect(await shopsWithNewPixelEvents([shop])).toEqual([shop]);
    const after = await report(shop);
    expect(after).toEqual(reference([early, later]));
    expect(after.totals.sessionsReachedCheckout).toBe(1);
  });
});

describe("several stores' pixel sessions refreshed together", () => {
  const WEEKS = { range: { from: "2026-11-05", to: "2026-11-21" }, granularity: "day" as const };
  const on = (date: string, time: string) => new Date(`2026-11-${date}T${time}:00Z`);
  /** A visit of `visitor` on each of `dates`: a page view, and a cart addition 10 minutes later. */
  const visits = (prefix: string, visitor: string, dates: string[]): PixelEvent[] =>
    dates.flatMap((date) => [
      { id: `${prefix}-${date}-1`, visitorId: visitor, name: "page_viewed", occurredAt: on(date, "09:50") },
      { id: `${prefix}-${date}-2`, visitorId: visitor, name: PIXEL_EVENTS.addToCart, occurredAt: on(date, "10:00") },
    ]);
  const weeks = (shop: string) => conversionOverview(shop, WEEKS, { now: NOW }, { sessionsRefreshed: true });
  const referenceOfWeeks = (events: PixelEvent[]) => conversionReport({ events, days: [] }, WEEKS, { timeZone: TIME_ZONE, now: NOW });

  it("are each as their own refresh leaves them, however many days and whoever shares a visitor id", async () => {
    const [fresh, behind, backlog, silent] = await Promise.all(
      Array.from({ length: 4 }, () => fixtureShop({ orders: [] }, { timeZone: TIME_ZONE })),
    );
    // Never refreshed: its days are built whole.
    const freshEvents: PixelEvent[] = [
      ...visits("f", "a", ["18", "19"]),
      { id: "f-late", visitorId: "a", name: "page_viewed", occurredAt: on("19", "10:40") },
    ];
    await receive(fresh, freshEvents, new Date(Date.now() - 2 * HOUR));
    // Refreshed before; then the same visitor id as at `fresh` (a different visitor, whose ids
    // the shop's salt makes its own) joins its session of the 19th and starts another 40 minutes
    // later (which `fresh`'s 10:40 would join, if the two were one visitor), and a new day arrives.
    const behindEvents = visits("b", "a", ["19"]);
    await receive(behind, behindEvents, new Date(Date.now() - 2 * HOUR));
    await refreshPixelSessions(behind);
    const joining: PixelEvent[] = [
      { id: "b-join", visitorId: "a", name: PIXEL_EVENTS.checkoutStarted, occurredAt: on("19", "10:20") },
      { id: "b-late", visitorId: "a", name: "page_viewed", occurredAt: on("19", "11:00") },
      ...visits("b", "c", ["20"]),
    ];
    await receive(behind, joining, new Date());
    // Ten days never refreshed: more days than one step takes.
    const backlogEvents = visits("k", "a", ["06", "07", "08", "09", "10", "11", "12", "13", "14", "15"]);
    await receive(backlog, backlogEvents, new Date(Date.now() - HOUR));

    await refreshPixelSessionsOfShops([silent, backlog, fresh, behind]);

    expect(await weeks(fresh)).toEqual(referenceOfWeeks(freshEvents));
    expect((await weeks(fresh)).totals).toMatchObject({ sessions: 3, sessionsWithCartAdditions: 2 });
    const behindNow = await weeks(behind);
    expect(behindNow).toEqual(referenceOfWeeks([...behindEvents, ...joining]));
    expect(behindNow.totals).toMatchObject({ sessions: 3, sessionsReachedCheckout: 1 });
    expect(await weeks(backlog)).toEqual(referenceOfWeeks(backlogEvents));
    expect((await weeks(backlog)).totals.sessions).toBe(10);
    // Each store's watermark moved to the same instant, the silent one's too.
    const marks = await prisma.pixelRollupState.findMany({ where: { shop: { in: [fresh, behind, backlog, silent] } } });
    expect(new Set(marks.map((mark) => mark.receivedThrough.getTime())).size).toBe(1);
    expect(marks).toHaveLength(4);
  });

  it("never wait on each other for good, whatever order they name the stores in", async () => {
    const shops = await Promise.all(Array.from({ length: 3 }, () => fixtureShop({ orders: [] }, { timeZone: TIME_ZONE })));
    const events = new Map(shops.map((shop, i) => [shop, visits(`s${i}`, "a", ["18", "19", "20"])]));
    for (const shop of shops) await receive(shop, events.get(shop)!, new Date(Date.now() - HOUR));
    await Promise.all([
      refreshPixelSessionsOfShops(shops),
      refreshPixelSessionsOfShops([...shops].reverse()),
      refreshPixelSessions(shops[1]),
    ]);
    for (const shop of shops) expect(await weeks(shop)).toEqual(referenceOfWeeks(events.get(shop)!));
  });

  it("are brought up to date by the upkeep for every store with a pixel, more stores than one group", async () => {
    const count = SHOPS_PER_REFRESH + 2;
    const shops = await Promise.all(Array.from({ length: count }, () => fixtureShop({ orders: [] }, { timeZone: TIME_ZONE })));
    const [current, empty, noPixel] = await Promise.all(Array.from({ length: 3 }, () => fixtureShop({ orders: [] }, { timeZone: TIME_ZONE })));
    for (const shop of [...shops, current, empty]) await ensurePixelSettings(shop);
    // Every other store refreshed before and then receiving a new day; the others never refreshed.
    const events = new Map(shops.map((shop, i) => [shop, visits(`s${i}`, `v${i}`, ["18", "19"])]));
    for (const [i, shop] of shops.entries()) {
      await receive(shop, events.get(shop)!, new Date(Date.now() - 2 * HOUR));
      if (i % 2 === 0) continue;
      await refreshPixelSessions(shop);
      const more = visits(`s${i}`, `w${i}`, ["20"]);
      await receive(shop, more, new Date());
      events.set(shop, [...events.get(shop)!, ...more]);
    }
    // Up to date already; a pixel without an event yet; events without a pixel of Metryka's.
    await receive(current, visits("c", "a", ["19"]), new Date(Date.now() - 2 * HOUR));
    await refreshPixelSessions(current);
    await receive(noPixel, visits("n", "a", ["19"]), new Date(Date.now() - 2 * HOUR));

    expect((await refreshPixelSessionsOfPixelStores()).sort()).toEqual([...shops].sort());
    expect(await shopsWithNewPixelEvents([...shops, current, empty])).toEqual([]);
    for (const shop of shops) expect(await weeks(shop)).toEqual(referenceOfWeeks(events.get(shop)!));
    expect(await shopsWithNewPixelEvents([noPixel])).toEqual([noPixel]);
  });
});
