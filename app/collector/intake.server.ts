// The collector's intake and its drain (ADR 011). The collector answers a batch once its events
// are committed to `pixel_intake`: one row per shop per write, the events as the JSON array it
// checked, stored as text (neither parsed nor compressed by PostgreSQL). A drain moves them into
// `pixel_events` in large statements, where each event id is stored once (a replayed event is
// dropped there) and where sessionization reads them:
//   - refreshPixelSessions drains the shop's intake before it reads its events (the Conversion
//     page, the portfolio, `metrics --json`);
//   - the upkeep job drains every shop's intake every five minutes, so it stays small.
// Drained events are dated as received when they are drained (`pixel_events.received_at`'s
// default), which is what the sessions' watermark compares: a drain committing while a refresh
// reads is covered by the refresh's minute of overlap, as a collector's write was before.
import { sqlPool } from "#app/db-pool.server";

/** One event as stored, under the short keys of DRAIN's record. */
export interface EventRow {
  s: string;
  i: string;
  v: string;
  n: string;
  t: string;
  p: string | null;
  r: string | null;
  us: string | null;
  um: string | null;
  uc: string | null;
  d: string | null;
}

/**
 * The statement writing `shops` intake rows, one per shop (so that erasing a shop's data finds
 * its rows by their `shop`), committed without waiting for the WAL flush (this statement only):
 * a crash of the database may lose the last moments of accepted events, never corrupt anything;
 * a visit count can afford that, and the collector gets more throughput. Each row's values are
 * parameters of their own (a text array would have the client escape every event's JSON again).
 */
function writeIntakeStatement(shops: number): string {
  const values = Array.from({ length: shops }, (_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(", ");
  return `
    WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true))
    INSERT INTO pixel_intake (shop, events) SELECT x.shop, x.events FROM relaxed, (VALUES ${values}) AS x (shop, events)`;
}

export async function writeIntake(rows: EventRow[]): Promise<void> {
  const byShop = new Map<string, EventRow[]>();
  for (const row of rows) {
    const list = byShop.get(row.s);
    if (list) list.push(row);
    else byShop.set(row.s, [row]);
  }
  const values = [...byShop].flatMap(([shop, events]) => [shop, JSON.stringify(events)]);
  // Prepared once per connection for each number of shops in a write.
  await sqlPool().query({ name: `collector-write-intake-${byShop.size}`, text: writeIntakeStatement(byShop.size), values });
}

/** Intake rows moved per statement: thousands of events each, one transaction each. */
const DRAIN_ROWS = 200;

/**
 * Takes up to $2 intake rows (of the shops $1, or of any shop when null), skipping those another
 * drain holds, deletes them and inserts their events; an event id the shop already has is
 * dropped. Returns the intake rows taken and the events stored.
 */
const DRAIN = `
  WITH taken AS (
    DELETE FROM pixel_intake
    WHERE (shop, id) IN (
      SELECT shop, id FROM pixel_intake WHERE $1::text[] IS NULL OR shop = ANY($1::text[]) LIMIT $2 FOR UPDATE SKIP LOCKED)
    RETURNING events
  ),
  stored AS (
    INSERT INTO pixel_events (shop, id, visitor_id, name, occurred_at, landing_path, referrer_host, utm_source, utm_medium, utm_campaign, device)
    SELECT e.s, e.i, e.v, e.n, e.t, e.p, e.r, e.us, e.um, e.uc, e.d
    FROM taken, json_to_recordset(taken.events::json)
         AS e (s text, i text, v text, n text, t timestamptz, p text, r text, us text, um text, uc text, d text)
    ON CONFLICT (shop, id) DO NOTHING
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM taken)::int AS taken, (SELECT count(*) FROM stored)::int AS stored`;

/**
 * Moves the intake (the shops', or every shop's) into `pixel_events`, DRAIN_ROWS intake rows per
 * statement, until none is left that another drain does not hold. Returns the events stored.
 */
export async function drainPixelIntake(shops: string[] | null = null): Promise<number> {
  let stored = 0;
  for (;;) {
    const { rows } = await sqlPool().query<{ taken: number; stored: number }>({ name: "collector-drain-intake", text: DRAIN, values: [shops, DRAIN_ROWS] });
    stored += rows[0].stored;
    if (rows[0].taken < DRAIN_ROWS) return stored;
  }
}
