// What every dashboard page needs before its own report: the query string parsed (zod, an
// out-of-range or malformed date is an InvalidRangeError, so a 400), the shop's calendar and
// currency, the range the page shows (the last twelve months unless the URL says otherwise), the
// preset ranges its date select offers, and the store's sync state.
import { z } from "zod";
import prisma from "#app/db.server";
import { env } from "#app/env.server";
import { addDays, InvalidRangeError, validateRange, type DateRange } from "#app/metrics/periods";
import { loadShopContext, RecomputingError, type ShopContext } from "#app/metrics/context.server";
import { invalidParameter, patterned } from "#app/metrics/query-refusal";
import type { RebuildProgress } from "#app/metrics/rebuild-progress";
import { ensureDailyRollups, rebuildProgress } from "#app/metrics/rollups.server";
import { syncStatus, type SyncStatus } from "#app/sync/sync-status.server";
import { presetRanges, type PresetRange } from "./ranges";

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

const RANGE_SHAPE = {
  from: patterned(LOCAL_DATE, "must be a date written YYYY-MM-DD", "notADate").optional(),
  to: patterned(LOCAL_DATE, "must be a date written YYYY-MM-DD", "notADate").optional(),
};

type RangeShape = typeof RANGE_SHAPE;

/**
 * Reads `from`, `to` and the page's own parameters (`shape`) from the query string. Empty
 * values count as absent. Throws InvalidRangeError (400) naming the first bad parameter.
 */
export function parsePageQuery<T extends z.ZodRawShape>(
  searchParams: URLSearchParams,
  shape: T
): z.infer<z.ZodObject<RangeShape & T>> {
  const schema = z.object({ ...RANGE_SHAPE, ...shape }) as z.ZodObject<RangeShape & T>;
  const raw = Object.fromEntries(
    Object.keys(schema.shape).flatMap((key) => {
      const value = searchParams.get(key);
      return value ? [[key, value]] : [];
    })
  );
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw invalidParameter(parsed.error, raw);
  const data = parsed.data as { from?: string; to?: string };
  if ((data.from === undefined) !== (data.to === undefined)) {
    throw new InvalidRangeError("give both from and to, or neither", { key: "bothOrNeither" });
  }
  return parsed.data;
}

export interface ShopPage {
  /** False until the app is installed for the shop (no shop row yet). */
  installed: boolean;
  shopName: string;
  timeZone: string;
  currency: string;
  scopes: string[];
  /** The range the page shows, local dates, `to` exclusive. */
  range: DateRange;
  /** The last local date in the range (what a merchant reads as "to"). */
  lastDay: string;
  presets: PresetRange[];
  sync: SyncStatus;
  /** The first sync is still on its way: the numbers are not complete yet. */
  syncing: boolean;
  /** Without read_all_orders Shopify only shows an app the last 60 days of orders. */
  historyLimited: boolean;
}

/**
 * The shop's side of a page: its row, the sync state, and the range to show (checked with
 * `validateRange`, so an impossible range is a 400 even before the first sync).
 */
export async function shopPage(shop: string, query: { from?: string; to?: string }, now: Date): Promise<ShopPage> {
  const [row, sync] = await Promise.all([
    prisma.shop.findUnique({
      where: { domain: shop },
      select: { ianaTimezone: true, currencyCode: true, scopes: true, name: true },
    }),
    syncStatus(shop),
  ]);
  const timeZone = row?.ianaTimezone ?? "UTC";
  const presets = presetRanges(now.toISOString(), timeZone);
  const range = validateRange(
    query.from && query.to ? { from: query.from, to: query.to } : { from: presets[0].from, to: presets[0].to }
  );
  const scopes = (row?.scopes ?? "")
    .split(",")
    .map((scope) => scope.trim())
    .filter(Boolean);
  return {
    installed: row !== null,
    shopName: row?.name ?? shop,
    timeZone,
    currency: row?.currencyCode ?? "USD",
    scopes,
    range,
    lastDay: addDays(range.to, -1),
    presets,
    sync,
    syncing: sync.status === "never" || sync.status === "queued" || sync.status === "running",
    historyLimited: row !== null && !scopes.includes("read_all_orders"),
  };
}

/**
 * Whether the shop's figures can be read now: its rollups are in its current time zone and
 * currency, or became so within METRYKA_PAGE_REBUILD_WAIT_MS. After a change of either, a large
 * store's rebuild takes a minute or more (the shop update's job starts it in the worker; the
 * page starts it here if it has not): false then, and the page says its figures are being
 * recomputed and looks again (`recomputing` in the page's data) instead of keeping the merchant
 * waiting on a blank admin.
 */
export function rollupsReady(shop: string, page: Pick<ShopPage, "timeZone" | "currency">, waitMs = env.METRYKA_PAGE_REBUILD_WAIT_MS): Promise<boolean> {
  return ensureDailyRollups(shop, page.timeZone, page.currency, { waitMs });
}

/** While a page's figures are being recomputed, how far along the shop's rebuild likely is; else null. */
export function rebuildShown(shop: string, recomputing: boolean): Promise<RebuildProgress | null> {
  return recomputing ? rebuildProgress(shop) : Promise.resolve(null);
}

/**
 * For what has no page of its own to say it on (a file, the customer's view, the customer
 * page's block): throws RecomputingError (a 503 with Retry-After) unless the shop's figures can
 * be read now (`rollupsReady`). `page`: the shop as the caller has read it; a shop not installed
 * is for the metrics to refuse (a 404).
 */
export async function requireFiguresReady(shop: string, page: Pick<ShopPage, "installed" | "timeZone" | "currency">): Promise<void> {
  if (page.installed && !(await rollupsReady(shop, page))) {
    throw new RecomputingError(page.timeZone, page.currency, await rebuildProgress(shop));
  }
}

/**
 * The shop's context (zone, currency, settings) once its figures can be read now, in one read of
 * the shop: for what reads one customer (their view, the customer page's block). Throws
 * UnknownShopError (404) and RecomputingError (503).
 */
export async function readyShopContext(shop: string): Promise<ShopContext> {
  const context = await loadShopContext(shop);
  await requireFiguresReady(shop, { installed: true, timeZone: context.timeZone, currency: context.currency });
  return context;
}
