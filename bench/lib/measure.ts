// Timing a piece of work over several runs, and a duration against its baseline.
import { performance } from "node:perf_hooks";
import type { BenchResult } from "./timing";

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** The nearest-rank `p`th percentile (0–100) of values sorted ascending. */
export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/**
 * Milliseconds of each of `runs` runs of `work`, after `warmup` untimed ones; the last result.
 * `before`, untimed, precedes every run (the warmups too).
 */
export async function measure<T>(
  runs: number,
  warmup: number,
  work: () => T | Promise<T>,
  before: () => unknown = () => undefined,
): Promise<{ ms: number[]; result: T }> {
  let result: T | undefined;
  for (let i = 0; i < warmup; i++) {
    await before();
    result = await work();
  }
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    await before();
    const start = performance.now();
    result = await work();
    ms.push(performance.now() - start);
  }
  return { ms, result: result as T };
}

/** A duration against its baseline: `ratio` is how many times faster (baseline ÷ value). */
export function durationResult(name: string, value: number, baseline: number): BenchResult {
  const round = (x: number, digits: number) => Number(x.toFixed(digits));
  return { name, unit: "ms", value: round(value, 1), baseline: round(baseline, 1), ratio: round(baseline / value, 2) };
}
