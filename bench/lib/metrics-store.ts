// The large synthetic store the metric benchmarks measure: one shop of BENCH_METRICS_ORDERS
// (default 1,000,000) orders from a quarter as many customers over four years, generated in SQL
// from a seed, and its rows as the reference implementations read them.
import pg from "pg";

export const ORDERS = Number(process.env.BENCH_METRICS_ORDERS ?? 1_000_000);
export const CUSTOMERS = Math.round(ORDERS / 4);
const SEED = 20_261_118;
export const SHOP = "metrics.myshopify.com";
export const TIME_ZONE = "America/New_York";
export const CURRENCY = "USD";
export const NOW = new Date("2026-11-18T15:37:21Z");
/** Four years of history before NOW, starting at a local midnight. */
const START = "2022-12-01T05:00:00Z";

/** A value in [0, 1) from a hash of `expr` (SQL): the same for the same seed and row. */
export const uniform = (expr: string, salt: number) =>
  `((hashint8extended((${expr})::bigint, ${SEED * 64 + salt}) & 281474976710655)::float8 / 281474976710656)`;

/**
 * The store, in SQL: customers arriving ever faster over four years (a growing shop), 35% of
 * them buying once, the others coming back with geometric counts of orders at random gaps of
 * one to four months on average; guest orders fill up to ORDERS. About 2% of orders are
 * cancelled, 0.3% test, 0.2% deleted, 1% zero-value, 1% in another currency, and 6% of the
 * others refunded (20–100% of their net, 1–45 days later, some with shipping).
 */
export async function generateStore(client: pg.Client): Promise<void> {
  const span = `extract(epoch FROM '${NOW.toISOString()}'::timestamptz - '${START}'::timestamptz)`;
  await client.query(`INSERT INTO shops (domain, iana_timezone, currency_code, updated_at) VALUES ($1, $2, $3, now())`, [
    SHOP,
    TIME_ZONE,
    CURRENCY,
  ]);
  await client.query(`
    CREATE TEMP TABLE bench_customers AS
    SELECT c,
      '${START}'::timestamptz + make_interval(secs => sqrt(${uniform("c", 1)}) * ${span}) AS arrival,
      CASE WHEN ${uniform("c", 2)} < 0.35 THEN 0 ELSE 1 + floor(ln(1 - ${uniform("c", 3)}) / ln(0.8))::int END AS more,
      7 + 120 * ${uniform("c", 4)} AS mean_gap_days
    FROM generate_series(1, ${CUSTOMERS}) c`);
  await client.query(`
    CREATE TEMP TABLE bench_orders AS
    SELECT c AS customer, processed_at FROM (
      SELECT g.c, g.arrival + make_interval(secs => sum(CASE WHEN j = 0 THEN 0
          ELSE -ln(1 - ${uniform("g.c * 1000 + j", 5)}) * g.mean_gap_days * 86400 END)
        OVER (PARTITION BY g.c ORDER BY j)) AS processed_at
      FROM bench_customers g, generate_series(0, g.more) j
    ) x
    WHERE processed_at < '${NOW.toISOString()}'`);
  const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM bench_orders`);
  const customerOrders = Math.min(rows[0].n, ORDERS);
  await client.query(`DELETE FROM bench_orders WHERE ctid IN (SELECT ctid FROM bench_orders OFFSET ${customerOrders})`);
  await client.query(`
    INSERT INTO bench_orders
    SELECT NULL, '${START}'::timestamptz + make_interval(secs => sqrt(${uniform("g", 6)}) * ${span})
    FROM generate_series(1, ${ORDERS - customerOrders}) g`);
  // Whether an order is refunded and by how much is a function of its id, so the refunds
  // written next agree with the orders' total_refunded without a second pass over the orders.
  const refunded = `total_price > 0 AND ${uniform("id", 18)} < 0.06`;
  const returns = `round((gross_sales - discounts) * (0.2 + 0.8 * ${uniform("id", 16)}))::bigint`;
  const shippingBack = `CASE WHEN ${uniform("id", 17)} < 0.3 THEN shipping ELSE 0 END`;
  const refundTotal = `${returns} + round(${returns} * 0.08)::bigint + ${shippingBack}`;
  await client.query(`
    INSERT INTO orders (shop, id, name, customer_id, processed_at, created_at, updated_at, cancelled_at, deleted_at, test,
      currency_code, taxes_included, source_name, gross_sales, discounts, shipping, tax, total_price, total_refunded)
    SELECT '${SHOP}', id, '#' || (id - 5000000000000 + 1000), customer_id, processed_at, processed_at, processed_at,
      cancelled_at, deleted_at, test, currency_code, false, 'web', gross_sales, discounts, shipping, tax, total_price,
      CASE WHEN ${refunded} THEN ${refundTotal} ELSE 0 END
    FROM (
      SELECT *, gross_sales - discounts + shipping + tax AS total_price FROM (
        SELECT *, round((gross_sales - discounts) * 0.08)::bigint AS tax FROM (
          SELECT id, customer_id, processed_at, gross_sales,
            CASE WHEN ${uniform("id", 7)} < 0.02 THEN processed_at + interval '5 hours' END AS cancelled_at,
            CASE WHEN ${uniform("id", 8)} < 0.002 THEN '${NOW.toISOString()}'::timestamptz END AS deleted_at,
            ${uniform("id", 9)} < 0.003 AS test,
            CASE WHEN ${uniform("id", 10)} < 0.01 THEN 'CAD' ELSE '${CURRENCY}' END AS currency_code,
            CASE WHEN zero THEN gross_sales WHEN ${uniform("id", 12)} < 0.1 THEN round(gross_sales * 0.1)::bigint ELSE 0 END AS discounts,
            CASE WHEN zero OR ${uniform("id", 13)} < 0.5 THEN 0 ELSE 490 END AS shipping
          FROM (
            SELECT id, 7000000000000 + customer AS customer_id, processed_at, ${uniform("id", 11)} < 0.01 AS zero,
              (500 + floor(exp(${uniform("id", 14)} * 5.3) * 100))::bigint AS gross_sales
            FROM (
              SELECT 5000000000000 + row_number() OVER (ORDER BY processed_at, customer) AS id, customer, processed_at
              FROM bench_orders
            ) n
          ) a
        ) b
      ) c
    ) d`);
  await client.query(`
    INSERT INTO refunds (shop, id, order_id, processed_at, created_at, currency_code, returns, tax, shipping, total_refunded)
    SELECT shop, id + 4000000000000, id, at, at, currency_code, returns, round(returns * 0.08)::bigint, shipping_back, total_refunded
    FROM (
      SELECT shop, id, currency_code, total_refunded, ${returns} AS returns, ${shippingBack} AS shipping_back,
        least(processed_at + make_interval(secs => (1 + 44 * ${uniform("id", 15)}) * 86400),
          '${NOW.toISOString()}'::timestamptz - interval '1 second') AS at
      FROM orders WHERE shop = '${SHOP}' AND ${refunded}
    ) r`);
  await client.query(`DROP TABLE bench_customers, bench_orders`);
}

/** The shop's orders and refunds as the reference implementations read them. */
export async function loadRows(client: pg.Client) {
  const orders = await client.query<{
    id: string;
    customer_id: string | null;
    processed_at: Date;
    cancelled_at: Date | null;
    deleted_at: Date | null;
    test: boolean;
    currency_code: string;
    gross_sales: string;
    discounts: string;
    shipping: string;
    tax: string;
    total_price: string;
  }>(
    `SELECT id::text, customer_id::text, processed_at, cancelled_at, deleted_at, test, currency_code,
       gross_sales, discounts, shipping, tax, total_price
     FROM orders WHERE shop = $1`,
    [SHOP],
  );
  const refunds = await client.query<{ id: string; order_id: string; processed_at: Date; returns: string; shipping: string; tax: string }>(
    `SELECT id::text, order_id::text, processed_at, returns, shipping, tax FROM refunds WHERE shop = $1`,
    [SHOP],
  );
  return {
    orders: orders.rows.map((o) => ({
      id: o.id,
      customerId: o.customer_id,
      processedAt: o.processed_at,
      cancelledAt: o.cancelled_at,
      deletedAt: o.deleted_at,
      test: o.test,
      currencyCode: o.currency_code,
      grossSales: Number(o.gross_sales),
      discounts: Number(o.discounts),
      shipping: Number(o.shipping),
      tax: Number(o.tax),
      totalPrice: Number(o.total_price),
    })),
    refunds: refunds.rows.map((r) => ({
      id: r.id,
      orderId: r.order_id,
      processedAt: r.processed_at,
      returns: Number(r.returns),
      shipping: Number(r.shipping),
      tax: Number(r.tax),
    })),
  };
}


/**
 * Web pixel events for the Conversion page: EVENTS (a million by default, BENCH_PIXEL_EVENTS)
 * over the last year, five to a session of 100,000 visitors, two minutes apart: page views,
 * add-to-carts, checkouts started and completed, sign-ups.
 */
export const EVENTS = Number(process.env.BENCH_PIXEL_EVENTS ?? ORDERS);

export async function generatePixelEvents(client: pg.Client): Promise<void> {
  const names = `(ARRAY['page_viewed','page_viewed','page_viewed','page_viewed','product_added_to_cart','product_added_to_cart',
    'checkout_started','checkout_completed','email_subscribed','page_viewed'])[1 + floor(${uniform("g", 20)} * 10)::int]`;
  // Each event received as it happened, and stored in that order, as the collector appends
  // them: the index a refresh finds new events by (a BRIN on received_at) then works. Received
  // now, the whole year would count as received within the last minute, which a refresh reads
  // again in case it is still committing: every page for that minute would rebuild the year's
  // sessions (a store small enough to be generated in under a minute showed Overview loads of
  // 1.7 s).
  await client.query(`
    INSERT INTO pixel_events (shop, id, visitor_id, name, occurred_at, received_at)
    SELECT '${SHOP}', 'event-' || g, 'visitor-' || ((g / 5) % 100000), ${names}, at, at
    FROM generate_series(1, ${EVENTS}) g
    CROSS JOIN LATERAL (SELECT '${NOW.toISOString()}'::timestamptz - make_interval(mins => floor(${uniform("g / 5", 21)} * 365 * 1440)::int)
        + make_interval(mins => (g % 5) * 2) AS at) e
    ORDER BY at`);
}

/** The shop's pixel events as the conversion reference reads them. */
export async function loadPixelEvents(client: pg.Client) {
  const { rows } = await client.query<{ id: string; visitor_id: string; name: string; occurred_at: Date }>(
    `SELECT id, visitor_id, name, occurred_at FROM pixel_events WHERE shop = $1 AND source = 'pixel'`,
    [SHOP],
  );
  return rows.map((row) => ({ id: row.id, visitorId: row.visitor_id, name: row.name, occurredAt: row.occurred_at }));
}
