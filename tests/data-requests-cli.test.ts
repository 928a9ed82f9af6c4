// GIVEN a customer's data request Shopify forwarded (customers/data_request, applied by the
// worker), WHEN the merchant asks the command line for it, THEN they get the list of requests
// and, by id, the very file the Settings page downloads; an unknown id is an error that says so.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import prisma from "#app/db.server";
import { DATA_REQUEST_EXPORT_RETENTION_DAYS, deleteExpiredExports, exportCustomerData } from "#app/sync/privacy.server";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "..");
const SHOP = "requests.myshopify.com";

async function metryka(...args: string[]) {
  return run(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(ROOT, "scripts/metryka.ts"), ...args], {
    cwd: ROOT,
    env: { ...process.env },
  });
}

describe("data request exports", () => {
  it("lists the shop's data requests and prints one as the file to send on", async () => {
    await prisma.shop.create({ data: { domain: SHOP, ianaTimezone: "UTC", currencyCode: "EUR" } });
    await prisma.customer.create({ data: { shop: SHOP, id: 77n, createdAt: new Date("2026-01-02T00:00:00Z"), updatedAt: new Date("2026-01-03T00:00:00Z") } });
    await prisma.order.create({
      data: {
        shop: SHOP, id: 501n, name: "#1001", customerId: 77n, processedAt: new Date("2026-02-01T10:00:00Z"), createdAt: new Date("2026-02-01T10:00:00Z"),
        updatedAt: new Date("2026-02-01T10:00:00Z"), currencyCode: "EUR", grossSales: 2500n, discounts: 0n, shipping: 0n, tax: 0n, totalPrice: 2500n, totalRefunded: 0n,
      },
    });
    await exportCustomerData(SHOP, 9001n, { customerId: 77n, importedCustomerId: null, orderIds: [] });

    const list = await metryka("data-requests", "--shop", SHOP);
    expect(list.stdout).toMatch(/^9001 {2}customer 77 {2}\S+ {2}1 orders\n$/);
    const one = await metryka("data-requests", "--shop", SHOP, "--id", "9001");
    const contents = JSON.parse(one.stdout) as { customerId: string; orders: Array<{ id: string; totalPrice: string }> };
    expect(contents.customerId).toBe("77");
    expect(contents.orders.map((o) => [o.id, o.totalPrice])).toEqual([["501", "2500"]]);

    const unknown = await metryka("data-requests", "--shop", SHOP, "--id", "404").catch((error: { code: number; stderr: string }) => error);
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining(`${SHOP} has no data request 404`) });
  });

  it("keeps an export for its retention period, then deletes it", async () => {
    await exportCustomerData(SHOP, 9002n, { customerId: 78n, importedCustomerId: null, orderIds: [] });
    const day = 86_400_000;
    const later = (days: number) => new Date(Date.now() + days * day);
    expect(await deleteExpiredExports(later(DATA_REQUEST_EXPORT_RETENTION_DAYS - 1))).toBe(0);
    expect(await deleteExpiredExports(later(DATA_REQUEST_EXPORT_RETENTION_DAYS + 1))).toBeGreaterThanOrEqual(1);
    expect(await prisma.dataRequestExport.count({ where: { shop: SHOP } })).toBe(0);
  });
});
