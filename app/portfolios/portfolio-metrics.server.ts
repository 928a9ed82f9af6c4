// A portfolio's rows: every member store's key metrics for a range and comparison, each in the
// store's own currency, time zone and settings, from its own rollups (the range's dates are read
// as each store's local dates, as Shopify's reports do).
//
// `portfolioStoreRow` is the definition: one store's row from the functions behind its own
// Overview, Retention and Conversion pages. `portfolioRows` gives the same rows for many stores
// with a fixed number of queries, whatever their count: one for the shop rows, one for their
// settings, one for the sync states, one per metric over the list of shops (sales with the
// comparison, customer activity, sessions), and the checks that each store's rollups and pixel
// sessions are current; only a store whose rollups are missing or stale (another zone or
// currency) or whose pixel received events since its last refresh has them built, exactly as its
// own pages would. tests/portfolio-rows.test.ts holds the two equal. The Portfolio page waits
// for a store's rebuild only as long as its own pages would (ADR 022): a store whose figures are
// still being recomputed then has its row without them, `recomputing`, and the others theirs.
import type { Prisma } from "@prisma/client";
import prisma from "#app/db.server";
import { doneWithin } from "#app/done-within";
import type { ShopContext } from "#app/metrics/context.server";
import { conversionOverview, conversionOverviewOfShops } from "#app/metrics/conversion.server";
import type { Comparison, DateRange } from "#app/metrics/periods";
import { pixelRefreshGroups, refreshPixelSessionsOfShops, shopsWithNewPixelEvents } from "#app/metrics/pixel-sessions.server";
import { retentionActivityOfShops, retentionRates } from "#app/metrics/retention.server";
import type { RebuildProgress } from "#app/metrics/rebuild-progress";
import { ensureDailyRollups, rebuildProgressOfShops } from "#app/metrics/rollups.server";
import { salesOverview, salesTotalsOfShops } from "#app/metrics/sales.server";
import { DEFAULT_METRIC_SETTINGS, type MetricSettings } from "#app/metrics/settings";
import { metricSettingsFromRow } from "#app/metrics/settings.server";
import { syncStatus, syncStatusOfShops, type SyncStatus } from "#app/sync/sync-status.server";

export interface PortfolioStoreRow {
  shop: string;
  name: string;
  /** The store's own currency: its amounts are in it, never converted. */
  currency: string;
  timeZone: string;
  installed: boolean;
  /**
   * Its rollups are being rebuilt (never built, or built in another zone or currency), for longer
   * than the page waits: the row has no figures yet.
   */
  recomputing: boolean;
  /** While `recomputing`: how long the rebuild has run, and how long the store's last one took. */
  rebuild: RebuildProgress | null;
  /** Minor units of `currency`. */
  netSales: number | null;
  netSalesGrowth: number | null;
  /** The comparison range's net sales, which `netSalesGrowth` is measured against. */
  netSalesGrowthBase: number | null;
  orders: number | null;
  averageOrderValue: number | null;
  newCustomers: number | null;
  returningCustomerRate: number | null;
  repeatPurchaseRate: number | null;
  conversionRate: number | null;
  /** Where the conversion rate comes from ("shopify" or "pixel"), null without sessions. */
  conversionSource: string | null;
  sync: SyncStatus["status"];
  lastSyncAt: string | null;
  /** The store's admin, where Metryka opens for it. */
  adminUrl: string;
}

type ShopRow = Pick<Prisma.ShopGetPayload<object>, "name" | "currencyCode" | "ianaTimezone" | "uninstalledAt" | "installedAt">;

const SHOP_FIELDS = { name: true, currencyCode: true, ianaTimezone: true, uninstalledAt: true, installedAt: true } as const;

/**
 * The stores whose pixel sessions a load refreshes are split into this many groups, each
 * refreshed with one set of statements, the groups at once: one per core of a small database
 * server. With 100 new events at each of 50 stores, one group took the page to 227 and 233 ms,
 * two to 185 and 201 ms (`npm run bench -- portfolio`).
 */
const PIXEL_REFRESH_GROUPS = 2;

const NO_FIGURES = {
  netSales: null,
  netSalesGrowth: null,
  netSalesGrowthBase: null,
  orders: null,
  averageOrderValue: null,
  newCustomers: null,
  returningCustomerRate: null,
  repeatPurchaseRate: null,
  conversionRate: null,
  conversionSource: null,
} as const;

/** The row of a store that has not installed the app (or uninstalled it). */
const NOT_INSTALLED = { installed: false, recomputing: false, rebuild: null, ...NO_FIGURES } as const;

/** A store's row without its figures: its name, currency, zone, sync state and admin link. */
function rowBase(shop: string, row: ShopRow | null, sync: SyncStatus) {
  return {
    shop,
    name: row?.name ?? shop,
    currency: row?.currencyCode ?? "USD",
    timeZone: row?.ianaTimezone ?? "UTC",
    sync: sync.status,
    lastSyncAt: sync.lastSuccessAt,
    adminUrl: `https://admin.shopify.com/store/${shop.replace(/\.myshopify\.com$/, "")}/apps`,
  };
}

const installed = (row: ShopRow | null): row is ShopRow => row !== null && row.installedAt !== null && row.uninstalledAt === null;

/**
 * One store's row, from its own pages' functions (salesOverview, retentionRates,
 * conversionOverview, syncStatus): the definition `portfolioRows` is held equal to. A store that
 * is not installed has its row without figures.
 */
export async function portfolioStoreRow(shop: string, range: DateRange, compareTo: Comparison | null, now: Date): Promise<PortfolioStoreRow> {
  const [row, sync] = await Promise.all([prisma.shop.findUnique({ where: { domain: shop }, select: SHOP_FIELDS }), syncStatus(shop)]);
  const base = rowBase(shop, row, sync);
  if (!installed(row)) return { ...base, ...NOT_INSTALLED };
  const clock = { now };
  const [sales, rates, conversion] = await Promise.all([
    salesOverview(shop, { range, granularity: "month", compareTo }, clock),
    retentionRates(shop, { range }, clock),
    conversionOverview(shop, { range, granularity: "month" }, clock),
  ]);
  return {
    ...base,
    installed: true,
    recomputing: false,
    rebuild: null,
    netSales: sales.totals.netSales,
    netSalesGrowth: sales.comparison?.growth.netSales ?? null,
    netSalesGrowthBase: sales.comparison?.totals.netSales ?? null,
    orders: sales.totals.orders,
    averageOrderValue: sales.totals.averageOrderValue,
    newCustomers: rates.activity.newCustomers,
    returningCustomerRate: rates.activity.returningCustomerRate,
    repeatPurchaseRate: rates.activity.repeatPurchaseRate,
    conversionRate: conversion.totals.conversionRate,
    conversionSource: conversion.source,
  };
}

/** Settings as getMetricSettings reads them: the row's, or the defaults without one. */
function settingsOf(row: Parameters<typeof metricSettingsFromRow>[0] | undefined): MetricSettings {
  return row ? metricSettingsFromRow(row) : { ...DEFAULT_METRIC_SETTINGS };
}

/**
 * Brings every store's rollups and pixel sessions up to date as its own pages do
 * (ensureDailyRollups, refreshPixelSessions), given the zone and currency each store's rollups
 * were built in (`built`, one read of `daily_sales_state`) and the stores whose pixel received
 * events since their last refresh (`newPixelEvents`): only the stores whose rollups are missing or
 * were built in another zone or currency are rebuilt (as many at once as the process lets run,
 * the others waiting their turn), and only those stores' sessions refreshed, in a few groups.
 *
 * With `waitMs`, waits at most that long for the rebuilds (they go on; a later load joins them)
 * and answers the stores whose rollups are not current yet. Without it, waits for all of them.
 */
async function bringUpToDate(
  contexts: ShopContext[],
  built: Map<string, { timeZone: string; currency: string | null }>,
  newPixelEvents: Set<string>,
  waitMs: number | undefined,
): Promise<Set<string>> {
  const stale = contexts.filter((c) => {
    const state = built.get(c.shop);
    return !state || state.timeZone !== c.timeZone || state.currency !== c.currency;
  });
  const pixel = contexts.filter((c) => newPixelEvents.has(c.shop));
  const current = new Set<string>();
  const rebuilds = Promise.all(
    stale.map(async (c) => {
      await ensureDailyRollups(c.shop, c.timeZone, c.currency);
      current.add(c.shop);
    }),
  );
  const groups = pixelRefreshGroups(
    pixel.map((c) => c.shop),
    Math.max(1, Math.ceil(pixel.length / PIXEL_REFRESH_GROUPS)),
  );
  const sessions = Promise.all(groups.map((group) => refreshPixelSessionsOfShops(group)));
  // A rebuild failing after the wait is logged by ensureDailyRollups, and met again by the next
  // load, which starts it anew.
  rebuilds.catch(() => {});
  await Promise.all([doneWithin(rebuilds, waitMs), sessions]);
  return new Set(stale.filter((c) => !current.has(c.shop)).map((c) => c.shop));
}

/** The zone and currency each shop's rollups were built in, for those that have them. */
async function rollupsBuiltIn(shops: string[]): Promise<Map<string, { timeZone: string; currency: string | null }>> {
  const rows = await prisma.$queryRaw<Array<{ shop: string; time_zone: string; currency_code: string | null }>>`
    SELECT shop, time_zone, currency_code FROM daily_sales_state WHERE shop = ANY(${shops}::text[])`;
  return new Map(rows.map((row) => [row.shop, { timeZone: row.time_zone, currency: row.currency_code }]));
}

/**
 * The rows of `shops`, in their order: each equals `portfolioStoreRow` for that store, read
 * with one query per metric over the whole list. With `waitMs` (a page), a store whose rollups
 * are still being rebuilt after that long has its row `recomputing`, without figures.
 */
export async function portfolioRows(
  shops: string[],
  range: DateRange,
  compareTo: Comparison | null,
  now: Date,
  { waitMs }: { waitMs?: number } = {},
): Promise<PortfolioStoreRow[]> {
  if (shops.length === 0) return [];
  const [shopRows, settingsRows, syncs, built, newPixelEvents] = await Promise.all([
    prisma.shop.findMany({ where: { domain: { in: shops } }, select: { domain: true, ...SHOP_FIELDS } }),
    prisma.shopSettings.findMany({ where: { shop: { in: shops } } }),
    syncStatusOfShops(shops),
    rollupsBuiltIn(shops),
    shopsWithNewPixelEvents(shops),
  ]);
  const rowOf = new Map(shopRows.map((row) => [row.domain, row]));
  const settings = new Map(settingsRows.map((row) => [row.shop, row]));
  const contexts: ShopContext[] = shops.flatMap((shop) => {
    const row = rowOf.get(shop) ?? null;
    return installed(row) ? [{ shop, timeZone: row.ianaTimezone, currency: row.currencyCode, settings: settingsOf(settings.get(shop)) }] : [];
  });

  const recomputing = await bringUpToDate(contexts, built, new Set(newPixelEvents), waitMs);
  const ready = contexts.filter((c) => !recomputing.has(c.shop));
  const clock = { now };
  const [progress, sales, activity, conversion] = await Promise.all([
    rebuildProgressOfShops([...recomputing]),
    salesTotalsOfShops(ready, { range, granularity: "month", compareTo }, clock),
    retentionActivityOfShops(ready, { range }, clock),
    conversionOverviewOfShops(ready, { range, granularity: "month" }, clock),
  ]);

  return shops.map((shop): PortfolioStoreRow => {
    const row = rowOf.get(shop) ?? null;
    const base = rowBase(shop, row, syncs.get(shop)!);
    if (!installed(row)) return { ...base, ...NOT_INSTALLED };
    if (recomputing.has(shop)) return { ...base, installed: true, recomputing: true, rebuild: progress.get(shop)!, ...NO_FIGURES };
    const s = sales.get(shop)!;
    const a = activity.get(shop)!;
    const c = conversion.get(shop)!;
    return {
      ...base,
      installed: true,
      recomputing: false,
      rebuild: null,
      netSales: s.totals.netSales,
      netSalesGrowth: s.comparison?.growth.netSales ?? null,
      netSalesGrowthBase: s.comparison?.totals.netSales ?? null,
      orders: s.totals.orders,
      averageOrderValue: s.totals.averageOrderValue,
      newCustomers: a.newCustomers,
      returningCustomerRate: a.returningCustomerRate,
      repeatPurchaseRate: a.repeatPurchaseRate,
      conversionRate: c.totals.conversionRate,
      conversionSource: c.source,
    };
  });
}
