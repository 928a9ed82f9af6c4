// Conversion: sessions and the checkout funnel (pure reference, and the report both
// implementations share). Two sources, never mixed in one report: Shopify's own daily session
// figures (ShopifyQL, match the admin) or sessions built from the app's web pixel events
// (consented visitors only, so they read lower than Shopify's).
import { ratio } from "./math";
import { assertOneOf, rangeBuckets, validateRange, type Bucket, type DateRange, type Granularity } from "./periods";
import { within } from "./rows";

export const SESSION_SOURCES = ["shopify", "pixel"] as const;
export type SessionSource = (typeof SESSION_SOURCES)[number];

/** Pixel event names the funnel reads (Shopify's standard events, plus the sign-up event). */
export const PIXEL_EVENTS = {
  addToCart: "product_added_to_cart",
  checkoutStarted: "checkout_started",
  checkoutCompleted: "checkout_completed",
  /** Stored by the pixel ingestion for a newsletter (email-marketing) sign-up form. */
  signUp: "email_subscribed",
} as const;

/** A session ends after a gap of more than 30 minutes… */
export const SESSION_GAP_MS = 30 * 60_000;

export interface PixelEvent {
  id: string;
  visitorId: string;
  name: string;
  occurredAt: Date;
}

export interface ShopifySessionDay {
  /** Shop-local date. */
  day: string;
  sessions: number;
  sessionsWithCartAdditions: number;
  sessionsReachedCheckout: number;
  sessionsCompletedCheckout: number;
}

export interface Session {
  visitorId: string;
  start: Date;
  addedToCart: boolean;
  reachedCheckout: boolean;
  completedCheckout: boolean;
  /** checkout_completed events in the session. */
  orders: number;
  signedUp: boolean;
}

/** Additive funnel counts for a span; orders and sign-ups are null when the source has none. */
export interface FunnelSums {
  sessions: number;
  sessionsWithCartAdditions: number;
  sessionsReachedCheckout: number;
  sessionsCompletedCheckout: number;
  orders: number | null;
  signUps: number | null;
}

export interface ConversionTotals {
  sessions: number | null;
  sessionsWithCartAdditions: number | null;
  sessionsReachedCheckout: number | null;
  sessionsCompletedCheckout: number | null;
  /** Sessions that completed checkout ÷ sessions (a session with two orders counts once). */
  conversionRate: number | null;
  /** Completed checkouts (pixel only). */
  orders: number | null;
  /** orders ÷ sessions: labelled "orders per session", never called a conversion rate. */
  ordersPerSession: number | null;
  /** Sessions with an email-marketing sign-up (pixel only). */
  signUps: number | null;
  /** signUps ÷ sessions. */
  signUpRate: number | null;
}

export interface ConversionSeriesPoint extends ConversionTotals {
  period: string;
  start: string;
  end: string;
  partial: boolean;
}

export interface ConversionReport {
  /** Where the sessions come from; null when the shop has no session data at all. */
  source: SessionSource | null;
  timeZone: string;
  range: DateRange;
  granularity: Granularity;
  now: string;
  totals: ConversionTotals;
  series: ConversionSeriesPoint[];
}

export interface ConversionQuery {
  range: DateRange;
  granularity: Granularity;
  /** Which source to read; by default Shopify's when the shop has any, else the pixel's. */
  source?: SessionSource | null;
}

export function validateConversionQuery(query: ConversionQuery): void {
  validateRange(query.range, query.granularity);
  if (query.source != null) assertOneOf("source", query.source, SESSION_SOURCES);
}

function utcDay(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

/**
 * Shopify's session rule over a visitor's events: a new session starts at the visitor's first
 * event, after a gap of more than 30 minutes, and at midnight UTC.
 */
export function sessionsFromEvents(events: PixelEvent[]): Session[] {
  const byVisitor = new Map<string, PixelEvent[]>();
  for (const event of events) {
    const list = byVisitor.get(event.visitorId) ?? [];
    list.push(event);
    byVisitor.set(event.visitorId, list);
  }
  const sessions: Session[] = [];
  for (const [visitorId, list] of byVisitor) {
    list.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
    let current: Session | null = null;
    let previous: Date | null = null;
    for (const event of list) {
      const startsNew =
        previous === null ||
        event.occurredAt.getTime() - previous.getTime() > SESSION_GAP_MS ||
        utcDay(event.occurredAt) !== utcDay(previous);
      if (startsNew || current === null) {
        current = {
          visitorId,
          start: event.occurredAt,
          addedToCart: false,
          reachedCheckout: false,
          completedCheckout: false,
          orders: 0,
          signedUp: false,
        };
        sessions.push(current);
      }
      if (event.name === PIXEL_EVENTS.addToCart) current.addedToCart = true;
      if (event.name === PIXEL_EVENTS.checkoutStarted) current.reachedCheckout = true;
      if (event.name === PIXEL_EVENTS.checkoutCompleted) {
        current.reachedCheckout = true;
        current.completedCheckout = true;
        current.orders += 1;
      }
      if (event.name === PIXEL_EVENTS.signUp) current.signedUp = true;
      previous = event.occurredAt;
    }
  }
  return sessions;
}

export function conversionTotals(sums: FunnelSums | null): ConversionTotals {
  if (sums === null) {
    return {
      sessions: null,
      sessionsWithCartAdditions: null,
      sessionsReachedCheckout: null,
      sessionsCompletedCheckout: null,
      conversionRate: null,
      orders: null,
      ordersPerSession: null,
      signUps: null,
      signUpRate: null,
    };
  }
  return {
    sessions: sums.sessions,
    sessionsWithCartAdditions: sums.sessionsWithCartAdditions,
    sessionsReachedCheckout: sums.sessionsReachedCheckout,
    sessionsCompletedCheckout: sums.sessionsCompletedCheckout,
    conversionRate: ratio(sums.sessionsCompletedCheckout, sums.sessions),
    orders: sums.orders,
    ordersPerSession: sums.orders === null ? null : ratio(sums.orders, sums.sessions),
    signUps: sums.signUps,
    signUpRate: sums.signUps === null ? null : ratio(sums.signUps, sums.sessions),
  };
}

export function emptyFunnel(source: SessionSource): FunnelSums {
  const perEvent = source === "pixel" ? 0 : null;
  return {
    sessions: 0,
    sessionsWithCartAdditions: 0,
    sessionsReachedCheckout: 0,
    sessionsCompletedCheckout: 0,
    orders: perEvent,
    signUps: perEvent,
  };
}

function addFunnel(into: FunnelSums, from: FunnelSums): void {
  into.sessions += from.sessions;
  into.sessionsWithCartAdditions += from.sessionsWithCartAdditions;
  into.sessionsReachedCheckout += from.sessionsReachedCheckout;
  into.sessionsCompletedCheckout += from.sessionsCompletedCheckout;
  if (into.orders !== null && from.orders !== null) into.orders += from.orders;
  if (into.signUps !== null && from.signUps !== null) into.signUps += from.signUps;
}

/** A point's funnel counts (a point of a source with data: none of them null but orders and sign-ups of Shopify's). */
function funnelOf(point: ConversionTotals): FunnelSums {
  return {
    sessions: point.sessions ?? 0,
    sessionsWithCartAdditions: point.sessionsWithCartAdditions ?? 0,
    sessionsReachedCheckout: point.sessionsReachedCheckout ?? 0,
    sessionsCompletedCheckout: point.sessionsCompletedCheckout ?? 0,
    orders: point.orders,
    signUps: point.signUps,
  };
}

/**
 * The funnel of each part (local dates `[from, to)`) of a report by day, summed from its days:
 * a session counts in the day of its first event (Shopify's figures are by day), so the days of
 * a part hold exactly its sessions. Null totals when the report's source has no data.
 */
export function conversionOfParts(byDay: ConversionReport, parts: DateRange[]): ConversionTotals[] {
  if (byDay.granularity !== "day") throw new Error(`conversionOfParts needs a report by day, not by ${byDay.granularity}`);
  const source = byDay.source;
  return parts.map(({ from, to }) => {
    if (source === null) return conversionTotals(null);
    const sums = emptyFunnel(source);
    for (const point of byDay.series) {
      if (point.period >= from && point.period < to) addFunnel(sums, funnelOf(point));
    }
    return conversionTotals(sums);
  });
}

export function conversionBuckets(query: ConversionQuery, context: { timeZone: string; now: Date }): Bucket[] {
  validateConversionQuery(query);
  return rangeBuckets(query.range, query.granularity, context);
}

/** Builds the report from per-bucket funnel sums (null source: the shop has no session data). */
export function assembleConversionReport(
  query: ConversionQuery,
  context: { timeZone: string; now: Date },
  source: SessionSource | null,
  buckets: Bucket[],
  sums: FunnelSums[] | null,
): ConversionReport {
  let total: FunnelSums | null = null;
  if (source !== null && sums !== null) {
    total = emptyFunnel(source);
    for (const bucketSums of sums) addFunnel(total, bucketSums);
  }
  return {
    source,
    timeZone: context.timeZone,
    range: { from: query.range.from, to: query.range.to },
    granularity: query.granularity,
    now: context.now.toISOString(),
    totals: conversionTotals(total),
    series: buckets.map((bucket, index) => ({
      period: bucket.period,
      start: bucket.start.toISOString(),
      end: bucket.end.toISOString(),
      partial: bucket.partial,
      ...conversionTotals(source !== null && sums !== null ? sums[index] : null),
    })),
  };
}

/** The source a report reads: the one asked for, else Shopify's when present, else the pixel's. */
export function chooseSource(
  asked: SessionSource | null | undefined,
  available: { shopify: boolean; pixel: boolean },
): { source: SessionSource | null; hasData: boolean } {
  if (asked) return { source: asked, hasData: available[asked] };
  if (available.shopify) return { source: "shopify", hasData: true };
  if (available.pixel) return { source: "pixel", hasData: true };
  return { source: null, hasData: false };
}

/**
 * Conversion report (reference implementation): per bucket, sessions (by their first event's
 * local time for the pixel, by day for Shopify's figures), the funnel, conversion rate, orders
 * per session and sign-up rate. Null values when the chosen source has no data for the shop.
 */
export function conversionReport(
  data: { events: PixelEvent[]; days: ShopifySessionDay[] },
  query: ConversionQuery,
  context: { timeZone: string; now: Date },
): ConversionReport {
  const buckets = conversionBuckets(query, context);
  const { source, hasData } = chooseSource(query.source, { shopify: data.days.length > 0, pixel: data.events.length > 0 });
  if (source === null || !hasData) return assembleConversionReport(query, context, source, buckets, null);
  if (source === "shopify") {
    const sums = buckets.map((bucket) => {
      const sum = emptyFunnel("shopify");
      for (const day of data.days) {
        if (day.day < bucket.fromDay || day.day >= bucket.toDay) continue;
        addFunnel(sum, { ...day, orders: null, signUps: null });
      }
      return sum;
    });
    return assembleConversionReport(query, context, source, buckets, sums);
  }
  const sessions = sessionsFromEvents(data.events);
  const sums = buckets.map((bucket) => {
    const sum = emptyFunnel("pixel");
    for (const session of sessions) {
      if (!within(session.start, bucket.start, bucket.end)) continue;
      sum.sessions += 1;
      if (session.addedToCart) sum.sessionsWithCartAdditions += 1;
      if (session.reachedCheckout) sum.sessionsReachedCheckout += 1;
      if (session.completedCheckout) sum.sessionsCompletedCheckout += 1;
      sum.orders = (sum.orders as number) + session.orders;
      if (session.signedUp) sum.signUps = (sum.signUps as number) + 1;
    }
    return sum;
  });
  return assembleConversionReport(query, context, source, buckets, sums);
}
