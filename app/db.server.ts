import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@prisma/client";
import { env } from "./env.server";

declare global {
  // Reused across Vite dev-server reloads so each reload does not open a new pool.
  var __metrykaPrisma: PrismaClient | undefined;
}

/**
 * Sessions without parallel workers (docs/decisions/017-reads-without-parallel-workers.md): a
 * page's reads are rollups and at most a scan of one shop's customers, where starting workers
 * (new processes, slow to read their first pages of shared buffers) costs more than it saves, and
 * under concurrent requests the cores are busy anyway.
 */
const SESSION_OPTIONS = "-c max_parallel_workers_per_gather=0";

/**
 * Idle sessions are kept five minutes (pg's default is 10 s): a new session reads its first pages
 * of shared buffers slowly, and the first page a merchant opened after a short pause paid for it
 * (the Overview at 1M orders: 260 ms after 12 s idle against 120 ms with sessions kept). Idle
 * sessions do not keep a process alive (a command line still exits when its work is done).
 */
const IDLE_SESSION_MS = 300_000;

function createClient() {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString: env.DATABASE_URL, options: SESSION_OPTIONS, idleTimeoutMillis: IDLE_SESSION_MS, allowExitOnIdle: true }),
  });
}

const prisma: PrismaClient = globalThis.__metrykaPrisma ?? createClient();
if (env.NODE_ENV === "development") globalThis.__metrykaPrisma = prisma;

export default prisma;
