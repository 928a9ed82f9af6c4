import { beforeAll, describe, expect, it } from "vitest";
import { AdminApi } from "./admin-api";
import { cancelOrder, deleteOrder, mergeCustomers, placeOrder, refundOrder, touchOrder } from "./mutations";
import { loadAdminSchema } from "./schema";
import { generateStore } from "./seed";
import { gid, orderRefunded, orderTotal } from "./truth";

const NOW = "2026-11-15T12:00:00Z";
let api: AdminApi;
beforeAll(() => {
  api = new AdminApi({ schema: loadAdminSchema(), now: () => new Date("2026-11-20T00:00:00Z") });
});

describe("live changes to a store", () => {
  it("places an order for a new customer with fresh, larger ids and the webhooks Shopify sends", () => {
    const store = generateStore({ seed: 2, now: NOW, customers: 40, domain: "live.myshopify.com" });
    const maxOrderId = Math.max(...store.orders.map((o) => o.id));
    const placed = placeOrder(store, { at: "2026-11-16T10:00:00Z", customerId: "new", seed: 1 });
    expect(placed.order.id).toBeGreaterThan(maxOrderId);
    expect(placed.order.customerId).toBe(placed.customer?.id);
    expect(placed.events.map((e) => e.topic)).toEqual(["customers/create", "orders/create", "customers/update"]);
    expect(placed.events[1].payload).toMatchObject({ id: placed.order.id, customer: { id: placed.customer?.id } });
    expect(new Set(store.orders.flatMap((o) => o.lineItems.map((l) => l.id))).size).toBe(store.orders.reduce((s, o) => s + o.lineItems.length, 0));
  });

  it("refunds, cancels, edits and deletes, keeping updatedAt ahead; a catch-up query finds exactly the changed orders", async () => {
    const store = generateStore({ seed: 2, now: NOW, customers: 40, domain: "live.myshopify.com" });
    const [a, b, c, d] = store.orders.filter((o) => !o.test && o.refunds.length === 0 && o.cancelledAt === null).slice(-4);
    const refund = refundOrder(store, { orderId: a.id, at: "2026-11-16T09:00:00Z", kind: "full", seed: 3 });
    expect(refund.refund?.processedAt).toBe("2026-11-16T09:00:00Z");
    expect(orderRefunded(a)).toBe(orderTotal(a));
    expect(refund.events.map((e) => e.topic)).toEqual(["refunds/create", "orders/updated"]);
    const cancelled = cancelOrder(store, { orderId: b.id, at: "2026-11-16T09:30:00Z" });
    expect(cancelled.events.map((e) => e.topic)).toEqual(["orders/cancelled", "refunds/create", "orders/updated"]);
    expect(b.updatedAt >= (b.cancelledAt as string)).toBe(true);
    touchOrder(store, { orderId: c.id, at: "2026-11-16T10:00:00Z", tag: "gift" });
    const deleted = deleteOrder(store, { orderId: d.id, at: "2026-11-16T11:00:00Z" });
    expect(deleted.events[0]).toMatchObject({ topic: "orders/delete", payload: { id: d.id } });
    expect(() => refundOrder(store, { orderId: a.id, at: a.processedAt, kind: "partial", seed: 1 })).toThrow(/after its order/);

    const response = await api.execute({ store, query: `{ orders(first: 50, sortKey: UPDATED_AT, query: "updated_at:>='2026-11-16T00:00:00Z'") { nodes { id } } }` });
    const ids = (response.body.data as { orders: { nodes: Array<{ id: string }> } }).orders.nodes.map((n) => n.id);
    expect(ids).toEqual([a, b, c].map((o) => gid("Order", o.id)));
  });

  it("merges customers: the deleted customer's orders move to the kept one", () => {
    const store = generateStore({ seed: 2, now: NOW, customers: 40, domain: "live.myshopify.com" });
    const withOrders = store.customers.filter((c) => store.orders.some((o) => o.customerId === c.id));
    const [kept, gone] = withOrders;
    const moved = store.orders.filter((o) => o.customerId === gone.id).map((o) => o.id);
    const result = mergeCustomers(store, { keptId: kept.id, deletedId: gone.id, at: "2026-11-16T12:00:00Z" });
    expect(store.customers.some((c) => c.id === gone.id)).toBe(false);
    for (const id of moved) expect(store.orders.find((o) => o.id === id)?.customerId).toBe(kept.id);
    expect(result.events[0].topic).toBe("customers/merge");
  });
});

describe("tagging customers (tagsAdd, tagsRemove)", () => {
  const ADD = `mutation Add($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) { node { id ... on Customer { tags } } userErrors { field message } } }`;
  const REMOVE = `mutation Remove($id: ID!, $tags: [String!]!) { tagsRemove(id: $id, tags: $tags) { node { id ... on Customer { tags } } userErrors { field message } } }`;
  const READ = `query Read($id: ID!) { customer(id: $id) { tags } }`;
  const SCOPES = ["read_customers", "write_customers"];

  it("adds tags (comma lists split, case-insensitive duplicates kept once), reads them back and removes them, at a mutation's cost", async () => {
    const store = generateStore({ seed: 4, now: NOW, customers: 10, domain: "tags.myshopify.com" });
    const customer = store.customers[0];
    const id = gid("Customer", customer.id);
    const before = [...customer.tags];
    const added = await api.execute({ store, query: ADD, variables: { id, tags: ["Win back, vip", "win BACK"] }, scopes: SCOPES });
    expect(added.body.errors).toBeUndefined();
    expect(added.body.data?.tagsAdd).toEqual({ node: { id, tags: [...before, "Win back", "vip"] }, userErrors: [] });
    // A mutation costs 10 plus its selection.
    expect(added.body.extensions.cost.requestedQueryCost).toBeGreaterThanOrEqual(10);
    const read = await api.execute({ store, query: READ, variables: { id }, scopes: SCOPES });
    expect(read.body.data?.customer).toEqual({ tags: [...before, "Win back", "vip"] });
    const removed = await api.execute({ store, query: REMOVE, variables: { id, tags: ["win back"] }, scopes: SCOPES });
    expect(removed.body.data?.tagsRemove).toEqual({ node: { id, tags: [...before, "vip"] }, userErrors: [] });
    expect(store.customers[1].tags).toEqual(generateStore({ seed: 4, now: NOW, customers: 10, domain: "tags.myshopify.com" }).customers[1].tags);
  });

  it("answers a userError for an unknown customer or a tag too long, changing nothing", async () => {
    const store = generateStore({ seed: 4, now: NOW, customers: 10, domain: "tags.myshopify.com" });
    const unknown = await api.execute({ store, query: ADD, variables: { id: gid("Customer", 999_999_999), tags: ["x"] }, scopes: SCOPES });
    expect(unknown.body.data?.tagsAdd).toEqual({ node: null, userErrors: [{ field: ["id"], message: "Resource not found" }] });
    const customer = store.customers[2];
    const tags = [...customer.tags];
    const long = await api.execute({ store, query: ADD, variables: { id: gid("Customer", customer.id), tags: ["x".repeat(256)] }, scopes: SCOPES });
    expect((long.body.data?.tagsAdd as { userErrors: unknown[] }).userErrors).toHaveLength(1);
    expect(customer.tags).toEqual(tags);
  });

  it("refuses a token without write_customers", async () => {
    const store = generateStore({ seed: 4, now: NOW, customers: 10, domain: "tags.myshopify.com" });
    const denied = await api.execute({ store, query: ADD, variables: { id: gid("Customer", store.customers[0].id), tags: ["x"] }, scopes: ["read_customers"] });
    expect(denied.body.errors?.[0].extensions?.code).toBe("ACCESS_DENIED");
    expect(store.customers[0].tags).not.toContain("x");
  });
});
