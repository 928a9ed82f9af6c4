// GIVEN stores in different time zones and currencies with different metric settings (one with
// Shopify's session figures, two with the pixel's on either side of the date line, one with both,
// one without sessions, one without orders, an uninstalled one, one without a shop row at all),
// WHEN a portfolio's rows are read for many stores at once (one query per metric over the list of
// shops), THEN every row, for every range and comparison, deep-equals the row built from that
// store's own page functions (salesOverview, retentionRates, conversionOverview, syncStatus), and
// each many-shops function equals its one-shop function report for report (the sales totals and
// comparison, of salesOverview's report); rollups a store lacks or built in another zone are built
// first, and pixel events received since the last refresh are in the sessions. A store whose
// rebuild takes longer than the page waits has its row without figures, marked as being recomputed,
// while the others have theirs; once it is rebuilt its row is whole again.
import { beforeAll, describe, expect, it } from "vitest";
import prisma from "#app/db.server";
import { loadShopContext, type ShopContext } from "#app/metrics/context.server";
import { conversionOverview, conversionOverviewOfShops } from "#app/metrics/conversion.server";
import type { Comparison, DateRange } from "#app/metrics/periods";
import { retentionActivityOfShops, retentionRates } from "#app/metrics/retention.server";
import { ensureDailyRollups, refreshRollupsIn, ROLLUP_TRANSACTION_OPTIONS } from "#app/metrics/rollups.server";
import { salesOverview, salesTotalsOfShops, salesTotalsReport } from "#app/metrics/sales.server";
import { updateMetricSettings } from "#app/metrics/settings.server";
import { writeSessions } from "#app/metrics/test-helpers/fixtures";
import { generateStore, writeStore } from "#app/metrics/test-helpers/store";
import { portfolioRows, portfolioStoreRow } from "#app/portfolios/portfolio-metrics.server";
import { totalsByCurrency } from "#app/portfolios/portfolio-page.server";
import { syncStatus, syncStatusOfShops } from "#app/sync/sync-status.server";

const NOW = new Date("2026-11-18T15:37:21Z");
const HOUR = 3_600_000;
const domain = (name: string) => `rows-${name}.myshopify.com`;
const SHOPS = {
  newYork: domain("new-york"),
  warsaw: domain("warsaw"),
  tokyo: domain("tokyo"),
  kathmandu: domain("kathmandu"),
  auckland: domain("auckland"),
  empty: domain("empty"),
  uninstalled: domain("uninstalled"),
  erased: domain("erased"),
};
const ALL = Object.values(SHOPS);

/** Pixel events: a visitor per hour of a few days, some of them adding to cart and buying. */
function pixelEvents(from: Date, days: number, prefix: string) {
  const events = [];
  for (let h = 0; h < days * 24; h += 5) {
    const at = new Date(from.getTime() + h * HOUR);
    events.push({ id: `${prefix}-${h}-v`, visitorId: `${prefix}-${h % 17}`, name: "page_viewed", occurredAt: at });
    if (h % 3 === 0) events.push({ id: `${prefix}-${h}-c`, visitorId: `${prefix}-${h % 17}`, name: "product_added_to_cart", occurredAt: new Date(at.getTime() + 60_000) });
    if (h % 4 === 0) events.push({ id: `${prefix}-${h}-o`, visitorId: `${prefix}-${h % 17}`, name: "checkout_completed", occurredAt: new Date(at.getTime() + 120_000) });
  }
  return events;
}

/** Shopify's daily figures for every local day of [from, to). */
function sessionDays(from: string, to: string, seed: number) {
  const days = [];
  for (let d = new Date(`${from}T00:00:00Z`); d < new Date(`${to}T00:00:00Z`); d = new Date(d.getTime() + 24 * HOUR)) {
    const n = 20 + ((d.getUTCDate() * seed) % 37);
    days.push({ day: d.toISOString().slice(0, 10), sessions: n, sessionsWithCartAdditions: Math.floor(n / 3), sessionsReachedCheckout: Math.floor(n / 5), sessionsCompletedCheckout: Math.floor(n / 9) });
  }
  return days;
}

beforeAll(async () => {
  const store = (seed: number, shop: string, timeZone: string, currency: string, orders: number, otherCurrency?: string) =>
    generateStore({ seed, shop, timeZone, currency, otherCurrency, now: NOW, start: "2024-06-01", orders, customers: Math.ceil(orders / 3) });
  await writeStore(store(501, SHOPS.newYork, "America/New_York", "USD", 500));
  await writeStore(store(502, SHOPS.warsaw, "Europe/Warsaw", "PLN", 400, "EUR"));
  await writeStore(store(503, SHOPS.tokyo, "Asia/Tokyo", "JPY", 300));
  await writeStore(store(504, SHOPS.kathmandu, "Asia/Kathmandu", "EUR", 250));
  await writeStore(store(506, SHOPS.auckland, "Pacific/Auckland", "NZD", 150));
  await writeStore(store(505, SHOPS.uninstalled, "Australia/Sydney", "AUD", 200));
  await prisma.shop.create({ data: { domain: SHOPS.empty, name: "Empty", ianaTimezone: "America/Los_Angeles", currencyCode: "CAD" } });
  await prisma.shop.updateMany({ where: { domain: { in: ALL } }, data: { installedAt: new Date("2024-06-01T00:00:00Z") } });
  await prisma.shop.update({ where: { domain: SHOPS.uninstalled }, data: { uninstalledAt: new Date("2026-10-01T00:00:00Z") } });

  await updateMetricSettings(SHOPS.warsaw, {
    refundDating: "order_date",
    salesIncludeCancelled: false,
    retentionIncludeCancelled: true,
    cohortIncludeZeroValue: false,
    activityWindowDays: 90,
  });
  await updateMetricSettings(SHOPS.tokyo, { cohortIncludeZeroValue: false, activityWindowDays: 30 });
  await updateMetricSettings(SHOPS.kathmandu, { refundDating: "order_date", retentionIncludeCancelled: true });

  // Shopify's figures for New York, the pixel's for Warsaw and Auckland (read together, each into
  // its own row), both for Kathmandu (Shopify's win), none for Tokyo.
  await writeSessions(SHOPS.newYork, { days: sessionDays("2025-06-01", "2026-11-18", 3) });
  await writeSessions(SHOPS.warsaw, { events: pixelEvents(new Date("2026-10-28T09:00:00Z"), 6, "w") });
  await writeSessions(SHOPS.auckland, { events: pixelEvents(new Date("2026-10-30T21:00:00Z"), 4, "a") });
  await writeSessions(SHOPS.kathmandu, { days: sessionDays("2026-09-01", "2026-11-10", 5), events: pixelEvents(new Date("2026-11-02T09:00:00Z"), 2, "k") });

  const state = (status: "succeeded" | "running" | "failed", at: string) => ({
    status,
    kind: "backfill" as const,
    startedAt: new Date(at),
    finishedAt: status === "running" ? null : new Date(at),
    lastSuccessAt: status === "succeeded" ? new Date(at) : null,
    error: status === "failed" ? "THROTTLED" : null,
  });
  await prisma.syncState.create({ data: { shop: SHOPS.newYork, ...state("succeeded", "2026-11-18T15:00:00Z") } });
  await prisma.syncState.create({ data: { shop: SHOPS.warsaw, ...state("running", "2026-11-18T15:30:00Z") } });
  await prisma.syncState.create({ data: { shop: SHOPS.tokyo, ...state("failed", "2026-11-17T10:00:00Z") } });
}, 120_000);

const RANGES: Array<[string, DateRange]> = [
  ["the last twelve months", { from: "2025-12-01", to: "2026-12-01" }],
  ["whole months in the past", { from: "2025-03-01", to: "2025-09-01" }],
  ["days across a change of summer time", { from: "2026-03-07", to: "2026-04-03" }],
  ["days up to after now", { from: "2026-10-13", to: "2026-11-25" }],
  ["one day", { from: "2026-11-02", to: "2026-11-03" }],
];
const COMPARES: Array<Comparison | null> = ["previous_period", "previous_year", null];

const perStore = (range: DateRange, compareTo: Comparison | null) => Promise.all(ALL.map((shop) => portfolioStoreRow(shop, range, compareTo, NOW)));

describe("a portfolio's rows for many stores", () => {
  it("build the rollups a store lacks, and equal each store's own rows for every range and comparison", async () => {
    // Nothing is built yet: the many-stores read builds it, as each store's own pages would.
    expect(await prisma.$queryRaw<unknown[]>`SELECT shop FROM daily_sales_state`).toEqual([]);
    const [name, range] = RANGES[0];
    const cold = await portfolioRows(ALL, range, "previous_period", NOW);
    expect(cold, name).toEqual(await perStore(range, "previous_period"));

    // Every comparison on one range, and every range with one of them in turn.
    const cases: Array<[string, DateRange, Comparison | null]> = [
      ...COMPARES.slice(1).map((compareTo): [string, DateRange, Comparison | null] => [name, range, compareTo]),
      ...RANGES.slice(1).map(([label, range], i): [string, DateRange, Comparison | null] => [label, range, COMPARES[i % COMPARES.length]]),
    ];
    for (const [label, range, compareTo] of cases) {
      const rows = await portfolioRows(ALL, range, compareTo, NOW);
      expect(rows, `${label}, ${compareTo}`).toEqual(await perStore(range, compareTo));
    }
    // The rows hold what they should: figures for the installed stores only, sessions where there are any.
    const rows = await portfolioRows(ALL, RANGES[3][1], "previous_period", NOW);
    const byShop = new Map(rows.map((row) => [row.shop, row]));
    expect(rows.map((row) => row.shop)).toEqual(ALL);
    expect(byShop.get(SHOPS.newYork)).toMatchObject({ installed: true, conversionSource: "shopify", sync: "succeeded" });
    expect(byShop.get(SHOPS.warsaw)).toMatchObject({ installed: true, currency: "PLN", conversionSource: "pixel", sync: "running" });
    expect(byShop.get(SHOPS.kathmandu)).toMatchObject({ conversionSource: "shopify" });
    expect(byShop.get(SHOPS.tokyo)).toMatchObject({ installed: true, conversionSource: null, conversionRate: null, sync: "failed" });
    expect(byShop.get(SHOPS.empty)).toMatchObject({ installed: true, orders: 0, netSales: 0, sync: "never" });
    expect(byShop.get(SHOPS.uninstalled)).toMatchObject({ installed: false, orders: null, netSales: null });
    expect(byShop.get(SHOPS.erased)).toMatchObject({ installed: false, name: SHOPS.erased, currency: "USD", sync: "never" });
    for (const shop of [SHOPS.newYork, SHOPS.warsaw, SHOPS.tokyo, SHOPS.kathmandu]) {
      expect(byShop.get(shop)!.orders).toBeGreaterThan(0);
      expect(byShop.get(shop)!.newCustomers).toBeGreaterThan(0);
    }
  });

  it("rebuild rollups built in another zone, and take in pixel events received since the last refresh", async () => {
    const range: DateRange = { from: "2026-10-20", to: "2026-11-19" };
    const before = await portfolioRows(ALL, range, "previous_period", NOW);
    await prisma.shop.update({ where: { domain: SHOPS.tokyo }, data: { ianaTimezone: "Pacific/Honolulu" } });
    await writeSessions(SHOPS.warsaw, { events: pixelEvents(new Date("2026-11-10T09:00:00Z"), 3, "w2") });
    // The many-stores read first: it must see the new zone and the new events itself.
    const after = await portfolioRows(ALL, range, "previous_period", NOW);
    expect(after).toEqual(await perStore(range, "previous_period"));
    const tokyo = (rows: typeof before) => rows.find((row) => row.shop === SHOPS.tokyo)!;
    const warsaw = (rows: typeof before) => rows.find((row) => row.shop === SHOPS.warsaw)!;
    expect(tokyo(after).timeZone).toBe("Pacific/Honolulu");
    expect(warsaw(after).conversionRate).not.toEqual(warsaw(before).conversionRate);
    await prisma.shop.update({ where: { domain: SHOPS.tokyo }, data: { ianaTimezone: "Asia/Tokyo" } });
  });

  it("GIVEN a store's rebuild longer than the page waits THEN its row is marked recomputing without figures, the others are whole, and it fills in after", async () => {
    const range = RANGES[0][1];
    const before = await portfolioRows(ALL, range, "previous_period", NOW);
    const others = (rows: typeof before) => rows.filter((row) => row.shop !== SHOPS.tokyo);
    // The time the store's last rebuild took, as recorded (the one below replaces it when it commits).
    const [{ rebuild_ms: lastMs }] = await prisma.$queryRaw<Array<{ rebuild_ms: number | null }>>`
      SELECT rebuild_ms FROM daily_sales_state WHERE shop = ${SHOPS.tokyo}`;
    expect(lastMs).not.toBeNull();
    await prisma.shop.update({ where: { domain: SHOPS.tokyo }, data: { ianaTimezone: "Pacific/Honolulu" } });
    try {
      // Another process rebuilds the store (the shop update's job): it holds the store's lock until it commits.
      const started = Date.now();
      const during = await prisma.$transaction(async (tx) => {
        await refreshRollupsIn(tx, SHOPS.tokyo);
        return portfolioRows(ALL, range, "previous_period", NOW, { waitMs: 300 });
      }, ROLLUP_TRANSACTION_OPTIONS);
      const ended = Date.now();
      expect(during.map((row) => row.shop)).toEqual(ALL);
      expect(during.find((row) => row.shop === SHOPS.tokyo)).toMatchObject({
        installed: true,
        recomputing: true,
        timeZone: "Pacific/Honolulu",
        currency: "JPY",
        netSales: null,
        orders: null,
        newCustomers: null,
        repeatPurchaseRate: null,
        conversionRate: null,
      });
      // How long that rebuild has run, from its transaction's start (after `started`, and at
      // least the page's wait before it), and the last one's time.
      const { rebuild } = during.find((row) => row.shop === SHOPS.tokyo)!;
      expect(rebuild!.elapsedSeconds).toBeGreaterThanOrEqual(0.3);
      expect(rebuild!.elapsedSeconds).toBeLessThanOrEqual((ended - started) / 1000);
      expect(rebuild!.lastSeconds).toBeCloseTo(lastMs! / 1000, 3);
      expect(others(during)).toEqual(others(before));
      expect(others(during).every((row) => row.rebuild === null)).toBe(true);
      expect(others(during).every((row) => !row.recomputing)).toBe(true);
      // Its currency's total leaves it out (it is the only store in yen).
      expect(totalsByCurrency(during).map((total) => total.currency)).not.toContain("JPY");
      expect(totalsByCurrency(before).map((total) => total.currency)).toContain("JPY");

      const after = await portfolioRows(ALL, range, "previous_period", NOW, { waitMs: 300 });
      expect(after).toEqual(await perStore(range, "previous_period"));
      expect(after.find((row) => row.shop === SHOPS.tokyo)).toMatchObject({ recomputing: false, timeZone: "Pacific/Honolulu" });
      expect(after.find((row) => row.shop === SHOPS.tokyo)!.orders).toBeGreaterThan(0);
    } finally {
      await prisma.shop.update({ where: { domain: SHOPS.tokyo }, data: { ianaTimezone: "Asia/Tokyo" } });
    }
  });

  it("come from many-shops functions each equal to its one-shop function, report for report", async () => {
    const installed = [SHOPS.newYork, SHOPS.warsaw, SHOPS.tokyo, SHOPS.kathmandu, SHOPS.empty];
    const contexts: ShopContext[] = await Promise.all(installed.map((shop) => loadShopContext(shop)));
    // What the many-shops functions ask of their caller: rollups built in each shop's zone and currency.
    for (const { shop, timeZone, currency } of contexts) await ensureDailyRollups(shop, timeZone, currency);
    const clock = { now: NOW };
    for (const [label, range] of [RANGES[0], RANGES[2]]) {
      for (const compareTo of COMPARES) {
        const sales = await salesTotalsOfShops(contexts, { range, granularity: "month", compareTo }, clock);
        for (const shop of installed) {
          const own = await salesOverview(shop, { range, granularity: "month", compareTo }, clock);
          expect(sales.get(shop), `${label}, ${compareTo}, ${shop}`).toEqual(salesTotalsReport(own));
          expect(sales.get(shop)!.totals.orders).toBe(own.series.reduce((sum, point) => sum + point.orders, 0));
        }
      }
      const activity = await retentionActivityOfShops(contexts, { range }, clock);
      const conversion = await conversionOverviewOfShops(contexts, { range, granularity: "week" }, clock);
      for (const shop of installed) {
        expect(activity.get(shop), `${label}, ${shop}`).toEqual((await retentionRates(shop, { range }, clock)).activity);
        expect(conversion.get(shop), `${label}, ${shop}`).toEqual(await conversionOverview(shop, { range, granularity: "week" }, clock));
      }
    }
    const syncs = await syncStatusOfShops(ALL);
    for (const shop of ALL) expect(syncs.get(shop)).toEqual(await syncStatus(shop));
  });
});
