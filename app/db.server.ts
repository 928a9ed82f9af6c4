import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@prisma/client";
import { env } from "./env.server";

declare global {
  // Reused across Vite dev-server reloads so each reload does not open a new pool.
  var __metrykaPrisma: PrismaClient | undefined;
}

function createClient() {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: env.DATABASE_URL }) });
}

const prisma: PrismaClient = globalThis.__metrykaPrisma ?? createClient();
if (env.NODE_ENV === "development") globalThis.__metrykaPrisma = prisma;

export default prisma;
