import { describe, expect, it } from "vitest";
import prisma from "#app/db.server";

describe("test database", () => {
  it("is migrated and writable", async () => {
    await prisma.shop.create({ data: { domain: "a.myshopify.com", ianaTimezone: "Europe/Berlin" } });
    const shops = await prisma.shop.findMany();
    expect(shops.map((s) => s.domain)).toEqual(["a.myshopify.com"]);
  });
});
