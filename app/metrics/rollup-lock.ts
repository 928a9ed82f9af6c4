// The advisory lock on a shop that whatever writes its rollups holds (a refresh, a rebuild) until
// its transaction ends. A module of its own, without the database client, so that a test can
// take the lock on a connection of its own, as another process's rebuild would.
import { Prisma } from "@prisma/client";

/**
 * The lock's key: a bigint, in SQL, for `shop`, an SQL expression of the shop's domain (a
 * parameter, or a column).
 */
export const shopLockKey = (shop: Prisma.Sql) => Prisma.sql`hashtextextended('daily_sales:' || ${shop}, 0)`;

/** The statement that takes the shop's lock until its transaction ends. */
export const shopLockStatement = (shop: string): Prisma.Sql =>
  Prisma.sql`SELECT pg_advisory_xact_lock(${shopLockKey(Prisma.sql`${shop}::text`)})`;
