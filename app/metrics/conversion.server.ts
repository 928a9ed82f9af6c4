// Conversion from PostgreSQL: the pixel's sessions from their quarter-hour rollup (built from
// `pixel_events` by SQL with the rule of `sessionsFromEvents`, pixel-sessions.server.ts), or
// Shopify's daily figures from `shopify_session_days`, bucketed with date_trunc in the shop's
// zone. Assembled by the reference's code.
import prisma from "#app/db.server";
import {
  assembleConversionReport,
  chooseSource,
  conversionBuckets,
  emptyFunnel,
  PIXEL_EVENTS,
  SESSION_GAP_MS,
  validateConversionQuery,
  type ConversionQuery,
  type ConversionReport,
  type FunnelSums,
} from "./conversion";
import { loadShopContext, type Clock } from "./context.server";
import { refreshPixelSessions } from "./pixel-sessions.server";
import { periodKey, type Bucket, type Granularity } from "./periods";

interface FunnelRow {
  bucket: string;
  sessions: bigint;
  cart: bigint;
  checkout: bigint;
  completed: bigint;
  orders: bigint | null;
  sign_ups: bigint | null;
}

/** The pixel's sessions from their quarter-hour rollup (pixel-sessions.server.ts), bucketed locally. */
async function pixelFunnel(shop: string, timeZone: string, granularity: Granularity, start: Date, end: Date): Promise<FunnelRow[]> {
  return prisma.$queryRaw<FunnelRow[]>`
    SELECT to_char(date_trunc(${granularity}, slot AT TIME ZONE ${timeZone}), 'YYYY-MM-DD') AS bucket,
      sum(sessions)::bigint AS sessions,
      sum(sessions_with_cart_additions)::bigint AS cart,
      sum(sessions_reached_checkout)::bigint AS checkout,
      sum(sessions_completed_checkout)::bigint AS completed,
      sum(orders)::bigint AS orders,
      sum(sign_ups)::bigint AS sign_ups
    FROM pixel_session_slots
    WHERE shop = ${shop} AND slot >= ${start} AND slot < ${end}
    GROUP BY 1`;
}

async function shopifyFunnel(shop: string, granularity: Granularity, fromDay: string, toDay: string): Promise<FunnelRow[]> {
  return prisma.$queryRaw<FunnelRow[]>`
    SELECT to_char(date_trunc(${granularity}, day::timestamp), 'YYYY-MM-DD') AS bucket,
      sum(sessions)::bigint AS sessions,
      sum(sessions_with_cart_additions)::bigint AS cart,
      sum(sessions_reached_checkout)::bigint AS checkout,
      sum(sessions_completed_checkout)::bigint AS completed,
      NULL::bigint AS orders,
      NULL::bigint AS sign_ups
    FROM shopify_session_days
    WHERE shop = ${shop} AND day >= ${fromDay}::date AND day < ${toDay}::date
    GROUP BY 1`;
}

function bucketSums(buckets: Bucket[], granularity: Granularity, rows: FunnelRow[], source: "shopify" | "pixel"): FunnelSums[] {
  const sums = buckets.map(() => emptyFunnel(source));
  const index = new Map(buckets.map((bucket, i) => [bucket.period, i]));
  for (const row of rows) {
    const i = index.get(periodKey(row.bucket, granularity));
    if (i === undefined) throw new Error(`session bucket ${row.bucket} is outside the range`);
    sums[i] = {
      sessions: Number(row.sessions),
      sessionsWithCartAdditions: Number(row.cart),
      sessionsReachedCheckout: Number(row.checkout),
      sessionsCompletedCheckout: Number(row.completed),
      orders: row.orders === null ? null : Number(row.orders),
      signUps: row.sign_ups === null ? null : Number(row.sign_ups),
    };
  }
  return sums;
}

/**
 * Sessions, funnel, conversion rate, orders per session and sign-up rate for a shop, from one
 * labelled source (`report.source`). Null values when that source has no data for the shop.
 * Throws InvalidRangeError and UnknownShopError.
 */
export async function conversionOverview(shop: string, query: ConversionQuery, clock: Clock): Promise<ConversionReport> {
  validateConversionQuery(query);
  const { timeZone } = await loadShopContext(shop);
  const context = { timeZone, now: clock.now };
  const buckets = conversionBuckets(query, context);
  await refreshPixelSessions(shop);
  const [available] = await prisma.$queryRaw<Array<{ shopify: boolean; pixel: boolean }>>`
    SELECT EXISTS (SELECT 1 FROM shopify_session_days WHERE shop = ${shop}) AS shopify,
      EXISTS (SELECT 1 FROM pixel_session_slots WHERE shop = ${shop}) AS pixel`;
  const { source, hasData } = chooseSource(query.source, available);
  if (source === null || !hasData) return assembleConversionReport(query, context, source, buckets, null);
  const first = buckets[0];
  const last = buckets[buckets.length - 1];
  const rows =
    source === "pixel"
      ? await pixelFunnel(shop, timeZone, query.granularity, first.start, last.end)
      : await shopifyFunnel(shop, query.granularity, first.fromDay, last.toDay);
  return assembleConversionReport(query, context, source, buckets, bucketSums(buckets, query.granularity, rows, source));
}
