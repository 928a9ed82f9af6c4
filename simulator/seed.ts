/**
 * Deterministic generator of a realistic Shopify store history (`SimStore`).
 *
 * Shape (defaults, 400 customers over 26 months): customers are acquired over the whole span with a
 * slightly front-loaded trend, weekend and Black Friday / December bumps; each customer's first
 * order is at acquisition; about a third come back (exponential gaps, median ~70 days; a loyal
 * minority orders 3–10 times). ~12 % guest orders, ~6 % refunded orders (1–40 days after the order,
 * partial or full), ~2 % cancelled orders (usually refunded at cancellation), ~1 % test orders, a
 * few zero-value orders (100 % discount code or free products), a few imported orders whose
 * processedAt is long before createdAt, and orders placed around local midnight at month ends and
 * on the local DST-change days. Everything derives from `seed` and `now`: there is no hidden clock.
 *
 * `shape: "store"` (the demo shop, the page bench) keeps all of that but models a real store's
 * history at any size: acquisition grows over the span (×3 from the first day to the last), with a
 * weekly rhythm (Sunday–Monday high, Friday–Saturday low) and a yearly one (a January dip, a summer
 * lull, Black Friday to Cyber Monday at three to four times a normal day, December before the
 * shipping cut-off); and repeat buying follows BG/NBD: each customer buys at a rate of their own
 * (gamma-distributed, mean one order per ~110 days) and after each order lapses with a probability
 * of their own (beta-distributed, mean 0.35), repeat orders following the same seasons. That gives a
 * heavy-tailed number of orders per customer (most buy once, a few dozen times) and gaps that mix
 * short replenishment cycles with long returns, as a real store's do.
 */
import { DateTime, IANAZone } from "luxon";
import { createRandom, hashString, type Random } from "./random";
import { currencyDigits } from "./money";
import { orderFinancialStatus, proportionalShare } from "./truth";
import type {
  Minor,
  SimCustomer,
  SimLineItem,
  SimOrder,
  SimOrderTrait,
  SimRefund,
  SimRefundLineItem,
  SimShippingLine,
  SimShopPlan,
  SimStore,
  SimVisit,
} from "./types";

export type {
  Minor,
  SimCurrencyChange,
  SimCustomer,
  SimDeletedOrder,
  SimGenerationInfo,
  SimLineItem,
  SimOrder,
  SimOrderTrait,
  SimRefund,
  SimRefundLineItem,
  SimRefundShipping,
  SimSequences,
  SimShippingLine,
  SimShop,
  SimShopPlan,
  SimStore,
  SimVisit,
} from "./types";

export interface GenerateStoreOptions {
  seed: number;
  /** The instant the history ends at (ISO-8601). Nothing in the store is later than it. */
  now: string;
  /** myshopify domain; default "metryka-demo.myshopify.com". */
  domain?: string;
  name?: string;
  /** IANA zone; default "America/New_York". Zones with DST get orders on their DST-change days. */
  timeZone?: string;
  /** Shop currency; default "USD". */
  currencyCode?: string;
  /** Number of customer records; default 400. */
  customers?: number;
  /** First day of the history: an ISO date (local midnight in the shop zone) or instant. Default now − 26 months. */
  start?: string;
  plan?: SimShopPlan;
  /** Make the shop switch currency at `at`: earlier orders use `currencyCode`, later ones `to`. */
  currencyChange?: { at: string; to: string };
  /** "compact" (default): the small stores of the tests. "store": a real store's growth, seasons and repeat buying (above). */
  shape?: StoreShape;
}

export type StoreShape = "compact" | "store";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;

/** UTC ISO string with second precision, the format of Shopify's DateTime scalar. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

// ---------------------------------------------------------------------------------------------
// Catalog (fake products; base prices in US cents, scaled for other currencies)

const PRODUCTS: ReadonlyArray<readonly [string, number]> = [
  ["Linen Tote Bag", 3400],
  ["Ceramic Pour-Over Mug", 2800],
  ["Merino Beanie", 3900],
  ["Field Notebook (3-pack)", 1495],
  ["Canvas Apron", 4800],
  ["Enamel Camp Cup", 1899],
  ["Waxed Canvas Backpack", 14900],
  ["Organic Cotton Tee", 2900],
  ["Wool Blend Socks", 1600],
  ["Stoneware Bowl Set", 6400],
  ["Brass Bottle Opener", 2200],
  ["Recycled Glass Carafe", 3600],
  ["Leather Card Wallet", 5500],
  ["Soy Candle – Cedar", 2400],
  ["Bamboo Cutting Board", 4200],
  ["Cotton Throw Blanket", 8900],
  ["Hand Cream 50 ml", 1450],
  ["Espresso Beans 1 kg", 3195],
  ["Gift Card", 5000],
  ["Linen Napkins (4)", 2750],
];
const FREE_PRODUCT: readonly [string, number] = ["Free Sample Pack", 0];
const PRODUCT_WEIGHTS = PRODUCTS.map((_, i) => 1 / (1 + i * 0.15));

/** Rough price level of a currency relative to USD, so a mug costs ~4,000 JPY rather than 28. */
const CURRENCY_SCALE: Record<string, number> = {
  JPY: 150,
  KRW: 1350,
  HUF: 360,
  INR: 83,
  ISK: 140,
  CLP: 900,
  IDR: 15500,
  VND: 24500,
  SEK: 10.5,
  NOK: 10.5,
  DKK: 6.9,
  PLN: 4,
  CZK: 23,
  MXN: 17,
  BRL: 5,
};

function priceIn(baseUsdCents: number, currencyCode: string): Minor {
  const scale = CURRENCY_SCALE[currencyCode] ?? 1;
  const digits = currencyDigits(currencyCode);
  const major = (baseUsdCents / 100) * scale;
  if (digits === 0) return Math.round(major / 10) * 10;
  return Math.round(major * 10 ** digits);
}

// ---------------------------------------------------------------------------------------------
// Days in the shop zone

interface DayInfo {
  /** Local midnight, UTC ms. */
  start: number;
  /** Next local midnight, UTC ms (23 or 25 hours later on DST days). */
  end: number;
  /** Sampling window: [max(start, historyStart), min(end, now)). */
  from: number;
  to: number;
  weight: number;
  /** The day's seasonal factor alone (week and year, no growth trend): "store" shape repeat orders follow it. */
  season: number;
  local: DateTime;
}

const HOUR_WEIGHTS = [
  0.5, 0.3, 0.2, 0.15, 0.15, 0.2, 0.4, 0.7, 1, 1.2, 1.3, 1.4, 1.5, 1.4, 1.3, 1.3, 1.3, 1.4, 1.6, 1.9, 2.1, 2.0,
  1.5, 1.0,
];
const HOURS = HOUR_WEIGHTS.map((_, i) => i);

/** A gamma draw (Marsaglia–Tsang; shape < 1 by boosting). */
function gamma(rng: Random, shape: number, scale: number): number {
  if (shape < 1) return gamma(rng, shape + 1, scale) * Math.pow(1 - rng.next(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.next();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
  }
}

function beta(rng: Random, a: number, b: number): number {
  const x = gamma(rng, a, 1);
  return x / (x + gamma(rng, b, 1));
}

function seasonalWeight(day: DateTime, progress: number): number {
  // Slightly front-loaded acquisition (launch period), weekend lift, BFCM and December peaks.
  let w = 1.25 - 0.35 * progress;
  if (day.weekday >= 6) w *= 1.15;
  if (day.month === 11 && day.day >= 20) w *= 2.6;
  else if (day.month === 12 && day.day <= 20) w *= 1.6;
  else if (day.month === 1) w *= 0.8;
  return w;
}

/** Black Friday of `year`: the day after the fourth Thursday of November. */
function blackFriday(year: number): DateTime {
  const first = DateTime.utc(year, 11, 1);
  const firstThursday = 1 + ((4 - first.weekday + 7) % 7);
  return DateTime.utc(year, 11, firstThursday + 21 + 1);
}

// Monday … Sunday: online stores sell most on Sunday evening and Monday, least on Friday–Saturday.
const WEEKDAY_FACTOR = [1.08, 1.02, 1.0, 0.97, 0.9, 0.86, 1.12];
// January … December, before the Black Friday / December peaks.
const MONTH_FACTOR = [0.78, 0.85, 0.98, 0.97, 1.0, 0.9, 0.86, 0.92, 1.0, 1.05, 1.1, 1.0];

/** The "store" shape's factor for a local day: weekly rhythm, yearly season, BFCM and December peaks. */
function storeSeason(day: DateTime): number {
  let w = WEEKDAY_FACTOR[day.weekday - 1] * MONTH_FACTOR[day.month - 1];
  const friday = blackFriday(day.year);
  const fromFriday = Math.round(DateTime.utc(day.year, day.month, day.day).diff(friday, "days").days);
  if (fromFriday === 0) w *= 4.2; // Black Friday
  else if (fromFriday === 3) w *= 3.4; // Cyber Monday
  else if (fromFriday === 1 || fromFriday === 2) w *= 2.6; // the weekend between
  else if (fromFriday >= -7 && fromFriday < 0) w *= 1.35; // early deals
  else if (fromFriday > 3 && day.month === 11) w *= 1.25;
  else if (day.month === 12 && day.day <= 18) w *= 1.5; // gifts, before the shipping cut-off
  else if (day.month === 12 && day.day >= 24 && day.day <= 26) w *= 0.6;
  return w;
}

/** The store grows: three times the daily acquisitions at the end of the span as at its start. */
const STORE_GROWTH = 3;

function buildDays(startMs: number, nowMs: number, zone: string, shape: StoreShape): DayInfo[] {
  const days: DayInfo[] = [];
  let cursor = DateTime.fromMillis(startMs, { zone }).startOf("day");
  const span = Math.max(1, nowMs - startMs);
  while (cursor.toMillis() < nowMs) {
    const next = cursor.plus({ days: 1 }).startOf("day");
    const start = cursor.toMillis();
    const end = next.toMillis();
    const from = Math.max(start, startMs);
    const to = Math.min(end, nowMs);
    if (to > from) {
      const fraction = (to - from) / (end - start);
      const progress = (start - startMs) / span;
      const season = shape === "store" ? storeSeason(cursor) : 1;
      const weight = shape === "store" ? season * STORE_GROWTH ** progress : seasonalWeight(cursor, progress);
      days.push({ start, end, from, to, local: cursor, weight: weight * fraction, season });
    }
    cursor = next;
  }
  return days;
}

function dayIndexOf(days: readonly DayInfo[], ms: number): number {
  let lo = 0;
  let hi = days.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ms < days[mid].start) hi = mid - 1;
    else if (ms >= days[mid].end) lo = mid + 1;
    else return mid;
  }
  return -1;
}

class DaySampler {
  private readonly cumulative: number[];
  constructor(private readonly days: readonly DayInfo[]) {
    let sum = 0;
    this.cumulative = days.map((d) => (sum += d.weight));
  }
  pickDay(rng: Random): DayInfo {
    const total = this.cumulative[this.cumulative.length - 1];
    const r = rng.next() * total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid] > r) hi = mid;
      else lo = mid + 1;
    }
    return this.days[lo];
  }
}

/** A plausible local time of day on `day` (evening peak), inside the day's sampling window. */
function instantOnDay(rng: Random, day: DayInfo, zone: string): number {
  const regular = day.end - day.start === DAY;
  for (let attempt = 0; attempt < 8; attempt++) {
    const hour = rng.weighted(HOURS, HOUR_WEIGHTS);
    const minute = rng.int(0, 59);
    const second = rng.int(0, 59);
    // On a 24-hour day local time is a fixed offset from local midnight; DST days go through luxon.
    const ms = regular
      ? day.start + ((hour * 60 + minute) * 60 + second) * 1000
      : DateTime.fromObject({ year: day.local.year, month: day.local.month, day: day.local.day, hour, minute, second }, { zone }).toMillis();
    if (ms >= day.from && ms < day.to) return ms;
  }
  return Math.floor(rng.float(day.from, day.to));
}

/** The instant at which the UTC offset changes inside a DST day. */
function offsetChangeInstant(day: DayInfo, zone: string): number {
  const offsetAt = (ms: number): number => IANAZone.create(zone).offset(ms);
  let lo = day.start;
  let hi = day.end - 1;
  const first = offsetAt(lo);
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(mid) === first) lo = mid;
    else hi = mid;
  }
  return Math.ceil(hi / 1000) * 1000;
}

// ---------------------------------------------------------------------------------------------
// Plans (who orders when), then content (what is in each order)

interface CustomerPlan {
  index: number;
  acquisition: number | null;
  imported: boolean;
  loyal: boolean;
  orders: OrderPlan[];
  createdAt: number;
  id: number;
}

interface OrderPlan {
  key: number;
  customer: CustomerPlan | null;
  processedAt: number;
  createdAt: number;
  test: boolean;
  imported: boolean;
  zeroKind: "full-discount" | "free-product" | null;
  traits: Set<SimOrderTrait>;
}

interface SpecialInstant {
  at: number;
  trait: SimOrderTrait;
}

const SOURCES: ReadonlyArray<{ source: string; type: SimVisit["sourceType"]; utm: boolean; referrer: string | null }> = [
  { source: "google", type: "SEO", utm: false, referrer: "https://www.google.com/" },
  { source: "direct", type: null, utm: false, referrer: null },
  { source: "facebook", type: "AD", utm: true, referrer: "https://m.facebook.com/" },
  { source: "instagram", type: "POST", utm: true, referrer: "https://l.instagram.com/" },
  { source: "email", type: "NEWSLETTER", utm: true, referrer: null },
  { source: "tiktok", type: "AD", utm: true, referrer: "https://www.tiktok.com/" },
  { source: "partner-blog", type: "AFFILIATE", utm: true, referrer: "https://blog.example.org/" },
];
const SOURCE_WEIGHTS = [30, 20, 15, 10, 12, 5, 8];

const TAX_RATES = [0, 0.04, 0.06, 0.0725, 0.0875, 0.1025];
const TAX_WEIGHTS = [8, 10, 25, 25, 20, 12];

function validateOptions(options: GenerateStoreOptions): {
  nowMs: number;
  startMs: number;
  zone: string;
  currency: string;
  customers: number;
} {
  const nowMs = Date.parse(options.now);
  if (!options.now || Number.isNaN(nowMs)) throw new Error(`generateStore: "now" must be an ISO instant, got ${String(options.now)}`);
  const zone = options.timeZone ?? "America/New_York";
  if (!IANAZone.isValidZone(zone)) throw new Error(`generateStore: unknown IANA time zone "${zone}"`);
  const currency = options.currencyCode ?? "USD";
  if (!/^[A-Z]{3}$/.test(currency)) throw new Error(`generateStore: currency must be an ISO 4217 code, got "${currency}"`);
  currencyDigits(currency);
  const customers = options.customers ?? 400;
  if (!Number.isInteger(customers) || customers < 0) throw new Error(`generateStore: customers must be a non-negative integer`);
  let startMs: number;
  if (options.start) {
    const parsed = /^\d{4}-\d{2}-\d{2}$/.test(options.start)
      ? DateTime.fromISO(options.start, { zone })
      : DateTime.fromISO(options.start, { setZone: true });
    if (!parsed.isValid) throw new Error(`generateStore: invalid start "${options.start}"`);
    startMs = parsed.toMillis();
  } else {
    startMs = DateTime.fromMillis(nowMs, { zone }).minus({ months: 26 }).startOf("day").toMillis();
  }
  if (startMs >= nowMs) throw new Error(`generateStore: start must be before now`);
  return { nowMs, startMs, zone, currency, customers };
}

export function generateStore(options: GenerateStoreOptions): SimStore {
  const { nowMs, startMs, zone, currency: baseCurrency, customers: customerCount } = validateOptions(options);
  const domain = options.domain ?? "metryka-demo.myshopify.com";
  const root = createRandom(options.seed >>> 0);
  const rngPlans = root.fork("plans");
  const rngContent = root.fork("content");
  const rngAfter = root.fork("after-sale");
  const rngIds = root.fork("ids");

  const shape = options.shape ?? "compact";
  const days = buildDays(startMs, nowMs, zone, shape);
  const maxSeason = days.reduce((max, day) => Math.max(max, day.season), 0);
  const sampler = new DaySampler(days);
  const sampleInstant = (rng: Random): number => instantOnDay(rng, sampler.pickDay(rng), zone);
  const instantNear = (rng: Random, ms: number): number => {
    const index = dayIndexOf(days, ms);
    return index < 0 ? ms : instantOnDay(rng, days[index], zone);
  };

  const shopCreatedAt = startMs;
  const importInstant = Math.min(
    nowMs - 1000,
    DateTime.fromMillis(startMs, { zone }).plus({ days: 2 }).set({ hour: 10, minute: 0, second: 0 }).toMillis(),
  );

  // --- Special instants: around the DST changes and local midnight at month boundaries.
  const specials: SpecialInstant[] = [];
  for (const day of days) {
    if (day.end - day.start === DAY || day.start < startMs) continue;
    const change = offsetChangeInstant(day, zone);
    for (const at of [day.start + 30 * MINUTE, change - 30 * MINUTE, change + 30 * MINUTE, day.end - 30 * MINUTE]) {
      if (at >= startMs && at < nowMs) specials.push({ at, trait: "dst-day" });
    }
  }
  for (let m = DateTime.fromMillis(startMs, { zone }).startOf("month").plus({ months: 1 }); m.toMillis() < nowMs; m = m.plus({ months: 1 })) {
    const boundary = m.toMillis();
    const before = boundary - rngPlans.int(3, 40) * MINUTE - rngPlans.int(0, 59) * 1000;
    const after = boundary + rngPlans.int(3, 40) * MINUTE + rngPlans.int(0, 59) * 1000;
    if (before >= startMs) specials.push({ at: before, trait: "month-end" });
    if (after < nowMs) specials.push({ at: after, trait: "month-start" });
  }

  // --- Customers and their orders.
  const zeroOrderCount = customerCount >= 20 ? Math.round(customerCount * 0.03) : 0;
  const importedCount = customerCount >= 10 ? Math.max(1, Math.round(customerCount * 0.02)) : 0;
  const orderingCount = customerCount - zeroOrderCount;
  const newCustomerSpecials = Math.min(Math.floor(orderingCount * 0.1), Math.ceil(specials.length / 3));

  const customers: CustomerPlan[] = [];
  for (let i = 0; i < customerCount; i++) {
    customers.push({ index: i, acquisition: null, imported: false, loyal: false, orders: [], createdAt: 0, id: 0 });
  }
  const ordering = customers.slice(0, orderingCount);
  let key = 0;
  const plans: OrderPlan[] = [];
  const addPlan = (customer: CustomerPlan | null, processedAt: number, traits: SimOrderTrait[] = []): OrderPlan => {
    const imported = processedAt < shopCreatedAt;
    const plan: OrderPlan = {
      key: key++,
      customer,
      processedAt,
      createdAt: imported ? importInstant + plans.length : processedAt,
      test: false,
      imported,
      zeroKind: null,
      traits: new Set(traits),
    };
    if (imported) plan.traits.add("imported");
    plans.push(plan);
    customer?.orders.push(plan);
    return plan;
  };

  /**
   * BG/NBD repeat buying ("store" shape): a rate and a lapse probability of the customer's own;
   * candidate orders at the rate times the busiest day's season, each kept with the probability
   * of its day's season (thinning), so repeat orders follow the week and the year too.
   */
  const planStoreRepeats = (customer: CustomerPlan, acquisition: number): void => {
    const ratePerDay = gamma(rngPlans, 0.55, 1 / 60);
    const lapse = beta(rngPlans, 1.1, 2.0);
    let previous = acquisition;
    let at = acquisition;
    for (let n = 2; n <= 80; ) {
      if (rngPlans.chance(lapse)) return;
      // The next kept candidate: a customer who is still active orders again.
      for (;;) {
        at += Math.max(0.75 * DAY, rngPlans.exponential(1 / (ratePerDay * maxSeason)) * DAY);
        if (at >= nowMs) return;
        const index = dayIndexOf(days, at);
        if (index < 0 || rngPlans.chance(days[index].season / maxSeason)) break;
      }
      const placed = at < shopCreatedAt ? at : instantNear(rngPlans, at);
      if (placed <= previous || placed >= nowMs) return;
      addPlan(customer, placed, ["repeat"]);
      previous = at = placed;
      n++;
    }
  };

  // Assign special instants to owners: new customers (acquired right then), guests, existing customers.
  const specialOwners: Array<{ special: SpecialInstant; kind: "new" | "guest" | "existing" }> = [];
  let newAssigned = 0;
  specials.forEach((special, i) => {
    const kind = i % 3 === 0 && newAssigned < newCustomerSpecials ? "new" : i % 3 === 2 ? "existing" : "guest";
    if (kind === "new") newAssigned++;
    specialOwners.push({ special, kind });
  });

  let nextSpecialCustomer = 0;
  for (const owner of specialOwners) {
    if (owner.kind !== "new") continue;
    const customer = ordering[importedCount + nextSpecialCustomer++];
    if (!customer) break;
    customer.acquisition = owner.special.at;
  }
  for (let i = 0; i < ordering.length; i++) {
    const customer = ordering[i];
    if (i < importedCount) {
      customer.imported = true;
      customer.acquisition = shopCreatedAt - Math.floor(rngPlans.float(7, 365) * DAY);
    } else if (customer.acquisition === null) {
      customer.acquisition = sampleInstant(rngPlans);
    }
  }

  const specialTraitAt = new Map<number, SimOrderTrait>();
  for (const owner of specialOwners) specialTraitAt.set(owner.special.at, owner.special.trait);

  for (const customer of ordering) {
    const acquisition = customer.acquisition as number;
    const specialTrait = specialTraitAt.get(acquisition);
    addPlan(customer, acquisition, specialTrait ? [specialTrait] : []);
    if (shape === "store") {
      planStoreRepeats(customer, acquisition);
      customer.loyal = customer.orders.length >= 5;
      continue;
    }
    // About a third of customers come back; a loyal minority keeps coming back quickly.
    if (!rngPlans.chance(customer.imported ? 0.5 : 0.27)) continue;
    customer.loyal = rngPlans.chance(0.18);
    const medianGapDays = customer.loyal ? 50 : 85;
    const keepGoing = customer.loyal ? 0.8 : 0.42;
    let previous = acquisition;
    for (let n = 2; n <= 10; n++) {
      const gap = Math.max(1.5, rngPlans.exponential(medianGapDays / Math.LN2)) * DAY;
      let at = previous + gap;
      if (at >= nowMs) break;
      at = at < shopCreatedAt ? at : instantNear(rngPlans, at);
      if (at <= previous || at >= nowMs) break;
      addPlan(customer, at, ["repeat"]);
      previous = at;
      if (!rngPlans.chance(keepGoing)) break;
    }
  }

  // Extra orders by existing customers and guests at the special instants.
  const byAcquisition = ordering.slice().sort((a, b) => (a.acquisition as number) - (b.acquisition as number));
  for (const owner of specialOwners) {
    if (owner.kind === "new") {
      if (!plans.some((p) => p.processedAt === owner.special.at)) addPlan(null, owner.special.at, ["guest", owner.special.trait]);
      continue;
    }
    if (owner.kind === "existing") {
      const eligible = byAcquisition.filter((c) => (c.acquisition as number) < owner.special.at - DAY);
      if (eligible.length > 0) {
        addPlan(rngPlans.pick(eligible), owner.special.at, ["repeat", owner.special.trait]);
        continue;
      }
    }
    addPlan(null, owner.special.at, ["guest", owner.special.trait]);
  }

  // Guest checkouts: ~12 % of all orders.
  const customerOrderCount = plans.filter((p) => p.customer !== null).length;
  const guestTarget = Math.round((customerOrderCount * 0.12) / 0.88) - plans.filter((p) => p.customer === null).length;
  for (let i = 0; i < guestTarget; i++) addPlan(null, sampleInstant(rngPlans), ["guest"]);

  // Test orders: ~1 %; some by real customers, a few of them before the customer's first real order.
  const testCount = Math.max(2, Math.round(plans.length * 0.01));
  for (let i = 0; i < testCount; i++) {
    let plan: OrderPlan;
    if (i % 5 < 2 && ordering.length > 0) {
      const customer = rngPlans.pick(ordering);
      const acquisition = customer.acquisition as number;
      const at =
        i % 5 === 0 ? Math.max(startMs + HOUR, acquisition - rngPlans.float(1, 10) * DAY) : Math.min(nowMs - MINUTE, acquisition + rngPlans.float(1, 30) * DAY);
      plan = addPlan(customer, Math.floor(at), ["test"]);
    } else {
      plan = addPlan(null, sampleInstant(rngPlans), ["test", "guest"]);
    }
    plan.test = true;
    if (plan.imported) {
      plan.imported = false;
      plan.traits.delete("imported");
      plan.processedAt = plan.createdAt = Math.max(plan.processedAt, startMs + HOUR);
    }
  }

  // Zero-value orders: a few, half by 100 % discount code, half only free products.
  const regular = plans.filter((p) => !p.test && !p.imported);
  const zeroCount = Math.min(regular.length, Math.max(3, Math.round(plans.length * 0.004)));
  for (const [i, plan] of rngPlans.shuffle(regular).slice(0, zeroCount).entries()) {
    plan.zeroKind = i % 2 === 0 ? "full-discount" : "free-product";
    plan.traits.add("zero-value");
    plan.traits.add(plan.zeroKind);
  }

  // --- Content of every order.
  const currencyAt = (ms: number): string =>
    options.currencyChange && ms >= Date.parse(options.currencyChange.at) ? options.currencyChange.to : baseCurrency;

  interface Draft {
    plan: OrderPlan;
    order: SimOrder;
  }
  const drafts: Draft[] = plans.map((plan) => ({
    plan,
    order: buildOrderDraft(
      {
        processedAt: plan.processedAt,
        createdAt: plan.createdAt,
        test: plan.test,
        imported: plan.imported,
        guest: plan.customer === null,
        firstOrder: plan.customer !== null && plan.customer.orders[0] === plan,
        zeroKind: plan.zeroKind,
        traits: [...plan.traits],
      },
      rngContent,
      currencyAt(plan.processedAt),
      domain,
    ),
  }));

  // --- Cancellations, refunds, closing, updates.
  const eligibleForAfterSale = drafts.filter((d) => !d.plan.test && !d.plan.imported && d.plan.zeroKind === null);
  const shuffled = rngAfter.shuffle(eligibleForAfterSale);
  const cancelCount = Math.max(1, Math.round(drafts.length * 0.02));
  const refundCount = Math.max(2, Math.round(drafts.length * 0.06));
  let cancelled = 0;
  let refunded = 0;
  for (const draft of shuffled) {
    const { order } = draft;
    const processed = Date.parse(order.processedAt);
    if (cancelled < cancelCount) {
      const cancelAt = processed + Math.min(3 * DAY, Math.max(10 * MINUTE, rngAfter.exponential(8 * HOUR)));
      if (cancelAt < nowMs - 2 * MINUTE) {
        cancelled++;
        order.cancelledAt = isoSeconds(cancelAt);
        order.cancelReason = rngAfter.weighted(["CUSTOMER", "INVENTORY", "FRAUD", "DECLINED", "OTHER"] as const, [50, 15, 15, 10, 10]);
        order.traits.push("cancelled");
        if (rngAfter.chance(0.85)) {
          addRefund(order, cancelAt + rngAfter.int(1, 90) * 1000, "full", rngAfter, "Order cancelled", "CANCEL");
        }
        continue;
      }
    }
    if (refunded < refundCount) {
      const delay = (1 + Math.min(38.5, rngAfter.exponential(9))) * DAY + rngAfter.int(0, 3600) * 1000;
      const at = processed + delay;
      if (at >= nowMs) continue;
      refunded++;
      const kind = rngAfter.chance(0.45) ? "full" : "partial";
      addRefund(order, at, kind, rngAfter, kind === "full" ? "Returned" : "Partial return", "RETURN");
      if (kind === "partial" && rngAfter.chance(0.25)) {
        const second = at + rngAfter.float(1, 20) * DAY;
        if (second < nowMs && second - processed <= 40 * DAY) addRefund(order, second, "partial", rngAfter, "Second return", "RETURN");
      }
    }
  }

  for (const { plan, order } of drafts) {
    const processed = Date.parse(order.processedAt);
    const created = Date.parse(order.createdAt);
    if (order.cancelledAt) order.closedAt = order.cancelledAt;
    else if (plan.imported) order.closedAt = order.createdAt;
    else if (order.sourceName === "pos") {
      const closeAt = processed + rngAfter.int(5, 90) * 1000;
      order.closedAt = closeAt < nowMs ? isoSeconds(closeAt) : null;
    } else {
      const closeAt = processed + rngAfter.float(1, 7) * DAY;
      order.closedAt = closeAt < nowMs ? isoSeconds(closeAt) : null;
    }
    if (order.refunds.length > 0) {
      order.traits.push(orderFinancialStatus(order) === "REFUNDED" ? "refunded" : "partially-refunded");
    }
    let latest = Math.max(created, processed);
    for (const at of [order.closedAt, order.cancelledAt]) if (at) latest = Math.max(latest, Date.parse(at));
    for (const refund of order.refunds) latest = Math.max(latest, Date.parse(refund.updatedAt), Date.parse(refund.processedAt));
    let updated = latest + rngAfter.int(0, 300) * 1000;
    if (rngAfter.chance(0.1)) {
      updated += rngAfter.float(1 / 24, 45) * DAY;
      order.traits.push("late-edit");
      order.tags = [...order.tags, "reviewed"];
    }
    order.updatedAt = isoSeconds(Math.max(latest, Math.min(updated, nowMs)));
  }

  // --- Ids, numbers, traits that depend on the calendar.
  const idOffset = (hashString(domain) % 997) * 1_000_000_000;
  let nextOrderId = 5_100_000_000_000 + idOffset;
  let nextLineItemId = 13_700_000_000_000 + idOffset;
  let nextRefundId = 910_000_000_000 + idOffset;
  let nextRefundLineItemId = 520_000_000_000 + idOffset;
  let nextShippingLineId = 4_300_000_000_000 + idOffset;
  let nextVisitId = 1_200_000_000 + idOffset / 1000;
  let nextCustomerId = 7_600_000_000_000 + idOffset;
  const bump = (): number => rngIds.int(1, 997);

  drafts.sort((a, b) => a.order.createdAt.localeCompare(b.order.createdAt) || a.plan.processedAt - b.plan.processedAt || a.plan.key - b.plan.key);
  const orders: SimOrder[] = [];
  let orderNumber = 1001;
  for (const { order } of drafts) {
    order.id = nextOrderId += bump();
    order.number = orderNumber++;
    order.name = `#${order.number}`;
    const lineIdByIndex = order.lineItems.map((line) => (line.id = nextLineItemId += rngIds.int(1, 7)));
    for (const refund of order.refunds) {
      for (const rli of refund.refundLineItems) rli.lineItemId = lineIdByIndex[rli.lineItemId];
    }
    if (order.shippingLine) order.shippingLine.id = nextShippingLineId += bump();
    if (order.firstVisit) order.firstVisit.id = nextVisitId += rngIds.int(1, 50);
    applyCalendarTraits(order, zone, days);
    orders.push(order);
  }
  const allRefunds = orders.flatMap((o) => o.refunds).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  for (const refund of allRefunds) {
    refund.id = nextRefundId += bump();
    for (const rli of refund.refundLineItems) rli.id = nextRefundLineItemId += rngIds.int(1, 5);
    if (refund.shipping) refund.shipping.id = nextRefundLineItemId += rngIds.int(1, 5);
  }

  // --- Customer records.
  const rngCustomers = root.fork("customers");
  for (const customer of customers) {
    const firstCreated = customer.orders.reduce((min, p) => Math.min(min, p.createdAt), Number.POSITIVE_INFINITY);
    if (customer.imported) customer.createdAt = importInstant - 60_000 + customer.index;
    else if (!Number.isFinite(firstCreated)) customer.createdAt = sampleInstant(rngCustomers);
    else if (rngCustomers.chance(0.28)) customer.createdAt = Math.max(shopCreatedAt, firstCreated - rngCustomers.float(1, 180) * DAY);
    else customer.createdAt = Math.max(shopCreatedAt, firstCreated - rngCustomers.int(5, 120) * 1000);
  }
  const customerRecords: SimCustomer[] = [];
  const sortedCustomers = customers.slice().sort((a, b) => a.createdAt - b.createdAt || a.index - b.index);
  for (const [i, customer] of sortedCustomers.entries()) {
    customer.id = nextCustomerId += bump();
    const lastOrderCreated = customer.orders.reduce((max, p) => Math.max(max, p.createdAt), customer.createdAt);
    let updated = lastOrderCreated + rngCustomers.int(0, 120) * 1000;
    if (rngCustomers.chance(0.1)) updated += rngCustomers.float(1 / 24, 60) * DAY;
    customerRecords.push({
      id: customer.id,
      createdAt: isoSeconds(customer.createdAt),
      updatedAt: isoSeconds(Math.min(Math.max(updated, customer.createdAt), nowMs)),
      firstName: "Sim",
      lastName: `Customer ${i + 1}`,
      email: `sim.customer${i + 1}@example.com`,
      phone: null,
      state: "ENABLED",
      tags: customer.imported ? ["imported"] : customer.loyal ? ["loyal"] : [],
    });
  }
  for (const { plan, order } of drafts) order.customerId = plan.customer ? plan.customer.id : null;

  const shopId = 60_000_000_000 + (hashString(`shop:${domain}`) % 9_000_000_000);
  const currencyChanges = options.currencyChange
    ? [{ at: isoSeconds(Date.parse(options.currencyChange.at)), from: baseCurrency, to: options.currencyChange.to }]
    : [];
  return {
    shop: {
      id: shopId,
      domain,
      name: options.name ?? "Metryka Demo Store",
      email: `owner@${domain.replace(/\.myshopify\.com$/, "")}.example.com`,
      ianaTimezone: zone,
      currencyCode: options.currencyChange?.to ?? baseCurrency,
      plan: options.plan ?? { publicDisplayName: "Grow", partnerDevelopment: false, shopifyPlus: false },
      createdAt: isoSeconds(shopCreatedAt),
      updatedAt: isoSeconds(Math.max(shopCreatedAt, Date.parse(options.currencyChange?.at ?? "1970-01-01T00:00:00Z"))),
      taxesIncluded: false,
      currencyChanges,
    },
    customers: customerRecords,
    orders,
    deletedOrders: [],
    sequences: {
      order: nextOrderId + 1000,
      orderNumber,
      customer: nextCustomerId + 1000,
      lineItem: nextLineItemId + 1000,
      refund: nextRefundId + 1000,
      refundLineItem: nextRefundLineItemId + 1000,
      shippingLine: nextShippingLineId + 1000,
      visit: nextVisitId + 1000,
    },
    generatedWith: { seed: options.seed, start: isoSeconds(startMs), now: isoSeconds(nowMs), customers: customerCount },
  };
}

interface LocalCalendar {
  /** Length of the local day in hours (23 or 25 on DST-change days). */
  hoursInDay: number;
  day: number;
  daysInMonth: number;
  hour: number;
}

function localCalendar(ms: number, zone: string, days?: readonly DayInfo[]): LocalCalendar {
  const index = days ? dayIndexOf(days, ms) : -1;
  if (days && index >= 0 && days[index].end - days[index].start === DAY) {
    const d = days[index];
    return { hoursInDay: 24, day: d.local.day, daysInMonth: d.local.daysInMonth ?? 31, hour: Math.floor((ms - d.start) / HOUR) };
  }
  const local = DateTime.fromMillis(ms, { zone });
  const dayStart = local.startOf("day");
  return {
    hoursInDay: dayStart.plus({ days: 1 }).startOf("day").diff(dayStart, "hours").hours,
    day: local.day,
    daysInMonth: local.daysInMonth ?? 31,
    hour: local.hour,
  };
}

/** Traits that follow from the local calendar: DST-change day, last/first local hour of a month. */
export function addCalendarTraits(order: SimOrder, zone: string): void {
  applyCalendarTraits(order, zone);
}

function applyCalendarTraits(order: SimOrder, zone: string, days?: readonly DayInfo[]): void {
  const local = localCalendar(Date.parse(order.processedAt), zone, days);
  const hours = local.hoursInDay;
  const add = (trait: SimOrderTrait): void => {
    if (!order.traits.includes(trait)) order.traits.push(trait);
  };
  const remove = (trait: SimOrderTrait): void => {
    order.traits = order.traits.filter((t) => t !== trait);
  };
  if (hours !== 24) add("dst-day");
  else remove("dst-day");
  if (local.day === local.daysInMonth && local.hour === 23) add("month-end");
  else remove("month-end");
  if (local.day === 1 && local.hour === 0) add("month-start");
  else remove("month-start");
}

// ---------------------------------------------------------------------------------------------
// Order content

/** What the content generator needs to know about an order it fills in. */
export interface OrderDraftInput {
  processedAt: number;
  createdAt: number;
  test: boolean;
  imported: boolean;
  guest: boolean;
  /** The customer's first order (welcome discounts are likelier). */
  firstOrder: boolean;
  zeroKind: "full-discount" | "free-product" | null;
  traits: SimOrderTrait[];
}

/**
 * Fills in an order (lines, discounts, shipping, tax, first visit) with temporary ids: line ids are
 * indexes, every other id 0. `generateStore` and the mutations assign real ids.
 */
export function buildOrderDraft(plan: OrderDraftInput, rng: Random, currency: string, domain: string): SimOrder {
  const traits: SimOrderTrait[] = [...plan.traits];
  if (plan.guest && !traits.includes("guest")) traits.push("guest");
  const sourceName = plan.test
    ? "web"
    : rng.weighted(["web", "pos", "shopify_draft_order", "iphone"], [85, 8, 4, 3]);

  // Lines (temporary ids: index in the order; real ids are assigned once orders are sorted).
  const lines: SimLineItem[] = [];
  if (plan.zeroKind === "free-product") {
    lines.push(makeLine(FREE_PRODUCT, PRODUCTS.length, rng.int(1, 2), currency));
  } else {
    const count = rng.weighted([1, 2, 3, 4], [55, 28, 12, 5]);
    const chosen = new Set<number>();
    while (chosen.size < count) chosen.add(rng.weighted(PRODUCTS.map((_, i) => i), PRODUCT_WEIGHTS));
    for (const productIndex of chosen) {
      lines.push(makeLine(PRODUCTS[productIndex], productIndex, rng.weighted([1, 2, 3], [80, 15, 5]), currency));
    }
  }
  lines.forEach((line, i) => (line.id = i));

  // Line-level automatic discounts.
  if (plan.zeroKind === null) {
    for (const line of lines) {
      if (rng.chance(0.06)) line.lineDiscount = Math.round((line.unitPrice * line.quantity * rng.pick([10, 15, 20, 25, 30])) / 100);
    }
  }

  // Order-level discount.
  let discountCode: string | null = null;
  let orderDiscount = 0;
  const afterLine = lines.map((l) => l.unitPrice * l.quantity - l.lineDiscount);
  const afterLineSum = afterLine.reduce((a, b) => a + b, 0);
  if (plan.zeroKind === "full-discount") {
    discountCode = "STAFF100";
    orderDiscount = afterLineSum;
  } else if (plan.zeroKind === null && afterLineSum > 0) {
    const processed = new Date(plan.processedAt);
    const isFirst = plan.firstOrder;
    if (processed.getUTCMonth() === 10 && processed.getUTCDate() >= 20 && rng.chance(0.45)) {
      discountCode = "BFCM25";
      orderDiscount = Math.round(afterLineSum * 0.25);
    } else if (rng.chance(isFirst ? 0.22 : 0.12)) {
      const pick = rng.weighted(["WELCOME10", "SAVE15", "TAKE10"], [isFirst ? 60 : 10, 45, 45]);
      discountCode = pick;
      orderDiscount =
        pick === "WELCOME10"
          ? Math.round(afterLineSum * 0.1)
          : pick === "SAVE15"
            ? Math.round(afterLineSum * 0.15)
            : Math.min(afterLineSum, priceIn(1000, currency));
    }
  }
  allocate(orderDiscount, afterLine).forEach((share, i) => (lines[i].orderDiscountAllocation = share));

  // Shipping and tax (tax-exclusive prices).
  const net = afterLineSum - orderDiscount;
  const taxRate = net === 0 ? 0 : rng.weighted(TAX_RATES, TAX_WEIGHTS);
  for (const line of lines) line.tax = Math.round((line.unitPrice * line.quantity - line.lineDiscount - line.orderDiscountAllocation) * taxRate);
  let shippingLine: SimShippingLine | null = null;
  if (sourceName !== "pos") {
    let title: string;
    let price: Minor;
    if (plan.zeroKind !== null || net >= priceIn(7500, currency)) {
      title = "Free Shipping";
      price = 0;
    } else if (rng.chance(0.7)) {
      title = "Standard";
      price = priceIn(599, currency);
    } else {
      title = "Express";
      price = priceIn(1299, currency);
    }
    const taxed = price > 0 && rng.chance(0.5);
    shippingLine = { id: 0, title, code: title.toUpperCase().replace(/\s+/g, "_"), price, tax: taxed ? Math.round(price * taxRate) : 0 };
  }

  let firstVisit: SimVisit | null = null;
  if (!plan.test && sourceName === "web" && rng.chance(0.65)) {
    const source = rng.weighted(SOURCES, SOURCE_WEIGHTS);
    const occurredAt = plan.processedAt - Math.floor(rng.exponential(2 * DAY));
    firstVisit = {
      id: 0,
      occurredAt: isoSeconds(occurredAt),
      source: source.source,
      sourceType: source.type,
      landingPage: `https://${domain}/products/${slug(lines[0].title)}`,
      referrerUrl: source.referrer,
      utm: source.utm ? { source: source.source, medium: source.type === "NEWSLETTER" ? "email" : "social", campaign: rng.pick(["spring", "bfcm", "evergreen", "launch"]) } : null,
    };
  }

  const processedAt = isoSeconds(plan.processedAt);
  return {
    id: 0,
    number: 0,
    name: "",
    createdAt: isoSeconds(plan.createdAt),
    updatedAt: processedAt,
    processedAt,
    cancelledAt: null,
    cancelReason: null,
    closedAt: null,
    test: plan.test,
    currencyCode: currency,
    presentmentCurrencyCode: currency,
    taxesIncluded: false,
    sourceName,
    customerId: null,
    lineItems: lines,
    orderDiscount,
    discountCode,
    shippingLine,
    taxRate,
    refunds: [],
    firstVisit,
    tags: plan.imported ? ["imported"] : [],
    traits,
  };
}

function makeLine(product: readonly [string, number], productIndex: number, quantity: number, currency: string): SimLineItem {
  return {
    id: 0,
    productId: 8_800_000_000 + productIndex * 137,
    variantId: 44_000_000_000 + productIndex * 211,
    title: product[0],
    sku: `SIM-${String(productIndex + 1).padStart(3, "0")}`,
    quantity,
    unitPrice: priceIn(product[1], currency),
    lineDiscount: 0,
    orderDiscountAllocation: 0,
    tax: 0,
  };
}

/** Splits `amount` over `weights` proportionally; the rounding remainder goes to the largest weight. */
function allocate(amount: Minor, weights: readonly Minor[]): Minor[] {
  const total = weights.reduce((a, b) => a + b, 0);
  if (amount === 0 || total === 0) return weights.map(() => 0);
  const shares = weights.map((w) => Math.floor((amount * w) / total));
  const remainder = amount - shares.reduce((a, b) => a + b, 0);
  let largest = 0;
  weights.forEach((w, i) => {
    if (w > weights[largest]) largest = i;
  });
  shares[largest] += remainder;
  return shares;
}

function slug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

/**
 * Adds a refund to `order` at `atMs`. "full" refunds every remaining unit and the shipping;
 * "partial" refunds part of one line. Line ids are still indexes here (generation time) or real ids
 * (mutations after generation): both work because lookups go through `order.lineItems`.
 */
export function addRefund(
  order: SimOrder,
  atMs: number,
  kind: "full" | "partial",
  rng: Random,
  note: string | null,
  restockType: SimRefundLineItem["restockType"],
): SimRefund | null {
  const remaining = order.lineItems.map((line) => {
    let refunded = 0;
    for (const r of order.refunds) for (const rli of r.refundLineItems) if (rli.lineItemId === line.id) refunded += rli.quantity;
    return { line, refunded, left: line.quantity - refunded };
  });
  const open = remaining.filter((r) => r.left > 0);
  if (open.length === 0) return null;
  const picks: Array<{ line: SimLineItem; refunded: number; units: number }> =
    kind === "full"
      ? open.map((r) => ({ line: r.line, refunded: r.refunded, units: r.left }))
      : (() => {
          const r = rng.pick(open);
          return [{ line: r.line, refunded: r.refunded, units: r.left > 1 ? rng.int(1, r.left - 1) : 1 }];
        })();
  const refundLineItems: SimRefundLineItem[] = picks.map(({ line, refunded, units }) => {
    const net = line.unitPrice * line.quantity - line.lineDiscount - line.orderDiscountAllocation;
    return {
      id: 0,
      lineItemId: line.id,
      quantity: units,
      subtotal: proportionalShare(net, line.quantity, refunded, units),
      tax: proportionalShare(line.tax, line.quantity, refunded, units),
      restockType,
    };
  });
  const shippingAlreadyRefunded = order.refunds.some((r) => r.shipping !== null);
  const shipping =
    kind === "full" && order.shippingLine && order.shippingLine.price > 0 && !shippingAlreadyRefunded
      ? { id: 0, subtotal: order.shippingLine.price, tax: order.shippingLine.tax }
      : null;
  const at = isoSeconds(atMs);
  const refund: SimRefund = {
    id: 0,
    createdAt: at,
    processedAt: at,
    updatedAt: at,
    note,
    refundLineItems,
    shipping,
  };
  order.refunds.push(refund);
  return refund;
}
