// Fresh planner statistics after a shop's rows were written in bulk (a backfill, a rebuild, a
// fit of its predictions), taken only when the planner is wrong about that shop. A shop just
// written into a database that holds other shops is otherwise unknown to the planner ("about
// one row"), and its next statements pick plans that take hours instead of seconds. But ANALYZE
// samples a whole table, every shop's rows, and two of them wait for each other: one after
// every write of every shop (each install's first page, each small store's fit) would queue
// them all behind each other.
import { Prisma } from "@prisma/client";
import prisma from "#app/db.server";

/** The tables whose statistics a shop's bulk writes can leave wrong. */
export type ShopTable = "orders" | "refunds" | "customer_predictions";

/** Below this many rows of a shop in a table, any plan is quick: its statistics do not matter. */
export const STATISTICS_MATTER_FROM_ROWS = 2_000;
/** How far the planner's estimate of a shop's rows may be from their count. */
const ESTIMATE_TOLERANCE = 10;

/**
 * Whether the planner's estimate of the shop's rows in any of `tables` is more than
 * ESTIMATE_TOLERANCE times off their count, for a shop with at least STATISTICS_MATTER_FROM_ROWS
 * of them there.
 */
export async function statisticsStale(shop: string, tables: readonly ShopTable[]): Promise<boolean> {
  for (const table of tables) {
    const from = Prisma.raw(table);
    const [{ rows }] = await prisma.$queryRaw<Array<{ rows: number }>>`SELECT count(*)::int AS rows FROM ${from} WHERE shop = ${shop}`;
    if (rows < STATISTICS_MATTER_FROM_ROWS) continue;
    const [plan] = await prisma.$queryRaw<Array<{ "QUERY PLAN": Array<{ Plan: { "Plan Rows": number } }> }>>`
      EXPLAIN (FORMAT JSON) SELECT 1 FROM ${from} WHERE shop = ${shop}`;
    const estimate = Math.max(1, plan["QUERY PLAN"][0].Plan["Plan Rows"]);
    if (estimate * ESTIMATE_TOLERANCE < rows || estimate > rows * ESTIMATE_TOLERANCE) return true;
  }
  return false;
}

/**
 * ANALYZE `tables` when the planner is wrong about the shop there. Outside the writes'
 * transaction, and only a help: when the tables are busy (a long vacuum holds them past the lock
 * timeout) the caller goes ahead without it.
 */
export async function refreshStatisticsFor(shop: string, tables: readonly ShopTable[]): Promise<void> {
  if (!(await statisticsStale(shop, tables))) return;
  await prisma
    .$transaction([prisma.$executeRawUnsafe("SET LOCAL lock_timeout = '5s'"), prisma.$executeRawUnsafe(`ANALYZE ${tables.join(", ")}`)])
    .catch(() => undefined);
}
