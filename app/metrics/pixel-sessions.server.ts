// Pixel sessions, built by SQL from `pixel_events` and rolled up by the UTC quarter hour they
// start in (`pixel_session_slots`), so that the Conversion page and `metrics --json` never scan
// raw events for a whole range, and keep their history once raw events are deleted
// (app/collector/retention.server.ts).
//
// The rule is the reference's (`sessionsFromEvents` in conversion.ts): a visitor's events in
// time order; a new session at the first event, after a gap of more than 30 minutes, and when
// the UTC date changes. Sessions never cross midnight UTC and a visitor id is salted per UTC day,
// so a visitor's sessions of one day are built from that visitor's events of that day alone: a
// refresh rebuilds the sessions of the visitors with events received since the last one (and
// those of the last minute again when one of them arrived late, from a batch still committing),
// whatever order they came in, and moves the slots by the difference from their sessions as
// stored (`pixel_sessions`, ADR 035). A day without stored sessions (built before they were
// stored, or never) is rebuilt whole. Many shops are refreshed with one set of statements.
//
// Each rebuilt day's slots are also summed into `pixel_session_days` (and its split figures into
// `pixel_session_value_days`): a range of local days reads whole UTC days from there and only
// the quarter hours at its two edges from the slots, added or taken away (`utcDayParts`).
import { Prisma } from "@prisma/client";
import { drainPixelIntake } from "#app/collector/intake.server";
import prisma from "#app/db.server";
import { PIXEL_EVENTS, SESSION_GAP_MS } from "./conversion";
import { rowsThatDiffer, sameKey, updateIfChanged } from "./upserts.server";

/** Events received up to this long before a refresh are surely committed when it reads them. */
const COMMIT_OVERLAP = "1 minute";

/**
 * A refresh's new watermark, to the millisecond as it is stored (and as arrivals are): the span
 * it counts from there is then the span the next refresh counts again.
 */
const THROUGH = Prisma.sql`(now() - ${COMMIT_OVERLAP}::interval)::timestamptz(3)`;

/** The UTC day of an event `e`, as its first instant. */
const UTC_DAY = Prisma.sql`date_trunc('day', e.occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`;

/** UTC days rebuilt per transaction: a long backlog goes in steps, each short. */
const DAYS_PER_STEP = 7;

/**
 * Brings the shop's slots up to date with every event received so far (the collector's intake
 * of the shop drained first): on the UTC days that received events new to its sessions
 * (shopsWithStart), the sessions of the visitors with those events are rebuilt (every visitor's
 * on a day without stored sessions), DAYS_PER_STEP days at a time (each step one transaction
 * under the shop's lock), then the watermark moves, with what the refresh saw of the last
 * minute's arrivals. A refresh cut off midway leaves the watermark where it was,
 * and the next one rebuilds those visitors again: rebuilding a visitor's day twice changes
 * nothing the second time.
 */
export async function refreshPixelSessions(shop: string): Promise<void> {
  await refreshPixelSessionsOfShops([shop]);
}

/** A shop's UTC day, as its first instant. */
interface ShopDay {
  shop: string;
  day: Date;
}

/** `pairs` as a table `alias(shop, day)`, for a statement's FROM or USING. */
function shopDays(pairs: ShopDay[], alias: string): Prisma.Sql {
  return Prisma.sql`unnest(${pairs.map((p) => p.shop)}::text[], ${pairs.map((p) => p.day)}::timestamptz[]) AS ${Prisma.raw(alias)}(shop, day)`;
}

/**
 * refreshPixelSessions for many shops in one set of statements, each shop's sessions as its own
 * refresh would leave them: each step takes up to DAYS_PER_STEP days of every shop with new
 * events, under all of their locks, taken in the order of their names so that two of these
 * never wait on each other in a circle. For a page of many stores (the Portfolio), which would
 * otherwise pay a dozen statements per store.
 */
export async function refreshPixelSessionsOfShops(shops: string[]): Promise<void> {
  const sorted = [...new Set(shops)].sort();
  if (sorted.length === 0) return;
  await drainPixelIntake(sorted);
  // In one snapshot, for each shop: where its new events start, the UTC days they are on (a row
  // without a day for a shop with none), and the arrivals of the last minute, which the next
  // refresh counts again (`seen`, `seen_count`).
  const rows = await prisma.$queryRaw<Array<{ shop: string; start: Date | null; through: Date; seen: Date | null; seen_count: number; day: Date | null }>>`
    SELECT s.shop, w.start, ${THROUGH} AS through, n.seen, n.seen_count, d.day
    FROM ${shopsWithStart(sorted)}
    LEFT JOIN LATERAL (
      SELECT DISTINCT ${UTC_DAY} AS day FROM pixel_events e WHERE ${NEW_EVENT}
    ) d ON true
    CROSS JOIN LATERAL (
      SELECT max(e.received_at) AS seen, count(*)::int AS seen_count
      FROM pixel_events e WHERE e.shop = s.shop AND e.source = 'pixel' AND e.received_at >= ${THROUGH}
    ) n
    ORDER BY s.shop, d.day`;
  // The shop's own columns, repeated on each of its days' rows.
  const states = [...new Map(rows.map((row) => [row.shop, row])).values()];
  const start = new Map(states.map((state) => [state.shop, state.start]));
  const days = rows.flatMap(({ shop, day }) => (day ? [{ shop, day }] : []));
  const daysOf = new Map<string, ShopDay[]>();
  for (const pair of days) {
    const list = daysOf.get(pair.shop);
    if (list) list.push(pair);
    else daysOf.set(pair.shop, [pair]);
  }
  for (let i = 0; ; i += DAYS_PER_STEP) {
    const step = [...daysOf.values()].flatMap((pairs) => pairs.slice(i, i + DAYS_PER_STEP));
    if (step.length === 0) break;
    const locked = [...new Set(step.map((pair) => pair.shop))];
    await prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`
          SELECT pg_advisory_xact_lock(hashtextextended('pixel-sessions:' || s.shop, 0)) FROM unnest(${locked}::text[]) AS s(shop) ORDER BY s.shop`;
        // Days without stored sessions (never built, or built before sessions were stored) are
        // rebuilt whole: their slots out, every session of theirs in.
        const whole = await tx.$queryRaw<ShopDay[]>`
          SELECT d.shop, d.day FROM ${shopDays(step, "d")}
          WHERE NOT EXISTS (SELECT 1 FROM pixel_sessions s
            WHERE s.shop = d.shop AND s.started_at >= d.day AND s.started_at < d.day + interval '1 day')`;
        if (whole.length > 0) await deleteSlots(tx, whole, Prisma.sql`true`);
        const isWhole = new Set(whole.map((pair) => `${pair.shop} ${pair.day.getTime()}`));
        const partial = step.filter((pair) => !isWhole.has(`${pair.shop} ${pair.day.getTime()}`));
        await tx.$executeRaw`${rebuildSessions(whole, partial, start)}`;
        // Slots whose sessions all moved elsewhere (every count is of sessions: all are zero).
        await deleteSlots(tx, step, Prisma.sql`s.sessions = 0`);
        await tx.$executeRaw`
          DELETE FROM pixel_session_days d USING ${shopDays(step, "r")}
          WHERE d.shop = r.shop AND d.day = (r.day AT TIME ZONE 'UTC')::date`;
        await tx.$executeRaw`
          DELETE FROM pixel_session_value_days d USING ${shopDays(step, "r")}
          WHERE d.shop = r.shop AND d.day = (r.day AT TIME ZONE 'UTC')::date`;
        await tx.$executeRaw`
          INSERT INTO pixel_session_days (shop, day, sessions, sessions_with_cart_additions, sessions_reached_checkout,
            sessions_completed_checkout, orders, sign_ups)
          SELECT r.shop, (r.day AT TIME ZONE 'UTC')::date, sum(s.sessions), sum(s.sessions_with_cart_additions),
            sum(s.sessions_reached_checkout), sum(s.sessions_completed_checkout), sum(s.orders), sum(s.sign_ups)
          FROM ${shopDays(step, "r")}
          JOIN pixel_session_slots s ON s.shop = r.shop AND s.slot >= r.day AND s.slot < r.day + interval '1 day'
          GROUP BY r.shop, r.day`;
        await tx.$executeRaw`
          INSERT INTO pixel_session_value_days (shop, day, dimension, value, sessions, sessions_with_cart_additions,
            sessions_reached_checkout, sessions_completed_checkout)
          SELECT r.shop, (r.day AT TIME ZONE 'UTC')::date, s.dimension, s.value, sum(s.sessions), sum(s.sessions_with_cart_additions),
            sum(s.sessions_reached_checkout), sum(s.sessions_completed_checkout)
          FROM ${shopDays(step, "r")}
          JOIN pixel_session_values s ON s.shop = r.shop AND s.slot >= r.day AND s.slot < r.day + interval '1 day'
          GROUP BY r.shop, r.day, s.dimension, s.value`;
      },
      { timeout: 60_000, maxWait: 10_000 },
    );
  }
  // Never back: a refresh that started earlier and ends later leaves the later state, whole.
  const seen = states.map(({ shop, seen, seen_count }) => ({ shop, seen, count: seen_count }));
  await prisma.$executeRaw`
    INSERT INTO pixel_rollup_state (shop, received_through, seen_through, seen_count)
    SELECT x.shop, ${rows[0].through}::timestamptz, x.seen, x.count FROM json_to_recordset(${JSON.stringify(seen)}::json) AS x(shop text, seen timestamptz, count int)
    ON CONFLICT (shop) DO UPDATE SET (received_through, seen_through, seen_count) = (EXCLUDED.received_through, EXCLUDED.seen_through, EXCLUDED.seen_count)
    WHERE EXCLUDED.received_through >= pixel_rollup_state.received_through`;
}

/**
 * `unnest(shops) AS s(shop)`, each with its refresh state `r` (none before its first refresh)
 * and `w.start`: the arrival from which its events are new to its sessions (null: all are;
 * NEW_EVENT says which of `pixel_events e` are). That is its watermark, unless the events
 * received from there to the last one its last refresh saw are still as many as that refresh
 * counted: events are only ever added there (never changed, and deleted only days later, by the
 * retention), so none of them arrived late, and only those received after that last one are new.
 * A busy store's refresh does not read the last minute again each time.
 */
function shopsWithStart(shops: string[]): Prisma.Sql {
  return Prisma.sql`unnest(${shops}::text[]) AS s(shop)
    LEFT JOIN pixel_rollup_state r ON r.shop = s.shop
    CROSS JOIN LATERAL (
      SELECT CASE WHEN r.seen_through IS NOT NULL AND r.seen_count = (
          SELECT count(*) FROM pixel_events e
          WHERE e.shop = s.shop AND e.source = 'pixel' AND e.received_at >= r.received_through AND e.received_at <= r.seen_through)
        THEN r.seen_through + interval '1 millisecond' ELSE r.received_through END AS start
    ) w`;
}

/** Of `pixel_events e`, those new to the sessions of shop `s.shop` (shopsWithStart). */
const NEW_EVENT = Prisma.sql`e.shop = s.shop AND e.source = 'pixel' AND e.received_at >= coalesce(w.start, '-infinity')`;

/**
 * Which of `shops` have pixel events their sessions do not hold yet: the ones refreshPixelSessions
 * would rebuild days of (any events when it never ran, events received since its watermark, or
 * events still in the collector's intake). For a page of many stores (the Portfolio), which
 * refreshes only those. One search of the shop's arrivals each, as a refresh reads them.
 */
export async function shopsWithNewPixelEvents(shops: string[]): Promise<string[]> {
  if (shops.length === 0) return [];
  const rows = await prisma.$queryRaw<Array<{ shop: string }>>`
    SELECT s.shop FROM ${shopsWithStart(shops)}
    WHERE EXISTS (SELECT 1 FROM pixel_events e WHERE ${NEW_EVENT})
      OR EXISTS (SELECT 1 FROM pixel_intake i WHERE i.shop = s.shop)`;
  return rows.map((row) => row.shop);
}

/** How many stores a background refresh takes in one set of statements (pixelRefreshGroups). */
export const SHOPS_PER_REFRESH = 25;

/**
 * `shops` in groups of `size` (the last one smaller), each to be refreshed with
 * refreshPixelSessionsOfShops: one set of statements for a group rather than about fifteen per
 * store. A background refresh over many stores (the upkeep) takes SHOPS_PER_REFRESH at a time
 * rather than all of them at once, so that each step holds the locks of a few stores' sessions,
 * which their own pages' refreshes wait on; a page splits its stores across the database's cores.
 */
export function pixelRefreshGroups(shops: string[], size = SHOPS_PER_REFRESH): string[][] {
  const sorted = [...new Set(shops)].sort();
  return Array.from({ length: Math.ceil(sorted.length / size) }, (_, i) => sorted.slice(i * size, (i + 1) * size));
}

/**
 * The upkeep's refresh, every few minutes (app/jobs/worker.server.ts): every store with a pixel
 * whose sessions lack events it has received, in groups (pixelRefreshGroups). A page's own
 * refresh then finds only what arrived since the last run, however long ago its merchant last
 * looked: otherwise the first load after a week away rebuilds a week of the store's events, and
 * the first load of each UTC day rebuilds that day's so far whole. Returns the stores refreshed.
 */
export async function refreshPixelSessionsOfPixelStores(): Promise<string[]> {
  const rows = await prisma.$queryRaw<Array<{ shop: string }>>`SELECT shop FROM pixel_settings`;
  const groups = pixelRefreshGroups(await shopsWithNewPixelEvents(rows.map((row) => row.shop)));
  for (const group of groups) await refreshPixelSessionsOfShops(group);
  return groups.flat();
}

/** Deletes the slots and their split by value (`s`) of the shops' UTC days `pairs` that meet `where`. */
async function deleteSlots(tx: Prisma.TransactionClient, pairs: ShopDay[], where: Prisma.Sql): Promise<void> {
  for (const table of [Prisma.raw("pixel_session_slots"), Prisma.raw("pixel_session_values")]) {
    await tx.$executeRaw`
      DELETE FROM ${table} s USING ${shopDays(pairs, "d")}
      WHERE s.shop = d.shop AND s.slot >= d.day AND s.slot < d.day + interval '1 day' AND ${where}`;
  }
}

/**
 * The visitors (shop, visitor_id, day) on the shops' UTC days `pairs` with events new to their
 * sessions, those received from `start` on (shopsWithStart): found by the shop's arrivals since
 * then, or for a shop never refreshed (no start) by the days' events.
 */
function visitorsWithNewEvents(pairs: ShopDay[], start: Map<string, Date | null>): Prisma.Sql {
  const arrived = [...new Set(pairs.map((pair) => pair.shop))].flatMap((shop) => {
    const from = start.get(shop);
    return from ? [{ shop, from }] : [];
  });
  const unseen = pairs.filter((pair) => !start.get(pair.shop));
  return Prisma.sql`
    SELECT DISTINCT s.shop, e.visitor_id, ${UTC_DAY} AS day
    FROM unnest(${arrived.map((a) => a.shop)}::text[], ${arrived.map((a) => a.from)}::timestamptz[]) AS s(shop, start)
    JOIN pixel_events e ON e.shop = s.shop AND e.received_at >= s.start AND e.source = 'pixel'
    WHERE (s.shop, ${UTC_DAY}) IN (SELECT p.shop, p.day FROM ${shopDays(pairs, "p")})
    UNION ALL
    SELECT DISTINCT d.shop, e.visitor_id, d.day FROM ${shopDays(unseen, "d")}
    JOIN pixel_events e ON e.shop = d.shop AND e.source = 'pixel' AND e.occurred_at >= d.day AND e.occurred_at < d.day + interval '1 day'`;
}

/** `pixel_sessions`' columns after its key (shop, started_at, visitor_id). */
const SESSION_VALUES = ["cart", "checkout", "completed", "orders", "signed_up", "source", "device", "landing"];
/** A session: its shop, visitor and start. */
const SESSION_KEY = ["shop", "visitor_id", "started_at"];
/** Its columns as the refresh's rows `new` and `old` hold them: SESSION_KEY, then SESSION_VALUES. */
const SESSION_COLUMNS = [...SESSION_KEY, ...SESSION_VALUES];

/**
 * The statement that rebuilds sessions: every visitor's on the shops' days `whole`; on the days
 * `partial`, those of the visitors with events received from their shop's `start` on
 * (all of them without one), from all of their events of that day. The rebuilt sessions replace
 * the visitors' stored ones (only the rows that differ are written), and the stored ones counted
 * −1 and the rebuilt ones +1 move the slots and their split by value.
 */
function rebuildSessions(whole: ShopDay[], partial: ShopDay[], start: Map<string, Date | null>): Prisma.Sql {
  const gapSeconds = SESSION_GAP_MS / 1000;
  const counts = (sign: string) => Prisma.raw(
    [`sum(${sign})`, `sum(${sign}) FILTER (WHERE cart)`, `sum(${sign}) FILTER (WHERE checkout)`, `sum(${sign}) FILTER (WHERE completed)`]
      .map((sum) => `coalesce(${sum}, 0)::int`)
      .join(", "),
  );
  return Prisma.sql`
    WITH visitors AS MATERIALIZED (${visitorsWithNewEvents(partial, start)}),
    events AS (
      SELECT e.shop, e.visitor_id, e.name, e.occurred_at, lag(e.occurred_at) OVER w AS previous,
        coalesce(e.utm_source, e.referrer_host, 'direct') AS source, coalesce(e.device, '(none)') AS device,
        coalesce(e.landing_path, '(none)') AS landing
      FROM (
        SELECT e.* FROM ${shopDays(whole, "d")}
        JOIN pixel_events e ON e.shop = d.shop AND e.source = 'pixel' AND e.occurred_at >= d.day AND e.occurred_at < d.day + interval '1 day'
        UNION ALL
        -- Each visitor's events of the day, a search of the visitors' index each: LATERAL … OFFSET
        -- 0 keeps the shop and the day out of the subquery, so that no index led by the shop can
        -- serve it, whatever the planner believes of the shop's rows (visitor ids are hashes with
        -- the shop's salt of one UTC day: another shop's or day's are not these). Given the day,
        -- PostgreSQL would search (shop, occurred_at) for it by skipping over the shops, and read
        -- every shop's events of that day for each visitor.
        SELECT e.* FROM visitors v
        CROSS JOIN LATERAL (
          SELECT * FROM pixel_events e WHERE e.visitor_id = v.visitor_id OFFSET 0
        ) e
        WHERE e.shop = v.shop AND e.source = 'pixel' AND e.occurred_at >= v.day AND e.occurred_at < v.day + interval '1 day'
      ) e
      WINDOW w AS (PARTITION BY e.visitor_id, e.shop ORDER BY e.occurred_at)
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
      SELECT *, sum(starts_session) OVER (PARTITION BY visitor_id, shop ORDER BY occurred_at, starts_session DESC
        ROWS UNBOUNDED PRECEDING) AS session_number
      FROM marked
    ),
    new AS MATERIALIZED (
      SELECT shop, visitor_id, min(occurred_at) AS started_at,
        bool_or(name = ${PIXEL_EVENTS.addToCart}) AS cart,
        bool_or(name IN (${PIXEL_EVENTS.checkoutStarted}, ${PIXEL_EVENTS.checkoutCompleted})) AS checkout,
        bool_or(name = ${PIXEL_EVENTS.checkoutCompleted}) AS completed,
        (count(*) FILTER (WHERE name = ${PIXEL_EVENTS.checkoutCompleted}))::int AS orders,
        bool_or(name = ${PIXEL_EVENTS.signUp}) AS signed_up,
        (array_agg(source ORDER BY occurred_at, starts_session DESC))[1] AS source,
        (array_agg(device ORDER BY occurred_at, starts_session DESC))[1] AS device,
        (array_agg(landing ORDER BY occurred_at, starts_session DESC))[1] AS landing
      FROM numbered
      GROUP BY visitor_id, shop, session_number
    ),
    old AS MATERIALIZED (
      -- Whole days have none (that is what makes them whole).
      SELECT ${Prisma.raw(SESSION_COLUMNS.map((column) => `s.${column}`).join(", "))}
      -- Searched by visitor alone, as their events are.
      FROM visitors v
      CROSS JOIN LATERAL (SELECT * FROM pixel_sessions s WHERE s.visitor_id = v.visitor_id OFFSET 0) s
      WHERE s.shop = v.shop AND s.started_at >= v.day AND s.started_at < v.day + interval '1 day'
    ),
    written AS (
      INSERT INTO pixel_sessions AS t (${Prisma.raw(SESSION_COLUMNS.join(", "))})
      ${rowsThatDiffer("old", SESSION_KEY, SESSION_VALUES)}
      ON CONFLICT (shop, visitor_id, started_at) ${updateIfChanged(SESSION_VALUES)}
    ),
    dropped AS (
      DELETE FROM pixel_sessions t USING old o
      WHERE ${Prisma.raw(sameKey(SESSION_KEY, "t", "o"))}
        AND NOT EXISTS (SELECT 1 FROM new n WHERE ${Prisma.raw(sameKey(SESSION_KEY, "n", "o"))})
    ),
    delta AS (
      SELECT *, date_bin('15 minutes', started_at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS slot
      FROM (SELECT *, -1 AS sign FROM old UNION ALL SELECT *, 1 FROM new) d
    ),
    by_value AS (
      INSERT INTO pixel_session_values AS t (shop, slot, dimension, value, sessions, sessions_with_cart_additions,
        sessions_reached_checkout, sessions_completed_checkout)
      SELECT shop, slot, v.dimension, v.value, ${counts("sign")}
      FROM delta CROSS JOIN LATERAL (VALUES ('source', source), ('device', device), ('landingPage', landing)) AS v(dimension, value)
      GROUP BY shop, slot, v.dimension, v.value
      HAVING sum(sign) <> 0 OR sum(sign) FILTER (WHERE cart) <> 0 OR sum(sign) FILTER (WHERE checkout) <> 0
        OR sum(sign) FILTER (WHERE completed) <> 0
      ON CONFLICT (shop, dimension, slot, value) DO UPDATE
      SET sessions = t.sessions + EXCLUDED.sessions,
        sessions_with_cart_additions = t.sessions_with_cart_additions + EXCLUDED.sessions_with_cart_additions,
        sessions_reached_checkout = t.sessions_reached_checkout + EXCLUDED.sessions_reached_checkout,
        sessions_completed_checkout = t.sessions_completed_checkout + EXCLUDED.sessions_completed_checkout
    )
    INSERT INTO pixel_session_slots AS t (shop, slot, sessions, sessions_with_cart_additions, sessions_reached_checkout,
      sessions_completed_checkout, orders, sign_ups)
    SELECT shop, slot, ${counts("sign")}, coalesce(sum(sign * orders), 0)::int,
      coalesce(sum(sign) FILTER (WHERE signed_up), 0)::int
    FROM delta
    GROUP BY shop, slot
    HAVING sum(sign) <> 0 OR sum(sign) FILTER (WHERE cart) <> 0 OR sum(sign) FILTER (WHERE checkout) <> 0
      OR sum(sign) FILTER (WHERE completed) <> 0 OR sum(sign * orders) <> 0 OR sum(sign) FILTER (WHERE signed_up) <> 0
    ON CONFLICT (shop, slot) DO UPDATE
    SET sessions = t.sessions + EXCLUDED.sessions,
      sessions_with_cart_additions = t.sessions_with_cart_additions + EXCLUDED.sessions_with_cart_additions,
      sessions_reached_checkout = t.sessions_reached_checkout + EXCLUDED.sessions_reached_checkout,
      sessions_completed_checkout = t.sessions_completed_checkout + EXCLUDED.sessions_completed_checkout,
      orders = t.orders + EXCLUDED.orders, sign_ups = t.sign_ups + EXCLUDED.sign_ups`;
}

const DAY_MS = 86_400_000;

/** A span of quarter hours counted `sign` times: +1 added to the whole days, −1 taken from them. */
interface SlotPart {
  start: Date;
  end: Date;
  sign: 1 | -1;
}

/**
 * Instants `[start, end)` as whole UTC days and the quarter hours that make up the difference,
 * whichever way reads fewer of them at each edge: the quarter hours inside the span before its
 * first whole day (+1), or that day whole less those before the span (−1); likewise at the end.
 * A winter day in New York is a UTC day less 5 hours plus 5 hours of the next: 40 quarter hours
 * where the 96 of its own would be read otherwise (in Berlin, 8).
 */
export interface UtcDayParts {
  /** UTC dates `[from, to)`, or null when no whole UTC day is counted. */
  days: { from: string; to: string } | null;
  slots: SlotPart[];
}

export function utcDayParts(start: Date, end: Date): UtcDayParts {
  const [s, e] = [start.getTime(), end.getTime()];
  if (s >= e) return { days: null, slots: [] };
  const whole = { days: null, slots: [{ start, end, sign: 1 as const }] };
  const [below, above] = [Math.floor(s / DAY_MS) * DAY_MS, Math.ceil(s / DAY_MS) * DAY_MS];
  const [floorEnd, ceilEnd] = [Math.floor(e / DAY_MS) * DAY_MS, Math.ceil(e / DAY_MS) * DAY_MS];
  // Each edge the shorter way: a whole day less the part outside, or the part inside alone.
  const outerStart = s - below < above - s;
  const outerEnd = ceilEnd - e < e - floorEnd;
  const firstDay = outerStart ? below : above;
  const endDay = outerEnd ? ceilEnd : floorEnd;
  if (firstDay >= endDay) return whole;
  const slots: SlotPart[] = [];
  if (firstDay < s) slots.push({ start: new Date(firstDay), end: start, sign: -1 });
  if (s < firstDay) slots.push({ start, end: new Date(firstDay), sign: 1 });
  if (endDay < e) slots.push({ start: new Date(endDay), end, sign: 1 });
  if (e < endDay) slots.push({ start: end, end: new Date(endDay), sign: -1 });
  // A short span reads fewer quarter hours of its own than through a day.
  const read = slots.reduce((sum, slot) => sum + slot.end.getTime() - slot.start.getTime(), 0);
  if (read >= e - s) return whole;
  const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { days: { from: date(firstDay), to: date(endDay) }, slots };
}

/** Spans of instants of one shop. */
export interface ShopSpans {
  shop: string;
  spans: Array<{ start: Date; end: Date }>;
}

/** Each span's parts as arrays for `unnest` (its shop, `k`: its index among the shop's): its days, then its slots. */
function utcDayPartArrays(shops: ShopSpans[]) {
  const days = { shop: [] as string[], k: [] as number[], from: [] as string[], to: [] as string[] };
  const slots = { shop: [] as string[], k: [] as number[], start: [] as Date[], end: [] as Date[], sign: [] as number[] };
  for (const { shop, spans } of shops) {
    spans.forEach((span, k) => {
      const parts = utcDayParts(span.start, span.end);
      if (parts.days) {
        days.shop.push(shop);
        days.k.push(k);
        days.from.push(parts.days.from);
        days.to.push(parts.days.to);
      }
      for (const slot of parts.slots) {
        slots.shop.push(shop);
        slots.k.push(k);
        slots.start.push(slot.start);
        slots.end.push(slot.end);
        slots.sign.push(slot.sign);
      }
    });
  }
  return { days, slots };
}

/** A pixel session rollup: its rows by UTC day, and by quarter hour. */
export const SESSION_ROLLUPS = {
  sessions: { days: Prisma.raw("pixel_session_days"), slots: Prisma.raw("pixel_session_slots") },
  values: { days: Prisma.raw("pixel_session_value_days"), slots: Prisma.raw("pixel_session_values") },
} as const;

/**
 * The rows of a session rollup that make up each span of each shop (`shop`, `k`, the span's index
 * among its shop's, then `keys` and `sums`), as a subquery whose `sums` add up to the span's: its
 * whole UTC days from the rollup by day, the quarter hours at its edges from the one by quarter
 * hour, counted with their sign (utcDayParts), each part an index range (LATERAL … OFFSET 0: not
 * a scan of the shop's slots joined after). `where` narrows both (on alias `r`, e.g. a
 * breakdown's dimension).
 */
export function sessionRollupRows(
  shops: ShopSpans[],
  rollup: (typeof SESSION_ROLLUPS)[keyof typeof SESSION_ROLLUPS],
  { keys = [], sums }: { keys?: string[]; sums: string[] },
  where: Prisma.Sql = Prisma.sql`true`,
): Prisma.Sql {
  const { days, slots } = utcDayPartArrays(shops);
  const picked = Prisma.raw([...keys, ...sums].map((column) => `r.${column}`).join(", "));
  const signed = Prisma.raw([...keys.map((column) => `r.${column}`), ...sums.map((column) => `r.${column} * b.sign AS ${column}`)].join(", "));
  return Prisma.sql`
    SELECT b.shop, b.k, r.*
    FROM unnest(${days.shop}::text[], ${days.k}::int[], ${days.from}::date[], ${days.to}::date[]) AS b(shop, k, from_day, to_day)
    CROSS JOIN LATERAL (
      SELECT ${picked} FROM ${rollup.days} r WHERE r.shop = b.shop AND ${where} AND r.day >= b.from_day AND r.day < b.to_day OFFSET 0
    ) r
    UNION ALL
    SELECT b.shop, b.k, r.*
    FROM unnest(${slots.shop}::text[], ${slots.k}::int[], ${slots.start}::timestamptz[], ${slots.end}::timestamptz[], ${slots.sign}::int[])
      AS b(shop, k, start_at, end_at, sign)
    CROSS JOIN LATERAL (
      SELECT ${signed} FROM ${rollup.slots} r WHERE r.shop = b.shop AND ${where} AND r.slot >= b.start_at AND r.slot < b.end_at OFFSET 0
    ) r`;
}
