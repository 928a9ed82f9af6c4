// Conversion from PostgreSQL: sessions built from `pixel_events` with window functions (the
// same rule as `sessionsFromEvents`), or Shopify's daily figures from `shopify_session_days`,
// bucketed with date_trunc in the shop's zone. Assembled by the reference's code.
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

const DAY_MS = 86_400_000;

/** Sessions never cross midnight UTC, so whole UTC days around the range hold all their events. */
function utcDayFloor(instant: Date): Date {
  return new Date(Math.floor(instant.getTime() / DAY_MS) * DAY_MS);
}

async function pixelFunnel(shop: string, timeZone: string, granularity: Granularity, start: Date, end: Date): Promise<FunnelRow[]> {
  const fetchFrom = utcDayFloor(start);
  const fetchTo = new Date(utcDayFloor(new Date(end.getTime() - 1)).getTime() + DAY_MS);
  const gapSeconds = SESSION_GAP_MS / 1000;
  return prisma.$queryRaw<FunnelRow[]>`
    WITH events AS (
      SELECT visitor_id, name, occurred_at, lag(occurred_at) OVER w AS previous
      FROM pixel_events
      WHERE shop = ${shop} AND source = 'pixel' AND occurred_at >= ${fetchFrom} AND occurred_at < ${fetchTo}
      WINDOW w AS (PARTITION BY visitor_id ORDER BY occurred_at)
    ),
    marked AS (
      SELECT *,
        CASE WHEN previous IS NULL
          OR occurred_at - previous > make_interval(secs => ${gapSeconds})
          OR (occurred_at AT TIME ZONE 'UTC')::date <> (previous AT TIME ZONE 'UTC')::date
        THEN 1 ELSE 0 END AS starts_session
      FROM events
    ),
    numbered AS (
      SELECT *, sum(starts_session) OVER (PARTITION BY visitor_id ORDER BY occurred_at, starts_session DESC
        ROWS UNBOUNDED PRECEDING) AS session_number
      FROM marked
    ),
    sessions AS (
      SELECT min(occurred_at) AS started_at,
        bool_or(name = ${PIXEL_EVENTS.addToCart}) AS cart,
        bool_or(name IN (${PIXEL_EVENTS.checkoutStarted}, ${PIXEL_EVENTS.checkoutCompleted})) AS checkout,
        bool_or(name = ${PIXEL_EVENTS.checkoutCompleted}) AS completed,
        count(*) FILTER (WHERE name = ${PIXEL_EVENTS.checkoutCompleted}) AS orders,
        bool_or(name = ${PIXEL_EVENTS.signUp}) AS signed_up
      FROM numbered
      GROUP BY visitor_id, session_number
    )
    SELECT to_char(date_trunc(${granularity}, started_at AT TIME ZONE ${timeZone}), 'YYYY-MM-DD') AS bucket,
      count(*) AS sessions,
      count(*) FILTER (WHERE cart) AS cart,
      count(*) FILTER (WHERE checkout) AS checkout,
      count(*) FILTER (WHERE completed) AS completed,
      sum(orders)::bigint AS orders,
      count(*) FILTER (WHERE signed_up) AS sign_ups
    FROM sessions
    WHERE started_at >= ${start} AND started_at < ${end}
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
  const [available] = await prisma.$queryRaw<Array<{ shopify: boolean; pixel: boolean }>>`
    SELECT EXISTS (SELECT 1 FROM shopify_session_days WHERE shop = ${shop}) AS shopify,
      EXISTS (SELECT 1 FROM pixel_events WHERE shop = ${shop} AND source = 'pixel') AS pixel`;
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
