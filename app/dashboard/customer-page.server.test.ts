// GIVEN a customer with an order read from Shopify and one imported from a file, WHEN the app
// opens their view, THEN each order of the timeline is named as the admin names it, and only the
// one Shopify has is marked as such (the page links it to the order in the admin).
import { describe, expect, it } from "vitest";
import prisma from "#app/db.server";
import { fixtureShop, order } from "#app/metrics/test-helpers/fixtures";
import { customerPage } from "./customer-page.server";

describe("a customer's view", () => {
  it("names each order, and tells the orders Shopify has from the imported ones", async () => {
    const shop = await fixtureShop(
      {
        orders: [
          order({ id: "5100000000101", customerId: "77", at: "2026-01-10T12:00:00Z", grossSales: 4_000 }),
          order({ id: "5100000000102", customerId: "77", at: "2026-02-10T12:00:00Z", grossSales: 6_000 }),
        ],
      },
      { timeZone: "Europe/Warsaw" },
    );
    await prisma.order.update({ where: { shop_id: { shop, id: 5100000000101n } }, data: { name: "#1001", imported: true } });
    await prisma.order.update({ where: { shop_id: { shop, id: 5100000000102n } }, data: { name: "#1002" } });
    const { timeline } = await customerPage(shop, "77", new Date("2026-03-01T00:00:00Z"));
    expect(timeline.map((row) => [row.orderId, row.name, row.inShopify, row.net])).toEqual([
      ["5100000000102", "#1002", true, 6_000],
      ["5100000000101", "#1001", false, 4_000],
    ]);
  });
});
