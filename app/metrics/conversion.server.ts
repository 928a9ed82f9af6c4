// Conversion from PostgreSQL: the pixel's sessions from their rollups by UTC day and quarter hour
// (built from `pixel_events` by SQL with the rule of `sessionsFromEvents`, pixel-sessions.server.ts), or
// Shopify's daily figures from `shopify_session_days`, bucketed with date_trunc in the shop's
// zone. Assembled by the reference's code.
import { Prisma } from "@prisma/client";
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
import { refreshPixelSessions, SESSION_ROLLUPS, sessionRollupRows } from "./pixel-sessions.server";
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

/** A FunnelRow's sums over rows `alias` of the pixel's session rollups (slots or days). */
function pixelSums(alias: string): Prisma.Sql {
  const r = Prisma.raw(alias);
  return Prisma.sql`sum(${r}.sessions)::bigint AS sessions,
    sum(${r}.sessions_with_cart_additions)::bigint AS cart,
    sum(${r}.sessions_reached_checkout)::bigint AS checkout,
    sum(${r}.sessions_completed_checkout)::bigint AS completed,
    sum(${r}.orders)::bigint AS orders,
    sum(${r}.sign_ups)::bigint AS sign_ups`;
}

/**
 * The pixel's sessions in each bucket of each shop (its own buckets, in its zone), from its
 * session rollups (pixel-sessions.server.ts).
 */
async function pixelFunnels(shops: Array<{ shop: string; buckets: Bucket[] }>): Promise<Array<FunnelRow & { shop: string }>> {
  if (shops.length === 0) return [];
  const sums = ["sessions", "sessions_with_cart_additions", "sessions_reached_checkout", "sessions_completed_checkout", "orders", "sign_ups"];
  const spans = shops.map(({ shop, buckets }) => ({ shop, spans: buckets }));
  const rows = await prisma.$queryRaw<Array<Omit<FunnelRow, "bucket"> & { shop: string; k: number }>>`
    SELECT x.shop, x.k, ${pixelSums("x")}
    FROM (${sessionRollupRows(spans, SESSION_ROLLUPS.sessions, { sums })}) x
    GROUP BY x.shop, x.k`;
  const bucketsOf = new Map(shops.map(({ shop, buckets }) => [shop, buckets]));
  return rows.map(({ shop, k, ...sums }) => ({ shop, bucket: bucketsOf.get(shop)![k].fromDay, ...sums }));
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
 * First brings the pixel's sessions up to date (refreshPixelSessions), unless `sessionsRefreshed`:
 * the caller did so for the same request (a page's second report, over its comparison range).
 * During live traffic a refresh rebuilds every visitor with events received in the last minute,
 * so a second one would do that work again for nothing, and the two reports could differ by
 * what arrived between them.
 * Throws InvalidRangeError and UnknownShopError.
 */
export async function conversionOverview(
  shop: string,
  query: ConversionQuery,
  clock: Clock,
  { sessionsRefreshed = false }: { sessionsRefreshed?: boolean } = {},
): Promise<ConversionReport> {
  validateConversionQuery(query);
  const { timeZone } = await loadShopContext(shop);
  const context = { timeZone, now: clock.now };
  const buckets = conversionBuckets(query, context);
  if (!sessionsRefreshed) await refreshPixelSessions(shop);
  const [available] = await prisma.$queryRaw<Array<{ shopify: boolean; pixel: boolean }>>`
    SELECT EXISTS (SELECT 1 FROM shopify_session_days WHERE shop = ${shop}) AS shopify,
      EXISTS (SELECT 1 FROM pixel_session_slots WHERE shop = ${shop}) AS pixel`;
  const { source, hasData } = chooseSource(query.source, available);
  if (source === null || !hasData) return assembleConversionReport(query, context, source, buckets, null);
  const first = buckets[0];
  const last = buckets[buckets.length - 1];
  const rows =
    source === "pixel"
      ? await pixelFunnels([{ shop, buckets }])
      : await shopifyFunnel(shop, query.granularity, first.fromDay, last.toDay);
  return assembleConversionReport(query, context, source, buckets, bucketSums(buckets, query.granularity, rows, source));
}

// ---------------------------------------------------------------------------------------------
// Several shops at once (the Portfolio page): the same reports as conversionOverview, a query
// for the sources each shop has and one per source for the sessions (the pixel's read as one
// shop's are: whole UTC days and the quarter hours at the edges, each shop in its own zone).
// ---------------------------------------------------------------------------------------------

/**
 * conversionOverview for each of `contexts`' shops (by default source, as conversionOverview
 * chooses it for each): each report equals what conversionOverview gives for that shop. The
 * caller has loaded each shop's context and brought its pixel sessions up to date
 * (refreshPixelSessions; `shopsWithNewPixelEvents` says which need it).
 */
export async function conversionOverviewOfShops(
  contexts: Array<{ shop: string; timeZone: string }>,
  query: ConversionQuery,
  clock: Clock,
): Promise<Map<string, ConversionReport>> {
  validateConversionQuery(query);
  const reports = new Map<string, ConversionReport>();
  if (contexts.length === 0) return reports;
  // The buckets depend only on the zone (and the query and now): shops in one zone share them.
  const bucketsIn = new Map<string, Bucket[]>();
  const shops = contexts.map(({ shop, timeZone }) => {
    const context = { timeZone, now: clock.now };
    let buckets = bucketsIn.get(timeZone);
    if (!buckets) bucketsIn.set(timeZone, (buckets = conversionBuckets(query, context)));
    return { shop, context, buckets };
  });
  const available = await prisma.$queryRaw<Array<{ shop: string; shopify: boolean; pixel: boolean }>>`
    SELECT s.shop, EXISTS (SELECT 1 FROM shopify_session_days d WHERE d.shop = s.shop) AS shopify,
      EXISTS (SELECT 1 FROM pixel_session_slots p WHERE p.shop = s.shop) AS pixel
    FROM unnest(${shops.map((s) => s.shop)}::text[]) AS s(shop)`;
  const sources = new Map(available.map((row) => [row.shop, chooseSource(query.source, row)]));
  const reading = shops.filter(({ shop }) => sources.get(shop)!.hasData && sources.get(shop)!.source !== null);
  const pixel = reading.filter(({ shop }) => sources.get(shop)!.source === "pixel");
  const shopify = reading.filter(({ shop }) => sources.get(shop)!.source === "shopify");
  const [pixelRows, shopifyRows] = await Promise.all([
    pixelFunnels(pixel),
    shopify.length === 0
      ? []
      : prisma.$queryRaw<Array<FunnelRow & { shop: string }>>`
          WITH s(shop, from_day, to_day) AS (VALUES ${Prisma.join(
            shopify.map(({ shop, buckets }) => Prisma.sql`(${shop}, ${buckets[0].fromDay}::date, ${buckets[buckets.length - 1].toDay}::date)`),
          )})
          SELECT s.shop, to_char(date_trunc(${query.granularity}, d.day::timestamp), 'YYYY-MM-DD') AS bucket,
            sum(d.sessions)::bigint AS sessions,
            sum(d.sessions_with_cart_additions)::bigint AS cart,
            sum(d.sessions_reached_checkout)::bigint AS checkout,
            sum(d.sessions_completed_checkout)::bigint AS completed,
            NULL::bigint AS orders,
            NULL::bigint AS sign_ups
          FROM s JOIN shopify_session_days d ON d.shop = s.shop AND d.day >= s.from_day AND d.day < s.to_day
          GROUP BY 1, 2`,
  ]);
  const rowsOf = new Map<string, FunnelRow[]>();
  for (const row of [...pixelRows, ...shopifyRows]) {
    const list = rowsOf.get(row.shop) ?? [];
    list.push(row);
    rowsOf.set(row.shop, list);
  }
  for (const { shop, context, buckets } of shops) {
    const { source, hasData } = sources.get(shop)!;
    reports.set(
      shop,
      source === null || !hasData
        ? assembleConversionReport(query, context, source, buckets, null)
        : assembleConversionReport(query, context, source, buckets, bucketSums(buckets, query.granularity, rowsOf.get(shop) ?? [], source)),
    );
  }
  return reports;
}
