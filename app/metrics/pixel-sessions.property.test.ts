// GIVEN generated pixel event streams (visitors walking with gaps around 30 minutes, across
// midnight UTC and the shop's local midnights, on DST days of the shop's zone), WHEN they arrive
// in random order, in several deliveries with events delivered twice, written to the intake as
// the collector writes them, and the session rollup is refreshed (the intake drained first)
// between deliveries, THEN the sessions built by SQL give the same report as the pure
// reference over the distinct events, by day and by month.
import { describe, expect, it } from "vitest";
import { writeIntake, type EventRow } from "#app/collector/intake.server";
import { createRandom } from "#simulator/random";
import { conversionReport, PIXEL_EVENTS, type PixelEvent } from "./conversion";
import { conversionOverview } from "./conversion.server";
import { refreshPixelSessions } from "./pixel-sessions.server";
import { fixtureShop } from "./test-helpers/fixtures";

const NAMES = ["page_viewed", "page_viewed", "page_viewed", PIXEL_EVENTS.addToCart, PIXEL_EVENTS.checkoutStarted, PIXEL_EVENTS.checkoutCompleted, PIXEL_EVENTS.signUp];

/** A delivery as the collector writes it: into the intake, a batch of at most 50 events per write. */
async function deliver(shop: string, events: PixelEvent[]): Promise<void> {
  const rows: EventRow[] = events.map((e) => ({
    s: shop,
    i: e.id,
    v: e.visitorId,
    n: e.name,
    t: e.occurredAt.toISOString(),
    p: null,
    r: null,
    us: null,
    um: null,
    uc: null,
    d: null,
  }));
  for (let i = 0; i < rows.length; i += 50) await writeIntake(rows.slice(i, i + 50));
}

describe.each([
  // Spring forward, fall back: 8 March and 1 November 2026 in New York, 29 March in Berlin,
  // 5 April in Sydney; Chatham's +12:45/+13:45 puts local midnight on a quarter hour.
  { seed: 71, timeZone: "America/New_York", around: "2026-03-08T00:00:00Z" },
  { seed: 72, timeZone: "America/New_York", around: "2026-11-01T00:00:00Z" },
  { seed: 73, timeZone: "Europe/Berlin", around: "2026-03-29T00:00:00Z" },
  { seed: 74, timeZone: "Australia/Sydney", around: "2026-04-05T00:00:00Z" },
  { seed: 75, timeZone: "Pacific/Chatham", around: "2026-04-05T00:00:00Z" },
])("pixel sessions by SQL (seed $seed, $timeZone around $around)", ({ seed, timeZone, around }) => {
  it("equal the reference, whatever the order and repetition of deliveries", async () => {
    const random = createRandom(seed);
    const events: PixelEvent[] = [];
    for (let v = 0; v < 120; v++) {
      // Starts within three days either side, dense near UTC midnights.
      let t = Date.parse(around) + random.int(-3 * 24 * 60, 3 * 24 * 60) * 60_000;
      if (random.int(0, 2) === 0) t = Math.round(t / 86_400_000) * 86_400_000 - random.int(0, 40) * 60_000;
      const count = random.int(1, 10);
      for (let i = 0; i < count; i++) {
        events.push({ id: `s${seed}-${v}-${i}`, visitorId: `v${v % 90}`, name: random.pick(NAMES), occurredAt: new Date(t) });
        t += random.pick([0, 1000, 60_000, 29 * 60_000, 30 * 60_000, 30 * 60_000 + 1, 31 * 60_000, 3 * 3_600_000]);
      }
    }
    const shop = await fixtureShop({ orders: [] }, { timeZone });
    // Random order, three deliveries, a fifth of the events delivered twice.
    const shuffled = [...events].sort(() => random.int(0, 2) - 1);
    const repeated = [...shuffled, ...shuffled.filter(() => random.int(0, 4) === 0)];
    const third = Math.ceil(repeated.length / 3);
    for (let i = 0; i < 3; i++) {
      await deliver(shop, repeated.slice(i * third, (i + 1) * third));
      await refreshPixelSessions(shop);
    }

    const now = new Date("2027-01-01T00:00:00Z");
    const from = new Date(Date.parse(around) - 5 * 86_400_000).toISOString().slice(0, 10);
    const to = new Date(Date.parse(around) + 6 * 86_400_000).toISOString().slice(0, 10);
    let sessions = 0;
    for (const query of [
      { range: { from, to }, granularity: "day" as const },
      { range: { from: `${from.slice(0, 7)}-01`, to: "2026-12-01" }, granularity: "month" as const },
    ]) {
      const sql = await conversionOverview(shop, query, { now });
      expect(sql).toEqual(conversionReport({ events, days: [] }, query, { timeZone, now }));
      sessions += sql.totals.sessions ?? 0;
    }
    expect(sessions).toBeGreaterThan(150);
  });
});
