// GIVEN a store just installed, WHEN its Overview loads before the first sync has stored any
// order, THEN the page says the data is on its way and computes nothing (no rollups built for an
// empty copy: every install's first load); once orders are stored, during the sync already, the
// numbers come.
import { beforeEach, describe, expect, it } from "vitest";
import prisma from "#app/db.server";
import { generateStore, writeStore } from "#app/metrics/test-helpers/store";
import { markSyncQueued, startRun, SyncRunKind } from "#app/sync/sync-state.server";
import { truncateAll } from "../../tests/support/database";
import { overviewPage } from "./overview.server";

const NOW = new Date("2026-11-18T15:37:21Z");
const store = generateStore({ seed: 5, shop: "first-load.myshopify.com", timeZone: "America/New_York", now: NOW, start: "2026-01-01", orders: 80, customers: 30 });

beforeEach(async () => {
  await truncateAll();
});

describe("the Overview of a store being copied", () => {
  it("GIVEN no order stored yet THEN it is the 'on their way' state, and no rollup is built", async () => {
    await prisma.shop.create({ data: { domain: store.shop, ianaTimezone: store.timeZone, currencyCode: store.currency, installedAt: NOW } });
    await markSyncQueued(store.shop);
    const page = await overviewPage(store.shop, new URLSearchParams(), NOW);
    expect({ installed: page.installed, syncing: page.syncing, report: page.report, rates: page.rates }).toEqual({ installed: true, syncing: true, report: null, rates: null });
    expect(await prisma.$queryRaw<unknown[]>`SELECT 1 FROM daily_sales_state WHERE shop = ${store.shop}`).toEqual([]);
  });

  it("GIVEN orders stored while the backfill runs THEN the numbers come already", async () => {
    await writeStore(store);
    await prisma.shop.update({ where: { domain: store.shop }, data: { installedAt: NOW } });
    await startRun(store.shop, SyncRunKind.backfill, NOW, { orders: null, customers: null });
    const page = await overviewPage(store.shop, new URLSearchParams({ from: "2026-01-01", to: "2026-11-19" }), NOW);
    expect(page.syncing).toBe(true);
    expect(page.report?.totals.orders).toBeGreaterThan(0);
    expect(page.rates).not.toBeNull();
  });
});
