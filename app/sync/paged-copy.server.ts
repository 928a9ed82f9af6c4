// Orders and customers read a page at a time through Admin GraphQL and written through the order
// writer, for any search query: the paged catch-up's (updated since its cursor) and the sweep's
// (the ids the copy lacks, sweep.server.ts).
import { connectionPages, type AdminClient } from "#app/shopify/admin-client.server";
import { CUSTOMERS_UPDATED_SINCE, ORDERS_UPDATED_SINCE } from "#app/shopify/queries";
import { completeOrder, type PagedOrderNode } from "./complete-order.server";
import { customerRow, orderRows, type CustomerNode } from "./order-rows";
import { writeCustomers, writeOrders } from "./order-writer.server";

/**
 * Copies every order matching `query` (all of them when undefined), each completed with the
 * nested items its page left out, one write per page; `onPage` hears how many were read.
 * Returns the ids of the orders applied (an older version than the copy's is not).
 */
export async function copyOrders(
  shop: string,
  client: AdminClient,
  query: string | undefined,
  onPage: (read: number) => Promise<void> = async () => {},
): Promise<bigint[]> {
  const applied: bigint[] = [];
  for await (const page of connectionPages<PagedOrderNode>(client, ORDERS_UPDATED_SINCE, "orders", { query })) {
    const nodes = await Promise.all(page.map((node) => completeOrder(client, node)));
    applied.push(...(await writeOrders(shop, nodes.map((node) => orderRows(shop, node)))));
    await onPage(nodes.length);
  }
  return applied;
}

/** Copies every customer matching `query` (all of them when undefined); returns how many were applied. */
export async function copyCustomers(shop: string, client: AdminClient, query: string | undefined): Promise<number> {
  let applied = 0;
  for await (const page of connectionPages<CustomerNode>(client, CUSTOMERS_UPDATED_SINCE, "customers", { query })) {
    applied += await writeCustomers(shop, page.map((node) => customerRow(shop, node)));
  }
  return applied;
}
