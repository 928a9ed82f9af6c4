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
import { enqueueWebhookEvent } from "#app/jobs/queue.server";
import { storablePayload, type Json } from "./personal-data";

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

const tooLarge = () =>
  new Response(`Webhook bodies are at most ${MAX_WEBHOOK_BODY_BYTES} bytes`, { status: 413, headers: { Connection: "close" } });

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
  return new Response("Webhooks are POSTed", { status: 405, headers: { Allow: "POST" } });
}

export async function receiveWebhook(request: Request): Promise<Response> {
  if (request.method !== "POST") return webhookMethodNotAllowed();
  const rawBody = await readBody(request, MAX_WEBHOOK_BODY_BYTES);
  if (!rawBody) return tooLarge();
  // The HMAC is of the bytes as received, checked before they are decoded or parsed.
  const check = verifyWebhook(request.headers, rawBody, env.SHOPIFY_API_SECRET, env.SHOP_CUSTOM_DOMAIN);
  if (!check.ok) return new Response(check.reason, { status: check.status });
  const { shop, topic, webhookId, eventId, triggeredAt } = check.webhook;
  let text: string;
  try {
    text = utf8.decode(rawBody);
  } catch {
    return new Response("The body is not valid UTF-8", { status: 400 });
  }
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return new Response("Malformed JSON body", { status: 400 });
  }
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    return new Response("The body must be a JSON object", { status: 400 });
  }
  // Text PostgreSQL cannot hold (a NUL character) is still acknowledged, since Shopify would
  // only send it again: recorded without it, and parked at once with where it was.
  const stored = storablePayload(payload as Json, topic);
  const parked = stored.unstorable.length > 0 ? `the payload holds text that cannot be stored (a NUL character or a broken surrogate) at ${stored.unstorable.slice(0, 10).join(", ")}` : null;
  let recorded: { done: boolean } | undefined;
  try {
    if (COMPLIANCE_TOPICS.has(topic)) {
      const mismatch = await namesAnotherShop(shop, payload as Record<string, unknown>);
      if (mismatch) return new Response(`This ${topic} payload is about another shop: ${mismatch}`, { status: 400 });
    }
    // Recorded only for a shop Metryka knows, in the same statement (one round trip).
    const { rows } = await sqlPool().query<{ done: boolean }>(
      `INSERT INTO webhook_events (shop, event_id, topic, webhook_id, triggered_at, payload, parked_at, error)
       SELECT $1, $2, $3, $4, $5, $6::jsonb, CASE WHEN $7::text IS NULL THEN NULL ELSE now() END, $7
       WHERE EXISTS (SELECT 1 FROM shops WHERE domain = $1)
       ON CONFLICT (shop, event_id) DO UPDATE SET event_id = EXCLUDED.event_id
       RETURNING processed_at IS NOT NULL OR parked_at IS NOT NULL AS done`,
      [shop, eventId, topic, webhookId, triggeredAt, JSON.stringify(stored.payload), parked],
    );
    recorded = rows[0];
    // A duplicate of an event already applied (or parked) needs nothing more; one recorded but
    // not yet applied (the queue may have lost it with a crash) is queued again.
    if (recorded && !recorded.done) await enqueueWebhookEvent({ shop, eventId });
  } catch {
    return new Response("Could not record the webhook; please retry", { status: 503 });
  }
  if (!recorded) {
    if (COMPLIANCE_TOPICS.has(topic)) return new Response(null, { status: 200 });
    return new Response("Unknown shop: the app is not installed there", { status: 404 });
  }
  return new Response(null, { status: 200 });
}
