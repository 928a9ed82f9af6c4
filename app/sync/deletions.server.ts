// Deletions a webhook never told the app about. The paged catch-up re-reads what changed since
// its cursor, but a deleted order or customer (deleted, or merged into another customer) leaves
// nothing to read. So each run compares how many records Shopify and the copy hold over a range
// of ids; where the counts disagree it halves the range (at the copy's median id) until a range
// is small enough to list Shopify's ids, and removes what Shopify no longer has, exactly as the
// delete webhook would have.
//
// A run where nothing was lost costs two count queries per resource. k lost deletions among n
// records cost about k·log2(n/250) counts and k id pages.
//
// The ranges end at the copy's highest id: a record created after the catch-up read the store
// has a higher id (Shopify's ids grow), so it cannot hide a deletion by balancing the counts.
import { Prisma } from "@prisma/client";
import prisma from "#app/db.server";
import { connectionPages, type AdminClient } from "#app/shopify/admin-client.server";
import { gidToId } from "#app/shopify/gid";
import { CUSTOMER_IDS, CUSTOMERS_COUNT, ID_PAGE_SIZE, ORDER_IDS, ORDERS_COUNT } from "#app/shopify/queries";
import { removeCustomer, tombstoneOrders } from "./order-writer.server";
import type { CountCheck, ShopifyCheck } from "./sync-state.server";

/** Without read_all_orders Shopify shows an app the last 60 days of orders: compare within them. */
const LIMITED_HISTORY_DAYS = 58;

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
    async bounds(): Promise<IdRange | null> {
      const [row] = await prisma.$queryRaw<Array<{ lo: bigint | null; hi: bigint | null }>>`SELECT min(id) AS lo, max(id) AS hi ${live}`;
      return row.lo === null || row.hi === null ? null : { lo: BigInt(row.lo), hi: BigInt(row.hi) };
    },
  };
}

/**
 * Ids the copy holds in `range` that Shopify no longer has. `counted`: both sides' counts over
 * the range, when the caller has them already.
 */
async function missingFromShopify(
  shop: string,
  client: AdminClient,
  resource: Resource,
  range: IdRange,
  counted?: { ours: number; theirs: number },
): Promise<bigint[]> {
  const local = localSide(shop, resource);
  const ours = counted?.ours ?? (await local.count(range));
  if (ours === 0) return [];
  const theirs = counted?.theirs ?? (await remoteCount(client, resource, range));
  if (theirs === ours) return [];
  if (ours <= ID_PAGE_SIZE) {
    const present = await remoteIds(client, resource, range);
    return (await local.ids(range)).filter((id) => !present.has(id));
  }
  const middle = await local.idAt(range, Math.floor(ours / 2) - 1);
  return [
    ...(await missingFromShopify(shop, client, resource, { lo: range.lo, hi: middle })),
    ...(await missingFromShopify(shop, client, resource, { lo: middle + 1n, hi: range.hi })),
  ];
}

export interface DeletionSweep {
  orders: bigint[];
  customers: bigint[];
  check: ShopifyCheck;
}

/**
 * Both sides' counts over the copy's ids of one kind (none: Shopify's over all of them), and
 * what the copy holds there that Shopify does not.
 */
async function sweepResource(shop: string, client: AdminClient, resource: Resource): Promise<{ missing: bigint[]; counts: CountCheck }> {
  const local = localSide(shop, resource);
  const range = await local.bounds();
  if (!range) return { missing: [], counts: { shopify: await remoteCount(client, resource, null), copy: 0 } };
  const ours = await local.count(range);
  const theirs = await remoteCount(client, resource, range);
  const missing = await missingFromShopify(shop, client, resource, range, { ours, theirs });
  return { missing, counts: { shopify: theirs, copy: ours - missing.length } };
}

/**
 * Finds the orders and customers the copy holds that Shopify no longer has, and removes them
 * the way orders/delete and customers/delete do (orders stay as tombstones, never counted).
 * Run after a catch-up: a customer merged away has by then had their orders moved. Returns
 * what it removed and both sides' counts afterwards (`check`), which the Data sync page shows.
 */
export async function sweepDeletions(shop: string, client: AdminClient, now = new Date()): Promise<DeletionSweep> {
  const row = await prisma.shop.findUnique({ where: { domain: shop }, select: { scopes: true } });
  const fullHistory = row?.scopes.split(",").map((s) => s.trim()).includes("read_all_orders") ?? false;
  const orders: Resource = {
    type: "Order",
    countQuery: ORDERS_COUNT,
    idsQuery: ORDER_IDS,
    since: fullHistory ? null : new Date(now.getTime() - LIMITED_HISTORY_DAYS * 86_400_000),
  };
  const customers: Resource = { type: "Customer", countQuery: CUSTOMERS_COUNT, idsQuery: CUSTOMER_IDS, since: null };

  const orderSweep = await sweepResource(shop, client, orders);
  const customerSweep = await sweepResource(shop, client, customers);
  await tombstoneOrders(shop, orderSweep.missing, now);
  for (const id of customerSweep.missing) await removeCustomer(shop, id, now, null);
  return {
    orders: orderSweep.missing,
    customers: customerSweep.missing,
    check: { ordersSince: orders.since, orders: orderSweep.counts, customers: customerSweep.counts },
  };
}
