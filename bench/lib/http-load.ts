// Load on loopback: requests sent over a fixed number of keep-alive connections, each connection
// sending its next request when the last one is answered; throughput and latency percentiles.
import http from "node:http";
import { performance } from "node:perf_hooks";
import { startApp } from "../../scripts/lib/app-server";
import { freePort } from "../../scripts/lib/free-port";
import { processCpuSeconds, withDatabaseCpu } from "./database";
import { median, percentile } from "./measure";

export interface LoadRequest {
  path: string;
  headers: http.OutgoingHttpHeaders;
  body: string;
}

export interface LoadResult {
  /** Requests answered per second. */
  perSecond: number;
  p50: number;
  p99: number;
  /** Answers other than 200. */
  failures: number;
}

/** Where a measured load spent its CPU: milliseconds per request, by process (null: no /proc). */
export interface CpuPerRequest {
  app: number | null;
  database: number | null;
  client: number;
}

/** CPU seconds (user + system) the app's process has used so far; null without its pid or /proc. */
function appCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    return processCpuSeconds(pid);
  } catch {
    return null;
  }
}

function post(agent: http.Agent, port: number, request: LoadRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const sent = http.request({ host: "127.0.0.1", port, path: request.path, method: "POST", headers: request.headers, agent }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
    });
    sent.on("error", reject);
    sent.end(request.body);
  });
}

/** Sends every request over `connections` keep-alive connections; latency per request. */
export async function loadOverKeepAlive(port: number, list: LoadRequest[], connections: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const start = performance.now();
  try {
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (next < list.length) {
          const request = list[next++];
          const sent = performance.now();
          const status = await post(agent, port, request);
          latencies.push(performance.now() - sent);
          if (status !== 200) failures++;
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: list.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), failures };
}

/** The app under load: each call measures one list of requests, with the CPU it cost. */
export interface AppUnderLoad {
  measure(list: LoadRequest[]): Promise<LoadResult & { cpu: CpuPerRequest }>;
}

/**
 * The production build on a free port against `databaseUrl` (no in-process worker), warmed up
 * with `warmup` (the first requests start the job queue and fill the pools; one refused there
 * stops the bench with the app's output), then given to `work`, which may measure several lists
 * (alternating with a baseline, say) before the app stops.
 */
export async function withApp<T>(
  databaseUrl: string,
  load: (port: number, list: LoadRequest[]) => Promise<LoadResult>,
  warmup: LoadRequest[],
  work: (app: AppUnderLoad) => Promise<T>,
): Promise<T> {
  const port = await freePort();
  const app = await startApp({
    port,
    mode: "production",
    env: { DATABASE_URL: databaseUrl, SHOPIFY_APP_URL: `http://localhost:${port}`, METRYKA_INLINE_WORKER: "false" },
  });
  try {
    const warm = await load(port, warmup);
    if (warm.failures > 0) throw new Error(`the app refused ${warm.failures} of ${warmup.length} warm-up requests:\n${app.output().slice(-2000)}`);
    return await work({
      async measure(list) {
        const appBefore = appCpuSeconds(app.process.pid);
        const clientBefore = process.cpuUsage();
        const { result, databaseCpuSeconds } = await withDatabaseCpu(() => load(port, list));
        const clientUsed = process.cpuUsage(clientBefore);
        const appAfter = appCpuSeconds(app.process.pid);
        const perRequest = (seconds: number | null) => (seconds === null ? null : (seconds * 1000) / list.length);
        return {
          ...result,
          cpu: {
            app: perRequest(appBefore === null || appAfter === null ? null : appAfter - appBefore),
            database: perRequest(databaseCpuSeconds),
            client: (clientUsed.user + clientUsed.system) / 1000 / list.length,
          },
        };
      },
    });
  } finally {
    await app.stop();
  }
}

/** One round: the baseline server, then the app, on the same requests. */
export interface LoadRound {
  baseline: LoadResult;
  result: LoadResult & { cpu: CpuPerRequest };
}

/**
 * Rounds taken in turns, each side by its median round: throughput, p50 and the app's CPU per
 * request; p99 is the worst round's (the latency goal holds for each round); failures add up.
 */
export function medianOfRounds(rounds: LoadRound[]) {
  const side = (results: LoadResult[]) => ({
    perSecond: median(results.map((r) => r.perSecond)),
    p50: median(results.map((r) => r.p50)),
    p99: Math.max(...results.map((r) => r.p99)),
    failures: results.reduce((sum, r) => sum + r.failures, 0),
  });
  const cpu = (pick: (cpu: CpuPerRequest) => number | null) => {
    const values = rounds.map((r) => pick(r.result.cpu));
    return values.some((v) => v === null) ? null : median(values as number[]);
  };
  return {
    baseline: side(rounds.map((r) => r.baseline)),
    result: side(rounds.map((r) => r.result)),
    cpu: { app: cpu((c) => c.app), database: cpu((c) => c.database), client: cpu((c) => c.client) },
  };
}
