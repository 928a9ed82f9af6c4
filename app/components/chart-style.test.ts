// GIVEN the highest share a chart shows, WHEN its axis is drawn, THEN the ticks start at 0, are
// evenly spaced by 1, 2 or 5 times a power of ten, and the last one is the first at or above it.
import { describe, expect, it } from "vitest";
import { shareTicks } from "./chart-style";

describe("ticks of a share axis", () => {
  it.each([
    [0, [0, 0.01, 0.02, 0.03, 0.04, 0.05]],
    [0.05, [0, 0.01, 0.02, 0.03, 0.04, 0.05]],
    [0.116, [0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.12]],
    [0.3, [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]],
    [0.31, [0, 0.1, 0.2, 0.3, 0.4]],
    [1, [0, 0.2, 0.4, 0.6, 0.8, 1]],
  ])("for a highest share of %s: %j", (max, ticks) => {
    expect(shareTicks(max)).toEqual(ticks);
  });

  it("are even and end at or above the highest share, for any share", () => {
    for (let max = 0; max <= 1; max += 0.0037) {
      const ticks = shareTicks(max);
      const step = ticks[1];
      expect(ticks[0]).toBe(0);
      expect(ticks.length - 1).toBeLessThanOrEqual(6);
      ticks.forEach((tick, i) => expect(tick).toBeCloseTo(i * step, 9));
      expect(ticks.at(-1)!).toBeGreaterThanOrEqual(Math.min(max, 1) - 1e-9);
      expect(ticks.at(-2)!).toBeLessThan(Math.max(max, 0.05));
    }
  });
});
