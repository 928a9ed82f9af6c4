// Imports Shopify's own session figures for a shop with ShopifyQL (`read_reports`): daily
// sessions, sessions with cart additions, sessions that reached checkout and sessions that
// completed checkout, in the shop's local days, into `shopify_session_days`; and the same counts
// split by traffic source, device type and landing page into `shopify_session_breakdowns`.
//
// The first run (and the first after the shop's time zone changed) reads every day since the
// shop was created; later runs read the trailing SESSIONS_TRAILING_DAYS days again, so figures
// Shopify completes late replace what was stored (never added twice). How each run ends is
// recorded in sync_state (sync-state.server.ts) for the Data sync page:
//   not_granted  the token lacks read_reports (ACCESS_DENIED): the merchant has to grant it;
//   throttled    ShopifyQL's own allowance is spent: the next scheduled run tries again;
//   rejected     Shopify did not accept a query (parseErrors): what was accepted is kept;
//   failed       anything else (the queue retries the job).
import { DateTime } from "luxon";
import { Prisma } from "@prisma/client";
import prisma from "#app/db.server";
import { ShopifyApiError, type AdminClient } from "#app/shopify/admin-client.server";
import {
  dayWindows,
  DIMENSION_KEYS,
  readSessionRows,
  SESSION_DIMENSIONS,
  sessionsQuery,
  SHOP_CREATED_AT,
  SHOPIFYQL_PAGE_ROWS,
  SHOPIFYQL_QUERY,
  ShopifyqlQueryError,
  type SessionDayRow,
  type SessionDimension,
  type ShopifyqlAnswer,
} from "#app/shopify/shopifyql";
import { fenceTransaction, markSessionsFailed, markSessionsImported, startSessionsImport } from "./sync-state.server";
import { errorMessage } from "#app/error-message";

/** Days read again on every run after the first: Shopify's figures for recent days still change. */
export const SESSIONS_TRAILING_DAYS = 7;

// Days per query: the totals give one row a day (under the 1,000-row cap); a breakdown gives a
// row per day and value, paged with OFFSET.
const TOTALS_WINDOW_DAYS = 365;
const BREAKDOWN_WINDOW_DAYS = 31;


async function query(client: AdminClient, text: string, dimension?: SessionDimension): Promise<SessionDayRow[]> {
  const answer = await client.request<ShopifyqlAnswer>(SHOPIFYQL_QUERY, { query: text });
  return readSessionRows(answer, text, dimension);
}

async function readTotals(client: AdminClient, since: string, until: string): Promise<SessionDayRow[]> {
  const rows: SessionDayRow[] = [];
  for (const [from, to] of dayWindows(since, until, TOTALS_WINDOW_DAYS)) rows.push(...(await query(client, sessionsQuery(from, to))));
  return rows;
}

async function readBreakdown(client: AdminClient, dimension: SessionDimension, since: string, until: string): Promise<SessionDayRow[]> {
  const rows: SessionDayRow[] = [];
  for (const [from, to] of dayWindows(since, until, BREAKDOWN_WINDOW_DAYS)) {
    for (let offset = 0; ; offset += SHOPIFYQL_PAGE_ROWS) {
      const page = await query(client, sessionsQuery(from, to, { dimension, offset }), dimension);
      rows.push(...page);
      if (page.length < SHOPIFYQL_PAGE_ROWS) break;
    }
  }
  return rows;
}

const inRange = (rows: SessionDayRow[], since: string, until: string) => rows.filter((row) => row.day >= since && row.day <= until);

/** Replaces the shop's totals for [since, until] (every day of it is in `rows`, zero-filled). */
async function writeTotals(shop: string, since: string, until: string, rows: SessionDayRow[], replaceAll: boolean): Promise<void> {
  const kept = inRange(rows, since, until);
  await prisma.$transaction(async (tx) => {
    await fenceTransaction(tx, shop);
    if (replaceAll) await tx.$executeRaw`DELETE FROM shopify_session_days WHERE shop = ${shop}`;
    await tx.$executeRaw`
      INSERT INTO shopify_session_days AS d (shop, day, sessions, sessions_with_cart_additions, sessions_reached_checkout, sessions_completed_checkout, fetched_at)
      SELECT ${shop}, day, s, c, k, p, now()
      FROM unnest(${kept.map((r) => r.day)}::date[], ${kept.map((r) => r.sessions)}::int[], ${kept.map((r) => r.cart)}::int[],
                  ${kept.map((r) => r.checkout)}::int[], ${kept.map((r) => r.completed)}::int[]) AS t(day, s, c, k, p)
      ON CONFLICT (shop, day) DO UPDATE SET sessions = EXCLUDED.sessions,
        sessions_with_cart_additions = EXCLUDED.sessions_with_cart_additions,
        sessions_reached_checkout = EXCLUDED.sessions_reached_checkout,
        sessions_completed_checkout = EXCLUDED.sessions_completed_checkout,
        fetched_at = EXCLUDED.fetched_at`;
  });
}

/** Replaces one dimension's rows of the shop for [since, until]: a value gone from a day goes. */
async function writeBreakdown(shop: string, dimension: SessionDimension, since: string, until: string, rows: SessionDayRow[], replaceAll: boolean): Promise<void> {
  // The same day and value twice (Shopify's empty and missing values both read as ""): summed.
  const merged = new Map<string, SessionDayRow>();
  for (const row of inRange(rows, since, until)) {
    const key = `${row.day}|${row.value}`;
    const seen = merged.get(key);
    merged.set(key, seen ? { ...seen, sessions: seen.sessions + row.sessions, cart: seen.cart + row.cart, checkout: seen.checkout + row.checkout, completed: seen.completed + row.completed } : row);
  }
  const kept = [...merged.values()].filter((row) => row.sessions + row.cart + row.checkout + row.completed > 0);
  await prisma.$transaction(async (tx) => {
    await fenceTransaction(tx, shop);
    await tx.$executeRaw(
      replaceAll
        ? Prisma.sql`DELETE FROM shopify_session_breakdowns WHERE shop = ${shop} AND dimension = ${dimension}`
        : Prisma.sql`DELETE FROM shopify_session_breakdowns WHERE shop = ${shop} AND dimension = ${dimension} AND day BETWEEN ${since}::date AND ${until}::date`,
    );
    await tx.$executeRaw`
      INSERT INTO shopify_session_breakdowns (shop, dimension, day, value, sessions, sessions_with_cart_additions, sessions_reached_checkout, sessions_completed_checkout, fetched_at)
      SELECT ${shop}, ${dimension}, day, value, s, c, k, p, now()
      FROM unnest(${kept.map((r) => r.day)}::date[], ${kept.map((r) => r.value ?? "")}::text[], ${kept.map((r) => r.sessions)}::int[],
                  ${kept.map((r) => r.cart)}::int[], ${kept.map((r) => r.checkout)}::int[], ${kept.map((r) => r.completed)}::int[]) AS t(day, value, s, c, k, p)`;
  });
}

function isNotGranted(error: unknown): boolean {
  return error instanceof ShopifyApiError && error.code === "ACCESS_DENIED";
}

function isThrottled(error: unknown): boolean {
  return error instanceof ShopifyApiError && error.code === "THROTTLED";
}

/**
 * One import of the shop's session figures. Ends in a recorded state; throws only what the queue
 * should retry (a failure that may pass) or a lost shop lock.
 */
export async function importShopifySessions(shop: string, client: AdminClient, now: Date): Promise<void> {
  const last = await startSessionsImport(shop, now);
  try {
    const { shop: info } = await client.request<{ shop: { createdAt: string; ianaTimezone: string } }>(SHOP_CREATED_AT);
    const zone = info.ianaTimezone;
    const today = DateTime.fromJSDate(now, { zone }).toISODate()!;
    const created = DateTime.fromISO(info.createdAt, { zone }).toISODate()!;
    // A first run, or days read in another zone: everything again.
    const full = last.syncedAt === null || last.timeZone !== zone;
    const trailingStart = DateTime.fromISO(today, { zone: "UTC" }).minus({ days: SESSIONS_TRAILING_DAYS - 1 }).toISODate()!;
    const since = full || trailingStart < created ? created : trailingStart;
    const until = today < since ? since : today;

    const totals = await readTotals(client, since, until);
    await writeTotals(shop, since, until, totals, full);

    const rejected: string[] = [];
    for (const dimension of DIMENSION_KEYS) {
      try {
        await writeBreakdown(shop, dimension, since, until, await readBreakdown(client, dimension, since, until), full);
      } catch (error) {
        // A dimension Shopify does not accept leaves the totals and the other dimensions whole.
        if (!(error instanceof ShopifyqlQueryError)) throw error;
        rejected.push(`${SESSION_DIMENSIONS[dimension]}: ${error.message}`);
      }
    }
    await markSessionsImported(shop, now, zone, rejected.length > 0 ? rejected.join("; ") : null);
  } catch (error) {
    // Only the detail is kept: pages say what it means in the admin's language (sync-status.server.ts).
    if (isNotGranted(error)) return markSessionsFailed(shop, "not_granted", null);
    if (isThrottled(error)) return markSessionsFailed(shop, "throttled", null);
    if (error instanceof ShopifyqlQueryError) return markSessionsFailed(shop, "rejected", error.message);
    await markSessionsFailed(shop, "failed", errorMessage(error));
    throw error;
  }
}
