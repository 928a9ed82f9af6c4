// What the copy and Shopify disagree on without a webhook having said so. The paged catch-up
// re-reads what changed since its cursor, but a deleted order or customer (deleted, or merged
// into another customer) leaves nothing to read, and a record lost from the copy itself (an
// older database restored) has not changed. So each run compares how many records Shopify and
// the copy hold over a range of ids; where the counts disagree it halves the range (at the copy's
// median id) until a range is small enough to list Shopify's ids. It removes what Shopify no
// longer has, exactly as the delete webhook would have, and copies again what the copy lacks, as
// the catch-up would have, when that is at most SWEEP_COPIES_AT_MOST records of a kind (more is
// left to a full copy, which the Data sync page offers).
//
// A run where nothing was lost costs three count queries per resource. k records lost either way
// among n cost about k·log2(n/250) counts and k id pages, and each record copied its page read.
//
// The ranges end at the copy's highest id: a record created after the catch-up read the store
// has a higher id (Shopify's ids grow), so it cannot hide a deletion by balancing the counts. A
// deletion and a lost record within the same range do balance them. So where the whole range
// balances, each run also compares the part of it below one cut, at a fraction of the copy's ids
// that moves from run to run (`cutFraction`): a pair that hides each other is found by the first
// run whose cut falls between them.
import { Prisma } from "@prisma/client";
import prisma from "#app/db.server";
import { connectionPages, type AdminClient } from "#app/shopify/admin-client.server";
import { gidToId } from "#app/shopify/gid";
import { CUSTOMER_IDS, CUSTOMERS_COUNT, ID_PAGE_SIZE, ORDER_IDS, ORDERS_COUNT } from "#app/shopify/queries";
import { removeCustomer, tombstoneOrders } from "./order-writer.server";
import { copyCustomers, copyOrders } from "./paged-copy.server";
import type { ByKind, ShopifyCheck } from "./sync-state.server";

/** Without read_all_orders Shopify shows an app the last 60 days of orders: compare within them. */
const LIMITED_HISTORY_DAYS = 58;

/**
 * The most records of a kind the sweep copies again (a page read per five orders, per 250
 * customers); a copy short of more is copied whole on request (Sync now queues a backfill).
 */
export const SWEEP_COPIES_AT_MOST = 1_000;

/** Ids asked for by one search (`id:1 OR id:2 …`), keeping the query string short. */
const IDS_PER_SEARCH = 50;

interface IdRange {
  lo: bigint;
  hi: bigint;
}

interface Resource {
  type: "Order" | "Customer";
  countQuery: string;
  idsQuery: string;
  /** Extra Shopify search terms and the matching SQL condition (orders without full history). */
  since: Date | null;
}

function searchQuery(resource: Resource, range: IdRange | null): string {
  const terms = range ? [`id:>=${range.lo}`, `id:<=${range.hi}`] : [];
  if (resource.since) terms.push(`created_at:>='${resource.since.toISOString()}'`);
  return terms.join(" ");
}

async function remoteCount(client: AdminClient, resource: Resource, range: IdRange | null): Promise<number> {
  const data = await client.request<Record<string, { count: number }>>(resource.countQuery, { query: searchQuery(resource, range) || null });
  return resource.type === "Order" ? data.ordersCount.count : data.customersCount.count;
}

async function remoteIds(client: AdminClient, resource: Resource, range: IdRange): Promise<Set<bigint>> {
  const ids = new Set<bigint>();
  const key = resource.type === "Order" ? "orders" : "customers";
  const query = searchQuery(resource, range);
  for await (const page of connectionPages<{ id: string }>(client, resource.idsQuery, key, { query })) {
    for (const node of page) ids.add(gidToId(node.id, resource.type));
  }
  return ids;
}

/**
 * The copy's live records of a resource: count, the id at an offset, and ids within a range.
 * Orders brought in with `metryka import-orders` are left out: Shopify may never have had them
 * (or no longer shows them), which is why they were imported.
 */
function localSide(shop: string, resource: Resource) {
  const live =
    resource.type === "Order"
      ? Prisma.sql`FROM orders WHERE shop = ${shop} AND deleted_at IS NULL AND NOT imported
          ${resource.since ? Prisma.sql`AND created_at >= ${resource.since}` : Prisma.empty}`
      : Prisma.sql`FROM customers WHERE shop = ${shop} AND deleted_at IS NULL`;
  const within = (range: IdRange) => Prisma.sql`${live} AND id BETWEEN ${range.lo} AND ${range.hi}`;
  return {
    async count(range: IdRange): Promise<number> {
      const [row] = await prisma.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n ${within(range)}`;
      return row.n;
    },
    async idAt(range: IdRange, offset: number): Promise<bigint> {
      const [row] = await prisma.$queryRaw<Array<{ id: bigint }>>`SELECT id ${within(range)} ORDER BY id OFFSET ${offset} LIMIT 1`;
      return BigInt(row.id);
    },
    async ids(range: IdRange): Promise<bigint[]> {
      const rows = await prisma.$queryRaw<Array<{ id: bigint }>>`SELECT id ${within(range)}`;
      return rows.map((row) => BigInt(row.id));
    },
    /** Of `ids`, those the copy holds in no state: no row, live or not, and no tombstone. */
    async unknown(ids: bigint[]): Promise<bigint[]> {
      if (ids.length === 0) return [];
      const [table, kind] = resource.type === "Order" ? [Prisma.raw("orders"), "order"] : [Prisma.raw("customers"), "customer"];
      const rows = await prisma.$queryRaw<Array<{ id: bigint }>>`
        SELECT id FROM unnest(${ids}::bigint[]) AS candidate(id)
        WHERE NOT EXISTS (SELECT 1 FROM ${table} t WHERE t.shop = ${shop} AND t.id = candidate.id)
          AND NOT EXISTS (SELECT 1 FROM deleted_records d WHERE d.shop = ${shop} AND d.resource = ${kind} AND d.id = candidate.id)
        ORDER BY id`;
      return rows.map((row) => BigInt(row.id));
    },
    async bounds(): Promise<IdRange | null> {
      const [row] = await prisma.$queryRaw<Array<{ lo: bigint | null; hi: bigint | null }>>`SELECT min(id) AS lo, max(id) AS hi ${live}`;
      return row.lo === null || row.hi === null ? null : { lo: BigInt(row.lo), hi: BigInt(row.hi) };
    },
  };
}

/** What the copy and Shopify disagree on in a range: ids only the copy holds live, and ids only Shopify has. */
interface Differences {
  gone: bigint[];
  lacking: bigint[];
}

/** No differences: what a range holds whose counts balance. */
const NONE: Differences = { gone: [], lacking: [] };

/**
 * The differences in `range`. `counted`: both sides' counts over the range, when the caller
 * has them already. `seekLacking`: also list the ids Shopify has and the copy holds in no state
 * (not as a tombstone, an import or a record merged away), which a listed range gives for free.
 */
async function differences(
  shop: string,
  client: AdminClient,
  resource: Resource,
  range: IdRange,
  seekLacking: boolean,
  counted?: { ours: number; theirs: number },
): Promise<Differences> {
  const local = localSide(shop, resource);
  const ours = counted?.ours ?? (await local.count(range));
  if (ours === 0) return NONE;
  const theirs = counted?.theirs ?? (await remoteCount(client, resource, range));
  if (theirs === ours) return NONE;
  if (ours <= ID_PAGE_SIZE) {
    const present = await remoteIds(client, resource, range);
    const gone = (await local.ids(range)).filter((id) => !present.has(id));
    return { gone, lacking: seekLacking ? await local.unknown([...present]) : [] };
  }
  const middle = await local.idAt(range, Math.floor(ours / 2) - 1);
  const below = await differences(shop, client, resource, { lo: range.lo, hi: middle }, seekLacking);
  const above = await differences(shop, client, resource, { lo: middle + 1n, hi: range.hi }, seekLacking);
  return together(below, above);
}

/** The differences of two parts of a range, in the order of their ids. */
function together(below: Differences, above: Differences): Differences {
  return { gone: [...below.gone, ...above.gone], lacking: [...below.lacking, ...above.lacking] };
}

/** The golden ratio's fractional part: its multiples mod 1 spread evenly over [0, 1) whatever their number. */
const GOLDEN_FRACTION = (Math.sqrt(5) - 1) / 2;
/** How often reconciliations run (RECONCILE_CRON): each one's cut is the next in the sequence. */
const RUN_MS = 15 * 60_000;

/**
 * Where the run at `now` cuts a range that balances, as a fraction of the copy's ids below the
 * cut: the multiples of the golden ratio's fraction by the number of the run's quarter hour, so
 * that the cuts of successive runs fall all over the range and no interval between two ids goes
 * long without one.
 */
export function cutFraction(now: Date): number {
  return (Math.floor(now.getTime() / RUN_MS) * GOLDEN_FRACTION) % 1;
}

/**
 * The differences a range whose counts balance (`total` records on both sides) can still hold:
 * a deletion and a lost record that cancel out. The part below the copy's id a `fraction` of the
 * way through it is compared too (one count on each side; the part above follows by difference),
 * and where the parts differ both are searched as any range that differs, also for the records
 * the copy lacks.
 */
async function hiddenDifferences(
  shop: string,
  client: AdminClient,
  resource: Resource,
  range: IdRange,
  total: number,
  fraction: number,
): Promise<Differences> {
  if (total < 2) return NONE;
  const local = localSide(shop, resource);
  const cut = await local.idAt(range, Math.min(total - 2, Math.floor(total * fraction)));
  const below = { lo: range.lo, hi: cut };
  const ours = await local.count(below);
  const theirs = await remoteCount(client, resource, below);
  if (ours === theirs) return NONE;
  const lower = await differences(shop, client, resource, below, true, { ours, theirs });
  const upper = await differences(shop, client, resource, { lo: cut + 1n, hi: range.hi }, true, { ours: total - ours, theirs: total - theirs });
  return together(lower, upper);
}

export interface Sweep {
  /** Removed as Shopify no longer has them. */
  removed: ByKind<bigint[]>;
  /** Both sides' counts, with how many records were removed and copied back (none when the copy lacked more than it copies). */
  check: ShopifyCheck;
}

/**
 * Where the copy's ids of one kind and Shopify's differ, with Shopify's count over them (the
 * copy holding none: over all) and how to count the copy's once the differences are mended.
 */
async function sweepResource(
  shop: string,
  client: AdminClient,
  resource: Resource,
  { copiesAtMost, cut }: { copiesAtMost: number; cut: number },
): Promise<Differences & { shopify: number; countAfter: () => Promise<number> }> {
  const local = localSide(shop, resource);
  const range = await local.bounds();
  if (!range) return { gone: [], lacking: [], shopify: await remoteCount(client, resource, null), countAfter: async () => 0 };
  const ours = await local.count(range);
  const theirs = await remoteCount(client, resource, range);
  // Where the copy is short by more than it would copy, the ranges only look for what Shopify deleted.
  const seekLacking = theirs > ours && theirs - ours <= copiesAtMost;
  const found =
    ours === theirs
      ? await hiddenDifferences(shop, client, resource, range, ours, cut)
      : await differences(shop, client, resource, range, seekLacking, { ours, theirs });
  const unchanged = found.gone.length === 0 && found.lacking.length === 0;
  return { ...found, shopify: theirs, countAfter: async () => (unchanged ? ours : local.count(range)) };
}

/** `ids` as searches of IDS_PER_SEARCH ids each. */
function idSearches(ids: bigint[]): string[] {
  const searches: string[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_SEARCH) searches.push(ids.slice(i, i + IDS_PER_SEARCH).map((id) => `id:${id}`).join(" OR "));
  return searches;
}

/**
 * Finds the orders and customers the copy holds that Shopify no longer has, and removes them
 * the way orders/delete and customers/delete do (orders stay as tombstones, never counted); then
 * copies again those Shopify has and the copy lacks (at most `copiesAtMost` of a kind),
 * through the catch-up's own page queries and writer, rollups included. Run after a catch-up: a
 * customer merged away has by then had their orders moved. Returns what it removed, and both
 * sides' counts afterwards with how many records it removed and copied back (`check`), which the
 * Data sync page shows. `cut`: where a kind whose counts balance is cut (hiddenDifferences), by
 * default the run's `cutFraction`.
 */
export async function sweepDifferences(
  shop: string,
  client: AdminClient,
  {
    now = new Date(),
    copiesAtMost = SWEEP_COPIES_AT_MOST,
    cut = cutFraction(now),
  }: { now?: Date; copiesAtMost?: number; cut?: number } = {},
): Promise<Sweep> {
  const row = await prisma.shop.findUnique({ where: { domain: shop }, select: { scopes: true } });
  const fullHistory = row?.scopes.split(",").map((s) => s.trim()).includes("read_all_orders") ?? false;
  const orders: Resource = {
    type: "Order",
    countQuery: ORDERS_COUNT,
    idsQuery: ORDER_IDS,
    since: fullHistory ? null : new Date(now.getTime() - LIMITED_HISTORY_DAYS * 86_400_000),
  };
  const customers: Resource = { type: "Customer", countQuery: CUSTOMERS_COUNT, idsQuery: CUSTOMER_IDS, since: null };

  const orderSweep = await sweepResource(shop, client, orders, { copiesAtMost, cut });
  const customerSweep = await sweepResource(shop, client, customers, { copiesAtMost, cut });
  await tombstoneOrders(shop, orderSweep.gone, now);
  for (const id of customerSweep.gone) await removeCustomer(shop, id, now, null);

  const copyable = (lacking: bigint[]) => (lacking.length <= copiesAtMost ? lacking : []);
  let copiedOrders = 0;
  for (const search of idSearches(copyable(orderSweep.lacking))) copiedOrders += (await copyOrders(shop, client, search)).length;
  let copiedCustomers = 0;
  for (const search of idSearches(copyable(customerSweep.lacking))) copiedCustomers += await copyCustomers(shop, client, search);
  // The copy counted again where anything was removed or copied (a webhook may have written meanwhile).
  return {
    removed: { orders: orderSweep.gone, customers: customerSweep.gone },
    check: {
      ordersSince: orders.since,
      orders: { shopify: orderSweep.shopify, copy: await orderSweep.countAfter() },
      customers: { shopify: customerSweep.shopify, copy: await customerSweep.countAfter() },
      removed: { orders: orderSweep.gone.length, customers: customerSweep.gone.length },
      restored: { orders: copiedOrders, customers: copiedCustomers },
    },
  };
}
