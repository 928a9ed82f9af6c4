/**
 * The local Shopify over HTTP (`node:http`). The app reaches it by rewriting
 * `https://<shop-domain>/<path>` to `<simulator url>/<shop-domain>/<path>`, so every Shopify route
 * here is prefixed by the shop domain:
 *
 *   POST /<shop>/admin/api/<version>/graphql.json   Admin GraphQL (X-Shopify-Access-Token)
 *   POST /<shop>/admin/oauth/access_token           code grant, token exchange, refresh, client credentials
 *   GET  /<shop>/admin/oauth/authorize              approves at once, redirects back with code + hmac
 *   GET  /health
 *   /_sim/...                                       control API for tests and the demo (JSON)
 *   GET  /_sim/app-bridge.js, /_sim/session-token   the admin stand-in's App Bridge and its session tokens
 *   GET  /_sim/bulk/<shop>/<id>.jsonl               a bulk operation's result file (`url`)
 *   GET  /_sim/bulk/<shop>/<id>.partial.jsonl       a failed bulk operation's partial data (`partialDataUrl`)
 *
 * Faults on demand (faults.ts; `SimulatorOptions.faults`, `SimulatorHandle.faults`, or over HTTP):
 *
 *   PUT    /_sim/faults   JSON FaultOptions, replaces the faults (and restarts the draws and counts);
 *                         400 with a message and nothing changed if invalid
 *   DELETE /_sim/faults   no faults any more (the counts stay readable)
 *   GET    /_sim/faults   { options, counts }; PUT and DELETE answer the same
 *
 *   throttleRate       share of Admin GraphQL requests answered THROTTLED (HTTP 200, Shopify's error
 *                      and `extensions.cost` with throttleStatus) without running them
 *   serverErrorRate    share answered HTTP 503 `{"errors":"Service Unavailable"}`, not run either
 *   seed               of the draws deciding which requests fail (same seed, same sequence)
 *   slowMs             added before every Admin GraphQL answer
 *   failBulkOperations the next N bulk operations end FAILED (INTERNAL_SERVER_ERROR), url null,
 *                      partialDataUrl serving the first half of their lines; the webhook says failed
 *   slowDownloadMs     bulk files are sent in ~16 KiB chunks, each after a pause of this many ms
 *
 * THROTTLED, 503 and slowMs touch `/<shop>/admin/api/<version>/graphql.json` only: never OAuth,
 * `/_sim`, `/health` or bulk file downloads (which only slowDownloadMs slows).
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AdminApi } from "./admin-api";
import { appBridgeScript, sessionToken } from "./app-bridge";
import { TokenRegistry, type IssuedToken } from "./auth";
import { BulkOperations } from "./bulk";
import type { BucketOptions } from "./cost";
import {
  Faults,
  FaultOptionsError,
  SERVICE_UNAVAILABLE,
  SLOW_DOWNLOAD_CHUNK_BYTES,
  sleepAtLeast,
  validateFaultOptions,
  type FaultOptions,
} from "./faults";
import { placeOrder, type SimEvent } from "./mutations";
import { generateJourneys, postJourneys } from "./storefront";
import { createRandom } from "./random";
import { storeTotals } from "./truth";
import type { SimStore } from "./types";
import {
  bulkOperationFinishPayload,
  DEFAULT_WEBHOOK_API_VERSION,
  deliverWebhook,
  deliverWebhooks,
  shopWebhookPayload,
  type ChaosOptions,
  type ChaosReport,
  type Json,
  type WebhookResult,
} from "./webhooks";

export const DEFAULT_SIMULATOR_SCOPES = "read_orders,read_all_orders,read_customers,write_customers,read_reports,write_pixels,read_customer_events";

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** The app's client id and secret (what `shopifyApi({ apiKey, apiSecretKey })` is configured with). */
  apiKey: string;
  apiSecret: string;
  stores?: SimStore[];
  /** Scopes granted on install, comma-separated. */
  scopes?: string;
  /** Clock for tokens, session-token checks and rate limits; default the system clock. */
  now?: () => Date;
  /** Leaky bucket per shop and app: default 2000 points, 100/s. */
  bucket?: Partial<BucketOptions>;
  /** Each shop's bucket sized for its plan instead (Standard 100/s, Advanced 200/s, Plus 1,000/s). */
  bucketsByPlan?: boolean;
  maxQueryCost?: number;
  /** Base URL of the app; webhooks go to `${appUrl}/webhooks/<topic>` unless `webhookAddress` says otherwise. */
  appUrl?: string;
  /** Where a topic's webhooks go for a shop (null: not subscribed). */
  webhookAddress?: (topic: string, shop: string) => string | null;
  webhookApiVersion?: string;
  /** How long bulk operations stay RUNNING; default 0. */
  bulkDelayMs?: number;
  /** Receives one line per notable event (webhook failures…); default: silent. */
  log?: (line: string) => void;
  /** Faults from the start (see faults.ts); change them later with `handle.faults` or `/_sim/faults`. */
  faults?: FaultOptions;
  /**
   * A live storefront (storefront.ts): every `intervalMs`, `visitors` visitors' journeys are sent
   * to the collector of each store whose web pixel is active, as the pixel sends them, and their
   * completed checkouts become orders (with their webhooks). Off by default.
   */
  storefront?: { intervalMs: number; visitors: number };
}

export interface DeliverParams {
  topic: string;
  shop: string;
  payload: Json;
  /** Default: the app's address for the topic. */
  url?: string;
  eventId?: string;
  webhookId?: string;
  triggeredAt?: string;
  apiVersion?: string;
  headers?: Record<string, string>;
}

export interface SimulatorHandle {
  url: string;
  stores: Map<string, SimStore>;
  addStore(store: SimStore): void;
  /** Issued tokens and codes: `installations.list()`, `installations.issue({ shop })`, `revokeShop(shop)`. */
  installations: TokenRegistry;
  admin: AdminApi;
  bulk: BulkOperations;
  /** Faults on demand: `faults.set({ throttleRate: 0.3 })`, `faults.clear()`, `faults.counts()`. */
  faults: Faults;
  /** Sends one signed webhook to `url` or the app's address for the topic. */
  deliverWebhook(params: DeliverParams): Promise<WebhookResult>;
  /** Sends the events of a mutation (see mutations.ts), optionally duplicated/dropped/reordered. */
  deliverEvents(shop: string, events: readonly SimEvent[], options?: { chaos?: ChaosOptions; url?: (topic: string) => string }): Promise<ChaosReport>;
  /** Revokes the shop's tokens and sends app/uninstalled. */
  uninstall(shop: string): Promise<WebhookResult | null>;
  close(): Promise<void>;
}

const INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)";
const MAX_BODY = 20 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(typeof body === "string" ? body : JSON.stringify(body));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, { errors: "Request body too large" }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, { errors: "Invalid JSON in request body" });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new HttpError(400, { errors: "Expected a JSON object" });
  return value as Record<string, unknown>;
}

/** JSON or form-encoded body → string fields (the OAuth endpoint accepts both). */
function parseFormOrJson(req: IncomingMessage, text: string): Record<string, string> {
  const type = req.headers["content-type"] ?? "";
  const out: Record<string, string> = {};
  if (type.includes("application/x-www-form-urlencoded") || (!type.includes("json") && !text.trim().startsWith("{"))) {
    for (const [k, v] of new URLSearchParams(text)) out[k] = v;
    return out;
  }
  for (const [k, v] of Object.entries(parseJsonObject(text))) {
    if (v === null || v === undefined) continue;
    out[k] = typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v);
  }
  return out;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": typeof body === "string" && !text.startsWith("{") && !text.startsWith("[") ? "text/plain; charset=utf-8" : "application/json; charset=utf-8",
    "X-Request-Id": randomUUID(),
    ...headers,
  });
  res.end(text);
}

function headerValue(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name.toLowerCase()];
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

export async function startSimulator(options: SimulatorOptions): Promise<SimulatorHandle> {
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => undefined);
  const stores = new Map<string, SimStore>();
  for (const store of options.stores ?? []) stores.set(store.shop.domain, store);
  const scopes = options.scopes ?? DEFAULT_SIMULATOR_SCOPES;
  const installations = new TokenRegistry({ apiKey: options.apiKey, apiSecret: options.apiSecret, scopes, now });
  const admin = new AdminApi({
    now,
    bucket: options.bucket,
    bucketsByPlan: options.bucketsByPlan,
    maxQueryCost: options.maxQueryCost,
    app: { apiKey: options.apiKey },
  });
  const webhookApiVersion = options.webhookApiVersion ?? DEFAULT_WEBHOOK_API_VERSION;
  const faults = new Faults(options.faults ?? {});
  let baseUrl = "";
  let closed = false;

  const addressFor = (topic: string, shop: string): string | null => {
    if (options.webhookAddress) return options.webhookAddress(topic, shop);
    if (options.appUrl) return `${options.appUrl.replace(/\/$/, "")}/webhooks/${topic}`;
    return null;
  };

  const sendWebhook = async (params: DeliverParams): Promise<WebhookResult> => {
    const url = params.url ?? addressFor(params.topic, params.shop);
    if (!url) throw new Error(`No address for webhook ${params.topic}: pass url, appUrl or webhookAddress`);
    const result = await deliverWebhook({
      url,
      topic: params.topic,
      shopDomain: params.shop,
      payload: params.payload,
      secret: options.apiSecret,
      apiVersion: params.apiVersion ?? webhookApiVersion,
      eventId: params.eventId,
      webhookId: params.webhookId,
      triggeredAt: params.triggeredAt ?? now().toISOString(),
      headers: params.headers,
    });
    if (result.status < 200 || result.status >= 300) log(`webhook ${params.topic} for ${params.shop} → ${result.status} ${result.body.slice(0, 200)}`);
    return result;
  };

  const bulk = new BulkOperations({
    admin,
    now,
    delayMs: options.bulkDelayMs,
    fileUrl: (record) => `${baseUrl}/_sim/bulk/${record.shop}/${record.id}.jsonl`,
    partialFileUrl: (record) => `${baseUrl}/_sim/bulk/${record.shop}/${record.id}.partial.jsonl`,
    failNext: () => faults.takeBulkFailure(),
    onFinish: (record) => {
      const store = stores.get(record.shop);
      const url = addressFor("bulk_operations/finish", record.shop);
      if (!store || !url) return;
      void sendWebhook({
        topic: "bulk_operations/finish",
        shop: record.shop,
        url,
        payload: bulkOperationFinishPayload({
          id: record.id,
          status: record.status,
          errorCode: record.errorCode,
          createdAt: record.createdAt,
          completedAt: record.completedAt,
          zone: store.shop.ianaTimezone,
        }),
      }).catch((error: unknown) => log(`bulk_operations/finish delivery failed: ${String(error)}`));
    },
  });
  admin.bulk = bulk;

  const storeOr404 = (shop: string): SimStore => {
    const store = stores.get(shop);
    if (!store) throw new HttpError(404, { errors: "Not Found" });
    return store;
  };

  const deliverEvents = async (
    shop: string,
    events: readonly SimEvent[],
    deliverOptions: { chaos?: ChaosOptions; url?: (topic: string) => string } = {},
  ): Promise<ChaosReport> => {
    const deliveries = events.flatMap((event) => {
      const url = deliverOptions.url?.(event.topic) ?? addressFor(event.topic, shop);
      if (!url) return [];
      return [
        {
          url,
          topic: event.topic,
          shopDomain: shop,
          payload: event.payload,
          secret: options.apiSecret,
          apiVersion: webhookApiVersion,
          triggeredAt: event.triggeredAt,
        },
      ];
    });
    return deliverWebhooks(deliveries, deliverOptions.chaos ?? { seed: 1 });
  };

  const uninstall = async (shop: string): Promise<WebhookResult | null> => {
    const store = storeOr404(shop);
    installations.revokeShop(shop);
    const url = addressFor("app/uninstalled", shop);
    if (!url) return null;
    return sendWebhook({ topic: "app/uninstalled", shop, url, payload: shopWebhookPayload(store.shop) });
  };


  const publicToken = (t: IssuedToken): IssuedToken => ({ ...t });

  const handleSim = async (req: IncomingMessage, res: ServerResponse, parts: string[]): Promise<void> => {
    const method = req.method ?? "GET";
    // parts: ["_sim", ...]
    if (parts[1] === "stores" && parts.length === 2 && method === "GET") {
      send(
        res,
        200,
        [...stores.values()].map((s) => ({
          domain: s.shop.domain,
          name: s.shop.name,
          ianaTimezone: s.shop.ianaTimezone,
          currencyCode: s.shop.currencyCode,
          orders: s.orders.length,
          customers: s.customers.length,
        })),
      );
      return;
    }
    if (parts[1] === "stores" && parts[2]) {
      const store = storeOr404(parts[2]);
      const action = parts[3];
      if (!action && method === "GET") return send(res, 200, store);
      if (action === "totals" && method === "GET") return send(res, 200, storeTotals(store));
      if (action === "tokens" && method === "POST") {
        const body = parseFormOrJson(req, await readBody(req));
        const token = installations.issue({
          shop: store.shop.domain,
          kind: body.kind === "online" ? "online" : "offline",
          scope: body.scope || undefined,
        });
        return send(res, 200, publicToken(token));
      }
      if (action === "uninstall" && method === "POST") {
        const result = await uninstall(store.shop.domain);
        return send(res, 200, { revoked: true, webhook: result ? { status: result.status } : null });
      }
      if (action === "orders" && method === "POST") {
        const body = parseJsonObject((await readBody(req)) || "{}");
        const customerId = body.customerId === "new" ? "new" : typeof body.customerId === "number" ? body.customerId : null;
        const placed = placeOrder(store, {
          at: now().toISOString(),
          customerId,
          seed: typeof body.seed === "number" ? body.seed : Date.now() % 2_147_483_647,
        });
        const report = await deliverEvents(store.shop.domain, placed.events);
        return send(res, 200, { orderId: placed.order.id, name: placed.order.name, deliveries: report.attempts });
      }
    }
    if (parts[1] === "tokens" && method === "GET") return send(res, 200, installations.list().map(publicToken));
    if (parts[1] === "app-bridge.js" && method === "GET") {
      res.writeHead(200, { "Content-Type": "application/javascript; charset=utf-8", "Cache-Control": "no-store" });
      res.end(appBridgeScript(`${baseUrl}/_sim/session-token`));
      return;
    }
    if (parts[1] === "session-token" && method === "GET") {
      // Fetched cross-origin by the App Bridge stand-in running in the app's page.
      const cors = { "Access-Control-Allow-Origin": "*", "Cache-Control": "no-store" };
      const shop = (new URL(req.url ?? "/", "http://simulator.local").searchParams.get("shop") ?? "").toLowerCase();
      if (!stores.has(shop)) return send(res, 404, { errors: "Not Found" }, cors);
      const ttlSeconds = 60;
      const token = sessionToken({ shop, apiKey: options.apiKey, apiSecret: options.apiSecret, now: now(), ttlSeconds });
      return send(res, 200, { token, expiresIn: ttlSeconds }, cors);
    }
    if (parts[1] === "faults" && parts.length === 2) {
      if (method === "PUT") {
        let next: FaultOptions;
        try {
          next = validateFaultOptions(parseJsonObject((await readBody(req)) || "{}"));
        } catch (error) {
          if (error instanceof FaultOptionsError) throw new HttpError(400, { errors: error.message });
          throw error;
        }
        faults.set(next);
        if (Object.keys(next).length > 0) log(`faults set: ${JSON.stringify(next)}`);
      } else if (method === "DELETE") {
        faults.clear();
      } else if (method !== "GET") {
        throw new HttpError(405, { errors: "Method Not Allowed" });
      }
      return send(res, 200, { options: faults.options(), counts: faults.counts() });
    }
    if (parts[1] === "bulk" && parts.length === 2 && method === "GET") {
      return send(res, 200, bulk.all().map(({ jsonl: _jsonl, partialJsonl: _partial, ...rest }) => rest));
    }
    if (parts[1] === "bulk" && parts[2] && parts[3] && method === "GET") {
      const file = /^(\d+)(\.partial)?\.jsonl$/.exec(parts[3]);
      const record = file ? bulk.record(Number(file[1])) : undefined;
      const text = record ? (file?.[2] ? (record.status === "FAILED" ? record.partialJsonl : null) : record.jsonl) : null;
      if (!record || record.shop !== parts[2] || text === null) throw new HttpError(404, { errors: "Not Found" });
      return sendBulkFile(res, text);
    }
    throw new HttpError(404, { errors: "Not Found" });
  };

  /** A bulk result file, at once or, with slowDownloadMs, in ~16 KiB chunks each after a pause. */
  const sendBulkFile = async (res: ServerResponse, text: string): Promise<void> => {
    const bytes = Buffer.from(text, "utf8");
    res.writeHead(200, { "Content-Type": "application/jsonl", "Content-Length": bytes.length });
    const pause = faults.slowDownloadMs();
    if (pause <= 0 || bytes.length === 0) {
      res.end(bytes);
      return;
    }
    faults.count("slowDownloads");
    // Headers at once (Node holds them until the first write otherwise), then the body slowly:
    // a pause before every chunk, the first one included.
    res.flushHeaders();
    for (let offset = 0; offset < bytes.length; offset += SLOW_DOWNLOAD_CHUNK_BYTES) {
      await sleepAtLeast(pause);
      if (closed || res.destroyed) return;
      const chunk = bytes.subarray(offset, offset + SLOW_DOWNLOAD_CHUNK_BYTES);
      if (offset + SLOW_DOWNLOAD_CHUNK_BYTES >= bytes.length) {
        res.end(chunk);
        return;
      }
      if (!res.write(chunk)) await new Promise<void>((resolve) => res.once("drain", resolve).once("close", resolve));
    }
  };

  const handleShop = async (req: IncomingMessage, res: ServerResponse, shop: string, rest: string[], url: URL): Promise<void> => {
    const method = req.method ?? "GET";
    const store = storeOr404(shop);
    const path = rest.join("/");

    const graphql = /^admin\/api\/([^/]+)\/graphql\.json$/.exec(path);
    if (graphql) {
      const slowMs = faults.slowMs();
      if (slowMs > 0) {
        faults.count("slowed");
        await sleepAtLeast(slowMs);
        if (closed) return;
      }
      if (method !== "POST") throw new HttpError(405, { errors: "Method Not Allowed" });
      const version = graphql[1];
      const accessToken = headerValue(req, "x-shopify-access-token");
      const token = accessToken ? installations.find(shop, accessToken) : null;
      if (!token) return send(res, 401, { errors: INVALID_TOKEN }, { "X-Shopify-API-Version": version });
      const text = await readBody(req);
      const contentType = headerValue(req, "content-type") ?? "";
      let query: string;
      let variables: Record<string, unknown> | null = null;
      let operationName: string | null = null;
      if (contentType.includes("application/graphql")) {
        query = text;
      } else {
        const body = parseJsonObject(text);
        query = typeof body.query === "string" ? body.query : "";
        if (typeof body.variables === "object" && body.variables !== null && !Array.isArray(body.variables)) variables = body.variables as Record<string, unknown>;
        if (typeof body.operationName === "string") operationName = body.operationName;
      }
      // Decided before the query runs: a faulted mutation changes nothing.
      const fault = faults.drawAdminFault();
      if (fault === "serverError") {
        faults.count("serverErrors");
        return send(res, SERVICE_UNAVAILABLE.status, SERVICE_UNAVAILABLE.body);
      }
      const result = await admin.execute({
        store,
        query,
        variables,
        operationName,
        bucketKey: `${shop}|${options.apiKey}`,
        scopes: token.scope.split(",").map((s) => s.trim()).filter(Boolean),
        forceThrottle: fault === "throttle",
      });
      if (fault === "throttle" && result.body.errors?.some((e) => e.extensions?.code === "THROTTLED")) faults.count("throttled");
      return send(res, result.status, result.body, { "X-Shopify-API-Version": version });
    }

    if (path === "admin/oauth/access_token") {
      if (method !== "POST") throw new HttpError(405, { errors: "Method Not Allowed" });
      const body = parseFormOrJson(req, await readBody(req));
      const result = installations.accessTokenRequest(shop, body);
      return send(res, result.status, result.body);
    }

    if (path === "admin/oauth/authorize" && method === "GET") {
      const result = installations.authorizeRedirect(shop, url.searchParams);
      if (result.location) {
        res.writeHead(302, { Location: result.location });
        res.end();
        return;
      }
      return send(res, result.status, result.body);
    }

    if (/^admin\/api\/[^/]+\/.+\.json$/.test(path)) {
      throw new HttpError(404, { errors: "Not Found: the simulator implements the GraphQL Admin API only" });
    }
    throw new HttpError(404, { errors: "Not Found" });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://simulator.local");
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const handle = async (): Promise<void> => {
      if (parts.length === 1 && parts[0] === "health") return send(res, 200, { ok: true, stores: stores.size });
      if (parts[0] === "_sim") return handleSim(req, res, parts);
      if (parts.length >= 2 && parts[0].includes(".")) return handleShop(req, res, parts[0].toLowerCase(), parts.slice(1), url);
      throw new HttpError(404, { errors: "Not Found" });
    };
    handle().catch((error: unknown) => {
      if (res.headersSent) {
        res.end();
        return;
      }
      if (error instanceof HttpError) send(res, error.status, error.body);
      else {
        log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        send(res, 500, { errors: "Internal Server Error" });
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = options.host ?? "127.0.0.1";
  baseUrl = `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;

  // The live storefront: journeys of the last half hour, ending before now.
  let storefrontTick = 0;
  let storefrontBusy = false;
  const storefront = options.storefront
    ? setInterval(() => {
        if (storefrontBusy || closed) return;
        storefrontBusy = true;
        const tick = ++storefrontTick;
        void (async () => {
          for (const store of stores.values()) {
            const pixel = store.webPixel?.settings;
            if (!pixel) continue;
            const end = now().getTime();
            const journeys = generateJourneys({
              seed: tick,
              from: end - 27 * 60_000 - options.storefront!.intervalMs,
              to: end,
              visitors: options.storefront!.visitors,
              idPrefix: `${store.shop.domain}-${tick}`,
            });
            await postJourneys(journeys, { collectorUrl: pixel.collectorUrl, key: pixel.key, origin: `https://${store.shop.domain}` });
            const random = createRandom(tick);
            for (const event of journeys.flatMap((j) => j.events).filter((e) => e.name === "checkout_completed")) {
              const customers = store.customers;
              const customerId = random.chance(0.5) || customers.length === 0 ? "new" : random.chance(0.6) ? random.pick(customers).id : null;
              const placed = placeOrder(store, { at: event.at, customerId, seed: random.int(1, 2_000_000_000) });
              await deliverEvents(store.shop.domain, placed.events);
            }
          }
        })()
          .catch((error: unknown) => log(`storefront: ${String(error)}`))
          .finally(() => {
            storefrontBusy = false;
          });
      }, options.storefront.intervalMs)
    : null;
  storefront?.unref();

  return {
    url: baseUrl,
    stores,
    addStore(store: SimStore) {
      stores.set(store.shop.domain, store);
    },
    installations,
    admin,
    bulk,
    faults,
    deliverWebhook: sendWebhook,
    deliverEvents,
    uninstall,
    close: () =>
      new Promise<void>((resolve, reject) => {
        closed = true;
        if (storefront) clearInterval(storefront);
        bulk.dispose();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
