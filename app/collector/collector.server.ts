// The collector: where each shop's web pixel posts its events (POST /collect/<shop domain>).
// It is public, so it defends itself, cheapest check first, and stores nothing of a batch it
// refuses:
//   405  another method than POST (OPTIONS answers CORS preflights);
//   404  a shop that is not installed or has no pixel key (looked up once per 10 s per shop);
//   403  a request from an origin that is not one of the shop's storefronts;
//   413  a body over MAX_COLLECT_BODY_BYTES (on its Content-Length, before reading it, or as
//        soon as the running count passes it), or more than MAX_BATCH_EVENTS events;
//   400  a body that is not the batch's JSON, or any event malformed, unknown, future-dated or
//        older than MAX_EVENT_AGE_MS;
//   401  a key that is not the shop's pixel key;
//   429  more events than the shop's or one visitor's rate allows (token buckets).
// An accepted batch is answered once its events are committed to the intake (intake.server.ts),
// from which a drain moves them into `pixel_events`, each event id once per shop: a replayed
// batch stores nothing new. No IP address, no user agent, no personal data is kept: the visitor
// id is a hash of the pixel's client id with the shop's salt of the event's UTC day
// (visitors.server.ts), and events carry only the context the breakdowns need.
//
// It answers on Node's own request and response, ahead of Express and Remix
// (server/http-server.ts → app/lean-routes.server.ts): the page stack costs more than the work.
import crypto from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
// zod 4 (shipped inside the zod package as `zod/v4`) compiles each object schema once: it checks
// an event about five times faster than zod 3, and the collector checks every event it takes.
import { z } from "zod/v4";
import { sqlPool } from "#app/db-pool.server";
import { PIXEL_EVENTS } from "#app/metrics/conversion";
import { readBodyWithin } from "#app/request-body.server";
import { writeIntake, type EventRow } from "./intake.server";
import { TokenBuckets } from "./rate-limit";
import { visitorIds } from "./visitors.server";

export const COLLECT_PATH = "/collect/";
/** A batch of 50 events with their context is about 15 KiB; four times that is refused. */
export const MAX_COLLECT_BODY_BYTES = 64 * 1024;
export const MAX_BATCH_EVENTS = 50;
/** An event dated later than now plus this (clocks drift) is refused. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;
/** An event older than this is refused: its day's salt is gone, and sessions are cut at midnight. */
export const MAX_EVENT_AGE_MS = 24 * 60 * 60_000;

/** Events per second (sustained) and at once (burst), per shop and per visitor. */
export interface CollectorLimits {
  shopRate: number;
  shopBurst: number;
  visitorRate: number;
  visitorBurst: number;
}

// A storefront sends a few events a second per visitor at most; a shop's busiest moments (a
// launch, a sale) stay well under thousands of events a second.
export const DEFAULT_COLLECTOR_LIMITS: CollectorLimits = { shopRate: 5_000, shopBurst: 20_000, visitorRate: 5, visitorBurst: 60 };

/** Wire names the pixel sends → names stored (a newsletter sign-up form is `form_submitted`). */
const WIRE_NAMES: Record<string, string> = {
  page_viewed: "page_viewed",
  product_added_to_cart: PIXEL_EVENTS.addToCart,
  checkout_started: PIXEL_EVENTS.checkoutStarted,
  checkout_completed: PIXEL_EVENTS.checkoutCompleted,
  form_submitted: PIXEL_EVENTS.signUp,
};

const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]{0,60}\.myshopify\.com$/;
// Free text that could carry an address or a query string is refused, not cleaned up.
const label = z.string().min(1).max(100).regex(/^[^@\s?#&=]+$/, "must be a plain label");

const EventSchema = z.strictObject({
  id: z.string().min(1).max(128).regex(/^[\w.:-]+$/, "must be an event id"),
  name: z.enum(Object.keys(WIRE_NAMES) as [string, ...string[]]),
  at: z.iso.datetime({ offset: true }),
  clientId: z.string().min(1).max(128),
  path: z.string().max(512).regex(/^\/[^?#\s@]*$/, "must be a path without query").optional(),
  referrer: z.string().max(253).regex(/^[a-z0-9.-]+$/, "must be a host name").optional(),
  utm: z.strictObject({ source: label.optional(), medium: label.optional(), campaign: label.optional() }).optional(),
  device: z.enum(["desktop", "mobile", "tablet"]).optional(),
});

export type WireEvent = z.infer<typeof EventSchema>;

const BatchSchema = z.strictObject({ key: z.string().min(1).max(200), events: z.array(z.unknown()) });

interface PixelConfig {
  key: Buffer;
  origins: Set<string>;
}

const CONFIG_TTL_MS = 10_000;

export interface CollectorOptions {
  limits?: Partial<CollectorLimits>;
  now?: () => number;
}

export type CollectorHandler = (req: IncomingMessage, res: ServerResponse, shop: string) => Promise<void>;

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": status === 200 ? "application/json" : "text/plain; charset=utf-8", "Cache-Control": "no-store", ...headers });
  res.end(body);
}

const MAX_WRITE_ROWS = 1_000;
const WRITES_IN_FLIGHT = 2;

/**
 * Writes batches of concurrent requests together: while WRITES_IN_FLIGHT writes run, the batches
 * that arrive wait and go in the next one (at most MAX_WRITE_ROWS events). Each request is
 * answered once its events are committed to the intake; one statement per several requests
 * costs PostgreSQL far less than one each.
 */
function createEventWriter() {
  let waiting: Array<{ rows: EventRow[]; resolve: () => void; reject: (error: unknown) => void }> = [];
  let inFlight = 0;

  async function flush(): Promise<void> {
    if (inFlight >= WRITES_IN_FLIGHT || waiting.length === 0) return;
    const taken: typeof waiting = [];
    let size = 0;
    while (waiting.length > 0 && (taken.length === 0 || size + waiting[0].rows.length <= MAX_WRITE_ROWS)) {
      const next = waiting.shift()!;
      taken.push(next);
      size += next.rows.length;
    }
    inFlight++;
    try {
      await writeIntake(taken.length === 1 ? taken[0].rows : taken.flatMap((t) => t.rows));
      for (const t of taken) t.resolve();
    } catch (error) {
      for (const t of taken) t.reject(error);
    } finally {
      inFlight--;
      void flush();
    }
  }

  return {
    write(rows: EventRow[]): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ rows, resolve, reject });
        void flush();
      });
    },
  };
}

/** A collector with its own caches and rate buckets (one per process serves every shop). */
export function createCollector(options: CollectorOptions = {}): CollectorHandler {
  const limits = { ...DEFAULT_COLLECTOR_LIMITS, ...options.limits };
  const now = options.now ?? Date.now;
  const shopBuckets = new TokenBuckets(limits.shopRate, limits.shopBurst, now);
  const visitorBuckets = new TokenBuckets(limits.visitorRate, limits.visitorBurst, now);
  const configs = new Map<string, { expires: number; config: PixelConfig | null }>();
  const writer = createEventWriter();

  async function pixelConfig(shop: string): Promise<PixelConfig | null> {
    const cached = configs.get(shop);
    if (cached && cached.expires > now()) return cached.config;
    const { rows } = await sqlPool().query<{ key: string; origins: string[] }>(
      `SELECT p.key, p.origins FROM pixel_settings p JOIN shops s ON s.domain = p.shop
       WHERE p.shop = $1 AND s.installed_at IS NOT NULL AND s.uninstalled_at IS NULL`,
      [shop],
    );
    const row = rows[0];
    const config = row ? { key: Buffer.from(row.key), origins: new Set([`https://${shop}`, ...row.origins]) } : null;
    if (configs.size > 50_000) configs.clear();
    configs.set(shop, { expires: now() + CONFIG_TTL_MS, config });
    return config;
  }

  return async function collect(req, res, shop) {
    const origin = req.headers.origin;
    if (req.method !== "POST" && req.method !== "OPTIONS") return send(res, 405, "The collector takes POST", { Allow: "POST, OPTIONS" });
    if (!SHOP_DOMAIN.test(shop)) return send(res, 404, "Unknown shop");
    let config: PixelConfig | null;
    try {
      config = await pixelConfig(shop);
    } catch {
      return send(res, 503, "Please retry", { "Retry-After": "5" });
    }
    if (!config) return send(res, 404, "Unknown shop");
    if (typeof origin !== "string" || !config.origins.has(origin)) return send(res, 403, "Origin not allowed");
    const cors = { "Access-Control-Allow-Origin": origin, Vary: "Origin" };
    if (req.method === "OPTIONS") {
      return send(res, 204, "", { ...cors, "Access-Control-Allow-Methods": "POST", "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "86400" });
    }
    const tooLarge = () => send(res, 413, `Bodies are at most ${MAX_COLLECT_BODY_BYTES} bytes`, { ...cors, Connection: "close" });
    const body = await readBodyWithin(req, MAX_COLLECT_BODY_BYTES);
    if (!body) return tooLarge();

    let batch: z.infer<typeof BatchSchema>;
    try {
      const parsed = BatchSchema.safeParse(JSON.parse(body.toString("utf8")));
      if (!parsed.success) return send(res, 400, "The body must be {key, events}", cors);
      batch = parsed.data;
    } catch {
      return send(res, 400, "Malformed JSON body", cors);
    }
    const key = Buffer.from(batch.key);
    if (key.length !== config.key.length || !crypto.timingSafeEqual(key, config.key)) return send(res, 401, "Wrong pixel key", cors);
    if (batch.events.length > MAX_BATCH_EVENTS) return send(res, 413, `At most ${MAX_BATCH_EVENTS} events per batch`, cors);
    if (batch.events.length === 0) return send(res, 200, `{"received":0}`, cors);

    const events: WireEvent[] = [];
    const times: number[] = [];
    const at = now();
    for (let i = 0; i < batch.events.length; i++) {
      const parsed = EventSchema.safeParse(batch.events[i]);
      if (!parsed.success) return send(res, 400, `Event ${i} is malformed: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message}`, cors);
      const time = Date.parse(parsed.data.at);
      if (time > at + FUTURE_TOLERANCE_MS) return send(res, 400, `Event ${i} is dated in the future`, cors);
      if (time < at - MAX_EVENT_AGE_MS) return send(res, 400, `Event ${i} is too old`, cors);
      events.push(parsed.data);
      times.push(time);
    }

    let visitors: string[];
    try {
      visitors = await visitorIds(shop, events.map((e, i) => ({ clientId: e.clientId, at: times[i] })));
    } catch {
      return send(res, 503, "Please retry", { ...cors, "Retry-After": "5" });
    }
    // Rates: the whole batch or nothing, so a refused batch costs no one their allowance. A
    // visitor id is already a hash with the shop's own salt: it keys its bucket as it is.
    const perVisitor = new Map<string, number>();
    for (const visitor of visitors) perVisitor.set(visitor, (perVisitor.get(visitor) ?? 0) + 1);
    if (!shopBuckets.has(shop, events.length)) return send(res, 429, "Too many events for this shop", { ...cors, "Retry-After": "1" });
    if (!visitorBuckets.takeAll(perVisitor)) return send(res, 429, "Too many events from this visitor", { ...cors, "Retry-After": "1" });
    shopBuckets.take(shop, events.length);

    try {
      await writer.write(
        events.map((e, i) => ({
          s: shop,
          i: e.id,
          v: visitors[i],
          n: WIRE_NAMES[e.name],
          t: e.at,
          p: e.path ?? null,
          r: e.referrer ?? null,
          us: e.utm?.source ?? null,
          um: e.utm?.medium ?? null,
          uc: e.utm?.campaign ?? null,
          d: e.device ?? null,
        })),
      );
      return send(res, 200, `{"received":${events.length}}`, cors);
    } catch {
      return send(res, 503, "Could not store the events; please retry", { ...cors, "Retry-After": "5" });
    }
  };
}
