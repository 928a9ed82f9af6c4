/**
 * `shopifyqlQuery` for the one query shape Metryka sends: daily session funnel figures from the
 * `sessions` dataset, optionally split by one dimension.
 *
 *   FROM sessions SHOW sessions, sessions_with_cart_additions, sessions_that_reached_checkout,
 *     sessions_that_completed_checkout [GROUP BY <dimension>] TIMESERIES day
 *     SINCE yyyy-mm-dd UNTIL yyyy-mm-dd ORDER BY day ASC[, <dimension> ASC] LIMIT n [OFFSET m]
 *
 * Anything else is answered with `parseErrors` and no table, as Shopify does for a query it
 * cannot parse. Days are the shop's local days; SINCE and UNTIL are inclusive; TIMESERIES lists
 * every day of the range (zero-filled); rows are objects keyed by column name with string values.
 *
 * The figures follow the store's orders: on each local day, sessions that completed checkout
 * are at most the day's orders (a session may place two), and each step of the funnel holds at
 * most the one before it. Split by a dimension, the values of a day add up exactly to its
 * totals, and every value's funnel is monotone too. Everything is a pure function of the store
 * (no randomness between calls), so a test can compute what to expect with `sessionFigures`.
 */
import { GraphQLError } from "graphql";
import { DateTime } from "luxon";
import { hashString } from "./random";
import type { SimStore } from "./types";

export const FUNNEL_COLUMNS = [
  "sessions",
  "sessions_with_cart_additions",
  "sessions_that_reached_checkout",
  "sessions_that_completed_checkout",
] as const;

/** The dimensions the simulator can group by, with the values it splits a day into. */
export const SESSION_DIMENSIONS: Record<string, readonly string[]> = {
  referrer_source: ["direct", "search", "social", "email", "unknown"],
  session_device_type: ["mobile", "desktop", "tablet"],
  landing_page_path: ["/", "/collections/all", "/products/linen-shirt", "/products/wool-socks", "/products/canvas-tote", "/pages/about", "/blogs/news"],
};

export interface DayFigures {
  sessions: number;
  sessions_with_cart_additions: number;
  sessions_that_reached_checkout: number;
  sessions_that_completed_checkout: number;
}

const figuresCache = new WeakMap<SimStore, { orders: number; zone: string; perDay: Map<string, number> }>();

/** Non-test orders per shop-local day (cached until the store's orders or zone change). */
function ordersPerDay(store: SimStore): Map<string, number> {
  const cached = figuresCache.get(store);
  if (cached && cached.orders === store.orders.length && cached.zone === store.shop.ianaTimezone) return cached.perDay;
  const perDay = new Map<string, number>();
  for (const order of store.orders) {
    if (order.test) continue;
    const day = DateTime.fromISO(order.processedAt, { zone: store.shop.ianaTimezone }).toISODate()!;
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
  }
  figuresCache.set(store, { orders: store.orders.length, zone: store.shop.ianaTimezone, perDay });
  return perDay;
}

const draw = (store: SimStore, day: string, what: string, modulo: number) => hashString(`${store.shop.domain}|${day}|${what}`) % modulo;

/** The shop's session funnel on one local day. */
export function sessionFigures(store: SimStore, day: string): DayFigures {
  const orders = ordersPerDay(store).get(day) ?? 0;
  // A few sessions place two orders: completed sessions stay at or below the day's orders.
  const completed = orders - Math.floor(orders * (draw(store, day, "double", 10) / 100));
  const checkout = completed + Math.ceil(completed * 0.6) + draw(store, day, "checkout", 4);
  const cart = checkout + Math.ceil(checkout * 0.8) + draw(store, day, "cart", 6);
  const sessions = cart + cart * 5 + 20 + draw(store, day, "sessions", 40);
  return {
    sessions,
    sessions_with_cart_additions: cart,
    sessions_that_reached_checkout: checkout,
    sessions_that_completed_checkout: completed,
  };
}

/**
 * `total` split over `weights` by systematic sampling from `offset` (in [0, 1)): each part is its
 * exact share rounded down or up, the parts add up to `total`, and over offsets each part averages
 * its exact share. (Largest remainders would round a small weight down every day: on a store
 * with an order a day, one value would take every order.)
 */
function split(total: number, weights: number[], offset: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  let cumulative = 0;
  let taken = 0;
  return weights.map((weight, i) => {
    cumulative += (total * weight) / sum;
    const through = i === weights.length - 1 ? total : Math.min(total, Math.floor(cumulative + offset));
    const part = through - taken;
    taken = through;
    return part;
  });
}

/**
 * Each value's usual share of a day's sessions, and how well its sessions convert against the
 * store's average, as on a real store: most sessions on phones, more orders per session on a
 * desktop; search and direct visits the most, email ones converting best and social ones worst;
 * product pages converting better than the blog. A value not listed gets an equal share.
 */
const MIX: Record<string, Record<string, { share: number; converts: number }>> = {
  referrer_source: {
    direct: { share: 30, converts: 1.3 },
    search: { share: 33, converts: 1.1 },
    social: { share: 20, converts: 0.6 },
    email: { share: 9, converts: 1.6 },
    unknown: { share: 8, converts: 0.9 },
  },
  session_device_type: {
    mobile: { share: 60, converts: 0.8 },
    desktop: { share: 32, converts: 1.5 },
    tablet: { share: 8, converts: 1 },
  },
  landing_page_path: {
    "/": { share: 34, converts: 1 },
    "/collections/all": { share: 18, converts: 1.1 },
    "/products/linen-shirt": { share: 12, converts: 1.4 },
    "/products/wool-socks": { share: 10, converts: 1.4 },
    "/products/canvas-tote": { share: 9, converts: 1.4 },
    "/pages/about": { share: 7, converts: 0.5 },
    "/blogs/news": { share: 10, converts: 0.4 },
  },
};

/**
 * One day's funnel split by a dimension's values: each step's increment over the next is split
 * on its own, so every value's funnel is monotone and the values add up to the day's totals.
 * The sessions and carts follow each value's share (MIX), give or take 15 % a day; the
 * checkouts follow that share times how well the value converts.
 */
export function sessionFiguresBy(store: SimStore, day: string, dimension: string): Array<{ value: string } & DayFigures> {
  const values = SESSION_DIMENSIONS[dimension];
  const total = sessionFigures(store, day);
  const mix = values.map((value) => MIX[dimension]?.[value] ?? { share: 1, converts: 1 });
  const reach = values.map((value, i) => mix[i].share * (0.85 + draw(store, day, `${dimension}=${value}`, 301) / 1000));
  const buying = reach.map((weight, i) => weight * mix[i].converts);
  const offset = (step: string) => draw(store, day, `${dimension}|${step}`, 1000) / 1000;
  const completed = split(total.sessions_that_completed_checkout, buying, offset("completed"));
  const checkout = split(total.sessions_that_reached_checkout - total.sessions_that_completed_checkout, buying, offset("checkout"));
  const cart = split(total.sessions_with_cart_additions - total.sessions_that_reached_checkout, reach, offset("cart"));
  const rest = split(total.sessions - total.sessions_with_cart_additions, reach, offset("rest"));
  return values.map((value, i) => {
    const c = completed[i];
    const k = c + checkout[i];
    const a = k + cart[i];
    return { value, sessions: a + rest[i], sessions_with_cart_additions: a, sessions_that_reached_checkout: k, sessions_that_completed_checkout: c };
  });
}

export interface ShopifyqlResponse {
  parseErrors: string[];
  parseWarnings: string[];
  analyticsTargets: unknown[];
  tableData: {
    columns: Array<{ name: string; dataType: string; displayName: string; columnOrigin: string; subType: null; shortDisplayName: null; dynamicColumnMetadata: null }>;
    rowMetadata: unknown[];
    rows: Array<Record<string, string>>;
  } | null;
}

const DATE = String.raw`(\d{4}-\d{2}-\d{2})`;
const QUERY_SHAPE = new RegExp(
  String.raw`^FROM\s+sessions\s+SHOW\s+([a-z_,\s]+?)\s+(?:GROUP\s+BY\s+([a-z_]+)\s+)?TIMESERIES\s+day\s+SINCE\s+${DATE}\s+UNTIL\s+${DATE}` +
    String.raw`\s+ORDER\s+BY\s+day\s+ASC(?:\s*,\s*([a-z_]+)\s+ASC)?\s+LIMIT\s+(\d+)(?:\s+OFFSET\s+(\d+))?$`,
  "i",
);

const MAX_LIMIT = 1000;

function parseError(message: string): ShopifyqlResponse {
  return { parseErrors: [message], parseWarnings: [], analyticsTargets: [], tableData: null };
}

function column(name: string, dataType: string) {
  return {
    name,
    dataType,
    displayName: name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase()),
    columnOrigin: "REQUESTED",
    subType: null,
    shortDisplayName: null,
    dynamicColumnMetadata: null,
  };
}

/** Answers a ShopifyQL query against the store (parse errors for anything but the shape above). */
export function runShopifyql(store: SimStore, query: string): ShopifyqlResponse {
  const match = QUERY_SHAPE.exec(query.trim().replace(/\s+/g, " "));
  if (!match) return parseError(`Syntax error: the simulator understands only the daily sessions funnel query (got "${query.slice(0, 200)}")`);
  const [, show, groupBy, since, until, orderBy, limitText, offsetText] = match;
  const metrics = show.split(",").map((m) => m.trim()).filter(Boolean);
  const unknown = metrics.filter((m) => !(FUNNEL_COLUMNS as readonly string[]).includes(m));
  if (unknown.length > 0 || metrics.length === 0) return parseError(`Unknown metric(s) for sessions: ${unknown.join(", ") || "(none)"}`);
  if (groupBy && !SESSION_DIMENSIONS[groupBy]) return parseError(`Unknown dimension for sessions: ${groupBy}`);
  if (orderBy && orderBy !== groupBy) return parseError(`ORDER BY ${orderBy}: not a column of the query`);
  const from = DateTime.fromISO(since, { zone: "UTC" });
  const to = DateTime.fromISO(until, { zone: "UTC" });
  if (!from.isValid || !to.isValid) return parseError(`Invalid date in SINCE/UNTIL`);
  if (to < from) return parseError(`UNTIL is before SINCE`);
  const limit = Number(limitText);
  if (limit < 1 || limit > MAX_LIMIT) return parseError(`LIMIT must be between 1 and ${MAX_LIMIT}`);
  const offset = Number(offsetText ?? 0);

  const rows: Array<Record<string, string>> = [];
  for (let day = from; day <= to; day = day.plus({ days: 1 })) {
    const key = day.toISODate()!;
    const entries = groupBy ? sessionFiguresBy(store, key, groupBy) : [{ value: null, ...sessionFigures(store, key) }];
    for (const entry of entries) {
      const row: Record<string, string> = { day: key };
      if (groupBy) row[groupBy] = entry.value!;
      for (const metric of metrics) row[metric] = String(entry[metric as keyof DayFigures]);
      rows.push(row);
    }
  }
  return {
    parseErrors: [],
    parseWarnings: [],
    analyticsTargets: [],
    tableData: {
      columns: [column("day", "DAY_TIMESTAMP"), ...(groupBy ? [column(groupBy, "STRING")] : []), ...metrics.map((m) => column(m, "INTEGER"))],
      rowMetadata: [],
      rows: rows.slice(offset, offset + limit),
    },
  };
}

/** The resolver's checks: the scope (a top-level ACCESS_DENIED error), then a throttled window. */
export function shopifyqlField(store: SimStore, scopes: ReadonlySet<string>, nowMs: number, query: string): ShopifyqlResponse {
  if (!scopes.has("read_reports")) {
    throw new GraphQLError("Access denied for shopifyqlQuery field. Required access: `read_reports` access scope.", {
      extensions: { code: "ACCESS_DENIED", documentation: "https://shopify.dev/api/usage/access-scopes", requiredAccess: "`read_reports` access scope." },
    });
  }
  if (store.shopifyqlThrottledUntil && nowMs < Date.parse(store.shopifyqlThrottledUntil)) {
    throw new GraphQLError("Rate limited. Please retry later.", { extensions: { code: "THROTTLED" } });
  }
  return runShopifyql(store, query);
}
