import { describe, expect, it } from "vitest";
import { TokenBuckets } from "./rate-limit";

describe("token buckets", () => {
  it("take a whole request's keys or none of them, and refill at their rate up to the burst", () => {
    let clock = 0;
    const buckets = new TokenBuckets(2, 5, () => clock);
    expect(buckets.takeAll([["a", 5], ["b", 1]])).toBe(true);
    // "a" is empty: a request that also wants "b" is refused whole, and "b" keeps its tokens.
    expect(buckets.takeAll([["a", 1], ["b", 4]])).toBe(false);
    expect(buckets.has("b", 4)).toBe(true);
    expect(buckets.has("b", 5)).toBe(false);
    clock += 500; // one token back at 2 a second
    expect(buckets.take("a", 2)).toBe(false);
    expect(buckets.take("a", 1)).toBe(true);
    clock += 60_000;
    expect(buckets.has("a", 5)).toBe(true);
    expect(buckets.has("a", 6)).toBe(false);
    // Full buckets are forgotten by the next sweep; the one taken from stays.
    expect(buckets.takeAll(new Map([["c", 1]]))).toBe(true);
    expect(buckets.size).toBe(1);
  });
});
