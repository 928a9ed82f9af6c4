// The database the app uses on this machine: DATABASE_URL when set, otherwise the embedded
// PostgreSQL under .data/postgres with a `metryka` database, migrated.
import path from "node:path";
import { createDatabaseIfMissing, postgresServer, PROJECT_ROOT, type PostgresServer } from "./postgres";
import { migrateDeploy } from "./prisma-cli";

export const LOCAL_PG_DIR = path.join(PROJECT_ROOT, ".data", "postgres");
export const LOCAL_PG_PORT = 54329;
const DATABASE = "metryka";

export async function localDatabase({ migrate = true } = {}): Promise<{
  url: string;
  server: PostgresServer;
}> {
  const external = process.env.DATABASE_URL;
  const server = await postgresServer(external, { dataDir: LOCAL_PG_DIR, port: LOCAL_PG_PORT });
  let url = external ?? server.urlFor(DATABASE);
  if (!external) await createDatabaseIfMissing(server, DATABASE);
  if (migrate) await migrateDeploy(url);
  return { url, server };
}
