// What every metric query needs to know about a shop: its time zone, its currency and the
// merchant's settings.
import prisma from "#app/db.server";
import type { RebuildProgress } from "./rebuild-progress";
import type { MetricSettings } from "./settings";
import { getMetricSettings } from "./settings.server";

/** The instant a report is computed for, injected so that metrics never read the clock. */
export interface Clock {
  now: Date;
}

export interface ShopContext {
  shop: string;
  /** IANA time zone of the shop (`shops.iana_timezone`). */
  timeZone: string;
  /** The shop currency (`shops.currency_code`): the only currency summed. */
  currency: string;
  settings: MetricSettings;
}

/** The shop is not installed (an HTTP 404). */
export class UnknownShopError extends Error {
  readonly status = 404;
  constructor(public readonly shop: string) {
    super(`Unknown shop ${shop}`);
    this.name = "UnknownShopError";
  }
}

/** Figures being recomputed, for longer than a page waits: an HTTP 503 to try again after `retryAfterSeconds`. */
export abstract class RecomputingLaterError extends Error {
  readonly status = 503;
  readonly retryAfterSeconds = 15;
}

/**
 * The store's figures are being recomputed in its time zone and currency, after a change of
 * either or because its rollups are not built (a minute or more for a large store): an HTTP 503
 * to try again after `retryAfterSeconds`. Pages say it in the admin's language and look again by
 * themselves.
 */
export class RecomputingError extends RecomputingLaterError {
  constructor(
    readonly timeZone: string,
    readonly currency: string,
    /** How far along the rebuild likely is, for a page's error state to show (null: not read). */
    readonly progress: RebuildProgress | null = null,
  ) {
    super(`This store's numbers are being recomputed in ${timeZone} and ${currency}: try again in a minute`);
    this.name = "RecomputingError";
  }
}

/** One of the stores of StoresRecomputingError: which, and its recompute as RecomputingError has it. */
export interface StoreRecomputing {
  shop: string;
  name: string;
  timeZone: string;
  currency: string;
  progress: RebuildProgress | null;
}

/**
 * Some of the stores a file holds (a portfolio's members) are having their figures recomputed,
 * for longer than a page waits: the file would lack their figures. An HTTP 503 to try again
 * after `retryAfterSeconds`, as RecomputingError is for a store's own.
 */
export class StoresRecomputingError extends RecomputingLaterError {
  constructor(readonly stores: StoreRecomputing[]) {
    super(`The numbers of ${stores.map((store) => store.name).join(", ")} are being recomputed: try again in a minute`);
    this.name = "StoresRecomputingError";
  }
}

export async function loadShopContext(shop: string): Promise<ShopContext> {
  const row = await prisma.shop.findUnique({
    where: { domain: shop },
    select: { ianaTimezone: true, currencyCode: true },
  });
  if (!row) throw new UnknownShopError(shop);
  return { shop, timeZone: row.ianaTimezone, currency: row.currencyCode, settings: await getMetricSettings(shop) };
}
