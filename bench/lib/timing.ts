// What every benchmark returns, and small helpers to time work and report it.
// Figures go to stdout as JSON (bench/run.ts); progress and notes go to stderr.
import os from "node:os";
import { performance } from "node:perf_hooks";

export interface BenchResult {
  name: string;
  unit: string;
  value: number;
  /** The same quantity for the naive approach, measured in the same run. */
  baseline: number;
  /** value / baseline: how many times better than the baseline (for rates). */
  ratio: number;
}

export type Bench = () => Promise<BenchResult[]>;

const round = (value: number, digits: number) => Number(value.toFixed(digits));

export function benchResult(name: string, unit: string, value: number, baseline: number): BenchResult {
  return { name, unit, value: round(value, 1), baseline: round(baseline, 1), ratio: round(value / baseline, 2) };
}

export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const start = performance.now();
  const result = await work();
  return { result, seconds: (performance.now() - start) / 1000 };
}

/** Items per second. */
export const rate = (count: number, seconds: number) => count / seconds;

export function note(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Peak resident memory while `work` runs, sampled every 50 ms, in MiB. */
export async function withPeakMemory<T>(work: () => Promise<T>): Promise<{ result: T; peakRssMiB: number; startRssMiB: number }> {
  const mib = () => process.memoryUsage().rss / 2 ** 20;
  const startRssMiB = mib();
  let peak = startRssMiB;
  const timer = setInterval(() => (peak = Math.max(peak, mib())), 50);
  try {
    const result = await work();
    peak = Math.max(peak, mib());
    return { result, peakRssMiB: peak, startRssMiB };
  } finally {
    clearInterval(timer);
  }
}

/** A seeded pseudo-random generator (mulberry32): same seed, same data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How busy the machine is (1-minute load average / cores): above 1, runs wait for a CPU. */
export function machineLoad(): string {
  return `load ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} cores`;
}

/** CPU seconds this process used while `work` ran. */
export async function withProcessCpu<T>(work: () => Promise<T>): Promise<{ result: T; cpuSeconds: number }> {
  const start = process.cpuUsage();
  const result = await work();
  const used = process.cpuUsage(start);
  return { result, cpuSeconds: (used.user + used.system) / 1e6 };
}
