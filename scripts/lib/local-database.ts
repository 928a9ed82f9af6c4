// The database the app uses on this machine: DATABASE_URL when set, otherwise the embedded
// PostgreSQL with its data under .data/postgres (or METRYKA_DATA_DIR/postgres) and a `metryka`
// database, migrated. In production there is no fallback: the embedded server is for development
// (fsync off, a fixed password), so without DATABASE_URL the launchers stop and say so.
import path from "node:path";
import { createDatabaseIfMissing, postgresServer, PROJECT_ROOT, type PostgresServer } from "./postgres";
import { migrateDeploy } from "./prisma-cli";

/** Where the launchers keep local data: `METRYKA_DATA_DIR`, default `.data` in the checkout. */
export const LOCAL_DATA_DIR = path.resolve(PROJECT_ROOT, process.env.METRYKA_DATA_DIR || ".data");
export const LOCAL_PG_DIR = path.join(LOCAL_DATA_DIR, "postgres");
/** Preferred port of the local server; another is taken when it is busy. */
export const LOCAL_PG_PORT = 54329;
const DATABASE = "metryka";

export class ProductionDatabaseError extends Error {
  constructor() {
    super(
      "NODE_ENV=production needs DATABASE_URL (a PostgreSQL 15+ URL): the embedded PostgreSQL is for development only " +
        "(fsync off, a fixed password). Set DATABASE_URL, or unset NODE_ENV to use the embedded server on this machine.",
    );
    this.name = "ProductionDatabaseError";
  }
}

/** Throws unless DATABASE_URL is set or this is not production. */
export function checkDatabaseChoice(env: NodeJS.ProcessEnv = process.env): void {
  if (!env.DATABASE_URL && env.NODE_ENV === "production") throw new ProductionDatabaseError();
}

export async function localDatabase({ migrate = true } = {}): Promise<{
  url: string;
  server: PostgresServer;
}> {
  checkDatabaseChoice();
  const external = process.env.DATABASE_URL;
  const server = await postgresServer(external, { dataDir: LOCAL_PG_DIR, port: LOCAL_PG_PORT });
  try {
    const url = external ?? server.urlFor(DATABASE);
    if (!external) await createDatabaseIfMissing(server, DATABASE);
    if (migrate) await migrateDeploy(url);
    return { url, server };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
