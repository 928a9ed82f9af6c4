// Importing order history from CSV: both formats, every rejected line reported with its
// number and reason, nothing written for it, and a re-import changes nothing.
import { Readable } from "node:stream";
import { beforeEach, describe, expect, it } from "vitest";
import prisma from "#app/db.server";
import { salesOverview } from "#app/metrics/sales.server";
import { truncateAll } from "../../tests/support/database";
import { customerIdForEmail } from "./order-csv";
import { importOrders } from "./import-orders.server";

const SHOP = "history.myshopify.com";
const OPTIONS = { shop: SHOP, timeZone: "America/New_York", currency: "USD" };
const csv = (text: string) => Readable.from([text]);

beforeEach(() => truncateAll());

describe("import-orders, plain format", () => {
  const file = [
    "id,customer_id,processed_at,total,refunded,refunded_at,cancelled_at,currency,test",
    "1,100,2026-01-31,50.00,,,,,", // 23:59 UTC-5 is February in UTC: stays January locally
    "2,100,2026-02-10T15:00:00Z,20.00,5.00,2026-03-02,,,",
    "3,,2026-02-11,10.00,,,,,", // a guest
    "4,200,2026-02-12,abc,,,,,",
    "5,200,2026-13-01,10.00,,,,,",
    "6,200,2026-02-12,10.00,20.00,,,,",
    "7,200,2026-02-12,10.00,,2026-02-01,,,",
    "2,300,2026-02-12,10.00,,,,,",
    "8,200,2026-02-12,10.00,,,,XYZ,",
    "9,200,2026-02-12,12.345,,,,,",
    "10,200,2026-02-13,30.00,,,,EUR,",
    "11,200,2026-02-14,40.00,,,,,true",
  ].join("\n");

  it("imports the good lines and reports each bad one with its line number and reason", async () => {
    const summary = await importOrders(csv(file), OPTIONS);
    expect(summary.format).toBe("plain");
    expect(summary.orders).toBe(12);
    expect(summary.rejected).toEqual([
      { line: 5, reason: 'total is not a non-negative amount: "abc"' },
      { line: 6, reason: expect.stringMatching(/^processed_at is not a date/) },
      { line: 7, reason: "refunded (20.00) is more than total (10.00)" },
      { line: 8, reason: "refunded_at is before processed_at" },
      { line: 9, reason: "order 2 appears again (first on line 3)" },
      { line: 10, reason: 'currency is not an ISO 4217 code: "XYZ"' },
      { line: 11, reason: 'total has more decimals than USD allows: "12.345"' },
    ]);
    const orders = await prisma.order.findMany({ where: { shop: SHOP }, orderBy: { id: "asc" }, select: { id: true, customerId: true, currencyCode: true, test: true } });
    expect(orders).toEqual([
      { id: 1n, customerId: 100n, currencyCode: "USD", test: false },
      { id: 2n, customerId: 100n, currencyCode: "USD", test: false },
      { id: 3n, customerId: null, currencyCode: "USD", test: false },
      { id: 10n, customerId: 200n, currencyCode: "EUR", test: false },
      { id: 11n, customerId: 200n, currencyCode: "USD", test: true },
    ]);
  });

  it("dates orders and refunds in the shop's time zone and reports other currencies apart", async () => {
    await importOrders(csv(file), OPTIONS);
    const report = await salesOverview(SHOP, { range: { from: "2026-01-01", to: "2026-04-01" }, granularity: "month" }, { now: new Date("2026-06-01T00:00:00Z") });
    expect(report.series.map((p) => [p.period, p.orders, p.netSales])).toEqual([
      ["2026-01", 1, 5000],
      ["2026-02", 2, 3000],
      ["2026-03", 0, -500],
    ]);
    expect(report.otherCurrencies).toEqual([{ currency: "EUR", orders: 1, netSales: 3000 }]);
  });

  it("changes nothing when the same file comes again", async () => {
    await importOrders(csv(file), OPTIONS);
    const snapshot = () => prisma.order.findMany({ where: { shop: SHOP }, orderBy: { id: "asc" }, omit: { syncedAt: true } });
    const before = await snapshot();
    const again = await importOrders(csv(file), OPTIONS);
    expect(again.rejected).toHaveLength(7);
    expect(await snapshot()).toEqual(before);
    expect(await prisma.refund.count({ where: { shop: SHOP } })).toBe(1);
  });

  it("refuses a shop whose time zone or currency differ from the import's", async () => {
    await prisma.shop.create({ data: { domain: SHOP, ianaTimezone: "Europe/Berlin", currencyCode: "EUR" } });
    await expect(importOrders(csv(file), OPTIONS)).rejects.toThrow(/Europe\/Berlin with currency EUR/);
    expect(await prisma.order.count()).toBe(0);
  });

  it("refuses a file it cannot recognise, naming the columns it expects", async () => {
    await expect(importOrders(csv("order,amount\n1,2\n"), OPTIONS)).rejects.toThrow(/expected the columns id,customer_id,processed_at,total/);
  });

  it.each([
    [{ ...OPTIONS, timeZone: "Mars/Olympus" }, /--time-zone/],
    [{ ...OPTIONS, currency: "usd" }, /--currency/],
    [{ ...OPTIONS, shop: "not a shop" }, /--shop/],
  ])("refuses bad options before reading anything (%#)", async (options, message) => {
    await expect(importOrders(csv(file), options)).rejects.toThrow(message);
    expect(await prisma.shop.count()).toBe(0);
  });
});

describe("import-orders, Shopify's order export", () => {
  const header =
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Created at,Lineitem quantity,Lineitem name,Lineitem price,Refunded Amount,Cancelled at,Id";
  const file = [
    header,
    "#1001,ann@example.com,paid,2026-03-01 10:00:00 -0500,fulfilled,USD,90.00,5.00,7.20,102.20,TEN,10.00,2026-03-01 09:59:00 -0500,2,Mug,30.00,0.00,,5001",
    "#1001,ann@example.com,,,,,,,,,,,2026-03-01 09:59:00 -0500,1,Plate,40.00,,,5001",
    "#1002,BEN@example.com,refunded,2026-03-05 12:00:00 -0500,,USD,20.00,0.00,0.00,20.00,,0.00,2026-03-05 12:00:00 -0500,1,Cup,20.00,20.00,,5002",
    "#1003,ann@example.com,paid,2026-03-06 12:00:00 -0500,,USD,15.00,0.00,0.00,15.00,,0.00,2026-03-06 12:00:00 -0500,x,Cup,15.00,0.00,,5003",
  ].join("\n");

  it("joins the line item rows of each order and keys customers without keeping their email", async () => {
    const summary = await importOrders(csv(file), OPTIONS);
    expect(summary.format).toBe("shopify");
    expect(summary.rejected).toEqual([{ line: 5, reason: 'Lineitem quantity of line item 1 is not a whole number: "x"' }]);
    const orders = await prisma.order.findMany({
      where: { shop: SHOP },
      orderBy: { id: "asc" },
      select: { id: true, name: true, customerId: true, grossSales: true, discounts: true, shipping: true, tax: true, totalPrice: true, totalRefunded: true },
    });
    expect(orders).toEqual([
      { id: 5001n, name: "#1001", customerId: customerIdForEmail("ann@example.com"), grossSales: 10000n, discounts: 1000n, shipping: 500n, tax: 720n, totalPrice: 10220n, totalRefunded: 0n },
      { id: 5002n, name: "#1002", customerId: customerIdForEmail("ben@example.com"), grossSales: 2000n, discounts: 0n, shipping: 0n, tax: 0n, totalPrice: 2000n, totalRefunded: 2000n },
    ]);
    expect(customerIdForEmail("ann@example.com")).toBeLessThan(0n);
    const stored = JSON.stringify(await prisma.order.findMany({ where: { shop: SHOP } }), (_, v) => (typeof v === "bigint" ? String(v) : v));
    expect(stored).not.toMatch(/example\.com/);
  });
});
