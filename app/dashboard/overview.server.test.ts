// GIVEN a store just installed, WHEN its Overview loads before the first sync has stored any
// order, THEN the page says the data is on its way and computes nothing (no rollups built for an
// empty copy: every install's first load); once orders are stored, during the sync already, the
// numbers come. GIVEN a store whose time zone changed, WHEN its figures take longer to be
// recomputed than a page waits, THEN the Overview, Retention and Customers pages say so instead
// of their numbers, and show them, in the new zone, once the rebuild is done; a file and a
// customer's view answer 503 with Retry-After meanwhile, and tagging all of a list's customers
// is refused with a 503 saying so, recording nothing. Each page says how long the rebuild has run
// and how long the store's last one took, which every rebuild records.
import { beforeEach, describe, expect, it } from "vitest";
import prisma from "#app/db.server";
import { env } from "#app/env.server";
import { EXPORTS } from "#app/exports/registry.server";
import { badRequest, type PageRefusal } from "#app/http.server";
import { RecomputingError } from "#app/metrics/context.server";
import { refreshRollupsIn, ROLLUP_TRANSACTION_OPTIONS } from "#app/metrics/rollups.server";
import { generateStore, writeStore } from "#app/metrics/test-helpers/store";
import { markSyncQueued, startRun, SyncRunKind } from "#app/sync/sync-state.server";
import { tagCustomersForm } from "#app/tagging/tag-request.server";
import { truncateAll } from "../../tests/support/database";
import { customerPage } from "./customer-page.server";
import { customersPage } from "./customers-page.server";
import { overviewPage } from "./overview.server";
import { retentionPage } from "./retention-page.server";

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

describe("the pages of a store whose time zone changed", () => {
  it("GIVEN a rebuild longer than a page waits THEN each page says its figures are being recomputed, and shows them once they are", async () => {
    await writeStore(store);
    const params = () => new URLSearchParams({ from: "2026-01-01", to: "2026-11-19" });
    expect((await overviewPage(store.shop, params(), NOW)).recomputing).toBe(false);
    const lastRebuildMs = async () =>
      (await prisma.$queryRaw<Array<{ rebuild_ms: number | null }>>`SELECT rebuild_ms FROM daily_sales_state WHERE shop = ${store.shop}`)[0].rebuild_ms;
    const firstBuildMs = await lastRebuildMs();
    expect(firstBuildMs).toBeGreaterThanOrEqual(0);
    await prisma.shop.update({ where: { domain: store.shop }, data: { ianaTimezone: "Asia/Tokyo" } });
    // Another process rebuilds (the shop update's job): it holds the shop's lock until it commits.
    const customer = store.orders.find((o) => o.customerId !== null)!.customerId!;
    // Tagging all of a list's customers reads the list.
    const tagAll = new FormData();
    for (const [name, value] of Object.entries({ action: "add", tag: "vip", selection: "all", query: "list=at_risk" })) tagAll.set(name, value);
    const began = Date.now();
    const [pages, file, view, tagging] = await prisma.$transaction(async (tx) => {
      await refreshRollupsIn(tx, store.shop);
      return Promise.all([
        Promise.all([overviewPage(store.shop, params(), NOW), retentionPage(store.shop, params(), NOW), customersPage(store.shop, new URLSearchParams(), NOW)]),
        badRequest.page(() => EXPORTS.sales.build(store.shop, params(), NOW)).catch((thrown: unknown) => thrown),
        customerPage(store.shop, customer, NOW).catch((thrown: unknown) => thrown),
        tagCustomersForm(store.shop, tagAll, NOW),
      ]);
    }, ROLLUP_TRANSACTION_OPTIONS);
    const ranSeconds = (Date.now() - began) / 1000;
    expect(env.METRYKA_PAGE_REBUILD_WAIT_MS).toBeGreaterThan(0);
    for (const page of pages) expect({ recomputing: page.recomputing, report: page.report, timeZone: page.timeZone }).toEqual({ recomputing: true, report: null, timeZone: "Asia/Tokyo" });
    // The rebuild holding the shop's lock had run at least as long as each page waited for it, and
    // the last one's time is the first build's (its own is not committed yet).
    for (const page of pages) {
      expect(page.rebuild?.lastSeconds).toBe(firstBuildMs! / 1000);
      expect(page.rebuild?.elapsedSeconds).toBeGreaterThanOrEqual(env.METRYKA_PAGE_REBUILD_WAIT_MS / 1000 - 0.01);
      expect(page.rebuild?.elapsedSeconds).toBeLessThanOrEqual(ranSeconds);
    }
    expect(pages[0].rates).toBeNull();
    expect(file).toBeInstanceOf(Response);
    expect([(file as Response).status, (file as Response).headers.get("Retry-After")]).toEqual([503, "15"]);
    const refusal = (await (file as Response).json()) as PageRefusal;
    expect(refusal.message).toMatch(/being recomputed in Asia\/Tokyo/);
    expect(refusal.recomputing?.timeZone).toBe("Asia/Tokyo");
    expect(view).toBeInstanceOf(RecomputingError);
    // A customer's view says how far along the rebuild is too, through its error state.
    expect((view as RecomputingError).progress?.lastSeconds).toBe(firstBuildMs! / 1000);
    expect((view as RecomputingError).progress?.elapsedSeconds).toBeGreaterThanOrEqual(env.METRYKA_PAGE_REBUILD_WAIT_MS / 1000 - 0.01);
    expect(tagging).toMatchObject({ ok: false, status: 503, refusal: { key: "recomputing" } });
    expect(await prisma.customerTagJob.count({ where: { shop: store.shop } })).toBe(0);

    const [overview, retention, customers] = await Promise.all([overviewPage(store.shop, params(), NOW), retentionPage(store.shop, params(), NOW), customersPage(store.shop, new URLSearchParams(), NOW)]);
    expect([overview.recomputing, retention.recomputing, customers.recomputing]).toEqual([false, false, false]);
    expect([overview.rebuild, retention.rebuild, customers.rebuild]).toEqual([null, null, null]);
    // The rebuild in Asia/Tokyo recorded its own time, within the transaction it ran in.
    expect(await lastRebuildMs()).toBeGreaterThanOrEqual(0);
    expect(await lastRebuildMs()).toBeLessThanOrEqual(ranSeconds * 1000);
    expect(overview.report?.timeZone).toBe("Asia/Tokyo");
    expect(overview.report?.totals.orders).toBeGreaterThan(0);
    expect(retention.report?.timeZone).toBe("Asia/Tokyo");
    expect(customers.report).not.toBeNull();
    expect((await customerPage(store.shop, customer, NOW)).standing.customerId).toBe(customer);
  });
});
