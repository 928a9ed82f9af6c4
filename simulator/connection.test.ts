import { describe, expect, it } from "vitest";
import { encodeCursor, paginate, type ConnectionArgs, type Keyed } from "./connection";
import { createRandom } from "./random";

/** Reference: sort everything, cut by cursors, then first/last (Relay's algorithm). */
function reference(items: Array<Keyed<number>>, args: ConnectionArgs): { ids: number[]; hasNext: boolean; hasPrev: boolean } {
  const dir = args.reverse ? -1 : 1;
  const cmp = (a: { id: number; value: string | number }, b: { id: number; value: string | number }): number =>
    dir * (a.value === b.value ? a.id - b.id : a.value < b.value ? -1 : 1);
  const sorted = items.slice().sort(cmp);
  const decode = (c: string): { id: number; value: string | number } => {
    const p = JSON.parse(Buffer.from(c, "base64").toString()) as { last_id: number; last_value: string | number };
    return { id: p.last_id, value: p.last_value };
  };
  let start = 0;
  let end = sorted.length;
  if (args.after) start = sorted.filter((i) => cmp(i, decode(args.after as string)) <= 0).length;
  if (args.before) end = Math.max(start, sorted.filter((i) => cmp(i, decode(args.before as string)) < 0).length);
  if (typeof args.first === "number") end = Math.min(end, start + args.first);
  if (typeof args.last === "number") start = Math.max(start, end - args.last);
  return { ids: sorted.slice(start, end).map((i) => i.id), hasNext: end < sorted.length, hasPrev: start > 0 };
}

describe("paginate", () => {
  it("matches the sort-then-slice reference on random data with ties, cursors, first/last and reverse", () => {
    const rng = createRandom(99);
    for (let round = 0; round < 300; round++) {
      const n = rng.int(0, 400);
      const items: Array<Keyed<number>> = Array.from({ length: n }, (_, i) => ({ item: i, id: 1000 + i * 3, value: `2026-01-${String(rng.int(1, 9)).padStart(2, "0")}` }));
      const pick = (): string => {
        const k = items.length > 0 ? rng.pick(items) : { id: 5, value: "2026-01-05" };
        return encodeCursor(k.id, k.value);
      };
      const args: ConnectionArgs = {
        first: rng.chance(0.6) ? rng.int(0, 60) : null,
        last: rng.chance(0.35) ? rng.int(0, 60) : null,
        after: rng.chance(0.4) ? pick() : null,
        before: rng.chance(0.25) ? pick() : null,
        reverse: rng.chance(0.3),
      };
      const page = paginate(items, args, (i) => i);
      const ref = reference(items, args);
      expect({ ids: page.nodes.map((i) => items[i].id), hasNext: page.pageInfo.hasNextPage, hasPrev: page.pageInfo.hasPreviousPage }).toEqual(ref);
    }
  });
});
