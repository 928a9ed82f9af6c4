// GIVEN shops in every state a sync can be asked for in, WHEN an install, "Sync now" or the
// reconciliation schedule asks, THEN the kind of job queued is the one that fits: a backfill
// for a shop never copied, whose backfill was cut off or whose copy the last comparison with
// Shopify found short, a catch-up otherwise; and a shop that only holds imported history (never
// installed) is not queued for syncs that can only fail.
import { beforeEach, describe, expect, it, vi } from "vitest";
import prisma from "#app/db.server";
import {
  markRunFailed,
  markRunSucceeded,
  markSessionsFailed,
  markSessionsImported,
  recordBulkOperation,
  recordShopifyCheck,
  startRun,
  SyncRunKind,
} from "#app/sync/sync-state.server";
import { truncateAll } from "../../tests/support/database";
import { drainShopJobs } from "../../tests/support/jobs";
import { installShop, onShopInstalled, queueReconciliations, requestShopSync, SESSIONS_REFRESH_MS } from "./requests.server";

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

  it("copies the whole store again when the last comparison with Shopify found the copy short", async () => {
    await onShopInstalled(SHOP, "read_orders");
    await drainShopJobs();
    const start = new Date("2026-11-01T00:00:00Z");
    await startRun(SHOP, SyncRunKind.backfill, start);
    const none = { orders: 0, customers: 0 };
    const check = (orders: number, customers: number) => ({
      ordersSince: null,
      orders: { shopify: 40, copy: orders },
      customers: { shopify: 9, copy: customers },
      removed: none,
      restored: none,
    });
    await recordShopifyCheck(SHOP, check(40, 9), start);
    await markRunSucceeded(SHOP, start);
    await requestShopSync(SHOP);
    expect(await drainShopJobs()).toEqual([{ shop: SHOP, kind: "sync" }]);
    // A customer missing from the copy, then an order: no catch-up would bring either back.
    for (const [orders, customers] of [[40, 8], [39, 9]]) {
      await recordShopifyCheck(SHOP, check(orders, customers), start);
      await requestShopSync(SHOP);
      expect(await drainShopJobs()).toEqual([{ shop: SHOP, kind: "backfill" }]);
    }
    // The schedule's reconciliation stays a catch-up.
    expect(await queueReconciliations()).toBe(1);
    expect(await drainShopJobs()).toEqual([{ shop: SHOP, kind: "reconcile" }]);
  });

  it("reconciles installed shops only, not one that holds imported history alone nor one uninstalled", async () => {
    await onShopInstalled(SHOP, "read_orders");
    await prisma.shop.create({ data: { domain: "imported.myshopify.com" } });
    await prisma.shop.create({ data: { domain: "gone.myshopify.com", installedAt: new Date(), uninstalledAt: new Date() } });
    await drainShopJobs();
    expect(await queueReconciliations()).toBe(1);
    expect(await drainShopJobs()).toEqual([{ shop: SHOP, kind: "reconcile" }]);
  });

  it("imports Shopify's session figures on install when read_reports is granted, and again when due", async () => {
    await onShopInstalled(SHOP, "read_orders,read_reports");
    expect((await drainShopJobs()).map((job) => job.kind).sort()).toEqual(["backfill", "sessions"]);
    await onShopInstalled("no-reports.myshopify.com", "read_orders");
    expect(await drainShopJobs()).toEqual([{ shop: "no-reports.myshopify.com", kind: "backfill" }]);
    // With the pixel scopes, the web pixel is activated too.
    await onShopInstalled("pixel.myshopify.com", "read_orders,write_pixels,read_customer_events");
    expect((await drainShopJobs()).map((job) => job.kind).sort()).toEqual(["backfill", "pixel"]);

    // Imported just now: only the catch-ups are queued; an hour later, the import again.
    await markSessionsImported(SHOP, new Date(), "UTC");
    await queueReconciliations();
    expect((await drainShopJobs()).filter((job) => job.kind === "sessions")).toEqual([]);
    await markSessionsImported(SHOP, new Date(Date.now() - SESSIONS_REFRESH_MS - 60_000), "UTC");
    await queueReconciliations();
    expect((await drainShopJobs()).filter((job) => job.kind === "sessions")).toEqual([{ shop: SHOP, kind: "sessions" }]);
    // Throttled: tried again at the next sweep, however recent the last success.
    await markSessionsImported(SHOP, new Date(), "UTC");
    await markSessionsFailed(SHOP, "throttled", "later");
    await queueReconciliations();
    expect((await drainShopJobs()).filter((job) => job.kind === "sessions")).toEqual([{ shop: SHOP, kind: "sessions" }]);
  });
});

describe("the install hook", () => {
  it("GIVEN the install fails THEN the shop's sessions are deleted, so that the next load exchanges the token and installs again", async () => {
    await prisma.session.create({ data: { id: `offline_${SHOP}`, shop: SHOP, state: "", accessToken: "shpat_secret-token", scope: "read_orders" } });
    // A real failure inside the install: the database refuses the shop's row.
    await prisma.$executeRawUnsafe("CREATE FUNCTION refuse_shop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'shop refused'; END $$");
    await prisma.$executeRawUnsafe("CREATE TRIGGER refuse_shop BEFORE INSERT ON shops FOR EACH ROW EXECUTE FUNCTION refuse_shop()");
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      await expect(installShop(SHOP, "read_orders")).rejects.toThrow(/shop refused/);
    } finally {
      await prisma.$executeRawUnsafe("DROP TRIGGER refuse_shop ON shops");
      await prisma.$executeRawUnsafe("DROP FUNCTION refuse_shop()");
    }
    const said = logged.mock.calls.map((call) => String(call[0]));
    logged.mockRestore();
    expect(await prisma.session.count({ where: { shop: SHOP } })).toBe(0);
    expect(await prisma.shop.count({ where: { domain: SHOP } })).toBe(0);
    expect(await drainShopJobs()).toEqual([]);
    // Said once, with the shop and why, never the token.
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^\[install\] asking\.myshopify\.com: .*shop refused/);
    expect(said[0]).not.toContain("shpat_");

    // The next load stores a new session and runs the hook again: now it installs.
    await installShop(SHOP, "read_orders");
    expect(await drainShopJobs()).toEqual([{ shop: SHOP, kind: "backfill" }]);
    expect((await prisma.shop.findUniqueOrThrow({ where: { domain: SHOP } })).installedAt).not.toBeNull();
  });
});
