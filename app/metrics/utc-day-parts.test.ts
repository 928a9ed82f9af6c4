// GIVEN a span of instants that starts and ends on a quarter hour (a range of local days, weeks
// or months in any zone, or less), WHEN it is split into whole UTC days and the quarter hours
// added to them or taken from them (utcDayParts, what the pixel's session rollups are read by),
// THEN every quarter hour inside the span is counted exactly once and every one outside it not
// at all, and at most as many quarter hours are read as the span's own, or the way that only
// adds them at the edges: a summer day in New York reads 32, not 96, and a winter day in Berlin 8.
import { describe, expect, it } from "vitest";
import { addDays, startOfLocalDay } from "./periods";
import { utcDayParts, type UtcDayParts } from "./pixel-sessions.server";

const QUARTER_MS = 15 * 60_000;
const DAY_MS = 86_400_000;
const ZONES = ["America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata", "Pacific/Chatham", "UTC"];

/** How many times the parts count each quarter hour of [from, to). */
function counted(parts: UtcDayParts, from: number, to: number): number[] {
  const counts: number[] = [];
  for (let q = from; q < to; q += QUARTER_MS) {
    let n = 0;
    if (parts.days && q >= Date.parse(`${parts.days.from}T00:00:00Z`) && q < Date.parse(`${parts.days.to}T00:00:00Z`)) n += 1;
    for (const slot of parts.slots) if (q >= slot.start.getTime() && q < slot.end.getTime()) n += slot.sign;
    counts.push(n);
  }
  return counts;
}

const quartersRead = (parts: UtcDayParts) => parts.slots.reduce((sum, slot) => sum + (slot.end.getTime() - slot.start.getTime()) / QUARTER_MS, 0);

/** The quarter hours read when only whole days inside the span are taken, the rest added. */
function quartersInside(start: Date, end: Date): number {
  const firstDay = Math.ceil(start.getTime() / DAY_MS) * DAY_MS;
  const endDay = Math.floor(end.getTime() / DAY_MS) * DAY_MS;
  if (firstDay >= endDay) return (end.getTime() - start.getTime()) / QUARTER_MS;
  return (firstDay - start.getTime() + end.getTime() - endDay) / QUARTER_MS;
}

/** Local days, weeks and months around two DST changes, and spans of hours around midnight UTC. */
function spans(timeZone: string): Array<{ start: Date; end: Date }> {
  const list: Array<{ start: Date; end: Date }> = [];
  for (const first of ["2026-03-05", "2026-03-27", "2026-04-02", "2026-10-22", "2026-10-31"]) {
    for (const days of [1, 2, 7, 30, 31]) {
      list.push({ start: startOfLocalDay(first, timeZone), end: startOfLocalDay(addDays(first, days), timeZone) });
    }
  }
  const midnight = Date.parse("2026-06-10T00:00:00Z");
  for (const [from, to] of [[-1, 1], [-23, 1], [1, 2], [-2, 23], [0, 24], [-12, 12], [3, 27]]) {
    list.push({ start: new Date(midnight + from * 3_600_000), end: new Date(midnight + to * 3_600_000) });
  }
  return list;
}

describe("a span as whole UTC days and quarter hours added or taken away", () => {
  for (const timeZone of ZONES) {
    it(`counts each quarter hour of a span once, and reads no more than either plain way, in ${timeZone}`, () => {
      for (const { start, end } of spans(timeZone)) {
        const parts = utcDayParts(start, end);
        const [from, to] = [start.getTime() - 2 * DAY_MS, end.getTime() + 2 * DAY_MS];
        const expected = counted({ days: null, slots: [{ start, end, sign: 1 }] }, from, to);
        expect(counted(parts, from, to), `${start.toISOString()} – ${end.toISOString()}`).toEqual(expected);
        expect(quartersRead(parts)).toBeLessThanOrEqual(Math.min(quartersInside(start, end), (end.getTime() - start.getTime()) / QUARTER_MS));
      }
    });
  }

  it("reads a summer day in New York as a UTC day less 4 hours and 4 hours of the next, a winter day in Berlin likewise with 1 hour", () => {
    const newYork = utcDayParts(startOfLocalDay("2026-06-10", "America/New_York"), startOfLocalDay("2026-06-11", "America/New_York"));
    expect(newYork).toEqual({
      days: { from: "2026-06-10", to: "2026-06-11" },
      slots: [
        { start: new Date("2026-06-10T00:00:00Z"), end: new Date("2026-06-10T04:00:00Z"), sign: -1 },
        { start: new Date("2026-06-11T00:00:00Z"), end: new Date("2026-06-11T04:00:00Z"), sign: 1 },
      ],
    });
    expect(quartersRead(newYork)).toBe(32);
    const berlin = utcDayParts(startOfLocalDay("2026-01-10", "Europe/Berlin"), startOfLocalDay("2026-01-11", "Europe/Berlin"));
    expect(berlin).toEqual({
      days: { from: "2026-01-10", to: "2026-01-11" },
      slots: [
        { start: new Date("2026-01-09T23:00:00Z"), end: new Date("2026-01-10T00:00:00Z"), sign: 1 },
        { start: new Date("2026-01-10T23:00:00Z"), end: new Date("2026-01-11T00:00:00Z"), sign: -1 },
      ],
    });
    expect(quartersRead(berlin)).toBe(8);
  });
});
