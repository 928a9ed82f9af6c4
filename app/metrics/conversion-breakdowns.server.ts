// Where converting visits come from: sessions and sessions that completed checkout by traffic
// source, device and landing page, for a range, from ONE source (the one the overview chose):
//   shopify  Shopify's figures by referrer_source, session_device_type and landing_page_path
//            (shopify_session_breakdowns, shop-local days);
//   pixel    the pixel's sessions by their first event's UTM source (else the referrer's host,
//            else "direct"), device class and landing path (pixel_session_value_days for whole
//            UTC days, pixel_session_values for the quarter hours at the range's edges).
// The `top` values with the most sessions are listed, the rest summed as "Other".
import { Prisma } from "@prisma/client";
import prisma from "#app/db.server";
import type { SessionSource } from "./conversion";
import { ratio } from "./math";
import { startOfLocalDay, type DateRange } from "./periods";
import { SESSION_ROLLUPS, sessionRollupRows } from "./pixel-sessions.server";

export const BREAKDOWN_DIMENSIONS = ["source", "device", "landingPage"] as const;
export type BreakdownDimension = (typeof BREAKDOWN_DIMENSIONS)[number];

export const OTHER = "Other";

export interface BreakdownRow {
  value: string;
  sessions: number;
  sessionsCompletedCheckout: number;
  /** sessionsCompletedCheckout ÷ sessions. */
  conversionRate: number | null;
  /** The sum of the values past the top ones. */
  other: boolean;
}

export interface ConversionBreakdowns {
  source: SessionSource | null;
  top: number;
  dimensions: Record<BreakdownDimension, BreakdownRow[]>;
}

interface Row {
  value: string;
  sessions: bigint;
  completed: bigint;
}

async function rows(shop: string, source: SessionSource, dimension: BreakdownDimension, range: DateRange, timeZone: string): Promise<Row[]> {
  if (source === "shopify") {
    return prisma.$queryRaw<Row[]>`
      SELECT value, sum(sessions)::bigint AS sessions, sum(sessions_completed_checkout)::bigint AS completed
      FROM shopify_session_breakdowns
      WHERE shop = ${shop} AND dimension = ${dimension} AND day >= ${range.from}::date AND day < ${range.to}::date
      GROUP BY value`;
  }
  const span = { start: startOfLocalDay(range.from, timeZone), end: startOfLocalDay(range.to, timeZone) };
  const parts = sessionRollupRows(
    [{ shop, spans: [span] }],
    SESSION_ROLLUPS.values,
    { keys: ["value"], sums: ["sessions", "sessions_completed_checkout"] },
    Prisma.sql`r.dimension = ${dimension}`,
  );
  return prisma.$queryRaw<Row[]>`
    SELECT x.value, sum(x.sessions)::bigint AS sessions, sum(x.sessions_completed_checkout)::bigint AS completed
    FROM (${parts}) x
    GROUP BY x.value`;
}

/** The top values by sessions (ties by value), then "Other" for the rest when there is any. */
export function topWithOther(all: Array<{ value: string; sessions: number; completed: number }>, top: number): BreakdownRow[] {
  const sorted = [...all].filter((r) => r.sessions > 0).sort((a, b) => b.sessions - a.sessions || (a.value < b.value ? -1 : 1));
  const row = (value: string, sessions: number, completed: number, other: boolean): BreakdownRow => ({
    value: value === "" ? "(none)" : value,
    sessions,
    sessionsCompletedCheckout: completed,
    conversionRate: ratio(completed, sessions),
    other,
  });
  const listed = sorted.slice(0, top).map((r) => row(r.value, r.sessions, r.completed, false));
  const rest = sorted.slice(top);
  if (rest.length > 0) {
    listed.push(row(OTHER, rest.reduce((s, r) => s + r.sessions, 0), rest.reduce((s, r) => s + r.completed, 0), true));
  }
  return listed;
}

export async function conversionBreakdowns(
  shop: string,
  query: { range: DateRange; source: SessionSource | null; top?: number },
  timeZone: string,
): Promise<ConversionBreakdowns> {
  const top = query.top ?? 5;
  const empty = { source: query.source, top, dimensions: { source: [], device: [], landingPage: [] } };
  if (query.source === null) return empty;
  const source = query.source;
  const entries = await Promise.all(
    BREAKDOWN_DIMENSIONS.map(async (dimension) => {
      const found = await rows(shop, source, dimension, query.range, timeZone);
      return [dimension, topWithOther(found.map((r) => ({ value: r.value, sessions: Number(r.sessions), completed: Number(r.completed) })), top)] as const;
    }),
  );
  return { source, top, dimensions: Object.fromEntries(entries) as Record<BreakdownDimension, BreakdownRow[]> };
}
