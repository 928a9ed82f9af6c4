// Pixel sessions, built by SQL from `pixel_events` and rolled up by the UTC quarter hour they
// start in (`pixel_session_slots`), so that the Conversion page and `metrics --json` never scan
// raw events for a whole range, and keep their history once raw events are deleted
// (app/collector/retention.server.ts).
//
// The rule is the reference's (`sessionsFromEvents` in conversion.ts): a visitor's events in
// time order; a new session at the first event, after a gap of more than 30 minutes, and when
// the UTC date changes. Sessions never cross midnight UTC, so one UTC day's sessions are built
// from that day's events alone: a refresh rebuilds the UTC days that received events since the
// last one (with a minute's overlap for batches still committing), whatever order they came in.
//
// Each rebuilt day's slots are also summed into `pixel_session_days` (and its split figures into
// `pixel_session_value_days`): a range of local days reads its whole UTC days from there and only
// the quarter hours at its two edges from the slots (`utcDayParts`).
import { Prisma } from "@prisma/client";
import { drainPixelIntake } from "#app/collector/intake.server";
import prisma from "#app/db.server";
import { PIXEL_EVENTS, SESSION_GAP_MS } from "./conversion";

/** Events received up to this long before a refresh are surely committed when it reads them. */
const COMMIT_OVERLAP = "1 minute";

/** UTC days rebuilt per transaction: a long backlog goes in steps, each short. */
const DAYS_PER_STEP = 7;

/**
 * Brings the shop's slots up to date with every event received so far (the collector's intake
 * of the shop drained first): the UTC days that received events since the last refresh are
 * rebuilt, DAYS_PER_STEP at a time (each step one transaction under the shop's lock), then the
 * watermark moves. A refresh cut off midway leaves the watermark where it was, and the next one
 * rebuilds those days again.
 */
export async function refreshPixelSessions(shop: string): Promise<void> {
  const gapSeconds = SESSION_GAP_MS / 1000;
  await drainPixelIntake(shop);
  const [state] = await prisma.$queryRaw<Array<{ since: Date | null; through: Date }>>`
    SELECT (SELECT received_through FROM pixel_rollup_state WHERE shop = ${shop}) AS since,
      now() - ${COMMIT_OVERLAP}::interval AS through`;
  const days = await prisma.$queryRaw<Array<{ day: Date }>>(Prisma.sql`
    SELECT DISTINCT date_trunc('day', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day
    FROM pixel_events WHERE shop = ${shop} AND source = 'pixel'
    ${state.since ? Prisma.sql`AND received_at >= ${state.since}` : Prisma.empty}
    ORDER BY 1`);
  for (let i = 0; i < days.length; i += DAYS_PER_STEP) {
    const starts = days.slice(i, i + DAYS_PER_STEP).map((d) => d.day);
    await prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`pixel-sessions:${shop}`}, 0))`;
      await tx.$executeRaw`
        DELETE FROM pixel_session_slots s USING unnest(${starts}::timestamptz[]) AS d(day)
        WHERE s.shop = ${shop} AND s.slot >= d.day AND s.slot < d.day + interval '1 day'`;
      await tx.$executeRaw`
        DELETE FROM pixel_session_values s USING unnest(${starts}::timestamptz[]) AS d(day)
        WHERE s.shop = ${shop} AND s.slot >= d.day AND s.slot < d.day + interval '1 day'`;
      await tx.$executeRaw`
        WITH events AS (
          SELECT e.visitor_id, e.name, e.occurred_at, lag(e.occurred_at) OVER w AS previous,
            coalesce(e.utm_source, e.referrer_host, 'direct') AS source, coalesce(e.device, '(none)') AS device,
            coalesce(e.landing_path, '(none)') AS landing
          FROM unnest(${starts}::timestamptz[]) AS d(day)
          JOIN pixel_events e ON e.shop = ${shop} AND e.source = 'pixel' AND e.occurred_at >= d.day AND e.occurred_at < d.day + interval '1 day'
          WINDOW w AS (PARTITION BY e.visitor_id ORDER BY e.occurred_at)
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
            bool_or(name = ${PIXEL_EVENTS.signUp}) AS signed_up,
            (array_agg(source ORDER BY occurred_at, starts_session DESC))[1] AS source,
            (array_agg(device ORDER BY occurred_at, starts_session DESC))[1] AS device,
            (array_agg(landing ORDER BY occurred_at, starts_session DESC))[1] AS landing
          FROM numbered
          GROUP BY visitor_id, session_number
        ),
        slotted AS (
          SELECT *, date_bin('15 minutes', started_at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS slot FROM sessions
        ),
        by_value AS (
          INSERT INTO pixel_session_values (shop, slot, dimension, value, sessions, sessions_with_cart_additions,
            sessions_reached_checkout, sessions_completed_checkout)
          SELECT ${shop}, slot, v.dimension, v.value, count(*), count(*) FILTER (WHERE cart), count(*) FILTER (WHERE checkout),
            count(*) FILTER (WHERE completed)
          FROM slotted CROSS JOIN LATERAL (VALUES ('source', source), ('device', device), ('landingPage', landing)) AS v(dimension, value)
          GROUP BY slot, v.dimension, v.value
        )
        INSERT INTO pixel_session_slots (shop, slot, sessions, sessions_with_cart_additions, sessions_reached_checkout,
          sessions_completed_checkout, orders, sign_ups)
        SELECT ${shop}, slot,
          count(*), count(*) FILTER (WHERE cart), count(*) FILTER (WHERE checkout), count(*) FILTER (WHERE completed),
          sum(orders), count(*) FILTER (WHERE signed_up)
        FROM slotted GROUP BY slot`;
      await tx.$executeRaw`
        DELETE FROM pixel_session_days d USING unnest(${starts}::timestamptz[]) AS r(day)
        WHERE d.shop = ${shop} AND d.day = (r.day AT TIME ZONE 'UTC')::date`;
      await tx.$executeRaw`
        DELETE FROM pixel_session_value_days d USING unnest(${starts}::timestamptz[]) AS r(day)
        WHERE d.shop = ${shop} AND d.day = (r.day AT TIME ZONE 'UTC')::date`;
      await tx.$executeRaw`
        INSERT INTO pixel_session_days (shop, day, sessions, sessions_with_cart_additions, sessions_reached_checkout,
          sessions_completed_checkout, orders, sign_ups)
        SELECT ${shop}, (r.day AT TIME ZONE 'UTC')::date, sum(s.sessions), sum(s.sessions_with_cart_additions),
          sum(s.sessions_reached_checkout), sum(s.sessions_completed_checkout), sum(s.orders), sum(s.sign_ups)
        FROM unnest(${starts}::timestamptz[]) AS r(day)
        JOIN pixel_session_slots s ON s.shop = ${shop} AND s.slot >= r.day AND s.slot < r.day + interval '1 day'
        GROUP BY r.day`;
      await tx.$executeRaw`
        INSERT INTO pixel_session_value_days (shop, day, dimension, value, sessions, sessions_with_cart_additions,
          sessions_reached_checkout, sessions_completed_checkout)
        SELECT ${shop}, (r.day AT TIME ZONE 'UTC')::date, s.dimension, s.value, sum(s.sessions), sum(s.sessions_with_cart_additions),
          sum(s.sessions_reached_checkout), sum(s.sessions_completed_checkout)
        FROM unnest(${starts}::timestamptz[]) AS r(day)
        JOIN pixel_session_values s ON s.shop = ${shop} AND s.slot >= r.day AND s.slot < r.day + interval '1 day'
        GROUP BY r.day, s.dimension, s.value`;
      },
      { timeout: 60_000, maxWait: 10_000 },
    );
  }
  // Never back: a refresh that started earlier and ends later leaves the later watermark.
  await prisma.$executeRaw`
    INSERT INTO pixel_rollup_state (shop, received_through) VALUES (${shop}, ${state.through})
    ON CONFLICT (shop) DO UPDATE SET received_through = GREATEST(pixel_rollup_state.received_through, EXCLUDED.received_through)`;
}

const DAY_MS = 86_400_000;

/** Instants `[start, end)` as the whole UTC days inside them and the quarter hours outside those. */
export interface UtcDayParts {
  /** UTC dates `[from, to)`, or null when no whole UTC day is inside. */
  days: { from: string; to: string } | null;
  /** The instants before the first whole day and after the last (or all of them when none). */
  slots: Array<{ start: Date; end: Date }>;
}

function utcDayParts(start: Date, end: Date): UtcDayParts {
  const firstDay = Math.ceil(start.getTime() / DAY_MS) * DAY_MS;
  const endDay = Math.floor(end.getTime() / DAY_MS) * DAY_MS;
  if (firstDay >= endDay) return { days: null, slots: start < end ? [{ start, end }] : [] };
  const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const slots: UtcDayParts["slots"] = [];
  if (start.getTime() < firstDay) slots.push({ start, end: new Date(firstDay) });
  if (endDay < end.getTime()) slots.push({ start: new Date(endDay), end });
  return { days: { from: date(firstDay), to: date(endDay) }, slots };
}

/** Each span's parts as arrays for `unnest` (`k`: the span's index): its days, then its slots. */
function utcDayPartArrays(spans: Array<{ start: Date; end: Date }>) {
  const days = { k: [] as number[], from: [] as string[], to: [] as string[] };
  const slots = { k: [] as number[], start: [] as Date[], end: [] as Date[] };
  spans.forEach((span, k) => {
    const parts = utcDayParts(span.start, span.end);
    if (parts.days) {
      days.k.push(k);
      days.from.push(parts.days.from);
      days.to.push(parts.days.to);
    }
    for (const slot of parts.slots) {
      slots.k.push(k);
      slots.start.push(slot.start);
      slots.end.push(slot.end);
    }
  });
  return { days, slots };
}

/** A pixel session rollup: its rows by UTC day, and by quarter hour. */
export const SESSION_ROLLUPS = {
  sessions: { days: Prisma.raw("pixel_session_days"), slots: Prisma.raw("pixel_session_slots") },
  values: { days: Prisma.raw("pixel_session_value_days"), slots: Prisma.raw("pixel_session_values") },
} as const;

/**
 * The rows of a session rollup that make up each span (`k`, the span's index, then `columns`),
 * as a subquery: its whole UTC days from the rollup by day, the quarter hours at its edges from
 * the one by quarter hour, each part an index range (LATERAL … OFFSET 0: not a scan of the shop's
 * slots joined after). `where` narrows both (on alias `r`, e.g. a breakdown's dimension).
 */
export function sessionRollupRows(
  shop: string,
  rollup: (typeof SESSION_ROLLUPS)[keyof typeof SESSION_ROLLUPS],
  spans: Array<{ start: Date; end: Date }>,
  columns: string[],
  where: Prisma.Sql = Prisma.sql`true`,
): Prisma.Sql {
  const { days, slots } = utcDayPartArrays(spans);
  const picked = Prisma.raw(columns.map((column) => `r.${column}`).join(", "));
  return Prisma.sql`
    SELECT b.k, r.*
    FROM unnest(${days.k}::int[], ${days.from}::date[], ${days.to}::date[]) AS b(k, from_day, to_day)
    CROSS JOIN LATERAL (
      SELECT ${picked} FROM ${rollup.days} r WHERE r.shop = ${shop} AND ${where} AND r.day >= b.from_day AND r.day < b.to_day OFFSET 0
    ) r
    UNION ALL
    SELECT b.k, r.*
    FROM unnest(${slots.k}::int[], ${slots.start}::timestamptz[], ${slots.end}::timestamptz[]) AS b(k, start_at, end_at)
    CROSS JOIN LATERAL (
      SELECT ${picked} FROM ${rollup.slots} r WHERE r.shop = ${shop} AND ${where} AND r.slot >= b.start_at AND r.slot < b.end_at OFFSET 0
    ) r`;
}
