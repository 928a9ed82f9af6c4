// Webhook intake: read the body (at most MAX_WEBHOOK_BODY_BYTES, else 413), verify the HMAC
// over its bytes, then decode (UTF-8, else 400) and parse, record the event once per Shopify
// event id, queue it for a worker, answer within milliseconds. A failure to record or queue
// answers 5xx so that Shopify delivers it again; applying happens in apply-webhook.server.ts.
// Webhooks are POSTed: any other method is a 405.
//
// A shop Metryka has no record of (never installed, or erased by shop/redact) gets a 404 and
// nothing is stored; Shopify retries, so a delivery that races the install's own record is
// accepted on a later attempt. Compliance requests about such a shop are answered 200: there is
// nothing to erase or export.
//
// A compliance payload must name the shop it is delivered for (see namesAnotherShop): one that
// names another is refused with 400 and nothing is stored.
// https://shopify.dev/docs/apps/build/webhooks/subscribe/https
import { sqlPool } from "#app/db-pool.server";
import { checkShopifyCredentials, env } from "#app/env.server";
import { verifyWebhook } from "#app/shopify/webhook-signature.server";
import { jobQueue, webhookJob } from "#app/jobs/queue.server";
import { storablePayload, type Json } from "./personal-data";
import { payloadAsStored } from "./rest-payloads";

checkShopifyCredentials(env);

const COMPLIANCE_TOPICS = new Set(["customers/data_request", "customers/redact", "shop/redact"]);

/**
 * The largest body intake reads: 2 MiB. Shopify's largest payloads are orders with hundreds of
 * line items (each with its price sets, tax lines and discount allocations), a few hundred KB;
 * a body past this is not a delivery worth holding in memory, and is refused with 413 before it
 * is read (on its Content-Length) or as soon as the running count passes it (a chunked body).
 */
export const MAX_WEBHOOK_BODY_BYTES = 2 * 1024 * 1024;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The body's bytes, or null once they pass `limit`. Reading stops there, without cancelling the
 * stream: on Node, cancelling a request body destroys the socket, and the 413 would never reach
 * the sender. The refusal closes the connection instead (`Connection: close`), unread.
 */
async function readBody(request: Request, limit: number): Promise<Uint8Array | null> {
  const declared = request.headers.get("Content-Length");
  if (declared !== null && Number(declared) > limit) return null;
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.releaseLock();
      return null;
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
}


/** A positive integer id as JSON carries it (a number, or digits in a string), else null. */
function shopIdOf(value: unknown): bigint | null {
  if (typeof value === "number" && Number.isSafeInteger(value) && value > 0) return BigInt(value);
  if (typeof value === "string" && /^[1-9]\d{0,18}$/.test(value)) return BigInt(value);
  return null;
}

/**
 * Why a compliance payload is not about the shop it was delivered for, or null when it is: its
 * shop_domain must be the X-Shopify-Shop-Domain (in any case) and its shop_id that shop's id,
 * once a sync has read it. The HMAC covers the body but not the headers, so a signed
 * customers/redact or shop/redact of shop B, sent again with shop A in the header, would
 * otherwise be recorded and applied as A's. (The payloads:
 * https://shopify.dev/docs/apps/build/privacy-law-compliance)
 *
 * Refused with 400 and nothing stored, for either shop: the delivery contradicts itself, and the
 * shop it names is never acted on in its place (a delivery is only ever recorded under its
 * header's shop, and B's own delivery comes with B's header). Shopify never sends such a
 * payload; if it ever did, a 4xx is retried a bounded number of times (8 over 4 hours) and
 * then dropped, which is what a request Metryka must not act on deserves. The answer does not
 * depend on anything Metryka holds about B.
 */
async function namesAnotherShop(shop: string, payload: Record<string, unknown>): Promise<string | null> {
  const domain = payload.shop_domain;
  if (typeof domain !== "string" || domain.toLowerCase() !== shop) return "shop_domain is not the shop of X-Shopify-Shop-Domain";
  const id = shopIdOf(payload.shop_id);
  if (id === null) return "shop_id is missing or not an id";
  const { rows } = await sqlPool().query<{ shopify_id: string | null }>("SELECT shopify_id FROM shops WHERE domain = $1", [shop]);
  const known = rows[0]?.shopify_id;
  if (known != null && BigInt(known) !== id) return "shop_id is not the id of the shop of X-Shopify-Shop-Domain";
  return null;
}

/** Every method but POST, on every webhook route (its loader, and its action for PUT, DELETE…). */
export function webhookMethodNotAllowed(): Response {
  return answerAsResponse(METHOD_NOT_ALLOWED);
}

/** What intake answers: a status, and a plain-text reason for a refusal. */
export interface WebhookAnswer {
  status: number;
  text?: string;
  headers?: Record<string, string>;
}

export const METHOD_NOT_ALLOWED: WebhookAnswer = { status: 405, text: "Webhooks are POSTed", headers: { Allow: "POST" } };
/** A body past the limit: the connection is closed, its rest unread. */
export const TOO_LARGE: WebhookAnswer = { status: 413, text: `Webhook bodies are at most ${MAX_WEBHOOK_BODY_BYTES} bytes`, headers: { Connection: "close" } };

const answerAsResponse = (answer: WebhookAnswer) => new Response(answer.text ?? null, { status: answer.status, headers: answer.headers });

/** The request headers intake reads (a fetch Headers, or Node's own, adapted). */
export type WebhookHeaders = Pick<Headers, "get">;

export async function receiveWebhook(request: Request): Promise<Response> {
  if (request.method !== "POST") return webhookMethodNotAllowed();
  const rawBody = await readBody(request, MAX_WEBHOOK_BODY_BYTES);
  if (!rawBody) return answerAsResponse(TOO_LARGE);
  return answerAsResponse(await receiveWebhookBody(request.headers, rawBody));
}

/**
 * Intake of a POSTed body already read (at most MAX_WEBHOOK_BODY_BYTES): the lean route calls
 * this on Node's own request, the Remix routes through receiveWebhook.
 */
export async function receiveWebhookBody(headers: WebhookHeaders, rawBody: Uint8Array): Promise<WebhookAnswer> {
  // The HMAC is of the bytes as received, checked before they are decoded or parsed.
  const check = verifyWebhook(headers, rawBody, env.SHOPIFY_API_SECRET, env.SHOP_CUSTOM_DOMAIN);
  if (!check.ok) return { status: check.status, text: check.reason };
  const { shop, topic, webhookId, eventId, triggeredAt } = check.webhook;
  let text: string;
  try {
    text = utf8.decode(rawBody);
  } catch {
    return { status: 400, text: "The body is not valid UTF-8" };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return { status: 400, text: "Malformed JSON body" };
  }
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    return { status: 400, text: "The body must be a JSON object" };
  }
  // Stored: the fields applying reads, without personal ones. Text PostgreSQL cannot hold (a
  // NUL character) is still acknowledged, since Shopify would only send it again: recorded
  // without it, and parked at once with where it was.
  const stored = storablePayload(payloadAsStored(topic, payload) as Json, topic, text);
  const parked = stored.unstorable.length > 0 ? `the payload holds text that cannot be stored (a NUL character or a broken surrogate) at ${stored.unstorable.slice(0, 10).join(", ")}` : null;
  let known: boolean;
  try {
    if (COMPLIANCE_TOPICS.has(topic)) {
      const mismatch = await namesAnotherShop(shop, payload as Record<string, unknown>);
      if (mismatch) return { status: 400, text: `This ${topic} payload is about another shop: ${mismatch}` };
    }
    known = await recordEvent({ shop, eventId, topic, webhookId, triggeredAt, payload: stored.payload, parked });
  } catch {
    return { status: 503, text: "Could not record the webhook; please retry" };
  }
  if (!known) {
    if (COMPLIANCE_TOPICS.has(topic)) return { status: 200 };
    return { status: 404, text: "Unknown shop: the app is not installed there" };
  }
  return { status: 200 };
}

// --- Recording, in batches ----------------------------------------------------------------
//
// A delivery is answered 200 only once its event row and a job applying it are committed. One
// transaction per delivery made the commit (a flush of PostgreSQL's log to disk) the price of
// every delivery; here deliveries that arrive while earlier ones are being written wait for
// the next transaction and share its commit: at most RECORDING_WRITERS transactions at once,
// each recording up to RECORDING_BATCH events with one INSERT and queuing one job that applies
// them all with one more (a job per event cost the database as much as the event's own row).
// A lone delivery is written at once, so a quiet shop's latency is unchanged. A batch that
// fails answers 503 to each of its deliveries, and Shopify sends each again.

/**
 * Transactions writing deliveries at once (each holds one pooled connection). One: under load,
 * everything that arrives during a transaction goes in the next, so batches are about twice as
 * large as with two writers and the database's CPU per delivery a third lower (measured: 0.14
 * against 0.225 ms, in batches of 10 against 5), at the price of one transaction's wait at most.
 */
const RECORDING_WRITERS = 1;
/** Deliveries recorded by one transaction at most. */
const RECORDING_BATCH = 100;

interface Delivery {
  shop: string;
  eventId: string;
  topic: string;
  webhookId: string;
  triggeredAt: Date | null;
  /** The payload as stored. */
  payload: Json;
  /** Why it is parked on arrival, or null. */
  parked: string | null;
}

interface Waiting {
  delivery: Delivery;
  settle(known: boolean): void;
  fail(error: unknown): void;
}

const waiting: Waiting[] = [];
let writers = 0;

/** Records the event once per (shop, event id) and queues it; false when the shop is unknown. */
function recordEvent(delivery: Delivery): Promise<boolean> {
  return new Promise((settle, fail) => {
    waiting.push({ delivery, settle, fail });
    startWriters();
  });
}

function startWriters(): void {
  while (writers < RECORDING_WRITERS && waiting.length > 0) {
    const batch = waiting.splice(0, RECORDING_BATCH);
    writers++;
    writeBatch(batch.map((w) => w.delivery))
      .then(
        (known) => batch.forEach((w) => w.settle(known.has(eventKey(w.delivery)))),
        (error: unknown) => batch.forEach((w) => w.fail(error)),
      )
      .finally(() => {
        writers--;
        startWriters();
      });
  }
}

/**
 * The batch arrives as one JSON array (one parameter, so one statement text, prepared once),
 * read as plain json so that only each payload is built as jsonb, once: an event is inserted
 * once per (shop, event id), only for a shop Metryka knows; a duplicate
 * of one recorded before reports whether it was applied or parked already.
 */
const RECORD_EVENTS = `
  INSERT INTO webhook_events (shop, event_id, topic, webhook_id, triggered_at, payload, parked_at, error)
  SELECT e.shop, e.event_id, e.topic, e.webhook_id, e.triggered_at, e.payload,
         CASE WHEN e.error IS NULL THEN NULL ELSE now() END, e.error
  FROM json_to_recordset($1::json)
       AS e (shop text, event_id text, topic text, webhook_id text, triggered_at timestamptz, payload jsonb, error text)
  WHERE EXISTS (SELECT 1 FROM shops WHERE domain = e.shop)
  ON CONFLICT (shop, event_id) DO UPDATE SET event_id = EXCLUDED.event_id
  RETURNING shop, event_id, processed_at IS NOT NULL OR parked_at IS NOT NULL AS done`;

const eventRow = (d: Delivery) => ({
  shop: d.shop,
  event_id: d.eventId,
  topic: d.topic,
  webhook_id: d.webhookId,
  triggered_at: d.triggeredAt,
  payload: d.payload,
  error: d.parked,
});

const eventKey = (d: { shop: string; eventId: string }) => `${d.shop}\n${d.eventId}`;

/**
 * One transaction: the batch's events inserted (once per event: a duplicate in the batch or
 * in the table is one row), for shops Metryka knows, and one job queued for those not yet
 * applied or parked (a duplicate of one recorded before whose job a crash lost is queued
 * again; one applied already is passed over by the job). Returns the keys of the events of
 * known shops.
 */
async function writeBatch(batch: Delivery[]): Promise<Set<string>> {
  const unique = [...new Map(batch.map((d) => [eventKey(d), d])).values()];
  const boss = await jobQueue();
  const client = await sqlPool().connect();
  let failed: unknown;
  try {
    await client.query("BEGIN");
    const { rows: recorded } = await client.query<{ shop: string; event_id: string; done: boolean }>({
      // Named: prepared once per connection, its plan kept.
      name: "record-webhook-events",
      text: RECORD_EVENTS,
      values: [JSON.stringify(unique.map(eventRow))],
    });
    const queued = recorded.filter((r) => !r.done).map((r) => ({ shop: r.shop, eventId: r.event_id }));
    if (queued.length > 0) await boss.insert([webhookJob(queued)], { db: { executeSql: (text: string, values?: unknown[]) => client.query({ name: "queue-webhook-events", text, values }) } });
    await client.query("COMMIT");
    return new Set(recorded.map((r) => eventKey({ shop: r.shop, eventId: r.event_id })));
  } catch (error) {
    failed = error;
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    // A connection whose transaction failed is not handed out again.
    client.release(failed instanceof Error ? failed : undefined);
  }
}
