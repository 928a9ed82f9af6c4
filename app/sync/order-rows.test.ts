// GIVEN an Admin GraphQL order node (the paged sync's, or a bulk JSONL line's) with one value a
// database column cannot hold, WHEN it becomes rows, THEN the mapping refuses it naming the
// field (never quoting text), and the same node with the value just inside the range becomes
// its rows. Webhook payloads come here too, after their own schema (rest-payloads.test.ts).
import { describe, expect, it } from "vitest";
import { BIGINT_MAX } from "#app/db-values";
import { fromMinorUnits } from "#app/shopify/money";
import { customerRow, lineItemRow, orderRows, refundLineItemRow, type LineItemNode, type Money, type OrderNode, type RefundNode } from "./order-rows";

const SHOP = "rows.myshopify.com";
const usd = (minor: bigint): Money => ({ shopMoney: { amount: fromMinorUnits(minor, "USD"), currencyCode: "USD" } });

function refund(): RefundNode {
  return {
    id: "gid://shopify/Refund/30",
    createdAt: "2026-03-02T10:00:00Z",
    processedAt: "2026-03-02T10:00:00Z",
    totalRefundedSet: usd(500n),
    refundLineItems: { nodes: [{ id: "gid://shopify/RefundLineItem/40", quantity: 1, subtotalSet: usd(450n), totalTaxSet: usd(50n) }] },
    refundShippingLines: { nodes: [] },
  };
}

function node(): OrderNode {
  return {
    id: "gid://shopify/Order/10",
    name: "#1001",
    createdAt: "2026-03-01T10:00:00Z",
    updatedAt: "2026-03-01T10:00:00Z",
    processedAt: "2026-03-01T10:00:00Z",
    cancelledAt: null,
    test: false,
    currencyCode: "USD",
    taxesIncluded: false,
    sourceName: "web",
    customer: { id: "gid://shopify/Customer/20" },
    totalDiscountsSet: usd(0n),
    totalShippingPriceSet: usd(0n),
    totalTaxSet: usd(100n),
    totalPriceSet: usd(1100n),
    totalRefundedSet: usd(500n),
    lineItems: { nodes: [{ id: "gid://shopify/LineItem/11", quantity: 2, originalUnitPriceSet: usd(500n) }] },
    refunds: [refund()],
  };
}

const edit = (change: (n: OrderNode) => void) => () => {
  const n = node();
  change(n);
  return n;
};
const item = (n: OrderNode): LineItemNode => n.lineItems.nodes[0];
const MAX = String(BIGINT_MAX);
const OVER = String(BIGINT_MAX + 1n);

type Case = [field: string, inside: () => OrderNode, outside: () => OrderNode, problem: RegExp];
const cases: Case[] = [
  ["order id", edit((n) => (n.id = `gid://shopify/Order/${MAX}`)), edit((n) => (n.id = `gid://shopify/Order/${OVER}`)), /^Order id is out of range \(1 to 9223372036854775807\): 9223372036854775808$/],
  ["order id 0", edit((n) => (n.id = "gid://shopify/Order/1")), edit((n) => (n.id = "gid://shopify/Order/0")), /^Order id is out of range/],
  ["customer id", edit((n) => (n.customer = { id: `gid://shopify/Customer/${MAX}` })), edit((n) => (n.customer = { id: `gid://shopify/Customer/${OVER}` })), /^Customer id is out of range/],
  ["line item id", edit((n) => (item(n).id = `gid://shopify/LineItem/${MAX}`)), edit((n) => (item(n).id = `gid://shopify/LineItem/${OVER}`)), /^LineItem id is out of range/],
  [
    "line item quantity",
    edit((n) => Object.assign(item(n), { quantity: 2147483647, originalUnitPriceSet: usd(1n) })),
    edit((n) => Object.assign(item(n), { quantity: 2147483648, originalUnitPriceSet: usd(1n) })),
    /^LineItem\.quantity is not a whole number from 0 to 2147483647: 2147483648$/,
  ],
  ["negative quantity", edit((n) => (item(n).quantity = 0)), edit((n) => (item(n).quantity = -1)), /^LineItem\.quantity is not a whole number/],
  ["fractional quantity", edit((n) => (item(n).quantity = 1)), edit((n) => (item(n).quantity = 1.5)), /^LineItem\.quantity is not a whole number/],
  ["order amount", edit((n) => (n.totalPriceSet = usd(BIGINT_MAX))), edit((n) => (n.totalPriceSet = usd(BIGINT_MAX + 1n))), /^Order\.totalPriceSet: 92233720368547758\.08 USD is out of range/],
  ["negative amount", edit((n) => (n.totalDiscountsSet = usd(-BIGINT_MAX))), edit((n) => (n.totalDiscountsSet = usd(-BIGINT_MAX - 1n))), /^Order\.totalDiscountsSet: -92233720368547758\.08 USD is out of range/],
  [
    "line item price × quantity",
    edit((n) => Object.assign(item(n), { quantity: 2, originalUnitPriceSet: usd(BIGINT_MAX / 2n) })),
    edit((n) => Object.assign(item(n), { quantity: 2, originalUnitPriceSet: usd(BIGINT_MAX / 2n + 1n) })),
    /^LineItem\.originalUnitPriceSet × quantity adds up to 9223372036854775808 minor units/,
  ],
  [
    "the order's gross sales",
    edit((n) => (n.lineItems.nodes = [11, 12].map((id, i) => ({ id: `gid://shopify/LineItem/${id}`, quantity: 1, originalUnitPriceSet: usd(BIGINT_MAX / 2n + BigInt(i)) })))),
    edit((n) => (n.lineItems.nodes = [11, 12].map((id) => ({ id: `gid://shopify/LineItem/${id}`, quantity: 1, originalUnitPriceSet: usd(BIGINT_MAX / 2n + 1n) })))),
    /^Order\.lineItems \(gross sales\) adds up to 9223372036854775808 minor units/,
  ],
  [
    "a refund's returns",
    edit((n) => (n.refunds[0].refundLineItems.nodes = [41, 42].map((id, i) => ({ id: `gid://shopify/RefundLineItem/${id}`, quantity: 1, subtotalSet: usd(BIGINT_MAX / 2n + BigInt(i)), totalTaxSet: usd(0n) })))),
    edit((n) => (n.refunds[0].refundLineItems.nodes = [41, 42].map((id) => ({ id: `gid://shopify/RefundLineItem/${id}`, quantity: 1, subtotalSet: usd(BIGINT_MAX / 2n + 1n), totalTaxSet: usd(0n) })))),
    /^Refund\.refundLineItems\.subtotalSet adds up to 9223372036854775808 minor units/,
  ],
  [
    "a refund's shipping",
    edit((n) => (n.refunds[0].refundShippingLines.nodes = [0n, 1n].map((i) => ({ subtotalAmountSet: usd(BIGINT_MAX / 2n + i) })))),
    edit((n) => (n.refunds[0].refundShippingLines.nodes = [1n, 1n].map((i) => ({ subtotalAmountSet: usd(BIGINT_MAX / 2n + i) })))),
    /^RefundShippingLine\.subtotalAmountSet adds up to 9223372036854775808 minor units/,
  ],
  [
    "refund line item quantity",
    edit((n) => (n.refunds[0].refundLineItems.nodes[0].quantity = 2147483647)),
    edit((n) => (n.refunds[0].refundLineItems.nodes[0].quantity = 2147483648)),
    /^RefundLineItem\.quantity is not a whole number from 0 to 2147483647/,
  ],
  ["name: NUL", edit((n) => (n.name = "Ann ☕")), edit((n) => (n.name = "Ann\u0000")), /^Order\.name contains a NUL character \(U\+0000\)$/],
  ["name: unpaired surrogate", edit((n) => (n.name = "Ann \u{1F600}")), edit((n) => (n.name = "Ann \uDE00")), /^Order\.name contains an unpaired UTF-16 surrogate$/],
  ["sourceName", edit((n) => (n.sourceName = "Ann's app")), edit((n) => (n.sourceName = "Ann's\u0000app")), /^Order\.sourceName contains a NUL character/],
  [
    "currency code",
    edit((n) => (n.totalPriceSet.shopMoney.currencyCode = "USD")),
    edit((n) => (n.totalPriceSet.shopMoney.currencyCode = "US\u0000")),
    /^Order\.totalPriceSet\.shopMoney\.currencyCode contains a NUL character/,
  ],
  ["latest date", edit((n) => (n.updatedAt = "9999-12-31T23:59:59.999Z")), edit((n) => (n.updatedAt = "+010000-01-01T00:00:00Z")), /^Order\.updatedAt is not a date-time the database holds \(years 1 to 9999\)$/],
  ["earliest date", edit((n) => (n.createdAt = "0001-01-01T00:00:00Z")), edit((n) => (n.createdAt = "0000-12-31T23:59:59Z")), /^Order\.createdAt is not a date-time the database holds/],
  ["refund date", edit((n) => (n.refunds[0].processedAt = "9999-12-31T23:59:59Z")), edit((n) => (n.refunds[0].processedAt = "275760-09-13T00:00:00Z")), /^Refund\.processedAt is not a date-time/],
];

describe("order rows hold only what the database holds", () => {
  it.each(cases)("%s: refused just outside the range, accepted just inside", (_field, inside, outside, problem) => {
    let message = "";
    try {
      orderRows(SHOP, outside());
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
    }
    expect(message).toMatch(problem);
    expect(message).not.toMatch(/Ann/);
    expect(() => orderRows(SHOP, inside())).not.toThrow();
  });

  it("keeps the values at the very edge exactly", () => {
    const rows = orderRows(
      SHOP,
      edit((n) => {
        n.id = `gid://shopify/Order/${MAX}`;
        n.totalPriceSet = usd(BIGINT_MAX);
        n.lineItems.nodes = [{ id: `gid://shopify/LineItem/${MAX}`, quantity: 2147483647, originalUnitPriceSet: usd(1n) }];
        n.updatedAt = "9999-12-31T23:59:59.999Z";
      })(),
    );
    expect(rows.order).toMatchObject({ id: BIGINT_MAX, totalPrice: BIGINT_MAX, updatedAt: new Date("9999-12-31T23:59:59.999Z") });
    expect(rows.lineItems).toEqual([{ shop: SHOP, id: BIGINT_MAX, orderId: BIGINT_MAX, quantity: 2147483647, originalUnitPrice: 1n }]);
  });

  it("checks the lines of a bulk file one by one, as they come", () => {
    expect(() => lineItemRow(SHOP, 10n, { id: "gid://shopify/LineItem/11", quantity: 2147483648, originalUnitPriceSet: usd(1n) })).toThrow(/^LineItem\.quantity/);
    expect(() => refundLineItemRow(SHOP, 30n, { id: "gid://shopify/RefundLineItem/40", quantity: 1, subtotalSet: usd(BIGINT_MAX + 1n), totalTaxSet: usd(0n) })).toThrow(
      /^RefundLineItem\.subtotalSet: .* is out of range/,
    );
    expect(() => customerRow(SHOP, { id: `gid://shopify/Customer/${OVER}`, createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z" })).toThrow(/^Customer id is out of range/);
    expect(() => customerRow(SHOP, { id: "gid://shopify/Customer/1", createdAt: "0000-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z" })).toThrow(/^Customer\.createdAt/);
  });
});
