// GIVEN a shop whose salt of the day does not exist yet, WHEN requests (of this process or of
// another) ask for it at the same moment, THEN all of them get the one salt that was stored.
import crypto from "node:crypto";
import pg from "pg";
import { beforeEach, describe, expect, it } from "vitest";
import prisma from "#app/db.server";
import { truncateAll } from "../../tests/support/database";
import { forgetSalts, visitorHash, visitorIds } from "./visitors.server";

const SHOP = "salts.myshopify.com";
const AT = Date.parse("2026-11-20T12:00:00Z");

beforeEach(async () => {
  await truncateAll();
  forgetSalts();
  await prisma.shop.create({ data: { domain: SHOP, installedAt: new Date(), scopes: "read_orders" } });
});

describe("visitor salts", () => {
  it("are made once when this process asks for a new day's salt many times at once", async () => {
    const ids = await Promise.all(Array.from({ length: 10 }, () => visitorIds(SHOP, [{ clientId: "client-1", at: AT }])));
    const salts = await prisma.pixelSalt.findMany({ where: { shop: SHOP } });
    expect(salts).toHaveLength(1);
    expect(new Set(ids.flat())).toEqual(new Set([visitorHash(Buffer.from(salts[0].salt), "client-1")]));
  });

  it("are read back when another process inserted the day's salt while this one was inserting it", async () => {
    // The other process's insert is not committed yet: this one's insert waits for it, then finds
    // the row taken and, in its own snapshot, no row at all.
    const other = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await other.connect();
    try {
      const theirs = crypto.randomBytes(32);
      await other.query("BEGIN");
      await other.query("INSERT INTO pixel_salts (shop, day, salt) VALUES ($1, '2026-11-20', $2)", [SHOP, theirs]);
      const ids = visitorIds(SHOP, [{ clientId: "client-1", at: AT }]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await other.query("COMMIT");
      expect(await ids).toEqual([visitorHash(theirs, "client-1")]);
    } finally {
      await other.end();
    }
  });
});
