// GIVEN a simulated store, WHEN its orders and refunds are read from the REST webhook payloads
// Shopify sends, THEN they become exactly the rows the app stores when it reads the same orders
// through Admin GraphQL (the paged sync's queries, run by the simulator). And a payload that
// does not fit its topic is refused, saying where, without repeating its values.
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { BIGINT_MAX } from "#app/db-values";
import { createAdminClient } from "#app/shopify/admin-client.server";
import { fromMinorUnits } from "#app/shopify/money";
import { ORDERS_UPDATED_SINCE } from "#app/shopify/queries";
import { completeOrder, type PagedOrderNode } from "#app/sync/complete-order.server";
import { orderRows, type OrderRows } from "#app/sync/order-rows";
import { customerIdForEmail, storablePayload, type Json } from "./personal-data";
import { parseWebhook, payloadAsStored, restOrderRows, restRefundRows, WEBHOOK_TOPICS } from "#app/sync/rest-payloads";
import { AdminApi } from "#simulator/admin-api";
import { loadAdminSchema } from "#simulator/schema";
import { generateStore } from "#simulator/seed";
import type { SimStore } from "#simulator/types";
import {
  bulkOperationFinishPayload,
  customerDeletePayload,
  customersDataRequestPayload,
  customersMergePayload,
  customersRedactPayload,
  customerWebhookPayload,
  orderDeletePayload,
  orderEditedPayload,
  orderWebhookPayload,
  refundWebhookPayload,
  shopRedactPayload,
  shopWebhookPayload,
  type JsonObject,
} from "#simulator/webhooks";

const NOW = "2026-11-15T12:00:00Z";
const ROOT = path.resolve(import.meta.dirname, "..", "..");
let api: AdminApi;

beforeAll(() => {
  api = new AdminApi({ schema: loadAdminSchema(), now: () => new Date(NOW), bucket: { maximumAvailable: 1e9, restoreRate: 1e9 } });
});

/** Every order of the store as the paged sync reads it: GraphQL nodes → rows, by order id. */
async function graphqlRows(store: SimStore): Promise<Map<bigint, OrderRows>> {
  const shop = store.shop.domain;
  const client = createAdminClient(shop, async (query, options) => {
    const { body } = await api.execute({ store, query, variables: options?.variables });
    return new Response(JSON.stringify(body));
  });
  const rows = new Map<bigint, OrderRows>();
  let after: string | null = null;
  do {
    const page: { orders: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: PagedOrderNode[] } } =
      await client.request(ORDERS_UPDATED_SINCE, { after, query: null });
    for (const node of page.orders.nodes) {
      const row = orderRows(shop, await completeOrder(client, node));
      rows.set(row.order.id, row);
    }
    after = page.orders.pageInfo.hasNextPage ? page.orders.pageInfo.endCursor : null;
  } while (after);
  return rows;
}

describe.each([
  { label: "USD, New York", options: { seed: 31, customers: 60 } },
  { label: "JPY (no minor digits), Tokyo", options: { seed: 32, customers: 40, currencyCode: "JPY", timeZone: "Asia/Tokyo" } },
  { label: "a currency change", options: { seed: 33, customers: 80, currencyChange: { at: "2026-03-01T00:00:00Z", to: "EUR" } } },
])("REST payloads of a store in $label", ({ options }) => {
  let store: SimStore;
  let expected: Map<bigint, OrderRows>;
  beforeAll(async () => {
    store = generateStore({ ...options, now: NOW, domain: `rest-${options.seed}.myshopify.com` });
    expected = await graphqlRows(store);
  });

  it("give every order the rows its GraphQL node gives", () => {
    const shop = store.shop.domain;
    expect(expected.size).toBe(store.orders.length);
    // The fixture has what the mapping must get right.
    expect(store.orders.some((o) => o.refunds.some((r) => r.shipping))).toBe(true);
    expect(store.orders.some((o) => o.customerId === null)).toBe(true);
    expect(store.orders.some((o) => o.cancelledAt !== null)).toBe(true);
    for (const order of store.orders) {
      expect(restOrderRows(shop, orderWebhookPayload(order, store.shop))).toEqual(expected.get(BigInt(order.id)));
    }
  });

  it("give every refund (refunds/create) the rows of the same refund in its order's GraphQL node", () => {
    const shop = store.shop.domain;
    let refunds = 0;
    for (const order of store.orders) {
      const graphql = expected.get(BigInt(order.id))!;
      for (const refund of order.refunds) {
        const rows = restRefundRows(shop, refundWebhookPayload(refund, order, store.shop));
        expect(rows.refund).toEqual(graphql.refunds.find((r) => r.id === BigInt(refund.id)));
        expect(rows.refundLineItems).toEqual(graphql.refundLineItems.filter((r) => r.refundId === BigInt(refund.id)));
        expect(rows.refundShipping).toEqual(graphql.refundShipping.find((r) => r.refundId === BigInt(refund.id)));
        // Older payloads carry refunded shipping only as "shipping_refund" adjustments.
        const { refund_shipping_lines: _, ...older } = refundWebhookPayload(refund, order, store.shop);
        expect(restRefundRows(shop, older)).toEqual(rows);
        refunds++;
      }
    }
    expect(refunds).toBeGreaterThan(0);
  });

  it("read the same from what intake stores of them, which is only what is read", () => {
    const shop = store.shop.domain;
    let whole = 0;
    let kept = 0;
    for (const order of store.orders) {
      const payloads: Array<[string, JsonObject]> = [
        ["orders/updated", orderWebhookPayload(order, store.shop)],
        ...order.refunds.map((refund): [string, JsonObject] => ["refunds/create", refundWebhookPayload(refund, order, store.shop)]),
      ];
      for (const [topic, payload] of payloads) {
        const stored = storablePayload(payloadAsStored(topic, payload) as Json, topic).payload;
        expect(parseWebhook(shop, topic, stored)).toEqual(parseWebhook(shop, topic, payload));
        whole += JSON.stringify(payload).length;
        kept += JSON.stringify(stored).length;
      }
      const stored = payloadAsStored("orders/updated", orderWebhookPayload(order, store.shop)) as { line_items: object[] };
      for (const item of stored.line_items) expect(Object.keys(item).sort()).toEqual(["id", "price_set", "quantity"]);
    }
    // The fixture's payloads carry what Shopify's do: titles, SKUs, tax lines, presentment money.
    expect(kept).toBeLessThan(whole / 2);
  });
});

describe("topics", () => {
  const store = generateStore({ seed: 34, now: NOW, customers: 20, domain: "topics.myshopify.com" });
  const order = store.orders.find((o) => o.refunds.length > 0 && o.customerId !== null)!;
  const customer = store.customers.find((c) => c.id === order.customerId)!;
  const samples: Record<(typeof WEBHOOK_TOPICS)[number], JsonObject> = {
    "orders/create": orderWebhookPayload(order, store.shop, customer),
    "orders/updated": orderWebhookPayload(order, store.shop, customer),
    "orders/cancelled": orderWebhookPayload(order, store.shop, customer),
    "orders/edited": orderEditedPayload(order.id),
    "orders/delete": orderDeletePayload(order.id),
    "refunds/create": refundWebhookPayload(order.refunds[0], order, store.shop),
    "customers/create": customerWebhookPayload(customer, store.shop),
    "customers/update": customerWebhookPayload(customer, store.shop),
    "customers/delete": customerDeletePayload(customer.id),
    "customers/merge": customersMergePayload(customer.id, store.customers[0].id),
    "app/uninstalled": shopWebhookPayload(store.shop),
    "app/scopes_update": { id: 1, previous: ["read_orders"], current: ["read_orders", "read_customers"], updated_at: "2026-11-16T10:00:00-05:00" },
    "shop/update": shopWebhookPayload(store.shop),
    "bulk_operations/finish": bulkOperationFinishPayload({
      id: 5,
      status: "COMPLETED",
      errorCode: null,
      createdAt: NOW,
      completedAt: NOW,
      zone: store.shop.ianaTimezone,
    }),
    "customers/data_request": customersDataRequestPayload({ shop: store.shop, customer, ordersRequested: [order.id], dataRequestId: 9 }),
    "customers/redact": customersRedactPayload({ shop: store.shop, customer, ordersToRedact: [order.id] }),
    "shop/redact": shopRedactPayload(store.shop),
  };

  it.each(WEBHOOK_TOPICS)("%s: the simulator's payload is understood", (topic) => {
    const parsed = parseWebhook(store.shop.domain, topic, samples[topic]);
    expect(parsed).toMatchObject({ ok: true });
    if (parsed.ok) expect(parsed.change.kind).not.toBe("unhandled");
  });

  it("reads what each topic says", () => {
    const shop = store.shop.domain;
    const change = (topic: (typeof WEBHOOK_TOPICS)[number]) => {
      const parsed = parseWebhook(shop, topic, samples[topic]);
      if (!parsed.ok) throw new Error(parsed.problems.join("; "));
      return parsed.change;
    };
    expect(change("orders/edited")).toEqual({ kind: "orderEdited", orderId: BigInt(order.id) });
    expect(change("orders/delete")).toEqual({ kind: "orderDeleted", orderId: BigInt(order.id) });
    expect(change("customers/merge")).toEqual({ kind: "customersMerged", keptId: BigInt(customer.id), deletedId: BigInt(store.customers[0].id), completed: true });
    expect(change("customers/redact")).toEqual({ kind: "customerRedacted", customerId: BigInt(customer.id), importedCustomerId: null, orderIds: [BigInt(order.id)] });
    expect(change("customers/data_request")).toEqual({
      kind: "dataRequested",
      requestId: 9n,
      customerId: BigInt(customer.id),
      importedCustomerId: null,
      orderIds: [BigInt(order.id)],
    });
    // As stored, a privacy request names the key of the customer's imported orders in place of the email.
    for (const topic of ["customers/redact", "customers/data_request"] as const) {
      const stored = parseWebhook(shop, topic, storablePayload(samples[topic] as Json, topic).payload);
      expect(stored.ok && stored.change).toMatchObject({ importedCustomerId: customerIdForEmail(customer.email) });
    }
    expect(change("shop/update")).toEqual({
      kind: "shopUpdated",
      name: store.shop.name,
      timeZone: store.shop.ianaTimezone,
      currencyCode: store.shop.currencyCode,
      updatedAt: new Date(store.shop.updatedAt),
    });
    expect(change("app/scopes_update")).toEqual({ kind: "scopesUpdated", scopes: "read_orders,read_customers", updatedAt: new Date("2026-11-16T15:00:00Z") });
    expect(change("customers/update")).toEqual({
      kind: "customer",
      row: { shop, id: BigInt(customer.id), createdAt: new Date(customer.createdAt), updatedAt: new Date(customer.updatedAt) },
    });
    expect(change("bulk_operations/finish")).toEqual({ kind: "bulkOperationFinished", operationId: "gid://shopify/BulkOperation/5", status: "completed" });
  });

  it("every topic is declared in shopify.app.toml with its own route", () => {
    const toml = fs.readFileSync(path.join(ROOT, "shopify.app.toml"), "utf8");
    const declared = [...toml.matchAll(/^\s*(?:compliance_)?topics = \["([^"]+)"\]\s*\n\s*uri = "([^"]+)"/gm)].map((m) => [m[1], m[2]]);
    expect(declared.map(([topic]) => topic).sort()).toEqual([...WEBHOOK_TOPICS].sort());
    for (const [topic, uri] of declared) {
      expect(uri).toBe(`/webhooks/${topic}`);
      expect(fs.existsSync(path.join(ROOT, "app", "routes", `webhooks.${topic.replace("/", ".")}.tsx`))).toBe(true);
    }
  });
});

describe("malformed payloads", () => {
  const store = generateStore({ seed: 35, now: NOW, customers: 10, domain: "bad.myshopify.com" });
  const order = store.orders.find((o) => o.refunds.length > 0)!;
  const good = () => orderWebhookPayload(order, store.shop) as Record<string, unknown>;

  it.each([
    ["orders/updated", "money as a bare string", { ...good(), total_price_set: "19.99" }, /total_price_set: Expected object/],
    ["orders/updated", "a date that is not one", { ...good(), updated_at: "yesterday-ish" }, /updated_at: is not a date-time/],
    ["orders/create", "an id that is not numeric", { ...good(), id: "abc-123" }, /^id: /],
    ["orders/create", "half a unit", { ...good(), line_items: [{ id: 1, quantity: 1.5, price_set: { shop_money: { amount: "3.00", currency_code: "USD" } } }] }, /line_items\.0\.quantity/],
    // zod lets it through; the currency's digits do not.
    ["orders/create", "a tenth of a cent", { ...good(), total_price_set: { shop_money: { amount: "46.255", currency_code: "USD" } } }, /precision/],
    ["orders/create", "amounts in two currencies", { ...good(), total_tax_set: { shop_money: { amount: "2", currency_code: "JPY" } } }, /currency/],
    ["refunds/create", "no order id", { ...refundWebhookPayload(order.refunds[0], order, store.shop), order_id: null }, /order_id/],
    ["customers/update", "no updated_at", { id: 5, created_at: "2026-01-01T00:00:00Z" }, /updated_at: Required/],
    ["customers/merge", "a number for a GID", { admin_graphql_api_customer_kept_id: 5, admin_graphql_api_customer_deleted_id: "gid://shopify/Customer/6", status: "completed" }, /kept_id/],
    ["shop/update", "an unknown time zone", { ...shopWebhookPayload(store.shop), iana_timezone: "Mars/Olympus_Mons" }, /iana_timezone: is not an IANA time zone/],
    ["orders/delete", "no id", {}, /^id: /],
    ["customers/data_request", "no request id", { customer: { id: 1 } }, /data_request: Required/],
  ])("%s refused: %s", (topic, _what, payload, problem) => {
    const parsed = parseWebhook("bad.myshopify.com", topic, payload);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    // Stored, it is refused for the same reasons.
    expect(parseWebhook("bad.myshopify.com", topic, payloadAsStored(topic, payload))).toEqual(parsed);
    expect(parsed.problems.join("\n")).toMatch(problem);
    // The offending values are not repeated (they would reach logs).
    for (const value of ["19.99", "yesterday-ish", "abc-123", "Mars/Olympus_Mons"]) expect(parsed.problems.join("\n")).not.toContain(value);
  });
});

// GIVEN an authentic payload with one value a database column cannot hold (an id beyond bigint,
// a quantity beyond integer, an amount beyond bigint minor units, a NUL character or unpaired
// surrogate in stored text, a date outside years 1 to 9999), WHEN it is read, THEN it is refused
// naming the field, without quoting text; and the same payload with the value just inside the
// range is accepted.
describe("values the database cannot hold", () => {
  const store = generateStore({ seed: 36, now: NOW, customers: 20, domain: "limits.myshopify.com" });
  const order = store.orders.find((o) => o.refunds.some((r) => r.refundLineItems.length > 0) && o.customerId !== null && o.lineItems.length > 0)!;
  const refund = order.refunds.find((r) => r.refundLineItems.length > 0)!;
  const currency = order.currencyCode;
  type Payload = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const orderPayload = (): Payload => structuredClone(orderWebhookPayload(order, store.shop)) as Payload;
  const refundPayload = (): Payload => structuredClone(refundWebhookPayload(refund, order, store.shop)) as Payload;
  const amount = (minor: bigint) => ({ shop_money: { amount: fromMinorUnits(minor, currency), currency_code: currency } });
  const MAX = String(BIGINT_MAX);
  const OVER = String(BIGINT_MAX + 1n);
  const withOrder = (change: (p: Payload) => void) => () => {
    const payload = orderPayload();
    change(payload);
    return payload;
  };
  const withRefund = (change: (p: Payload) => void) => () => {
    const payload = refundPayload();
    change(payload);
    return payload;
  };
  // A lone line item, so that the order's gross sales is its price × quantity.
  const loneItem = (p: Payload, item: Partial<Payload>) => {
    p.line_items = [{ ...p.line_items[0], ...item }];
  };

  type Case = [topic: string, field: string, inside: () => Payload, outside: () => Payload, problem: RegExp];
  const cases: Case[] = [
    [
      "orders/create",
      "order id",
      withOrder((p) => ((p.id = MAX), p.refunds.forEach((r: Payload) => (r.order_id = MAX)))),
      withOrder((p) => ((p.id = OVER), (p.refunds = []))),
      /^id: is not an id from 1 to 9223372036854775807$/,
    ],
    ["orders/create", "customer id", withOrder((p) => (p.customer.id = MAX)), withOrder((p) => (p.customer.id = OVER)), /^customer\.id: /],
    ["orders/create", "line item id", withOrder((p) => (p.line_items[0].id = MAX)), withOrder((p) => (p.line_items[0].id = OVER)), /^line_items\.0\.id: /],
    [
      "orders/create",
      "line item quantity",
      withOrder((p) => loneItem(p, { quantity: 2147483647, price_set: amount(1n) })),
      withOrder((p) => loneItem(p, { quantity: 2147483648, price_set: amount(1n) })),
      /^line_items\.0\.quantity: Number must be less than or equal to 2147483647$/,
    ],
    [
      "orders/create",
      "order amount",
      withOrder((p) => (p.total_price_set = amount(BIGINT_MAX))),
      withOrder((p) => (p.total_price_set = amount(BIGINT_MAX + 1n))),
      /^total_price_set\.shop_money\.amount: is out of range: at most 9223372036854775807 minor units either way$/,
    ],
    [
      "orders/create",
      "negative order amount",
      withOrder((p) => (p.total_discounts_set = amount(-BIGINT_MAX))),
      withOrder((p) => (p.total_discounts_set = amount(-BIGINT_MAX - 1n))),
      /^total_discounts_set\.shop_money\.amount: is out of range/,
    ],
    [
      "orders/create",
      "line item price",
      withOrder((p) => loneItem(p, { quantity: 1, price_set: amount(BIGINT_MAX) })),
      withOrder((p) => loneItem(p, { quantity: 1, price_set: amount(BIGINT_MAX + 1n) })),
      /^line_items\.0\.price_set\.shop_money\.amount: is out of range/,
    ],
    [
      "orders/create",
      "line item price × quantity (its gross sales)",
      withOrder((p) => loneItem(p, { quantity: 7, price_set: amount(BIGINT_MAX / 7n) })),
      withOrder((p) => loneItem(p, { quantity: 7, price_set: amount(BIGINT_MAX / 7n + 1n) })),
      /^LineItem\.originalUnitPriceSet × quantity adds up to 9223372036854775814 minor units, beyond the ±9223372036854775807 the database holds$/,
    ],
    [
      "orders/create",
      "the order's gross sales",
      withOrder((p) => (p.line_items = [0n, 1n].map((i) => ({ ...p.line_items[0], id: 900 + Number(i), quantity: 1, price_set: amount(BIGINT_MAX / 2n + i) })))),
      withOrder((p) => (p.line_items = [1n, 1n].map((i, n) => ({ ...p.line_items[0], id: 900 + n, quantity: 1, price_set: amount(BIGINT_MAX / 2n + i) })))),
      /^Order\.lineItems \(gross sales\) adds up to 9223372036854775808 minor units/,
    ],
    ["orders/create", "name: NUL", withOrder((p) => (p.name = "#1001 ☕")), withOrder((p) => (p.name = "#1001\u0000")), /^name: contains a NUL character \(U\+0000\)$/],
    [
      "orders/create",
      "name: unpaired surrogate",
      withOrder((p) => (p.name = "#1001 \u{1F600}")),
      withOrder((p) => (p.name = "#1001 \uD83D")),
      /^name: contains an unpaired UTF-16 surrogate$/,
    ],
    ["orders/create", "source_name", withOrder((p) => (p.source_name = "web")), withOrder((p) => (p.source_name = "we\u0000b")), /^source_name: contains a NUL/],
    [
      "orders/create",
      "currency code",
      withOrder((p) => (p.total_price_set.shop_money.currency_code = currency)),
      withOrder((p) => (p.total_price_set.shop_money.currency_code = `${currency.slice(0, 2)}\u0000`)),
      /^total_price_set\.shop_money\.currency_code: is not a currency code$/,
    ],
    [
      "orders/updated",
      "latest date",
      withOrder((p) => (p.updated_at = "9999-12-31T23:59:59.999Z")),
      withOrder((p) => (p.updated_at = "+010000-01-01T00:00:00Z")),
      /^updated_at: is not a date-time the database holds \(years 1 to 9999\)$/,
    ],
    [
      "orders/updated",
      "a date past 9999 in UTC",
      withOrder((p) => (p.processed_at = "9999-12-31T18:59:59-05:00")),
      withOrder((p) => (p.processed_at = "9999-12-31T19:00:00-05:00")),
      /^processed_at: is not a date-time the database holds/,
    ],
    [
      "orders/updated",
      "earliest date",
      withOrder((p) => (p.created_at = "0001-01-01T00:00:00Z")),
      withOrder((p) => (p.created_at = "0000-12-31T23:59:59Z")),
      /^created_at: is not a date-time the database holds/,
    ],
    [
      "refunds/create",
      "refund line item quantity",
      withRefund((p) => (p.refund_line_items[0].quantity = 2147483647)),
      withRefund((p) => (p.refund_line_items[0].quantity = 2147483648)),
      /^refund_line_items\.0\.quantity: Number must be less than or equal to 2147483647$/,
    ],
    ["refunds/create", "refund id", withRefund((p) => (p.id = MAX)), withRefund((p) => (p.id = OVER)), /^id: /],
    [
      "refunds/create",
      "refund transaction amount",
      withRefund((p) => (p.transactions[0].amount = fromMinorUnits(BIGINT_MAX, currency))),
      withRefund((p) => (p.transactions[0].amount = fromMinorUnits(BIGINT_MAX + 1n, currency))),
      /^refund\.transactions\.amount: .* is out of range/,
    ],
    [
      "refunds/create",
      "refund processed_at",
      withRefund((p) => (p.processed_at = "0001-01-01T00:00:00Z")),
      withRefund((p) => (p.processed_at = "-000001-01-01T00:00:00Z")),
      /^processed_at: is not a date-time the database holds/,
    ],
    ["orders/delete", "order id", () => ({ id: MAX }), () => ({ id: OVER }), /^id: /],
    ["customers/update", "customer id", () => ({ id: MAX, created_at: NOW, updated_at: NOW }), () => ({ id: OVER, created_at: NOW, updated_at: NOW }), /^id: /],
    [
      "customers/merge",
      "customer GID",
      () => ({ admin_graphql_api_customer_kept_id: `gid://shopify/Customer/${MAX}`, admin_graphql_api_customer_deleted_id: "gid://shopify/Customer/6", status: "completed" }),
      () => ({ admin_graphql_api_customer_kept_id: `gid://shopify/Customer/${OVER}`, admin_graphql_api_customer_deleted_id: "gid://shopify/Customer/6", status: "completed" }),
      /^admin_graphql_api_customer_kept_id: is not a Customer id from 1 to 9223372036854775807$/,
    ],
    [
      "shop/update",
      "shop name",
      () => ({ ...shopWebhookPayload(store.shop), name: "Ünïcödé shop" }),
      () => ({ ...shopWebhookPayload(store.shop), name: "Shop\u0000" }),
      /^name: contains a NUL/,
    ],
  ];

  it.each(cases)("%s, %s: refused just outside the range, accepted just inside", (topic, _field, inside, outside, problem) => {
    const refused = parseWebhook(store.shop.domain, topic, outside());
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.problems).toHaveLength(1);
    expect(refused.problems[0]).toMatch(problem);
    // Text is never quoted (it would reach logs).
    for (const text of [order.name, "Shop", "we"]) expect(refused.problems[0]).not.toContain(text);
    const accepted = parseWebhook(store.shop.domain, topic, inside());
    if (!accepted.ok) throw new Error(accepted.problems.join("; "));
    expect(accepted.change.kind).not.toBe("unhandled");
  });

  it("keeps values at the very edge exactly", () => {
    const parsed = parseWebhook(
      store.shop.domain,
      "orders/create",
      withOrder((p) => {
        p.id = MAX;
        p.refunds = [];
        p.total_price_set = amount(BIGINT_MAX);
        loneItem(p, { id: MAX, quantity: 2147483647, price_set: amount(1n) });
      })(),
    );
    if (!parsed.ok || parsed.change.kind !== "order") throw new Error(JSON.stringify(parsed));
    expect(parsed.change.rows.order).toMatchObject({ id: BIGINT_MAX, totalPrice: BIGINT_MAX });
    expect(parsed.change.rows.lineItems).toEqual([expect.objectContaining({ id: BIGINT_MAX, quantity: 2147483647, originalUnitPrice: 1n })]);
  });
});
