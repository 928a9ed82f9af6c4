// GIVEN shops in every state a sync can be asked for in, WHEN an install, "Sync now" or the
// reconciliation schedule asks, THEN the kind of job queued is the one that fits: a backfill
// for a shop never copied or whose backfill was cut off, a catch-up otherwise; and a shop that
// only holds imported history (never installed) is not queued for syncs that can only fail.
import { beforeEach, describe, expect, it } from "vitest";
import prisma from "#app/db.server";
import { markRunFailed, markRunSucceeded, recordBulkOperation, startRun, SyncRunKind } from "#app/sync/sync-state.server";
import { truncateAll } from "../../tests/support/database";
import { drainShopJobs } from "../../tests/support/jobs";
import { onShopInstalled, queueReconciliations, requestShopSync } from "./requests.server";

const SHOP = "asking.myshopify.com";

beforeEach(async () => {
  await truncateAll();
  await drainShopJobs();
});

describe("asking for a sync", () => {
  it("installs a shop and queues its backfill, shown as waiting", async () => {
    await onShopInstalled(SHOP, "read_orders,read_customers");
    expect(await drainShopJobs()).toEqual([{ shop: SHOP, kind: "backfill" }]);
    const shop = await prisma.shop.findUniqueOrThrow({ where: { domain: SHOP } });
    expect(shop.installedAt).not.toBeNull();
    expect((await prisma.syncState.findUniqueOrThrow({ where: { shop: SHOP } })).status).toBe("queued");
  });

  it("queues a catch-up once the copy is complete, and a backfill again while one is cut off", async () => {
    await onShopInstalled(SHOP, "read_orders");
    await drainShopJobs();
    const start = new Date("2026-11-01T00:00:00Z");
    await startRun(SHOP, SyncRunKind.backfill, start, { orders: "gid://shopify/BulkOperation/1", customers: null });
    await markRunSucceeded(SHOP, start);
    await requestShopSync(SHOP);
    expect(await drainShopJobs()).toEqual([{ shop: SHOP, kind: "sync" }]);

    // A later backfill (a reinstall after erasure would do this) that stops with its operations recorded.
    await startRun(SHOP, SyncRunKind.backfill, new Date("2026-11-02T00:00:00Z"));
    await recordBulkOperation(SHOP, "orders", "gid://shopify/BulkOperation/2");
    await recordBulkOperation(SHOP, "customers", "gid://shopify/BulkOperation/3");
    await markRunFailed(SHOP, new Error("worker restarted"));
    await requestShopSync(SHOP);
    expect(await drainShopJobs()).toEqual([{ shop: SHOP, kind: "backfill" }]);
    // Asked for twice, it runs once.
    await requestShopSync(SHOP);
    await requestShopSync(SHOP);
    expect(await drainShopJobs()).toEqual([{ shop: SHOP, kind: "backfill" }]);
  });

  it("reconciles installed shops only, not one that holds imported history alone nor one uninstalled", async () => {
    await onShopInstalled(SHOP, "read_orders");
    await prisma.shop.create({ data: { domain: "imported.myshopify.com" } });
    await prisma.shop.create({ data: { domain: "gone.myshopify.com", installedAt: new Date(), uninstalledAt: new Date() } });
    await drainShopJobs();
    expect(await queueReconciliations()).toBe(1);
    expect(await drainShopJobs()).toEqual([{ shop: SHOP, kind: "reconcile" }]);
  });
});
