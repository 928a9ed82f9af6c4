// The Portfolio page of an agency with BENCH_PORTFOLIO_STORES (default 100) member stores of
// mixed sizes (100 to 10,000 orders each, log-uniform; about a third as many customers), in four
// currencies and four time zones, generated in SQL. Its loader (`portfolioPage`: every member's
// sales with growth, customer activity, conversion and sync state from its own rollups, one
// query per metric over the member list) is timed warm, the median of 9 runs, against the same
// page for a portfolio of one of those stores, measured in the same run: the ratio says how much
// longer a hundred stores take than one. Every row is checked first against the row that store's
// own page functions give (`portfolioStoreRow`). Every second store counts its visits with
// Metryka's web pixel (ten events for each order, over the last year), so the page also reads
// those stores' sessions from their pixel rollups, as their own Conversion pages do; the others
// have no session figures. Goal: under 200 ms. Then the same page during live traffic, each
// load after 100 new events at every pixel store, against the page with nothing new.
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { benchDatabase, onBenchShutdown } from "./lib/database";
import { arriveNow, insertTodaysEvents } from "./lib/live-traffic";
import { median } from "./lib/measure";
import { note, type BenchResult } from "./lib/timing";

const STORES = Number(process.env.BENCH_PORTFOLIO_STORES ?? 100);
const RUNS = 9;
/** Today's events at each pixel store before the live loads: a store of 600 visits so far today. */
const LIVE_EVENTS_PER_STORE = 3_000;
const NOW = new Date("2026-11-18T15:37:21Z");
const ZONES = ["America/New_York", "Europe/Warsaw", "Asia/Tokyo", "Australia/Sydney"];
const CURRENCIES = ["USD", "PLN", "JPY", "EUR"];
const domain = (i: number) => `portfolio-bench-${String(i).padStart(3, "0")}.myshopify.com`;
/** A value in [0, 1) from a hash of an SQL expression, the same for the same row. */
const uniform = (expr: string, salt: number) => `((hashint8extended((${expr})::bigint, ${20_261_203 * 64 + salt}) & 281474976710655)::float8 / 281474976710656)`;

/** The pixel events' names, each drawn from this list: half of them page views. */
const EVENT_NAMES = `(ARRAY['page_viewed','page_viewed','page_viewed','page_viewed','product_added_to_cart','product_added_to_cart',
  'checkout_started','checkout_completed','email_subscribed','page_viewed'])`;

/** The stores, their orders over the last 30 months, and a portfolio holding every one. */
async function seed(client: pg.Client): Promise<{ all: string; one: string; orders: number; events: number }> {
  let orders = 0;
  let events = 0;
  for (let i = 0; i < STORES; i++) {
    const shop = domain(i);
    const count = Math.round(100 * Math.pow(100, (i * 0.618034) % 1));
    orders += count;
    await client.query(
      `INSERT INTO shops (domain, name, iana_timezone, currency_code, installed_at, updated_at) VALUES ($1, $2, $3, $4, now(), now())`,
      [shop, `Store ${i}`, ZONES[i % ZONES.length], CURRENCIES[i % CURRENCIES.length]],
    );
    await client.query(
      `INSERT INTO orders (shop, id, name, customer_id, processed_at, created_at, updated_at, test, currency_code, taxes_included,
         source_name, gross_sales, discounts, shipping, tax, total_price, total_refunded)
       SELECT $1, g, '#' || g, CASE WHEN ${uniform("g", 1)} < 0.1 THEN NULL ELSE 1 + floor(${uniform("g", 2)} * greatest(1, $2::int / 3)) END,
         at, at, at, false, $3, false, 'web', gross, 0, 0, 0, gross, 0
       FROM (SELECT g, $4::timestamptz - make_interval(secs => ${uniform("g", 3)} * 30 * 30.44 * 86400) AS at,
               (500 + floor(${uniform("g", 4)} * 20000))::bigint AS gross
             FROM generate_series(1, $2::int) g) o`,
      [shop, count, CURRENCIES[i % CURRENCIES.length], NOW.toISOString()],
    );
    if (i % 2 === 1) {
      // Visits of five events two minutes apart, by twice as many visitors as orders, over the
      // last year; received as they happened and stored in that order, as the collector appends.
      // Visitor ids are the store's own, as the collector's salted hashes are.
      events += count * 10;
      await client.query(
        `INSERT INTO pixel_events (shop, id, visitor_id, name, occurred_at, received_at)
         SELECT $1, 'event-' || g, $1 || '-visitor-' || ((g / 5) % ($2::int * 2)), ${EVENT_NAMES}[1 + floor(${uniform("g", 5)} * 10)::int], at, at
         FROM generate_series(1, $2::int * 10) g
         CROSS JOIN LATERAL (SELECT $3::timestamptz - make_interval(mins => floor(${uniform("g / 5", 6)} * 365 * 1440)::int)
             + make_interval(mins => (g % 5) * 2) AS at) e
         ORDER BY at`,
        [shop, count, NOW.toISOString()],
      );
    }
  }
  // As autovacuum leaves the tables after a bulk insert: analysed, and the pixel events' arrival
  // index summarized.
  for (const table of ["orders", "pixel_events"]) await client.query(`VACUUM (ANALYZE) ${table}`);
  const owner = domain(0);
  for (const [id, members] of [
    ["bench-all", Array.from({ length: STORES }, (_, i) => domain(i))],
    ["bench-one", [owner]],
  ] as const) {
    await client.query(`INSERT INTO portfolios (id, shop, name, invite_code_hash) VALUES ($1, $2, $1, $1)`, [id, owner]);
    await client.query(`INSERT INTO portfolio_members (portfolio_id, shop) SELECT $1, unnest($2::text[])`, [id, members]);
  }
  return { all: "bench-all", one: "bench-one", orders, events };
}

export default async function portfolioBench(): Promise<BenchResult[]> {
  const { url } = await benchDatabase();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  note(`seeding ${STORES} stores…`);
  const { all, one, orders, events } = await seed(client);
  await client.end();
  note(`${STORES} stores, ${orders} orders, ${events} pixel events in ${Math.floor(STORES / 2)} of them`);

  const { portfolioPage } = await import("#app/portfolios/portfolio-page.server");
  const { portfolioStoreRow } = await import("#app/portfolios/portfolio-metrics.server");
  const { default: prisma } = await import("#app/db.server");
  const { endSqlPool } = await import("#app/db-pool.server");
  onBenchShutdown(async () => {
    await endSqlPool();
    await prisma.$disconnect();
  });
  const { ensureDailyRollups } = await import("#app/metrics/rollups.server");
  const load = (portfolio: string) => portfolioPage(domain(0), new URLSearchParams({ portfolio }), NOW);

  // Every store's rollups first, as a page would start them (the page itself shows the stores not
  // built within a few seconds as being recomputed); then each row of the first load must be
  // the one that store's own page functions give.
  const stores = await prisma.shop.findMany({ select: { domain: true, ianaTimezone: true, currencyCode: true } });
  await Promise.all(stores.map((store) => ensureDailyRollups(store.domain, store.ianaTimezone, store.currencyCode)));
  const first = await load(all);
  assert.ok(first.rows.every((row) => !row.recomputing));
  assert.equal(first.rows.length, STORES);
  for (const row of first.rows) {
    assert.deepEqual(row, await portfolioStoreRow(row.shop, first.range, "previous_period", NOW));
  }
  assert.ok(first.rows.every((row) => (row.orders ?? 0) > 0));
  assert.deepEqual(
    first.rows.map((row) => row.conversionSource),
    first.rows.map((row) => (Number(row.shop.match(/(\d+)\.myshopify/)![1]) % 2 === 1 ? "pixel" : null)),
  );

  const time = async (portfolio: string) => {
    await load(portfolio);
    const ms: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const start = performance.now();
      await load(portfolio);
      ms.push(performance.now() - start);
    }
    return median(ms);
  };
  const single = await time(one);
  const many = await time(all);
  note(`Portfolio page: ${STORES} stores ${many.toFixed(1)} ms, one store ${single.toFixed(1)} ms; goal (< 200 ms) ${many < 200 ? "met" : "NOT met"}`);

  // During the day: each pixel store has received today's first LIVE_EVENTS_PER_STORE events,
  // and 100 more arrive at each of them before each load, which then refreshes their sessions.
  const pixelStores = first.rows.filter((row) => row.conversionSource === "pixel").map((row) => row.shop);
  for (const shop of pixelStores) await insertTodaysEvents(prisma, shop, LIVE_EVENTS_PER_STORE);
  await load(all);
  const liveMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    for (const shop of pixelStores) await arriveNow(prisma, shop, i + 1);
    const start = performance.now();
    await load(all);
    liveMs.push(performance.now() - start);
  }
  const live = median(liveMs);
  // The rows still equal the stores' own (whose pages find nothing new to refresh since).
  const after = await load(all);
  for (const row of after.rows.filter((r) => pixelStores.includes(r.shop))) {
    assert.deepEqual(row, await portfolioStoreRow(row.shop, after.range, "previous_period", NOW));
  }
  note(`during live traffic at ${pixelStores.length} stores: ${live.toFixed(1)} ms (${liveMs.map((ms) => ms.toFixed(0)).join(", ")})`);
  return [
    {
      name: `Portfolio page, ${STORES} member stores, warm (vs the same page for one store)`,
      unit: "ms",
      value: Number(many.toFixed(1)),
      baseline: Number(single.toFixed(1)),
      ratio: Number((many / single).toFixed(2)),
    },
    {
      name: `Portfolio page during live traffic: 100 new events at each of its ${pixelStores.length} pixel stores before each load (vs the page with none new)`,
      unit: "ms",
      value: Number(live.toFixed(1)),
      baseline: Number(many.toFixed(1)),
      ratio: Number((live / many).toFixed(2)),
    },
  ];
}
