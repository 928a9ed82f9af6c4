// Pixel events arriving while the pages are used: what a store's storefront sends all day. The
// pages refresh the visits' rollup (pixel_sessions) before each load, so these rows time that
// refresh as a merchant meets it during the day, not only after a night's quiet.
import type { PrismaClient } from "@prisma/client";

/** Today's events so far: a busy store's day (30,000 visits of five events). */
export const LIVE_EVENTS = Number(process.env.BENCH_LIVE_EVENTS ?? 150_000);

/**
 * `count` events received over today (UTC) until two minutes ago, in arrival order, as the
 * collector appends them: visits of five events, some adding to the cart or starting a checkout.
 */
export async function insertTodaysEvents(prisma: PrismaClient, shop: string, count = LIVE_EVENTS): Promise<void> {
  await prisma.$executeRaw`
    INSERT INTO pixel_events (shop, id, visitor_id, name, occurred_at, received_at)
    SELECT ${shop}, 'live-' || g, ${shop} || '-live-' || (g / 5),
      CASE WHEN g % 15 = 0 THEN 'product_added_to_cart' WHEN g % 45 = 0 THEN 'checkout_started' ELSE 'page_viewed' END, at, at
    FROM generate_series(1, ${count}::int) AS g
    CROSS JOIN LATERAL (SELECT date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
      + (g::float8 / ${count}::int) * greatest(now() - interval '2 minutes' - (date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'), interval '0') AS at) e
    ORDER BY at`;
  // As autosummarize leaves the arrival index once autovacuum has taken its requests.
  await prisma.$queryRaw`SELECT brin_summarize_new_values('pixel_events_received_at_idx')`;
}

/**
 * 100 events of 20 new visitors, received just now (`batch` numbers them apart). Visitor ids are
 * the shop's own, as the collector's salted hashes are, in this and in `insertTodaysEvents`.
 */
export async function arriveNow(prisma: PrismaClient, shop: string, batch: number): Promise<void> {
  await prisma.$executeRaw`
    INSERT INTO pixel_events (shop, id, visitor_id, name, occurred_at, received_at)
    SELECT ${shop}, 'arrival-' || ${batch}::int || '-' || g, ${shop} || '-arrival-' || ${batch}::int || '-' || (g % 20),
      CASE WHEN g % 10 = 0 THEN 'product_added_to_cart' ELSE 'page_viewed' END, now() - (g % 5) * interval '1 second', now()
    FROM generate_series(1, 100) AS g`;
}

/** Deletes the shop's stored sessions of today (UTC): the next refresh rebuilds today whole. */
export async function forgetTodaysSessions(prisma: PrismaClient, shop: string): Promise<void> {
  await prisma.$executeRaw`
    DELETE FROM pixel_sessions WHERE shop = ${shop} AND started_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`;
}
