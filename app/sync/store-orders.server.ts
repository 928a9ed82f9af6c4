// The one way Shopify orders, their children and customers are written. Rows are staged with
// COPY into session-local temporary tables, then merged with set-based SQL, one transaction
// per batch:
// - orders and customers are last-writer-wins on updated_at: a row is only replaced by a
//   version at least as new, so duplicate and reordered deliveries change nothing;
// - line items, refunds and refund line items are keyed by their own Shopify id and carry their
//   parent's id, so they can arrive in any batch after their parent (bulk JSONL children do);
//   those of an order whose version was older than the stored one are dropped with it;
// - an order's gross sales and a refund's returns and tax are derived here, in SQL, from the
//   stored line items, never taken from the caller.
// Only the order writer (order-writer.server.ts) writes through here; it owns what follows a
// write (the rollups).
import { sqlPool } from "#app/db-pool.server";
import { ORDER_ROLLUP_INPUTS, REFUND_ROLLUP_INPUTS } from "#app/metrics/rollup-inputs";
import { fenceRowWrite } from "./sync-state.server";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type {
  CustomerRow,
  LineItemRow,
  OrderRow,
  OrderRows,
  RefundLineItemRow,
  RefundRow,
  RefundShippingRow,
} from "./order-rows";

export type { CustomerRow } from "./order-rows";

/** Rows of one shop to write together. Children may come in a later batch than their parent. */
export interface RowBatch {
  orders: OrderRow[];
  lineItems: LineItemRow[];
  refunds: RefundRow[];
  refundLineItems: RefundLineItemRow[];
  refundShipping: RefundShippingRow[];
  customers: CustomerRow[];
}

export function emptyRowBatch(): RowBatch {
  return { orders: [], lineItems: [], refunds: [], refundLineItems: [], refundShipping: [], customers: [] };
}

type Table = keyof RowBatch;
const TABLES: Table[] = ["orders", "lineItems", "refunds", "refundLineItems", "refundShipping", "customers"];

/** A RowBatch serialized for COPY (text format), ready to be written. */
export interface StagedRows {
  text: Record<Table, string>;
  counts: Record<Table, number>;
}

// ---------------------------------------------------------------------------------------------
// Staging (pure): rows → COPY text.

const NULL = "\\N";
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };
const SPECIAL = /[\\\t\n\r]/;

function text(value: string | null): string {
  if (value === null) return NULL;
  return SPECIAL.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]) : value;
}
const instant = (value: Date | null) => (value === null ? NULL : value.toISOString());
const bool = (value: boolean) => (value ? "t" : "f");
const int = (value: bigint | number | null) => (value === null ? NULL : String(value));

/**
 * An order id as a key of the per-batch sums: a number while it is exact (Shopify's ids all are,
 * and number keys hash faster), the bigint itself above 2^53, where distinct ids would round to
 * the same number.
 */
type OrderKey = number | bigint;
const orderKey = (id: bigint): OrderKey => (id <= MAX_EXACT_ID ? Number(id) : id);
const MAX_EXACT_ID = BigInt(Number.MAX_SAFE_INTEGER);

// `batchGross`: the order's gross sales from the line items of the same batch (see insertOrders).
const SERIALIZE: { [T in Table]: (row: RowBatch[T][number], batchGross: Map<OrderKey, bigint>) => string } = {
  orders: (o, batchGross) =>
    `${o.id}\t${text(o.name)}\t${int(o.customerId)}\t${instant(o.processedAt)}\t${instant(o.createdAt)}\t` +
    `${instant(o.updatedAt)}\t${instant(o.cancelledAt)}\t${bool(o.test)}\t${text(o.currencyCode)}\t` +
    `${bool(o.taxesIncluded)}\t${text(o.sourceName)}\t${o.discounts}\t${o.shipping}\t${o.tax}\t${o.totalPrice}\t` +
    `${o.totalRefunded}\t${batchGross.get(orderKey(o.id)) ?? 0n}\t${bool(o.imported === true)}`,
  lineItems: (l) => `${l.id}\t${l.orderId}\t${l.quantity}\t${l.originalUnitPrice}`,
  refunds: (r) =>
    `${r.id}\t${r.orderId}\t${instant(r.processedAt)}\t${instant(r.createdAt)}\t${text(r.currencyCode)}\t${r.totalRefunded}`,
  refundLineItems: (r) => `${r.id}\t${r.refundId}\t${r.quantity}\t${r.subtotal}\t${r.tax}`,
  refundShipping: (r) => `${r.refundId}\t${r.shipping}\t${r.tax}`,
  customers: (c) => `${c.id}\t${instant(c.createdAt)}\t${instant(c.updatedAt)}`,
};

type AnyRow = { shop: string; id?: bigint; refundId?: bigint; updatedAt?: Date };
const keyOf = (table: Table, row: AnyRow) => (table === "refundShipping" ? row.refundId : row.id) as bigint;

/**
 * One row per key (a statement cannot upsert the same row twice): for orders and customers the
 * newest version, for the others the last one given.
 */
function latestPerKey(table: Table, list: AnyRow[]): AnyRow[] {
  // Bulk files list objects in increasing id order: then there is nothing to look for.
  let increasing = true;
  for (let i = 1; i < list.length && increasing; i++) increasing = keyOf(table, list[i - 1]) < keyOf(table, list[i]);
  if (increasing) return list;
  const index = new Map<bigint, number>();
  let duplicates = false;
  for (let i = 0; i < list.length; i++) {
    const key = keyOf(table, list[i]);
    const seen = index.get(key);
    if (seen === undefined) {
      index.set(key, i);
      continue;
    }
    duplicates = true;
    const older = list[seen].updatedAt;
    const newer = list[i].updatedAt;
    if (older === undefined || newer === undefined || older <= newer) index.set(key, i);
  }
  if (!duplicates) return list;
  return [...index.values()].sort((a, b) => a - b).map((i) => list[i]);
}

/** Serializes a batch of one shop's rows for COPY. Throws if a row belongs to another shop. */
export function stageRows(shop: string, rows: RowBatch): StagedRows {
  const staged: StagedRows = {
    text: { orders: "", lineItems: "", refunds: "", refundLineItems: "", refundShipping: "", customers: "" },
    counts: { orders: 0, lineItems: 0, refunds: 0, refundLineItems: 0, refundShipping: 0, customers: 0 },
  };
  const lists = Object.fromEntries(TABLES.map((t) => [t, latestPerKey(t, rows[t] as AnyRow[])])) as Record<Table, AnyRow[]>;
  const batchGross = new Map<OrderKey, bigint>();
  for (const item of lists.lineItems as LineItemRow[]) {
    const key = orderKey(item.orderId);
    batchGross.set(key, (batchGross.get(key) ?? 0n) + item.originalUnitPrice * BigInt(item.quantity));
  }
  for (const table of TABLES) {
    const list = lists[table];
    if (list.length === 0) continue;
    const serialize = SERIALIZE[table] as (row: AnyRow, batchGross: Map<OrderKey, bigint>) => string;
    let out = "";
    for (const row of list) {
      if (row.shop !== shop) throw new Error(`A ${table} row of ${row.shop} was given to write for ${shop}`);
      out += serialize(row, batchGross) + "\n";
    }
    staged.text[table] = out;
    staged.counts[table] = list.length;
  }
  return staged;
}

// ---------------------------------------------------------------------------------------------
// Writing: COPY into the session's staging tables, then merge. One transaction per batch.

const STAGING_TABLES: Record<Table, { name: string; columns: string }> = {
  orders: {
    name: "ingest_orders",
    columns: `id bigint NOT NULL, name text NOT NULL, customer_id bigint, processed_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, cancelled_at timestamptz,
      test boolean NOT NULL, currency_code text NOT NULL, taxes_included boolean NOT NULL, source_name text,
      discounts bigint NOT NULL, shipping bigint NOT NULL, tax bigint NOT NULL, total_price bigint NOT NULL,
      total_refunded bigint NOT NULL, batch_gross_sales bigint NOT NULL, imported boolean NOT NULL`,
  },
  lineItems: {
    name: "ingest_line_items",
    columns: "id bigint NOT NULL, order_id bigint NOT NULL, quantity integer NOT NULL, original_unit_price bigint NOT NULL",
  },
  refunds: {
    name: "ingest_refunds",
    columns: `id bigint NOT NULL, order_id bigint NOT NULL, processed_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL, currency_code text NOT NULL, total_refunded bigint NOT NULL`,
  },
  refundLineItems: {
    name: "ingest_refund_line_items",
    columns: "id bigint NOT NULL, refund_id bigint NOT NULL, quantity integer NOT NULL, subtotal bigint NOT NULL, tax bigint NOT NULL",
  },
  refundShipping: {
    name: "ingest_refund_shipping",
    columns: "refund_id bigint PRIMARY KEY, shipping bigint NOT NULL, tax bigint NOT NULL",
  },
  customers: {
    name: "ingest_customers",
    columns: "id bigint NOT NULL, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL",
  },
};

// Temporary tables live as long as the connection: staging rows vanish at each commit; the
// orders a run found older than the stored version stay for the whole run, so that children
// arriving in later batches are dropped with their parent. A crash loses them with the
// connection, and the next run, which reads the file from the start again, finds them again.
const SESSION_SETUP = [
  ...TABLES.map(
    (t) => `CREATE TEMP TABLE IF NOT EXISTS ${STAGING_TABLES[t].name} (${STAGING_TABLES[t].columns}) ON COMMIT DELETE ROWS`,
  ),
  "CREATE TEMP TABLE IF NOT EXISTS ingest_skipped_orders (id bigint PRIMARY KEY)",
].join(";\n");

// Orders, line items and customers, the large tables, are written in two statements: a plain
// INSERT of the rows not stored yet, then, only if some were already stored, an UPDATE of those.
// For new rows this took about a third less database time than INSERT … ON CONFLICT DO UPDATE,
// whose speculative insertion every row pays for (measured on 200,000 orders with 500,000 line
// items; bench/ingest.bench.ts has the end-to-end figure). A concurrent writer that inserts one
// of the rows in between makes the INSERT fail on the primary key: the batch is then run again
// (writeStaged), and finds the row stored.
//
// Every statement reads the stored tables through their indexes, one staged key at a time:
// nested loops driven by the staging table. The planner is told so (SET LOCAL below) rather
// than trusted: the staging tables have no statistics, and the stored tables' statistics lag
// behind a backfill (an orders table analyzed while empty is "18 rows" when it holds 5,000), so
// left to its estimates it scanned all of a shop's orders once per staged order, or hashed a
// million-row table to merge a few thousand rows. Staged rows are unique per key (stageRows).
const KEYED_ACCESS_ONLY = [
  "enable_hashjoin",
  "enable_mergejoin",
  "enable_seqscan",
  "enable_bitmapscan",
  "enable_material",
]
  .map((setting) => `SET LOCAL ${setting} = off`)
  .join("; ");

// Rows this transaction inserted itself are not "existing": the UPDATE must leave them alone.
const notInsertedHere = (alias: string) => `${alias}.xmin <> pg_current_xact_id()::xid`;

// Rows of orders this run found older than the stored version are dropped. While the run has
// found none (a first copy always), the check is left out of the statements.
const notSkipped = (skips: boolean, order: string) =>
  skips ? `AND NOT EXISTS (SELECT 1 FROM ingest_skipped_orders k WHERE k.id = ${order})` : "";

const GROSS_SALES_OF = (order: string) => `(
  SELECT COALESCE(SUM(li.original_unit_price * li.quantity), 0)::bigint
  FROM order_line_items li WHERE li.shop = $1 AND li.order_id = ${order})`;

const SQL = {
  skippedOrders: `
    INSERT INTO ingest_skipped_orders (id)
    SELECT s.id FROM ingest_orders s
    WHERE (SELECT o.updated_at FROM orders o WHERE o.shop = $1 AND o.id = s.id) > s.updated_at
    ON CONFLICT DO NOTHING`,
  insertLineItems: (skips: boolean) => `
    INSERT INTO order_line_items (shop, id, order_id, quantity, original_unit_price)
    SELECT $1, s.id, s.order_id, s.quantity, s.original_unit_price
    FROM ingest_line_items s
    WHERE NOT EXISTS (SELECT 1 FROM order_line_items t WHERE t.shop = $1 AND t.id = s.id)
      ${notSkipped(skips, "s.order_id")}`,
  updateLineItems: (skips: boolean) => `
    UPDATE order_line_items t
    SET order_id = s.order_id, quantity = s.quantity, original_unit_price = s.original_unit_price
    FROM ingest_line_items s
    WHERE t.shop = $1 AND t.id = s.id
      ${notSkipped(skips, "s.order_id")}
      AND (t.order_id, t.quantity, t.original_unit_price)
        IS DISTINCT FROM (s.order_id, s.quantity, s.original_unit_price)`,
  // A new order's stored line items are those of this batch (children never come before their
  // parent), so its gross sales are theirs, summed while staging; later batches add theirs
  // (grossSales below). An order already stored sums what is stored (updateOrders).
  insertOrders: (returning: boolean) => `
    INSERT INTO orders (shop, id, name, customer_id, processed_at, created_at, updated_at, cancelled_at,
      test, currency_code, taxes_included, source_name, gross_sales, discounts, shipping, tax, total_price,
      total_refunded, imported)
    SELECT $1, s.id, s.name, s.customer_id, s.processed_at, s.created_at, s.updated_at, s.cancelled_at, s.test,
      s.currency_code, s.taxes_included, s.source_name, s.batch_gross_sales,
      s.discounts, s.shipping, s.tax, s.total_price, s.total_refunded, s.imported
    FROM ingest_orders s
    WHERE NOT EXISTS (SELECT 1 FROM orders t WHERE t.shop = $1 AND t.id = s.id)
    ${returning ? "RETURNING id" : ""}`,
  // Last writer wins: a stored version newer than the staged one stays.
  updateOrders: (returning: boolean) => `
    UPDATE orders t SET
      name = s.name, customer_id = s.customer_id, processed_at = s.processed_at, created_at = s.created_at,
      updated_at = s.updated_at, cancelled_at = s.cancelled_at, test = s.test, currency_code = s.currency_code,
      taxes_included = s.taxes_included, source_name = s.source_name, gross_sales = ${GROSS_SALES_OF("t.id")},
      discounts = s.discounts, shipping = s.shipping, tax = s.tax, total_price = s.total_price,
      total_refunded = s.total_refunded, imported = s.imported, deleted_at = NULL, synced_at = now()
    FROM ingest_orders s
    WHERE t.shop = $1 AND t.id = s.id AND t.updated_at <= s.updated_at AND ${notInsertedHere("t")}
    ${returning ? "RETURNING t.id" : ""}`,
  // Orders whose line items came in this batch but the order itself in an earlier one.
  grossSales: (skips: boolean) => `
    UPDATE orders t SET gross_sales = g.gross
    FROM (
      SELECT li.order_id, SUM(li.original_unit_price * li.quantity)::bigint AS gross
      FROM order_line_items li
      WHERE li.shop = $1 AND li.order_id = ANY (ARRAY(
        SELECT order_id FROM ingest_line_items
        EXCEPT SELECT id FROM ingest_orders
        ${skips ? "EXCEPT SELECT id FROM ingest_skipped_orders" : ""}))
      GROUP BY li.order_id
    ) g
    WHERE t.shop = $1 AND t.id = g.order_id AND t.gross_sales IS DISTINCT FROM g.gross`,
  refunds: (skips: boolean) => `
    INSERT INTO refunds AS t (shop, id, order_id, processed_at, created_at, currency_code, returns, tax, shipping,
      total_refunded)
    SELECT $1, s.id, s.order_id, s.processed_at, s.created_at, s.currency_code,
      COALESCE(a.returns, 0), COALESCE(a.tax, 0), 0, s.total_refunded
    FROM ingest_refunds s
    LEFT JOIN LATERAL (
      SELECT SUM(x.subtotal)::bigint AS returns, SUM(x.tax)::bigint AS tax
      FROM refund_line_items x WHERE x.shop = $1 AND x.refund_id = s.id
    ) a ON true
    WHERE true ${notSkipped(skips, "s.order_id")}
    ON CONFLICT (shop, id) DO UPDATE SET order_id = EXCLUDED.order_id, processed_at = EXCLUDED.processed_at,
      created_at = EXCLUDED.created_at, currency_code = EXCLUDED.currency_code,
      total_refunded = EXCLUDED.total_refunded`,
  // A refund line item needs its refund stored (its parent comes first), and is dropped with an
  // order version older than the stored one.
  refundLineItems: (skips: boolean) => `
    INSERT INTO refund_line_items AS t (shop, id, refund_id, quantity, subtotal, tax)
    SELECT $1, s.id, s.refund_id, s.quantity, s.subtotal, s.tax
    FROM (
      SELECT x.*, (SELECT r.order_id FROM refunds r WHERE r.shop = $1 AND r.id = x.refund_id) AS order_id
      FROM ingest_refund_line_items x
    ) s
    WHERE s.order_id IS NOT NULL
      ${notSkipped(skips, "s.order_id")}
    ON CONFLICT (shop, id) DO UPDATE SET refund_id = EXCLUDED.refund_id, quantity = EXCLUDED.quantity,
      subtotal = EXCLUDED.subtotal, tax = EXCLUDED.tax
    WHERE (t.refund_id, t.quantity, t.subtotal, t.tax)
      IS DISTINCT FROM (EXCLUDED.refund_id, EXCLUDED.quantity, EXCLUDED.subtotal, EXCLUDED.tax)`,
  // A refund's shipping comes with its complete details: its tax is then the items' tax plus the
  // shipping's. Refunds are found by primary key and the new values by the staging table's: as a
  // join, the planner preferred scanning all of the shop's refunds once per staged row.
  refundShipping: (skips: boolean) => `
    UPDATE refunds t SET (shipping, tax) = (
      SELECT s.shipping, s.tax + COALESCE((
        SELECT SUM(x.tax) FROM refund_line_items x WHERE x.shop = $1 AND x.refund_id = t.id), 0)::bigint
      FROM ingest_refund_shipping s WHERE s.refund_id = t.id)
    WHERE t.shop = $1 AND t.id = ANY (ARRAY(SELECT refund_id FROM ingest_refund_shipping))
      ${notSkipped(skips, "t.order_id")}`,
  // Returns and the items' tax; refundShipping, which runs after, adds the shipping's tax back.
  returns: (skips: boolean) => `
    UPDATE refunds t SET returns = a.returns, tax = a.tax
    FROM (
      SELECT x.refund_id, SUM(x.subtotal)::bigint AS returns, SUM(x.tax)::bigint AS tax
      FROM refund_line_items x
      WHERE x.shop = $1 AND x.refund_id = ANY (ARRAY(SELECT DISTINCT refund_id FROM ingest_refund_line_items))
      GROUP BY x.refund_id
    ) a
    WHERE t.shop = $1 AND t.id = a.refund_id AND (t.returns, t.tax) IS DISTINCT FROM (a.returns, a.tax)
      -- Not for an order version older than the stored one: refundShipping skips those too,
      -- and would not add the shipping's tax back.
      ${notSkipped(skips, "t.order_id")}`,
  // What an order owes to rows written apart from it, whatever order they came in: a deletion
  // (an order version applied after orders/delete stays deleted), its customer's merge or
  // deletion (an order of a merged customer belongs to the kept one, of a deleted one to
  // nobody), and its refunded total, the sum of every refund stored for it (refunds/create may
  // come before or after the order; Order.totalRefundedSet is that sum). For the orders of this
  // batch and those whose refunds it holds; rows already right are not written again.
  settleOrders: (tombstones: boolean) => `
    UPDATE orders t SET deleted_at = v.deleted_at, customer_id = v.customer_id, total_refunded = v.total_refunded
    FROM (
      SELECT o.id,
        ${
          tombstones
            ? `COALESCE(o.deleted_at, (
                 SELECT d.deleted_at FROM deleted_records d WHERE d.shop = $1 AND d.resource = 'order' AND d.id = o.id)) AS deleted_at,
               CASE WHEN c.id IS NULL THEN o.customer_id ELSE c.merged_into END AS customer_id,`
            : "o.deleted_at, o.customer_id,"
        }
        COALESCE((SELECT SUM(r.total_refunded)::bigint FROM refunds r WHERE r.shop = $1 AND r.order_id = o.id), o.total_refunded)
          AS total_refunded
      -- Driven by the staged keys, each found by the primary key: as "o.id = ANY (ARRAY(...))"
      -- the planner, its estimate of the shop's orders stale during a backfill, could take
      -- another index of the shop's and test every one of its orders against the whole array
      -- (minutes for a batch of 20,000 with many stores syncing at once).
      FROM (SELECT id FROM ingest_orders UNION SELECT order_id FROM ingest_refunds) k
      JOIN orders o ON o.shop = $1 AND o.id = k.id
      ${tombstones ? "LEFT JOIN deleted_records c ON c.shop = $1 AND c.resource = 'customer' AND c.id = o.customer_id" : ""}
    ) v
    WHERE t.shop = $1 AND t.id = v.id
      AND (t.deleted_at, t.customer_id, t.total_refunded) IS DISTINCT FROM (v.deleted_at, v.customer_id, v.total_refunded)`,
  hasTombstones: "SELECT EXISTS (SELECT 1 FROM deleted_records WHERE shop = $1) AS found",
  // Each stored order of the batch, and each stored order of its refunds, with what the rollups
  // read of it and of its refunds, as a digest: taken before the merge and again after it
  // (rollupOrderIds). Not for the orders inserted here, which are new to the rollups anyway.
  // Before, the orders are locked, in id order: a writer that changes one of them meanwhile
  // would otherwise commit between the two digests, and the rollups it refreshes could then
  // keep its values after this write had put back the ones before it.
  rollupInputs: (after: boolean) => `
    SELECT o.id::text AS id, md5(row(${ORDER_ROLLUP_INPUTS.map((column) => `o.${column}`).join(", ")},
      ARRAY(SELECT row(${REFUND_ROLLUP_INPUTS.map((column) => `r.${column}`).join(", ")})::text
        FROM refunds r WHERE r.shop = $1 AND r.order_id = o.id ORDER BY r.id))::text) AS inputs
    FROM orders o
    ${
      after
        ? "WHERE o.shop = $1 AND o.id = ANY ($2::bigint[])"
        : `WHERE o.shop = $1 AND o.id IN (SELECT id FROM ingest_orders UNION SELECT order_id FROM ingest_refunds)
             AND ${notInsertedHere("o")}
           ORDER BY o.id FOR UPDATE OF o`
    }`,
  // A deleted customer (or one merged away) is not stored again by a late update.
  insertCustomers: (tombstones: boolean) => `
    INSERT INTO customers (shop, id, created_at, updated_at)
    SELECT $1, s.id, s.created_at, s.updated_at FROM ingest_customers s
    WHERE NOT EXISTS (SELECT 1 FROM customers t WHERE t.shop = $1 AND t.id = s.id)
    ${tombstones ? "AND NOT EXISTS (SELECT 1 FROM deleted_records d WHERE d.shop = $1 AND d.resource = 'customer' AND d.id = s.id)" : ""}`,
  updateCustomers: `
    UPDATE customers t SET created_at = s.created_at, updated_at = s.updated_at, synced_at = now()
    FROM ingest_customers s
    WHERE t.shop = $1 AND t.id = s.id AND t.updated_at <= s.updated_at AND ${notInsertedHere("t")}`,
};

const COLUMN_LISTS: Record<Table, string> = {
  orders: `id, name, customer_id, processed_at, created_at, updated_at, cancelled_at, test, currency_code,
    taxes_included, source_name, discounts, shipping, tax, total_price, total_refunded, batch_gross_sales, imported`,
  lineItems: "id, order_id, quantity, original_unit_price",
  refunds: "id, order_id, processed_at, created_at, currency_code, total_refunded",
  refundLineItems: "id, refund_id, quantity, subtotal, tax",
  refundShipping: "refund_id, shipping, tax",
  customers: "id, created_at, updated_at",
};

export interface WriteResult {
  /** Ids of the orders written (not older than the stored version); only with `returnApplied`. */
  appliedOrderIds: bigint[];
  /**
   * Those of them new, or changed in what the rollups read (ORDER_ROLLUP_INPUTS and their
   * refunds'), and the stored orders of the refunds written whose refunds changed: the orders
   * whose rollups need a refresh. Only with `rollupChanges`.
   */
  rollupOrderIds: bigint[];
  customersApplied: number;
}

export interface WriteOptions {
  /** Return the ids of the orders applied. */
  returnApplied?: boolean;
  /** Also return which of them changed in what the rollups read (`rollupOrderIds`). */
  rollupChanges?: boolean;
  /** Called once the rows are in the staging tables, while the database merges them. */
  onStaged?: () => void;
}

/** One run of writes for one shop, on one connection. */
export interface RowWriter {
  /** The database's clock when the run started: every row it writes is synced at or after it. */
  readonly startedAt: Date;
  write(staged: StagedRows, options?: WriteOptions): Promise<WriteResult>;
}

const writePool = sqlPool;

const preparedSessions = new WeakSet<pg.ClientBase>();

async function copyInto(client: pg.PoolClient, table: Table, data: string) {
  const sql = `COPY ${STAGING_TABLES[table].name} (${COLUMN_LISTS[table]}) FROM STDIN`;
  await pipeline(Readable.from([data]), client.query(copyFrom(sql)));
}

// Another writer inserted one of these rows meanwhile (it is now an update), or two writers
// locked the same rows in opposite orders: running the batch again settles both.
const RETRY_CODES = new Set(["23505", "40P01"]); // unique_violation, deadlock_detected
const ATTEMPTS = 3;

/** What a run of writes knows across its batches. */
interface WriterState {
  /** Whether this run may have found orders older than the stored version. */
  skips: boolean;
}

async function mergeStaged(
  client: pg.PoolClient,
  shop: string,
  counts: StagedRows["counts"],
  { returnApplied, rollupChanges }: { returnApplied: boolean; rollupChanges: boolean },
  state: WriterState,
): Promise<WriteResult> {
  const result: WriteResult = { appliedOrderIds: [], rollupOrderIds: [], customersApplied: 0 };
  const run = (sql: string) => client.query<{ id: string }>(sql, [shop]);
  const ids = (rows: Array<{ id: string }>) => rows.map((row) => BigInt(row.id));
  // Orders not stored yet first: only the others can be older than what is stored (and on a
  // first copy there are none to look at).
  let storedBefore = 0;
  let insertedIds: bigint[] = [];
  let inputsBefore = new Map<string, string>();
  if (counts.orders > 0) {
    const inserted = await run(SQL.insertOrders(returnApplied));
    insertedIds = ids(inserted.rows);
    storedBefore = counts.orders - (inserted.rowCount ?? 0);
    if (storedBefore > 0 && ((await run(SQL.skippedOrders)).rowCount ?? 0) > 0) state.skips = true;
  }
  // The digests before the merge: of the batch's stored orders, and of its refunds' (a refund
  // delivered again, as refunds/create may be, changes neither and refreshes nothing).
  if (rollupChanges && (storedBefore > 0 || counts.refunds > 0)) {
    const { rows } = await client.query<{ id: string; inputs: string }>(SQL.rollupInputs(false), [shop]);
    inputsBefore = new Map(rows.map((row) => [row.id, row.inputs]));
  }
  const { skips } = state;
  if (counts.lineItems > 0) {
    const inserted = await run(SQL.insertLineItems(skips));
    if ((inserted.rowCount ?? 0) < counts.lineItems) await run(SQL.updateLineItems(skips));
  }
  // After the line items: an updated order's gross sales are summed from what is stored.
  const updatedIds = storedBefore > 0 ? ids((await run(SQL.updateOrders(returnApplied))).rows) : [];
  if (counts.lineItems > 0) await run(SQL.grossSales(skips));
  if (counts.refunds > 0) await run(SQL.refunds(skips));
  if (counts.refundLineItems > 0) await run(SQL.refundLineItems(skips));
  if (counts.refundLineItems > 0) await run(SQL.returns(skips));
  if (counts.refundShipping > 0) await run(SQL.refundShipping(skips));
  // Most shops have no deletions at all: their batches skip the tombstone lookups.
  const tombstones = (await client.query<{ found: boolean }>(SQL.hasTombstones, [shop])).rows[0].found;
  if (counts.orders + counts.refunds > 0) await run(SQL.settleOrders(tombstones));
  result.appliedOrderIds = [...insertedIds, ...updatedIds];
  if (rollupChanges) {
    // Again after it, for the same orders: those updated, and those whose refunds came alone (an
    // order skipped as older keeps its digest, its refunds dropped with it).
    const stored = [...inputsBefore.keys()];
    const { rows } =
      stored.length > 0 ? await client.query<{ id: string; inputs: string }>(SQL.rollupInputs(true), [shop, stored]) : { rows: [] };
    const changed = rows.filter((row) => inputsBefore.get(row.id) !== row.inputs);
    result.rollupOrderIds = [...insertedIds, ...ids(changed)];
  }
  if (counts.customers > 0) {
    const inserted = (await run(SQL.insertCustomers(tombstones))).rowCount ?? 0;
    const updated = inserted < counts.customers ? ((await run(SQL.updateCustomers)).rowCount ?? 0) : 0;
    result.customersApplied = inserted + updated;
  }
  return result;
}

async function writeStaged(
  client: pg.PoolClient,
  shop: string,
  staged: StagedRows,
  { returnApplied = false, rollupChanges = false, onStaged }: WriteOptions,
  state: WriterState,
): Promise<WriteResult> {
  const { counts, text } = staged;
  if (TABLES.every((t) => counts[t] === 0)) return { appliedOrderIds: [], rollupOrderIds: [], customersApplied: 0 };
  for (let attempt = 1; ; attempt++) {
    await client.query("BEGIN");
    try {
      // Under a shop job, only while its run still holds the shop.
      await fenceRowWrite(client, shop);
      await client.query(KEYED_ACCESS_ONLY);
      // Not waiting for this commit's WAL to reach the disk: whatever is done after a batch
      // (the run's success, a webhook event marked applied, a job completed) commits
      // synchronously later, which flushes this commit with it. A crash in between loses the
      // batch and what depends on it together, and the next run writes it again.
      await client.query("SET LOCAL synchronous_commit = off");
      for (const table of TABLES) if (counts[table] > 0) await copyInto(client, table, text[table]);
      if (attempt === 1) onStaged?.();
      const result = await mergeStaged(client, shop, counts, { returnApplied: returnApplied || rollupChanges, rollupChanges }, state);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      const rolledBack = await client.query("ROLLBACK").then(
        () => true,
        () => false,
      );
      const retry = RETRY_CODES.has((error as { code?: string }).code ?? "");
      if (!retry || !rolledBack || attempt >= ATTEMPTS) throw error;
    }
  }
}

/**
 * Runs `work` with a writer for `shop` on a connection of its own. Orders the run finds older
 * than what is stored are remembered until it ends, so their children are dropped whichever
 * batch they come in.
 */
export async function withRowWriter<T>(shop: string, work: (writer: RowWriter) => Promise<T>): Promise<T> {
  const client = await writePool().connect();
  let failed = false;
  try {
    if (!preparedSessions.has(client)) {
      await client.query(SESSION_SETUP);
      preparedSessions.add(client);
    }
    await client.query("DELETE FROM ingest_skipped_orders");
    const { rows } = await client.query<{ now: Date }>("SELECT now() AS now");
    const state: WriterState = { skips: false };
    const writer: RowWriter = {
      startedAt: rows[0].now,
      write: (staged, options) => writeStaged(client, shop, staged, options ?? {}, state),
    };
    return await work(writer);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // After a failure the session may be mid-COPY or mid-transaction: do not reuse it.
    client.release(failed);
  }
}
