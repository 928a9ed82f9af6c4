// GIVEN the migrated schema, WHEN its tables and keys are read from PostgreSQL's catalog, THEN
// every table belongs to one shop: it has a `shop` column and its primary key and every unique
// index lead with it (the `shops` table with `domain`, the shop itself). That is what lets the
// tables be distributed by shop when one database is no longer enough (docs/scaling.md): each
// row, each key and each uniqueness check then lives on one node. The few tables that span
// shops by design are listed with why; a table added outside this rule fails here.
import { describe, expect, it } from "vitest";
import prisma from "#app/db.server";

/** Tables kept whole on every node (reference tables), and why they are not a shop's. */
const NOT_A_SHOPS = {
  _prisma_migrations: "the schema's own history",
  session: "Shopify's session storage keys sessions by id (one offline session per shop)",
  portfolios: "an agency's portfolio spans the shops that joined it",
  portfolio_members: "which shops are in which portfolio",
  portfolio_events: "a portfolio's joins, leaves and removals, shown to every member",
} as const;

/** The column a table is distributed by. */
const shopColumn = (table: string) => (table === "shops" ? "domain" : "shop");

interface KeyRow {
  table: string;
  index: string;
  columns: string[];
}

async function tablesAndKeys(): Promise<{ tables: Map<string, string[]>; keys: KeyRow[] }> {
  const columns = await prisma.$queryRaw<Array<{ table: string; column: string }>>`
    SELECT c.table_name AS table, c.column_name AS column
    FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
    WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
    ORDER BY c.table_name, c.ordinal_position`;
  const tables = new Map<string, string[]>();
  for (const row of columns) tables.set(row.table, [...(tables.get(row.table) ?? []), row.column]);
  const keys = await prisma.$queryRaw<KeyRow[]>`
    SELECT t.relname AS table, i.relname AS index,
      array(SELECT a.attname::text FROM unnest(x.indkey) WITH ORDINALITY k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord) AS columns
    FROM pg_index x
    JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = 'public' AND (x.indisunique OR x.indisprimary)
    ORDER BY 1, 2`;
  return { tables, keys };
}

describe("a schema ready to be distributed by shop", () => {
  it("gives every table a shop column, and leads every primary key and unique index with it", async () => {
    const { tables, keys } = await tablesAndKeys();
    // The check reads what it is meant to: the app's tables, with their keys.
    expect(tables.has("orders") && tables.has("customer_totals") && tables.has("pixel_events")).toBe(true);
    expect(keys.some((key) => key.table === "orders")).toBe(true);

    const shopTables = [...tables.keys()].filter((table) => !(table in NOT_A_SHOPS));
    const withoutShop = shopTables.filter((table) => !tables.get(table)!.includes(shopColumn(table)));
    expect(withoutShop, "tables without a shop column").toEqual([]);
    const keyedOtherwise = keys
      .filter((key) => !(key.table in NOT_A_SHOPS) && key.columns[0] !== shopColumn(key.table))
      .map((key) => `${key.table}.${key.index} (${key.columns.join(", ")})`);
    expect(keyedOtherwise, "primary keys and unique indexes that do not lead with the shop").toEqual([]);
  });

  it("lists only tables that exist as spanning shops", async () => {
    const { tables } = await tablesAndKeys();
    expect(Object.keys(NOT_A_SHOPS).filter((table) => !tables.has(table))).toEqual([]);
  });
});
