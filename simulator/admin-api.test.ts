import { DateTime } from "luxon";
import { beforeAll, describe, expect, it } from "vitest";
import { AdminApi, type AdminResponse } from "./admin-api";
import { formatMinor } from "./money";
import { loadAdminSchema, validateAdminDocument } from "./schema";
import { generateStore } from "./seed";
import { gid, orderRefunded, orderTotal, refundReturns } from "./truth";

const NOW = "2026-11-15T12:00:00Z";
const store = generateStore({ seed: 11, now: NOW, customers: 300 });

interface OrdersPage {
  orders: {
    edges: Array<{ cursor: string; node: { id: string; updatedAt: string } }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

function data<T>(response: AdminResponse): T {
  expect(response.body.errors).toBeUndefined();
  return response.body.data as T;
}

let api: AdminApi;
beforeAll(() => {
  api = new AdminApi({ schema: loadAdminSchema(), now: () => new Date(NOW), bucket: { maximumAvailable: 100_000, restoreRate: 100_000 } });
});

describe("orders paging and search", () => {
  it("GIVEN updated_at:>= and sortKey UPDATED_AT, paging 50 at a time returns exactly the expected ids in order", async () => {
    const since = "2026-06-01T00:00:00Z";
    const expected = store.orders
      .filter((o) => o.updatedAt >= since)
      .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt) || a.id - b.id)
      .map((o) => gid("Order", o.id));
    expect(expected.length).toBeGreaterThan(100);

    const query = `query OrdersUpdatedSince($after: String, $q: String!) {
      orders(first: 50, after: $after, sortKey: UPDATED_AT, query: $q) {
        edges { cursor node { id updatedAt } }
        pageInfo { hasNextPage endCursor }
      }
    }`;
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page: OrdersPage = data<OrdersPage>(await api.execute({ store, query, variables: { after, q: `updated_at:>='${since}'` } }));
      pages++;
      expect(page.orders.edges.length).toBeLessThanOrEqual(50);
      seen.push(...page.orders.edges.map((e) => e.node.id));
      if (!page.orders.pageInfo.hasNextPage) break;
      after = page.orders.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 50));

    const count = data<{ ordersCount: { count: number; precision: string } }>(
      await api.execute({ store, query: `{ ordersCount(query: "updated_at:>='${since}'") { count precision } }` }),
    );
    expect(count.ordersCount).toEqual({ count: expected.length, precision: "EXACT" });
  });

  it("keeps a keyset cursor valid when an order moves while paging", async () => {
    const query = `query P($after: String) { orders(first: 20, after: $after, sortKey: UPDATED_AT) { nodes { id } pageInfo { hasNextPage endCursor } } }`;
    const local = generateStore({ seed: 3, now: NOW, customers: 60, domain: "keyset.myshopify.com" });
    const first = data<{ orders: { nodes: Array<{ id: string }>; pageInfo: { endCursor: string } } }>(await api.execute({ store: local, query }));
    // An order already seen gets updated: it moves to the end, and must show up again later, not shift the pages.
    const seenOrder = local.orders.find((o) => gid("Order", o.id) === first.orders.nodes[0].id);
    if (!seenOrder) throw new Error("first order not found");
    seenOrder.updatedAt = NOW;
    const rest: string[] = [];
    let after: string | null = first.orders.pageInfo.endCursor;
    for (;;) {
      const page: { orders: { nodes: Array<{ id: string }>; pageInfo: { hasNextPage: boolean; endCursor: string } } } = data(await api.execute({ store: local, query, variables: { after } }));
      rest.push(...page.orders.nodes.map((n) => n.id));
      if (!page.orders.pageInfo.hasNextPage) break;
      after = page.orders.pageInfo.endCursor;
    }
    expect(rest.length).toBe(local.orders.length - 20 + 1);
    expect(rest).toContain(gid("Order", seenOrder.id));
    expect(new Set([...first.orders.nodes.map((n) => n.id), ...rest]).size).toBe(local.orders.length);
  });

  it("reads a bare date as the shop's local day (a DST day has 23 hours of orders)", async () => {
    const zone = store.shop.ianaTimezone;
    const dstOrder = store.orders.find((o) => {
      const d = DateTime.fromISO(o.processedAt, { zone }).startOf("day");
      return d.plus({ days: 1 }).diff(d, "hours").hours === 23;
    });
    if (!dstOrder) throw new Error("no order on a spring-forward day");
    const day = DateTime.fromISO(dstOrder.processedAt, { zone }).toISODate() as string;
    const expected = store.orders
      .filter((o) => DateTime.fromISO(o.processedAt, { zone }).toISODate() === day)
      .map((o) => gid("Order", o.id))
      .sort();
    const result = data<{ orders: { nodes: Array<{ id: string }> } }>(
      await api.execute({ store, query: `{ orders(first: 250, query: "processed_at:${day}") { nodes { id } } }` }),
    );
    expect(result.orders.nodes.map((n) => n.id).sort()).toEqual(expected);
    expect(expected).toContain(gid("Order", dstOrder.id));
  });

  it("pages backwards with last/before and reverse", async () => {
    const ids = store.orders.slice().sort((a, b) => a.processedAt.localeCompare(b.processedAt) || a.id - b.id).map((o) => gid("Order", o.id));
    const reversed = data<{ orders: { nodes: Array<{ id: string }> } }>(await api.execute({ store, query: `{ orders(first: 5, reverse: true) { nodes { id } } }` }));
    expect(reversed.orders.nodes.map((n) => n.id)).toEqual(ids.slice(-5).reverse());
    const lastPage = data<{ orders: { nodes: Array<{ id: string }>; pageInfo: { hasPreviousPage: boolean; hasNextPage: boolean; startCursor: string } } }>(
      await api.execute({ store, query: `{ orders(last: 3) { nodes { id } pageInfo { hasPreviousPage hasNextPage startCursor } } }` }),
    );
    expect(lastPage.orders.nodes.map((n) => n.id)).toEqual(ids.slice(-3));
    expect(lastPage.orders.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    const before = data<{ orders: { nodes: Array<{ id: string }> } }>(
      await api.execute({ store, query: `query B($c: String) { orders(last: 2, before: $c) { nodes { id } } }`, variables: { c: lastPage.orders.pageInfo.startCursor } }),
    );
    expect(before.orders.nodes.map((n) => n.id)).toEqual(ids.slice(-5, -3));
  });

  it("reports a count above the limit as AT_LEAST", async () => {
    const result = data<{ ordersCount: { count: number; precision: string } }>(await api.execute({ store, query: `{ ordersCount(limit: 10) { count precision } }` }));
    expect(result.ordersCount).toEqual({ count: 10, precision: "AT_LEAST" });
  });

  it("ignores an unknown search field like Shopify, with a warning in extensions.search", async () => {
    const response = await api.execute({ store, query: `{ ordersCount(query: "colour:blue") { count } }` });
    expect(data<{ ordersCount: { count: number } }>(response).ordersCount.count).toBe(store.orders.length);
    expect(response.body.extensions.search?.[0].warnings[0]).toMatchObject({ field: "colour" });
  });
});

describe("order, customer and node fields", () => {
  it("serves every field a sync reads, without errors", async () => {
    const money = "{ shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }";
    // Far above Shopify's single-query limit: only the fields are under test here.
    const unlimited = new AdminApi({ schema: api.schema, now: () => new Date(NOW), maxQueryCost: Number.MAX_SAFE_INTEGER, bucket: { maximumAvailable: Number.MAX_SAFE_INTEGER } });
    const response = await unlimited.execute({
      store,
      query: `query FullSync {
        shop { id name myshopifyDomain ianaTimezone timezoneAbbreviation currencyCode email plan { publicDisplayName partnerDevelopment shopifyPlus } }
        orders(first: 100, sortKey: ID) { nodes {
          id legacyResourceId name createdAt updatedAt processedAt cancelledAt closedAt test currencyCode presentmentCurrencyCode
          taxesIncluded sourceName displayFinancialStatus customer { id }
          subtotalPriceSet ${money} currentSubtotalPriceSet ${money} totalDiscountsSet ${money} totalTaxSet ${money}
          totalShippingPriceSet ${money} totalPriceSet ${money} currentTotalPriceSet ${money} totalRefundedSet ${money}
          refunds(first: 10) { id legacyResourceId createdAt updatedAt processedAt totalRefundedSet ${money}
            refundLineItems(first: 20) { nodes { id quantity subtotalSet ${money} totalTaxSet ${money} priceSet ${money} lineItem { id } } }
            refundShippingLines(first: 5) { nodes { subtotalAmountSet ${money} } } }
          lineItems(first: 10) { nodes { id quantity currentQuantity originalUnitPriceSet ${money} originalTotalSet ${money} discountedTotalSet ${money} totalDiscountSet ${money} } }
          customerJourneySummary { customerOrderIndex firstVisit { source sourceType utmParameters { source medium campaign } } }
        } }
        customers(first: 100) { nodes { id legacyResourceId createdAt updatedAt numberOfOrders amountSpent { amount currencyCode } } }
      }`,
    });
    expect(response.body.errors ?? []).toEqual([]);
    const orders = (response.body.data as { orders: { nodes: Array<{ taxesIncluded: boolean; refunds: unknown[] }> } }).orders.nodes;
    expect(orders).toHaveLength(100);
    expect(orders.every((o) => o.taxesIncluded === false)).toBe(true);
    expect(orders.some((o) => o.refunds.length > 0)).toBe(true);
  });

  it("fails loudly on a field the simulator does not implement", async () => {
    const response = await api.execute({ store, query: `{ orders(first: 1) { nodes { id fulfillmentsCount { count } } } }` });
    expect(response.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/Order\.fulfillmentsCount is not implemented/), extensions: { code: "NOT_IMPLEMENTED" } });
  });

  it("exposes money as strings, refunds as a list with line items, and lifetime customer figures", async () => {
    const order = store.orders.find((o) => o.refunds.length > 0 && o.customerId !== null && !o.test);
    if (!order) throw new Error("no refunded customer order");
    const result = data<{
      order: {
        id: string;
        legacyResourceId: string;
        currencyCode: string;
        totalPriceSet: { shopMoney: { amount: string; currencyCode: string } };
        totalRefundedSet: { shopMoney: { amount: string } };
        displayFinancialStatus: string;
        customer: { id: string; numberOfOrders: string; legacyResourceId: string };
        refunds: Array<{ refundLineItems: { nodes: Array<{ subtotalSet: { shopMoney: { amount: string } }; lineItem: { id: string } }> } }>;
        lineItems: { nodes: Array<{ id: string }> };
      };
    }>(
      await api.execute({
        store,
        query: `query O($id: ID!) { order(id: $id) {
          id legacyResourceId currencyCode displayFinancialStatus
          totalPriceSet { shopMoney { amount currencyCode } }
          totalRefundedSet { shopMoney { amount } }
          customer { id legacyResourceId numberOfOrders }
          refunds(first: 10) { refundLineItems(first: 10) { nodes { subtotalSet { shopMoney { amount } } lineItem { id } } } }
          lineItems(first: 10) { nodes { id } }
        } }`,
        variables: { id: gid("Order", order.id) },
      }),
    );
    expect(result.order.id).toBe(gid("Order", order.id));
    expect(result.order.legacyResourceId).toBe(String(order.id));
    expect(result.order.totalPriceSet.shopMoney).toEqual({ amount: formatMinor(orderTotal(order), "USD"), currencyCode: "USD" });
    expect(result.order.totalRefundedSet.shopMoney.amount).toBe(formatMinor(orderRefunded(order), "USD"));
    expect(result.order.totalPriceSet.shopMoney.amount).toMatch(/^\d+\.\d{2}$/);
    const lineIds = new Set(result.order.lineItems.nodes.map((n) => n.id));
    const refundSubtotals = result.order.refunds.map((r) => r.refundLineItems.nodes.reduce((s, n) => s + Math.round(Number(n.subtotalSet.shopMoney.amount) * 100), 0));
    expect(refundSubtotals).toEqual(order.refunds.map(refundReturns));
    for (const r of result.order.refunds) for (const n of r.refundLineItems.nodes) expect(lineIds.has(n.lineItem.id)).toBe(true);
    expect(result.order.customer.id).toBe(gid("Customer", order.customerId as number));
    const expectedCount = store.orders.filter((o) => o.customerId === order.customerId && !o.test).length;
    expect(result.order.customer.numberOfOrders).toBe(String(expectedCount));
  });

  it("resolves node and nodes to the right __typename, null for unknown ids", async () => {
    const order = store.orders[0];
    const customer = store.customers[0];
    const result = data<{ node: { __typename: string; id: string }; nodes: Array<{ __typename: string; id?: string; createdAt?: string } | null> }>(
      await api.execute({
        store,
        query: `query N($o: ID!, $ids: [ID!]!) { node(id: $o) { __typename id } nodes(ids: $ids) { __typename ... on Customer { id createdAt } ... on Order { id } } }`,
        variables: { o: gid("Order", order.id), ids: [gid("Customer", customer.id), gid("Order", 1)] },
      }),
    );
    expect(result.node).toEqual({ __typename: "Order", id: gid("Order", order.id) });
    expect(result.nodes).toEqual([{ __typename: "Customer", id: gid("Customer", customer.id), createdAt: customer.createdAt }, null]);
  });

  it("answers shop with the zone, its abbreviation at the clock's instant, and the currency", async () => {
    const result = data<{ shop: { ianaTimezone: string; timezoneAbbreviation: string; currencyCode: string; myshopifyDomain: string } }>(
      await api.execute({ store, query: `{ shop { ianaTimezone timezoneAbbreviation currencyCode myshopifyDomain } }` }),
    );
    expect(result.shop).toEqual({ ianaTimezone: "America/New_York", timezoneAbbreviation: "EST", currencyCode: "USD", myshopifyDomain: store.shop.domain });
  });

  it("pages customers with customersCount", async () => {
    const result = data<{ customers: { nodes: Array<{ id: string }> }; customersCount: { count: number } }>(
      await api.execute({ store, query: `{ customers(first: 5, sortKey: CREATED_AT) { nodes { id } } customersCount { count } }` }),
    );
    const expected = store.customers.slice().sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id - b.id).slice(0, 5).map((c) => gid("Customer", c.id));
    expect(result.customers.nodes.map((n) => n.id)).toEqual(expected);
    expect(result.customersCount.count).toBe(store.customers.length);
  });
});

describe("Shopify-shaped errors", () => {
  it("rejects an unknown field with Shopify's wording, code, locations and path (HTTP 200)", async () => {
    const response = await api.execute({ store, query: `query Bad { orders(first: 1) { nodes { id colour } } }` });
    expect(response.status).toBe(200);
    expect(response.body.data).toBeUndefined();
    expect(response.body.errors).toEqual([
      {
        message: "Field 'colour' doesn't exist on type 'Order'",
        locations: [{ line: 1, column: 43 }],
        path: ["query Bad", "orders", "nodes", "colour"],
        extensions: { code: "undefinedField", typeName: "Order", fieldName: "colour" },
      },
    ]);
    expect(response.body.extensions.cost.throttleStatus.maximumAvailable).toBe(100_000);
  });

  it("refuses deprecated fields (Customer.email) in the simulator and in validateAdminDocument", async () => {
    const doc = `{ customers(first: 1) { nodes { id email } } }`;
    const response = await api.execute({ store, query: doc });
    expect(response.body.errors?.[0].extensions?.code).toBe("deprecatedField");
    expect(response.body.errors?.[0].message).toMatch(/Customer\.email is deprecated/);
    expect(validateAdminDocument(doc).map((e) => e.message)).toEqual([expect.stringMatching(/Customer\.email is deprecated/)]);
    expect(validateAdminDocument(`{ customers(first: 1) { nodes { id defaultEmailAddress { emailAddress } } } }`)).toEqual([]);
    expect(validateAdminDocument(`{ shop { name `)[0].message).toMatch(/Syntax Error/);
  });

  it("requires first or last on connections", async () => {
    const response = await api.execute({ store, query: `{ orders(query: "test:false") { nodes { id } } }` });
    expect(response.body.errors?.[0]).toMatchObject({ message: "you must provide one of first or last", path: ["query", "orders"] });
    const tooMany = await api.execute({ store, query: `{ orders(first: 251) { nodes { id } } }` });
    expect(tooMany.body.errors?.[0].message).toMatch(/between 0 and 250/);
  });

  it("refuses a single query over 1000 points with MAX_COST_EXCEEDED", async () => {
    const response = await api.execute({ store, query: `{ orders(first: 250) { nodes { id lineItems(first: 50) { nodes { id } } } } }` });
    expect(response.body.errors?.[0].extensions).toMatchObject({ code: "MAX_COST_EXCEEDED", maxCost: 1000 });
    expect(response.body.extensions.cost.requestedQueryCost).toBe(2 + 250 * (1 + 2 + 50));
  });

  it("denies orders without read_orders and hides orders older than 60 days without read_all_orders", async () => {
    const denied = await api.execute({ store, query: `{ orders(first: 1) { nodes { id } } }`, scopes: ["read_customers"] });
    expect(denied.body.errors?.[0].extensions?.code).toBe("ACCESS_DENIED");
    const recent = data<{ ordersCount: { count: number } }>(await api.execute({ store, query: `{ ordersCount { count } }`, scopes: ["read_orders"] }));
    const cutoff = Date.parse(NOW) - 60 * 86_400_000;
    expect(recent.ordersCount.count).toBe(store.orders.filter((o) => Date.parse(o.createdAt) >= cutoff).length);
    expect(recent.ordersCount.count).toBeLessThan(store.orders.length);
  });
});

describe("cost and throttling", () => {
  const query = `{ orders(first: 10) { nodes { id totalPriceSet { shopMoney { amount } } } } }`;
  // 2 + 10 × (order 1 + MoneyBag 1 + MoneyV2 1)
  const requested = 32;

  it("charges the requested cost, refunds the difference with the actual cost", async () => {
    let t = Date.parse(NOW);
    const small = new AdminApi({ schema: api.schema, now: () => new Date(t), bucket: { maximumAvailable: 100, restoreRate: 10 } });
    const tiny = generateStore({ seed: 9, now: NOW, customers: 4, domain: "tiny.myshopify.com" });
    const response = await small.execute({ store: tiny, query });
    const cost = response.body.extensions.cost;
    expect(cost.requestedQueryCost).toBe(requested);
    expect(cost.actualQueryCost).toBe(2 + Math.min(10, tiny.orders.length) * 3);
    expect(cost.throttleStatus).toEqual({ maximumAvailable: 100, currentlyAvailable: 100 - (cost.actualQueryCost ?? 0), restoreRate: 10 });
    // The shop's usage counts what was spent, not what was asked.
    expect(small.usage("tiny.myshopify.com")).toEqual({ requests: 1, cost: cost.actualQueryCost, throttled: 0 });
    expect(small.usage("other.myshopify.com")).toEqual({ requests: 0, cost: 0, throttled: 0 });
  });

  it("GIVEN a small bucket WHEN queries come quickly THEN THROTTLED, and the bucket refills at the restore rate", async () => {
    let t = Date.parse(NOW);
    const small = new AdminApi({ schema: api.schema, now: () => new Date(t), bucket: { maximumAvailable: 100, restoreRate: 10 } });
    const results: AdminResponse[] = [];
    for (let i = 0; i < 4; i++) results.push(await small.execute({ store, query, bucketKey: "shop-a" }));
    expect(results.slice(0, 3).every((r) => r.body.errors === undefined)).toBe(true);
    const throttled = results[3].body;
    expect(throttled.data).toBeUndefined();
    expect(throttled.errors).toEqual([
      { message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } },
    ]);
    expect(throttled.extensions.cost).toEqual({
      requestedQueryCost: requested,
      actualQueryCost: null,
      throttleStatus: { maximumAvailable: 100, currentlyAvailable: 100 - 3 * requested, restoreRate: 10 },
    });
    // Another shop has its own bucket.
    expect((await small.execute({ store, query, bucketKey: "shop-b" })).body.errors).toBeUndefined();
    t += 3_000; // +30 points
    const after = await small.execute({ store, query, bucketKey: "shop-a" });
    expect(after.body.errors).toBeUndefined();
    expect(after.body.extensions.cost.throttleStatus.currentlyAvailable).toBe(100 - 3 * requested + 30 - requested);
    // Usage is per shop (both buckets were the same store's): six calls, one THROTTLED.
    expect(small.usage(store.shop.domain)).toMatchObject({ requests: 6, throttled: 1 });
  });

  it("sizes each shop's bucket for its plan when asked (Standard 100/s, Advanced 200/s, Plus 1,000/s)", async () => {
    const byPlan = new AdminApi({ schema: api.schema, now: () => new Date(NOW), bucket: { maximumAvailable: 100, restoreRate: 10 }, bucketsByPlan: true });
    const withPlan = (publicDisplayName: string, shopifyPlus: boolean) =>
      generateStore({ seed: 9, now: NOW, customers: 4, domain: `${publicDisplayName.toLowerCase()}.myshopify.com`, plan: { publicDisplayName, partnerDevelopment: false, shopifyPlus } });
    for (const [store, restoreRate] of [[withPlan("Grow", false), 100], [withPlan("Advanced", false), 200], [withPlan("Plus", true), 1_000]] as const) {
      const { cost } = (await byPlan.execute({ store, query })).body.extensions;
      expect(cost.throttleStatus).toEqual({ maximumAvailable: restoreRate * 20, currentlyAvailable: restoreRate * 20 - (cost.actualQueryCost ?? 0), restoreRate });
    }
  });
});
