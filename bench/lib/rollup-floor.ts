// What a first build of the rollups costs in writes alone: the rows of its three largest tables,
// already computed, copied into empty tables of the same shape, on two connections split as the
// build's two halves split them (app/metrics/rollups.server.ts). Nothing is computed, so no
// build of these rows, into tables shaped like these, can take less.
//   - "with": the copies carry the tables' indexes from the start, and each row's entries are
//     written one at a time, as a build writes them into tables every shop shares;
//   - "after": the rows go in bare and each index is built over them at once, as only a table
//     of the shop's own (a partition per shop) would allow.
import assert from "node:assert/strict";
import pg from "pg";
import { withDatabaseCpu } from "./database";
import { timed } from "./timing";

/** The build's largest tables (most of its rows and index entries), by the half that writes them. */
const HALVES = [["daily_sales_sources"], ["customer_totals", "customer_months"]];

const copyOf = (table: string) => `floor_${table}`;

/** Empty copies of `tables` with their indexes; for "after", the indexes' definitions, dropped until the rows are in. */
async function prepare(client: pg.Client, tables: string[], indexes: "with" | "after"): Promise<string[]> {
  const later: string[] = [];
  for (const table of tables) {
    await client.query(`DROP TABLE IF EXISTS ${copyOf(table)}`);
    await client.query(`CREATE TABLE ${copyOf(table)} (LIKE ${table} INCLUDING ALL)`);
    if (indexes === "with") continue;
    // An index behind a constraint (the primary key) goes and comes back with its constraint.
    const { rows } = await client.query<{ name: string; constraint: string | null; definition: string }>(
      `SELECT i.indexrelid::regclass::text AS name, c.conname AS constraint,
         coalesce(pg_get_constraintdef(c.oid), pg_get_indexdef(i.indexrelid)) AS definition
       FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
       WHERE i.indrelid = $1::regclass`,
      [copyOf(table)],
    );
    for (const { name, constraint, definition } of rows) {
      if (constraint === null) {
        later.push(definition);
        await client.query(`DROP INDEX ${name}`);
      } else {
        later.push(`ALTER TABLE ${copyOf(table)} ADD CONSTRAINT ${constraint} ${definition}`);
        await client.query(`ALTER TABLE ${copyOf(table)} DROP CONSTRAINT ${constraint}`);
      }
    }
  }
  return later;
}

/**
 * Seconds to write the shop's rows of the build's largest tables into empty copies (see the
 * header), both halves at once, and the CPU seconds the database spent on it; the copies are
 * dropped after. Rows: how many were written.
 */
export async function rollupWritesAlone(
  url: string,
  shop: string,
  indexes: "with" | "after",
): Promise<{ seconds: number; cpuSeconds: number | null; rows: number }> {
  const clients = HALVES.map(() => new pg.Client({ connectionString: url }));
  await Promise.all(clients.map((client) => client.connect()));
  try {
    const deferred = await Promise.all(HALVES.map((tables, i) => prepare(clients[i], tables, indexes)));
    await clients[0].query("CHECKPOINT");
    let rows = 0;
    const {
      result: { seconds },
      databaseCpuSeconds,
    } = await withDatabaseCpu(() =>
      timed(() =>
        Promise.all(
          HALVES.map(async (tables, i) => {
            const client = clients[i];
            // As a rebuild's own sorts get (REBUILD_WORK_MEM), for the index builds' sorts; and each
            // index built by its connection alone, as the two halves already keep both cores busy
            // (and its CPU is then all counted on the connection's process).
            await client.query(`SET maintenance_work_mem = '128MB'`);
            await client.query(`SET max_parallel_maintenance_workers = 0`);
            await client.query("BEGIN");
            for (const table of tables) {
              const inserted = await client.query(`INSERT INTO ${copyOf(table)} SELECT * FROM ${table} WHERE shop = $1`, [shop]);
              rows += inserted.rowCount ?? 0;
            }
            for (const definition of deferred[i]) await client.query(definition);
            await client.query("COMMIT");
          }),
        ),
      ),
    );
    // Every copy ends with as many indexes as its table.
    for (const table of HALVES.flat()) {
      const { rows: counts } = await clients[0].query<{ copy: number; original: number }>(
        `SELECT (SELECT count(*)::int FROM pg_index WHERE indrelid = $1::regclass) AS copy,
           (SELECT count(*)::int FROM pg_index WHERE indrelid = $2::regclass) AS original`,
        [copyOf(table), table],
      );
      assert.equal(counts[0].copy, counts[0].original, `${copyOf(table)} has ${table}'s indexes`);
    }
    return { seconds, cpuSeconds: databaseCpuSeconds, rows };
  } finally {
    for (const [i, tables] of HALVES.entries()) {
      await clients[i].query("ROLLBACK").catch(() => undefined);
      for (const table of tables) await clients[i].query(`DROP TABLE IF EXISTS ${copyOf(table)}`).catch(() => undefined);
    }
    await Promise.all(clients.map((client) => client.end()));
  }
}
