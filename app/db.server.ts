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
 * under concurrent requests the cores are busy anyway. And a random page read priced near a
 * sequential one (docs/decisions/033-reads-priced-for-memory.md): the rollups the pages read are
 * in memory, and at the default price the planner scanned all of a shop's customers where two
 * ranges of an index name the 7 % it needed.
 */
const SESSION_OPTIONS = "-c max_parallel_workers_per_gather=0 -c random_page_cost=1.1";

/**
 * For the rollups' write transactions (refreshes and rebuilds): PostgreSQL's default price of a
 * random page read, at which their statements were measured and tuned. At the pages' price the
 * 1,000 order updates of the bench took a third longer (ADR 033).
 */
export const ROLLUP_WRITE_PLANNING = "SET LOCAL random_page_cost = 4";

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
