// Stores whose customers behave exactly as the prediction models say (BG/NBD purchases,
// Gamma-Gamma spend), written as orders: a fit of them is well defined, unlike a store of
// customers with a few random orders each, which the models may not pin down.
import { createRandom, type Random } from "#simulator/random";
import { addDays, startOfLocalDay } from "../periods";
import type { MetricOrder } from "../rows";
import type { GeneratedStore } from "./store";

/** Gamma(shape, rate) by Marsaglia and Tsang (shape < 1 boosted). */
export function gammaDraw(random: Random, shape: number, rate: number): number {
  if (shape < 1) return gammaDraw(random, shape + 1, rate) * Math.pow(1 - random.next(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = random.normal();
    const v = Math.pow(1 + c * z, 3);
    if (v <= 0) continue;
    if (Math.log(1 - random.next()) < 0.5 * z * z + d - d * v + d * Math.log(v)) return (d * v) / rate;
  }
}

export function betaDraw(random: Random, a: number, b: number): number {
  const x = gammaDraw(random, a, 1);
  return x / (x + gammaDraw(random, b, 1));
}

export const MODEL_TRUTH = { r: 0.6, alpha: 40, a: 0.9, b: 3, p: 4, q: 5, gamma: 8000 };

/**
 * `customers` customers, each first buying on a day of the 540 before `today` (shop-local) and
 * then as the models say until `today`; one order per purchase day at noon local time.
 */
export function modelStore(options: { seed: number; shop: string; timeZone: string; today: string; customers: number; currency?: string }): GeneratedStore {
  const random = createRandom(options.seed);
  const currency = options.currency ?? "USD";
  const truth = MODEL_TRUTH;
  const orders: MetricOrder[] = [];
  let orderId = 1;
  for (let i = 0; i < options.customers; i++) {
    const lambda = gammaDraw(random, truth.r, truth.alpha);
    const dropout = betaDraw(random, truth.a, truth.b);
    const nu = gammaDraw(random, truth.q, truth.gamma);
    const T = random.int(1, 540);
    const first = addDays(options.today, -T);
    const days = new Set<number>([0]);
    let t = 0;
    for (;;) {
      t += -Math.log(1 - random.next()) / lambda;
      if (t >= T) break;
      days.add(Math.floor(t));
      if (random.chance(dropout)) break;
    }
    for (const day of [...days].sort((p, q) => p - q)) {
      const at = new Date(startOfLocalDay(addDays(first, day), options.timeZone).getTime() + 12 * 3_600_000);
      const grossSales = Math.max(1, Math.round(gammaDraw(random, truth.p, nu)));
      orders.push({
        id: String(orderId++),
        customerId: String(i + 1),
        processedAt: at,
        cancelledAt: null,
        deletedAt: null,
        test: false,
        currencyCode: currency,
        grossSales,
        discounts: 0,
        shipping: 0,
        tax: 0,
        totalPrice: grossSales,
      });
    }
  }
  return { shop: options.shop, timeZone: options.timeZone, currency, now: startOfLocalDay(options.today, options.timeZone), orders, refunds: [] };
}
