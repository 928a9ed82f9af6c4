// A plain `pg` pool beside Prisma, for the few hot paths where the query engine's overhead
// per statement matters (webhook intake, COPY-based bulk writes). Same database, same URL.
import pg from "pg";
import { env } from "./env.server";

let pool: pg.Pool | undefined;

export function sqlPool(): pg.Pool {
  if (!pool) {
    pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 10, idleTimeoutMillis: 10_000, allowExitOnIdle: true });
    // An idle connection dropped by the server (a restart, a failover) is replaced on the
    // next query; without a listener the error would end the process.
    pool.on("error", (error) => console.warn(`[db] idle connection lost: ${error.message}`));
  }
  return pool;
}

export async function endSqlPool(): Promise<void> {
  const current = pool;
  pool = undefined;
  await current?.end();
}
