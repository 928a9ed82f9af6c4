// Importing order history from CSV: both formats, every rejected line reported with its
// number and reason, nothing written for it, and a re-import changes nothing.
import { Readable } from "node:stream";
import { beforeEach, describe, expect, it } from "vitest";
import prisma from "#app/db.server";
import { salesOverview } from "#app/metrics/sales.server";
import { truncateAll } from "../../tests/support/database";
import { customerIdForEmail } from "#app/sync/personal-data";
import type { ImportOptions, Rejection } from "./order-csv";
import { importOrders, type ImportHooks } from "./import-orders.server";

const SHOP = "history.myshopify.com";
const OPTIONS = { shop: SHOP, timeZone: "America/New_York", currency: "USD" };
const csv = (text: string | Buffer) => Readable.from([text]);

/** Imports, collecting the rejections the import reports as it goes. */
async function importCollecting(source: Readable, options: ImportOptions = OPTIONS, hooks: ImportHooks = {}) {
  const rejected: Rejection[] = [];
  const summary = await importOrders(source, options, { ...hooks, onRejected: (r) => rejected.push(r) });
  expect(summary.rejected).toBe(rejected.length);
  expect(summary.orders).toBe(summary.imported + summary.rejected);
  return { ...summary, rejected };
}

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
    const summary = await importCollecting(csv(file));
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
    const again = await importCollecting(csv(file));
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
    const summary = await importCollecting(csv(file));
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

describe("import-orders, files that are not what they should be", () => {
  const HEADER = "id,customer_id,processed_at,total";
  const order = (id: number | string, total = "10.00") => `${id},100,2026-02-12,${total}`;
  const orderIds = async () => (await prisma.order.findMany({ where: { shop: SHOP }, select: { id: true }, orderBy: { id: "asc" } })).map((o) => o.id);

  it("rejects the lines a quote left open swallows, up to the record size limit, and imports what follows", async () => {
    // Lines of 25 bytes from the open quote on line 3: a 1 KiB limit is crossed on line 44.
    const after = Array.from({ length: 60 }, (_, i) => order(100 + i));
    const file = [HEADER, order(1), `2,100,2026-02-12,"10.00`, ...after, order(999)].join("\n");
    const summary = await importCollecting(csv(file), OPTIONS, { maxRecordBytes: 1024 });
    expect(summary.rejected).toEqual([
      { line: 3, lastLine: 44, reason: "a quoted field opened on line 3 is not closed within 1024 bytes (a quote left open?)" },
    ]);
    // Reading starts afresh on line 45: order 141.
    expect(await orderIds()).toEqual([1n, ...Array.from({ length: 19 }, (_, i) => BigInt(141 + i)), 999n]);
    expect(summary).toMatchObject({ orders: 1 + 1 + 19 + 1, imported: 21 });
  });

  it("holds a record to 256 KiB by default", async () => {
    const after = Array.from({ length: 20_000 }, (_, i) => order(100 + i));
    const file = [HEADER, `1,100,2026-02-12,"10.00`, ...after].join("\n");
    const summary = await importCollecting(csv(file));
    expect(summary.rejected).toEqual([{ line: 2, lastLine: expect.any(Number), reason: expect.stringMatching(/not closed within 262144 bytes/) }]);
    const swallowed = summary.rejected[0].lastLine! - 2;
    // About 262144 / 26 bytes a line.
    expect(swallowed).toBeGreaterThan(9_000);
    expect(summary.imported).toBe(20_000 - swallowed);
  });

  it("rejects a quote still open at the end of the file with the lines it swallowed", async () => {
    const summary = await importCollecting(csv([HEADER, order(1), `2,100,"2026-02-12,10.00`, order(3), order(4)].join("\n")));
    expect(summary.rejected).toEqual([{ line: 3, lastLine: 5, reason: "a quoted field opened on line 3 is not closed by the end of the file" }]);
    expect(await orderIds()).toEqual([1n]);
  });

  it("rejects misplaced quotes on their own line and goes on", async () => {
    const summary = await importCollecting(csv([HEADER, order(1), '2,100,2026-02-12,"10.00"0', '3,1"00,2026-02-12,10.00', order(4)].join("\n")));
    expect(summary.rejected).toEqual([
      { line: 3, reason: "a closing quote on line 3 is followed by other characters than a comma or a line break" },
      { line: 4, reason: "a quote on line 4 is inside a field that does not start with one" },
    ]);
    expect(await orderIds()).toEqual([1n, 4n]);
  });

  it("reads amounts exactly and rejects those no bigint holds, line by line", async () => {
    // Apart (another customer, another month): the rollups add up a customer's month and a day.
    const summary = await importCollecting(
      csv(
        [
          HEADER,
          order(1, "90071992547409.93"),
          order(2, "100000000000000000000"),
          "3,300,2026-05-01,92233720368547758.07",
          order(4, "92233720368547758.08"),
        ].join("\n"),
      ),
    );
    expect(summary.rejected).toEqual([
      { line: 3, reason: 'total is more than the database can hold (9223372036854775807 minor units of USD): "100000000000000000000"' },
      { line: 5, reason: 'total is more than the database can hold (9223372036854775807 minor units of USD): "92233720368547758.08"' },
    ]);
    const stored = await prisma.order.findMany({ where: { shop: SHOP }, orderBy: { id: "asc" }, select: { id: true, totalPrice: true, grossSales: true } });
    expect(stored).toEqual([
      { id: 1n, totalPrice: 9007199254740993n, grossSales: 9007199254740993n },
      { id: 3n, totalPrice: 9223372036854775807n, grossSales: 9223372036854775807n },
    ]);
  });

  it("takes ids a bigint holds, and order ids whose line items' ids do too", async () => {
    const summary = await importCollecting(
      csv(
        [
          HEADER,
          "1,9223372036854775807,2026-02-12,1.00",
          "2,9223372036854775808,2026-02-12,1.00",
          "9223372036854774,100,2026-02-12,1.00",
          "9223372036854775,100,2026-02-12,1.00",
          // Past 2^53, where a number no longer tells ids apart: each keeps its own gross sales.
          "9007199254740992,100,2026-02-12,1.00",
          "9007199254740993,100,2026-02-12,2.00",
          "9223372036854775808,100,2026-02-12,1.00",
          "3,00000000000000000001,2026-02-12,1.00",
        ].join("\n"),
      ),
    );
    expect(summary.rejected).toEqual([
      { line: 3, reason: 'customer_id is more than the largest id the database holds (9223372036854775807): "9223372036854775808"' },
      { line: 5, reason: 'id is more than 9223372036854774, the largest id of an imported order (its line items\' ids are made from it): "9223372036854775"' },
      { line: 8, reason: 'id is more than 9223372036854774, the largest id of an imported order (its line items\' ids are made from it): "9223372036854775808"' },
      { line: 9, reason: 'customer_id must be a positive whole number: "00000000000000000001"' },
    ]);
    const stored = await prisma.order.findMany({ where: { shop: SHOP }, orderBy: { id: "asc" }, select: { id: true, customerId: true, grossSales: true } });
    expect(stored).toEqual([
      { id: 1n, customerId: 9223372036854775807n, grossSales: 100n },
      { id: 9007199254740992n, customerId: 100n, grossSales: 100n },
      { id: 9007199254740993n, customerId: 100n, grossSales: 200n },
      { id: 9223372036854774n, customerId: 100n, grossSales: 100n },
    ]);
    expect(await prisma.orderLineItem.findFirst({ where: { shop: SHOP, orderId: 9223372036854774n }, select: { id: true } })).toEqual({ id: -9223372036854774001n });
  });

  it("rejects dates PostgreSQL cannot hold", async () => {
    const summary = await importCollecting(
      csv([HEADER, "1,100,9999-12-31,1.00", "2,100,0000-06-01,1.00", "3,100,9999-12-31T23:00:00-05:00,1.00", "4,100,0001-01-01T00:00:00Z,1.00"].join("\n"), ),
      { ...OPTIONS, timeZone: "UTC" },
    );
    expect(summary.rejected).toEqual([
      { line: 3, reason: 'processed_at is not between the years 1 and 9999 (in UTC): "0000-06-01"' },
      { line: 4, reason: 'processed_at is not between the years 1 and 9999 (in UTC): "9999-12-31T23:00:00-05:00"' },
    ]);
    expect(await orderIds()).toEqual([1n, 4n]);
  });

  it("rejects a line holding a NUL character or bytes that are not UTF-8, naming the column", async () => {
    const file = Buffer.concat([
      Buffer.from(`${HEADER},note\n${order(1)},fine\n${order(2)},a\u0000b\n${order(3)},Jos`),
      Buffer.from([0xe9]), // "é" in Latin-1
      Buffer.from(`\n${order(4)},Zoë\n`),
    ]);
    const summary = await importCollecting(csv(file));
    expect(summary.rejected).toEqual([
      { line: 3, reason: "note contains a NUL character (U+0000), which the database cannot store" },
      { line: 4, reason: "note is not valid UTF-8 (is the file saved as UTF-8?)" },
    ]);
    expect(await orderIds()).toEqual([1n, 4n]);
  });

  it("rejects an order when the database refuses its values, and imports the rest of its batch", async () => {
    // A refusal no check before the database knows of: a constraint of this test's own.
    await prisma.$executeRawUnsafe("ALTER TABLE orders ADD CONSTRAINT refuse_order_13 CHECK (id <> 13)");
    try {
      const summary = await importCollecting(csv([HEADER, ...Array.from({ length: 40 }, (_, i) => order(i + 1))].join("\n")));
      expect(summary.rejected).toEqual([{ line: 14, reason: expect.stringMatching(/^the database refused order 13: .*refuse_order_13/) }]);
      expect(summary).toMatchObject({ orders: 40, imported: 39, written: 39 });
      expect(await orderIds()).toEqual(Array.from({ length: 40 }, (_, i) => BigInt(i + 1)).filter((id) => id !== 13n));
    } finally {
      await prisma.$executeRawUnsafe("ALTER TABLE orders DROP CONSTRAINT refuse_order_13");
    }
  });

  it("refuses a file in UTF-16 as a whole", async () => {
    await expect(importOrders(csv(Buffer.from(`\uFEFF${HEADER}\n${order(1)}\n`, "utf16le")), OPTIONS)).rejects.toThrow(/UTF-16/);
    expect(await prisma.order.count()).toBe(0);
  });
});

describe("import-orders, Shopify's export that is not what it should be", () => {
  const header =
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Created at,Lineitem quantity,Lineitem name,Lineitem price,Refunded Amount,Cancelled at,Id";
  const first = (n: number, quantity: string, name = "Mug", email = "ann@example.com") =>
    `#${n},${email},paid,2026-03-01 10:00:00 -0500,,USD,0.00,0.00,0.00,0.00,,0.00,2026-03-01 09:59:00 -0500,${quantity},${name},0.01,0.00,,${5000 + n}`;
  const next = (n: number, quantity: string, name = "Plate") => `#${n},,,,,,,,,,,,,${quantity},${name},0.01,,,${5000 + n}`;
  const stored = async () =>
    (await prisma.orderLineItem.findMany({ where: { shop: SHOP }, orderBy: { id: "desc" }, select: { orderId: true, quantity: true } })).map((l) => [l.orderId, l.quantity]);

  it("takes quantities as whole numbers from 0 to 2147483647 only", async () => {
    const quantities = ["", "1e3", "0x10", "1.0", "-1", "2147483648", "+1", " 2 "];
    const file = [header, first(1, "2147483647"), next(1, "0"), ...quantities.map((q, i) => first(10 + i, q))].join("\n");
    const summary = await importCollecting(csv(file));
    expect(summary.rejected).toEqual([
      { line: 4, reason: 'Lineitem quantity of line item 1 is not a whole number: ""' },
      { line: 5, reason: 'Lineitem quantity of line item 1 is not a whole number: "1e3"' },
      { line: 6, reason: 'Lineitem quantity of line item 1 is not a whole number: "0x10"' },
      { line: 7, reason: 'Lineitem quantity of line item 1 is not a whole number: "1.0"' },
      { line: 8, reason: 'Lineitem quantity of line item 1 is not a whole number: "-1"' },
      { line: 9, reason: 'Lineitem quantity of line item 1 is more than 2147483647, the largest quantity the database holds: "2147483648"' },
      { line: 10, reason: 'Lineitem quantity of line item 1 is not a whole number: "+1"' },
    ]);
    expect(await stored()).toEqual([
      [5001n, 2147483647],
      [5001n, 0],
      [5017n, 2],
    ]);
  });

  it("rejects an order whose Name holds a NUL, or whose Email is not UTF-8, with all its rows", async () => {
    // "josé@example.com" in Latin-1.
    const [before, after] = first(3, "1", "Mug", "jos|@example.com").split("|");
    const file = Buffer.concat([
      Buffer.from([header, first(1, "1"), next(1, "1"), first(2, "1", "Mug"), next(2, "1", "Pl\u0000ate"), before].join("\n")),
      Buffer.from([0xe9]),
      Buffer.from(`${after}\n${next(3, "1")}\n${first(4, "1")}\n`),
    ]);
    const summary = await importCollecting(csv(file));
    expect(summary.rejected).toEqual([
      { line: 4, lastLine: 5, reason: "line 5: Lineitem name contains a NUL character (U+0000), which the database cannot store" },
      { line: 6, lastLine: 7, reason: "Email is not valid UTF-8 (is the file saved as UTF-8?)" },
    ]);
    expect((await prisma.order.findMany({ where: { shop: SHOP }, select: { id: true }, orderBy: { id: "asc" } })).map((o) => o.id)).toEqual([5001n, 5004n]);
  });

  it("rejects an order that loses rows to a quote left open, and the order the quote opened in", async () => {
    const file = [
      header,
      first(1, "1"),
      next(1, "1"),
      first(2, "1"),
      next(2, "1", '"Plate'), // the quote swallows #2's other row and #3
      next(2, "1"),
      first(3, "1"),
      next(3, "1"),
      first(4, "1"),
      next(4, "1"),
    ].join("\n");
    // From the quote's line, 200 bytes to the end of line 7, 235 to the end of line 8.
    const summary = await importCollecting(csv(file), OPTIONS, { maxRecordBytes: 220 });
    expect(summary.rejected).toEqual([
      { line: 4, lastLine: 8, reason: "lines 5-8: a quoted field opened on line 5 is not closed within 220 bytes (a quote left open?)" },
    ]);
    expect((await prisma.order.findMany({ where: { shop: SHOP }, select: { id: true }, orderBy: { id: "asc" } })).map((o) => o.id)).toEqual([5001n, 5004n]);
  });

  it("rejects an order of more than 999 line items (their ids are numbered from the order's)", async () => {
    const file = [header, first(1, "1"), ...Array.from({ length: 999 }, () => next(1, "1")), first(2, "1"), ...Array.from({ length: 998 }, () => next(2, "1"))].join("\n");
    const summary = await importCollecting(csv(file));
    expect(summary.rejected).toEqual([{ line: 2, lastLine: 1001, reason: "has more than 999 line items; an imported order has at most 999" }]);
    expect(await prisma.orderLineItem.count({ where: { shop: SHOP, orderId: 5002n } })).toBe(999);
  });
});
