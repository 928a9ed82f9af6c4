// GIVEN a day of pixel sessions already rolled up, WHEN new events arrive for one visitor (one
// that joins two of their sessions into one) and for a new visitor, THEN a refresh rewrites only
// those visitors' sessions (another visitor's stored session is the row it was), the slot the
// joined session no longer starts in is gone, and the report equals the reference over every
// event. AND a day rolled up before its sessions were stored is rebuilt whole, not counted twice.
// AND a report told that the sessions were refreshed for its request (a page's comparison range)
// reads them as they are, without refreshing them again. AND of several stores (the Portfolio's),
// those with events their sessions lack are found.
import { describe, expect, it } from "vitest";
import prisma from "#app/db.server";
import { conversionReport, PIXEL_EVENTS, type PixelEvent } from "./conversion";
import { conversionOverview } from "./conversion.server";
import { refreshPixelSessions, shopsWithNewPixelEvents } from "./pixel-sessions.server";
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
