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
 * (new processes that must first fault in the shared buffers they read) cost more than they save,
 * and under concurrent requests the cores are busy anyway.
 */
const SESSION_OPTIONS = "-c max_parallel_workers_per_gather=0";

function createClient() {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: env.DATABASE_URL, options: SESSION_OPTIONS }) });
}

const prisma: PrismaClient = globalThis.__metrykaPrisma ?? createClient();
if (env.NODE_ENV === "development") globalThis.__metrykaPrisma = prisma;

export default prisma;
