// Plain `pg` pools beside Prisma, same database, same URL:
// - sqlPool(): for the few hot paths where the query engine's overhead per statement matters
//   (webhook intake, COPY-based bulk writes);
// - lockPool(): the connections shop jobs hold their shop's advisory lock on for as long as
//   they run (app/jobs/shop-lock.server.ts), apart so that running jobs never take the
//   connections their own writes and the webhook intake need.
import pg from "pg";
import { env } from "./env.server";

const pools = new Map<"sql" | "locks", pg.Pool>();

function pool(name: "sql" | "locks", max: number): pg.Pool {
  let current = pools.get(name);
  if (!current) {
    current = new pg.Pool({ connectionString: env.DATABASE_URL, max, idleTimeoutMillis: 10_000, allowExitOnIdle: true });
    // An idle connection dropped by the server (a restart, a failover) is replaced on the
    // next query; without a listener the error would end the process.
    current.on("error", (error) => console.warn(`[db] idle connection lost: ${error.message}`));
    pools.set(name, current);
  }
  return current;
}

export function sqlPool(): pg.Pool {
  return pool("sql", 10);
}

/** One connection per shop job running in this process, and one to look for orphaned jobs. */
export function lockPool(): pg.Pool {
  return pool("locks", 8);
}

/** How long ending a pool waits for its connections to close. */
const CLOSE_WAIT_MS = 5_000;

/**
 * Ends a pool once each of its connections has closed. pg-pool's end() resolves as soon as it has
 * asked them to: a database stopped right after (the command line, the local stack) could drop
 * one still open first, which would read as an idle connection lost. Each closed connection is
 * a "remove" event.
 */
async function endPool(current: pg.Pool): Promise<void> {
  let open = current.totalCount;
  const closed = new Promise<void>((resolve) => {
    if (open === 0) resolve();
    current.on("remove", () => {
      if (--open <= 0) resolve();
    });
  });
  await current.end();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
  clearTimeout(timer);
}

export async function endSqlPool(): Promise<void> {
  const current = [...pools.values()];
  pools.clear();
  await Promise.all(current.map(endPool));
}
