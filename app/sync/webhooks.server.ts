// Webhook intake: verify the HMAC (before parsing), record the event once per Shopify event
// id, queue it for a worker, answer within milliseconds. A failure to record or queue answers
// 5xx so that Shopify delivers it again; applying happens in apply-webhook.server.ts.
// https://shopify.dev/docs/apps/build/webhooks/subscribe/https
import { sqlPool } from "#app/db-pool.server";
import { env } from "#app/env.server";
import { verifyWebhook } from "#app/shopify/webhook-signature.server";
import { enqueueWebhookEvent } from "#app/jobs/queue.server";
import { withoutPersonalData, type Json } from "./personal-data";

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
  try {
    const { rows } = await sqlPool().query<{ processed: boolean }>(
      `INSERT INTO webhook_events (shop, event_id, topic, webhook_id, triggered_at, payload)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb)
       ON CONFLICT (shop, event_id) DO UPDATE SET event_id = EXCLUDED.event_id
       RETURNING processed_at IS NOT NULL AS processed`,
      [shop, eventId, topic, webhookId, triggeredAt, JSON.stringify(withoutPersonalData(payload as Json))],
    );
    // A duplicate of an event already applied needs nothing more; one recorded but not yet
    // applied (the queue may have lost it with a crash) is queued again.
    if (!rows[0]?.processed) await enqueueWebhookEvent({ shop, eventId });
  } catch {
    return new Response("Could not record the webhook; please retry", { status: 503 });
  }
  return new Response(null, { status: 200 });
}
