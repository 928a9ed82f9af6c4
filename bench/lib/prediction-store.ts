// The store the prediction benchmark measures: BENCH_METRICS_ORDERS orders (default 1,000,000)
// from a quarter as many customers over four years, whose purchases follow the BG/NBD model
// and whose spend follows Gamma-Gamma (seeded), so a fit of them is well defined. (The metric
// benchmarks' store gives every returning customer the same dropout, which BG/NBD cannot pin
// down: its b runs to infinity.) Plus 5% guest orders, 2% cancelled and 1% in another currency,
// which the summaries leave out.
import pg from "pg";
import { CURRENCY, CUSTOMERS, NOW, ORDERS, TIME_ZONE } from "./metrics-store";
import { seededRandom } from "./timing";

export const PREDICTION_SHOP = "predictions.myshopify.com";
const DAY = 86_400_000;
const HISTORY_DAYS = 4 * 365;

/** Gamma(shape, rate) by Marsaglia and Tsang (shape < 1 boosted). */
function gamma(next: () => number, shape: number, rate: number): number {
  if (shape < 1) return gamma(next, shape + 1, rate) * Math.pow(1 - next(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    // Box-Muller.
    const z = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    const v = Math.pow(1 + c * z, 3);
    if (v <= 0) continue;
    if (Math.log(1 - next()) < 0.5 * z * z + d - d * v + d * Math.log(v)) return (d * v) / rate;
  }
}

interface Row {
  customer: number | null;
  at: number;
  cents: number;
}

function* rows(): Generator<Row> {
  const next = seededRandom(20_261_208);
  let written = 0;
  const customerOrders = Math.round(ORDERS * 0.95);
  for (let c = 1; c <= CUSTOMERS; c++) {
    const lambda = gamma(next, 0.6, 60);
    const a = gamma(next, 0.9, 1);
    const dropout = a / (a + gamma(next, 3, 1));
    const nu = gamma(next, 5, 8000);
    // Arrivals ever faster (a growing shop); at least one order each, whatever the cap.
    const first = NOW.getTime() - HISTORY_DAYS * DAY * (1 - Math.sqrt(next()));
    const orderAt = (day: number) => first + day * DAY + Math.floor(next() * 8 * 3_600_000);
    yield { customer: c, at: orderAt(0), cents: Math.round(gamma(next, 4, nu)) };
    written++;
    let t = 0;
    const left = CUSTOMERS - c;
    for (;;) {
      t += -Math.log(1 - next()) / lambda;
      const at = orderAt(t);
      if (at >= NOW.getTime() || written >= customerOrders - left) break;
      yield { customer: c, at, cents: Math.max(1, Math.round(gamma(next, 4, nu))) };
      written++;
      if (next() < dropout) break;
    }
  }
  for (; written < ORDERS; written++) yield { customer: null, at: NOW.getTime() - HISTORY_DAYS * DAY * next(), cents: 1000 + Math.floor(next() * 9000) };
}

/** Writes the shop and its orders (no refunds), in batches. */
export async function generatePredictionStore(client: pg.Client): Promise<void> {
  await client.query(`INSERT INTO shops (domain, iana_timezone, currency_code, updated_at) VALUES ($1, $2, $3, now())`, [
    PREDICTION_SHOP,
    TIME_ZONE,
    CURRENCY,
  ]);
  const next = seededRandom(7);
  let id = 6_000_000_000_000;
  let batch: Array<[string, string | null, string, boolean, string, number]> = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await client.query(
      `INSERT INTO orders (shop, id, name, customer_id, processed_at, created_at, updated_at, cancelled_at, test, currency_code,
         taxes_included, source_name, gross_sales, discounts, shipping, tax, total_price, total_refunded)
       SELECT $1, id, '#' || id, customer_id, at, at, at, CASE WHEN cancelled THEN at + interval '2 hours' END, false, currency,
         false, 'web', cents, 0, 0, 0, cents, 0
       FROM unnest($2::bigint[], $3::bigint[], $4::timestamptz[], $5::boolean[], $6::text[], $7::bigint[])
         AS o(id, customer_id, at, cancelled, currency, cents)`,
      [PREDICTION_SHOP, batch.map((r) => r[0]), batch.map((r) => r[1]), batch.map((r) => r[2]), batch.map((r) => r[3]), batch.map((r) => r[4]), batch.map((r) => r[5])],
    );
    batch = [];
  };
  for (const row of rows()) {
    const roll = next();
    batch.push([
      String(id++),
      row.customer === null ? null : String(8_000_000_000_000 + row.customer),
      new Date(row.at).toISOString(),
      roll < 0.02,
      roll > 0.99 ? "CAD" : CURRENCY,
      row.cents,
    ]);
    if (batch.length === 50_000) await flush();
  }
  await flush();
}

/** The shop's orders as the reference reads them (no refunds). */
export async function loadPredictionRows(client: pg.Client) {
  const { rows: orders } = await client.query<{ id: string; customer_id: string | null; processed_at: Date; cancelled_at: Date | null; currency_code: string; gross_sales: string }>(
    `SELECT id::text, customer_id::text, processed_at, cancelled_at, currency_code, gross_sales FROM orders WHERE shop = $1`,
    [PREDICTION_SHOP],
  );
  return {
    orders: orders.map((o) => ({
      id: o.id,
      customerId: o.customer_id,
      processedAt: o.processed_at,
      cancelledAt: o.cancelled_at,
      deletedAt: null,
      test: false,
      currencyCode: o.currency_code,
      grossSales: Number(o.gross_sales),
      discounts: 0,
      shipping: 0,
      tax: 0,
      totalPrice: Number(o.gross_sales),
    })),
    refunds: [],
  };
}
