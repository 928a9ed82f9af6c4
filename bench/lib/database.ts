// A throwaway PostgreSQL for benchmarks: an embedded server in a temporary folder, one migrated
// database the benchmarks share (and databases of their own for those that start the app's
// workers), and the environment the app validates at boot, set before any app module is
// imported (benchmarks import app modules dynamically, after `benchDatabase()`).
import fs from "node:fs";
import pg from "pg";
import { createDatabaseIfMissing, startEmbeddedPostgres, type PostgresServer } from "../../scripts/lib/postgres";
import { migrateDeploy } from "../../scripts/lib/prisma-cli";

export interface BenchDatabase {
  url: string;
}

const DATABASE = "metryka_bench";

let started: Promise<BenchDatabase & { server: PostgresServer; stop(): Promise<void> }> | undefined;
const cleanups: Array<() => Promise<void>> = [];

// The embedded server starts with PostgreSQL's defaults, sized for a laptop (128 MB of shared
// buffers): it gets what any server sized for its machine would have. Baseline and candidate run
// on the same server.
const SETTINGS = { shared_buffers: "1GB", max_wal_size: "4GB" };

async function start() {
  const server = await startEmbeddedPostgres({ settings: SETTINGS });
  await createDatabaseIfMissing(server, DATABASE);
  const url = server.urlFor(DATABASE);
  await migrateDeploy(url);
  process.env.DATABASE_URL = url;
  // Measured like the demo: the optimized build and app code, but not a deployment.
  process.env.NODE_ENV = "development";
  process.env.SHOPIFY_API_KEY ??= "bench-api-key";
  process.env.SHOPIFY_API_SECRET ??= "bench-api-secret";
  process.env.SHOPIFY_APP_URL ??= "https://metryka.bench";
  return {
    url,
    server,
    stop: () => server.stop(),
  };
}

/** The benchmark database, started on first use and shared by every benchmark of the run. */
export async function benchDatabase(): Promise<BenchDatabase> {
  started ??= start();
  const { url } = await started;
  return { url };
}

/**
 * A database of its own on the benchmark server, created and migrated on first use. For a
 * benchmark that runs the app's worker processes, which take on every installed shop of their
 * database, and that measures the whole database (its orders, its size): the shops the
 * benchmarks before it left in the shared one would be worked on and counted with its own.
 */
export async function benchDatabaseOfItsOwn(name: string): Promise<BenchDatabase> {
  await benchDatabase();
  const { server } = await started!;
  await createDatabaseIfMissing(server, name);
  const url = server.urlFor(name);
  await migrateDeploy(url);
  return { url };
}

/** Runs `cleanup` (close pools, disconnect clients) before the server stops. */
export function onBenchShutdown(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

export async function stopBenchDatabase(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  if (started) await (await started).stop();
  started = undefined;
}

/** CPU seconds used so far by process `pid` (Linux /proc; throws elsewhere). */
export function processCpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ
}

/** CPU seconds used so far by each server process serving the benchmark database (Linux /proc). */
async function databaseCpuByProcess(): Promise<Map<number, number> | null> {
  const { url } = await benchDatabase();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
    );
    return new Map(rows.map(({ pid }) => [pid, processCpuSeconds(pid)]));
  } catch {
    return null;
  } finally {
    await client.end();
  }
}

/**
 * Measures the CPU the database server spent on the benchmark's connections while `work` ran
 * (null where /proc is not available). Connections closed meanwhile are not counted.
 */
export async function withDatabaseCpu<T>(work: () => Promise<T>): Promise<{ result: T; databaseCpuSeconds: number | null }> {
  const before = await databaseCpuByProcess();
  const result = await work();
  const after = await databaseCpuByProcess();
  if (!before || !after) return { result, databaseCpuSeconds: null };
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return { result, databaseCpuSeconds: total };
}
