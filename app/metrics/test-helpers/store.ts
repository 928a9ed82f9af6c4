// Generated stores for the property tests: seeded, dense in the cases that break metrics
// (orders minutes around local midnight at month ends and on DST days, equal timestamps, refunds
// across period boundaries, cancelled, test, deleted, zero-value and guest orders, a second
// currency), plus writing them to the test database.
import { DateTime } from "luxon";
import prisma from "#app/db.server";
import { createRandom } from "#simulator/random";
import { metricOrder, metricRefund, type MetricOrder, type MetricRefund } from "../rows";

export interface GeneratedStore {
  shop: string;
  timeZone: string;
  currency: string;
  now: Date;
  orders: MetricOrder[];
  refunds: MetricRefund[];
}

export interface StoreOptions {
  seed: number;
  shop: string;
  timeZone: string;
  now: Date;
  /** Local date the history starts at. */
  start: string;
  orders: number;
  customers: number;
  currency?: string;
  /** Another currency some orders are in (a shop that changed currency). */
  otherCurrency?: string;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Instants where a metric can put an order in the wrong bucket: local midnights and DST changes. */
function boundaryInstants(timeZone: string, start: string, now: Date): number[] {
  const instants: number[] = [];
  let day = DateTime.fromISO(start, { zone: timeZone });
  const end = now.getTime();
  while (day.toMillis() < end) {
    const next = day.plus({ days: 1 });
    const hours = next.diff(day, "hours").hours;
    const firstOfMonth = next.day === 1;
    const monday = next.weekday === 1;
    if (hours !== 24) {
      // The DST change itself: find the hour where the offset moves.
      for (let t = day.toMillis(); t < next.toMillis(); t += 15 * MINUTE) {
        if (DateTime.fromMillis(t, { zone: timeZone }).offset !== DateTime.fromMillis(t + 15 * MINUTE, { zone: timeZone }).offset) {
          instants.push(t + 15 * MINUTE);
        }
      }
      instants.push(day.toMillis(), next.toMillis());
    }
    if (firstOfMonth || monday) instants.push(next.toMillis());
    day = next;
  }
  return instants.filter((t) => t < end);
}

/**
 * A random store: customers with a few orders each, guests, and refunds. About a third of the
 * instants sit within ±90 minutes of a local midnight that starts a week or month or of a DST
 * change; some orders of one customer share an instant (first order decided by id).
 */
export function generateStore(options: StoreOptions): GeneratedStore {
  const random = createRandom(options.seed);
  const currency = options.currency ?? "USD";
  const startMs = DateTime.fromISO(options.start, { zone: options.timeZone }).toMillis();
  const endMs = options.now.getTime();
  const boundaries = boundaryInstants(options.timeZone, options.start, options.now);

  // Customers arrive over the whole history, so every cohort has members.
  const arrivals = Array.from({ length: options.customers }, () => startMs + Math.floor(random.next() * 0.95 * (endMs - startMs)));
  const instant = (from: number): number => {
    if (boundaries.length > 0 && random.chance(0.35)) {
      const t = random.pick(boundaries) + random.int(-90, 90) * MINUTE + random.int(0, 59) * 1000;
      return Math.min(Math.max(t, startMs), endMs - 1);
    }
    return from + Math.floor(random.next() * (endMs - from));
  };

  const orders: MetricOrder[] = [];
  const refunds: MetricRefund[] = [];
  const usedIds = new Set<string>();
  const newId = (base: number): string => {
    for (;;) {
      const id = String(base + random.int(0, 9_999_999) * 10 + random.int(0, 9));
      if (!usedIds.has(id)) {
        usedIds.add(id);
        return id;
      }
    }
  };
  for (let i = 0; i < options.orders; i++) {
    const guest = random.chance(0.15);
    // Skewed choice: low customer numbers order much more often.
    const customerNumber = Math.floor(Math.pow(random.next(), 2) * options.customers);
    const customerId = guest ? null : String(7_000_000_000_000 + customerNumber);
    let processedAt = instant(guest ? startMs : arrivals[customerNumber]);
    const previous = orders.length > 0 ? orders[orders.length - 1] : null;
    if (previous && previous.customerId === customerId && random.chance(0.5)) processedAt = previous.processedAt.getTime();
    else if (customerId !== null && random.chance(0.05)) {
      const same = orders.find((order) => order.customerId === customerId);
      if (same) processedAt = same.processedAt.getTime();
    }
    const zeroValue = random.chance(0.05);
    const grossSales = zeroValue ? random.pick([0, 2500]) : random.int(100, 40_000);
    const discounts = zeroValue ? grossSales : random.chance(0.3) ? random.int(0, Math.floor(grossSales / 3)) : 0;
    const shipping = zeroValue ? 0 : random.pick([0, 0, 499, 995, 1500]);
    const tax = zeroValue ? 0 : Math.round((grossSales - discounts) * 0.08);
    const order: MetricOrder = {
      id: newId(5_000_000_000_000),
      customerId,
      processedAt: new Date(processedAt),
      cancelledAt: random.chance(0.1) ? new Date(Math.min(processedAt + random.int(1, 72) * 3_600_000, endMs)) : null,
      deletedAt: random.chance(0.04) ? new Date(endMs) : null,
      test: random.chance(0.05),
      currencyCode: options.otherCurrency && random.chance(0.1) ? options.otherCurrency : currency,
      grossSales,
      discounts,
      shipping,
      tax,
      totalPrice: grossSales - discounts + shipping + tax,
    };
    orders.push(order);

    const refundCount = random.chance(0.2) ? random.int(1, 2) : 0;
    for (let r = 0; r < refundCount; r++) {
      let refundedAt = processedAt + random.int(0, 45) * DAY + random.int(0, 1439) * MINUTE;
      if (random.chance(0.3) && boundaries.length > 0) {
        const after = boundaries.filter((t) => t > processedAt);
        if (after.length > 0) refundedAt = random.pick(after) + random.int(-60, 60) * MINUTE;
      }
      refundedAt = Math.min(Math.max(refundedAt, processedAt), endMs - 1);
      const net = grossSales - discounts;
      refunds.push({
        id: newId(9_000_000_000_000),
        orderId: order.id,
        processedAt: new Date(refundedAt),
        returns: net > 0 ? random.int(0, net) : 0,
        shipping: random.chance(0.3) ? shipping : 0,
        tax: random.chance(0.5) ? Math.round(tax / 2) : 0,
      });
    }
  }
  return { shop: options.shop, timeZone: options.timeZone, currency, now: options.now, orders, refunds };
}

/** Writes a shop row and its orders and refunds. */
export async function writeStore(store: GeneratedStore): Promise<void> {
  await prisma.shop.upsert({
    where: { domain: store.shop },
    create: { domain: store.shop, ianaTimezone: store.timeZone, currencyCode: store.currency },
    update: { ianaTimezone: store.timeZone, currencyCode: store.currency },
  });
  await writeOrders(store.shop, store.orders, store.refunds);
}

export async function writeOrders(shop: string, orders: MetricOrder[], refunds: MetricRefund[]): Promise<void> {
  const currencyOf = new Map(orders.map((order) => [order.id, order.currencyCode]));
  await prisma.order.createMany({
    data: orders.map((order) => ({
      shop,
      id: BigInt(order.id),
      name: `#${order.id.slice(-6)}`,
      customerId: order.customerId === null ? null : BigInt(order.customerId),
      processedAt: order.processedAt,
      createdAt: order.processedAt,
      updatedAt: order.processedAt,
      cancelledAt: order.cancelledAt,
      deletedAt: order.deletedAt,
      test: order.test,
      currencyCode: order.currencyCode,
      grossSales: BigInt(order.grossSales),
      discounts: BigInt(order.discounts),
      shipping: BigInt(order.shipping),
      tax: BigInt(order.tax),
      totalPrice: BigInt(order.totalPrice),
      totalRefunded: 0n,
    })),
  });
  if (refunds.length === 0) return;
  await prisma.refund.createMany({
    data: refunds.map((refund) => ({
      shop,
      id: BigInt(refund.id),
      orderId: BigInt(refund.orderId),
      processedAt: refund.processedAt,
      createdAt: refund.processedAt,
      currencyCode: currencyOf.get(refund.orderId) ?? "USD",
      returns: BigInt(refund.returns),
      shipping: BigInt(refund.shipping),
      tax: BigInt(refund.tax),
      totalRefunded: BigInt(refund.returns + refund.shipping + refund.tax),
    })),
  });
}

/** Reads a shop's orders and refunds back from the database as reference rows. */
export async function readStore(shop: string): Promise<{ orders: MetricOrder[]; refunds: MetricRefund[] }> {
  const orders = await prisma.order.findMany({ where: { shop } });
  const refunds = await prisma.refund.findMany({ where: { shop } });
  return { orders: orders.map(metricOrder), refunds: refunds.map(metricRefund) };
}
