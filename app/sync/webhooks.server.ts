// Webhook intake: verify the HMAC (before parsing), record the event once per Shopify event
// id, queue it for a worker, answer within milliseconds. A failure to record or queue answers
// 5xx so that Shopify delivers it again; applying happens in apply-webhook.server.ts.
//
// A shop Metryka has no record of (never installed, or erased by shop/redact) gets a 404 and
// nothing is stored; Shopify retries, so a delivery that races the install's own record is
// accepted on a later attempt. Compliance requests about such a shop are answered 200: there is
// nothing to erase or export.
// https://shopify.dev/docs/apps/build/webhooks/subscribe/https
import { sqlPool } from "#app/db-pool.server";
import { checkShopifyCredentials, env } from "#app/env.server";
import { verifyWebhook } from "#app/shopify/webhook-signature.server";
import { enqueueWebhookEvent } from "#app/jobs/queue.server";
import { withoutPersonalData, type Json } from "./personal-data";

checkShopifyCredentials(env);

const COMPLIANCE_TOPICS = new Set(["customers/data_request", "customers/redact", "shop/redact"]);

export async function receiveWebhook(request: Request): Promise<Response> {
  if (request.method !== "POST") return new Response("Webhooks are POSTed", { status: 405 });
  const rawBody = await request.text();
  const check = verifyWebhook(request.headers, rawBody, env.SHOPIFY_API_SECRET, env.SHOP_CUSTOM_DOMAIN);
  if (!check.ok) return new Response(check.reason, { status: check.status });
  const { shop, topic, webhookId, eventId, triggeredAt } = check.webhook;
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody);
  } catch {
    return new Response("Malformed JSON body", { status: 400 });
  }
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    return new Response("The body must be a JSON object", { status: 400 });
  }
  let recorded: { processed: boolean } | undefined;
  try {
    // Recorded only for a shop Metryka knows, in the same statement (one round trip).
    const { rows } = await sqlPool().query<{ processed: boolean }>(
      `INSERT INTO webhook_events (shop, event_id, topic, webhook_id, triggered_at, payload)
       SELECT $1, $2, $3, $4, $5, $6::jsonb WHERE EXISTS (SELECT 1 FROM shops WHERE domain = $1)
       ON CONFLICT (shop, event_id) DO UPDATE SET event_id = EXCLUDED.event_id
       RETURNING processed_at IS NOT NULL AS processed`,
      [shop, eventId, topic, webhookId, triggeredAt, JSON.stringify(withoutPersonalData(payload as Json))],
    );
    recorded = rows[0];
    // A duplicate of an event already applied needs nothing more; one recorded but not yet
    // applied (the queue may have lost it with a crash) is queued again.
    if (recorded && !recorded.processed) await enqueueWebhookEvent({ shop, eventId });
  } catch {
    return new Response("Could not record the webhook; please retry", { status: 503 });
  }
  if (!recorded) {
    if (COMPLIANCE_TOPICS.has(topic)) return new Response(null, { status: 200 });
    return new Response("Unknown shop: the app is not installed there", { status: 404 });
  }
  return new Response(null, { status: 200 });
}
