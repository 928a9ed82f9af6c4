// What every metric query needs to know about a shop: its time zone, its currency and the
// merchant's settings.
import prisma from "#app/db.server";
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

export async function loadShopContext(shop: string): Promise<ShopContext> {
  const row = await prisma.shop.findUnique({
    where: { domain: shop },
    select: { ianaTimezone: true, currencyCode: true },
  });
  if (!row) throw new UnknownShopError(shop);
  return { shop, timeZone: row.ianaTimezone, currency: row.currencyCode, settings: await getMetricSettings(shop) };
}
