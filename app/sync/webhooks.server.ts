// Webhook intake: verify the HMAC (before parsing), record the event once per Shopify event
// id, apply it, answer. A failure to record answers 5xx so that Shopify delivers it again.
// https://shopify.dev/docs/apps/build/webhooks/subscribe/https
import { Prisma } from "@prisma/client";
import prisma from "#app/db.server";
import { authenticate } from "#app/shopify.server";
import { applyWebhook } from "./apply-webhook.server";
import { withoutPersonalData, type Json } from "./personal-data";

export async function receiveWebhook(request: Request): Promise<Response> {
  let context: Awaited<ReturnType<typeof authenticate.webhook>>;
  try {
    context = await authenticate.webhook(request);
  } catch (error) {
    if (error instanceof Response) return error; // 401 bad HMAC, 400 missing headers, 405
    if (error instanceof SyntaxError) return new Response("Malformed JSON body", { status: 400 });
    throw error;
  }
  const { shop, topic, payload, webhookId } = context;
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    return new Response("The body must be a JSON object", { status: 400 });
  }
  const eventId = context.eventId ?? webhookId;
  try {
    const inserted = await prisma.$executeRaw`
      INSERT INTO webhook_events (shop, event_id, topic, webhook_id, triggered_at, payload)
      VALUES (${shop}, ${eventId}, ${topic}, ${webhookId},
        ${context.triggeredAt ? new Date(context.triggeredAt) : null},
        ${JSON.stringify(withoutPersonalData(payload as Json))}::jsonb)
      ON CONFLICT (shop, event_id) DO NOTHING`;
    if (inserted === 0) return new Response(null, { status: 200 }); // a duplicate delivery
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError || error instanceof Error) {
      return new Response("Could not record the webhook; please retry", { status: 503 });
    }
    throw error;
  }
  await applyWebhook(shop, topic, payload as Record<string, unknown>);
  await prisma.webhookEvent.update({
    where: { shop_eventId: { shop, eventId } },
    data: { processedAt: new Date() },
  });
  return new Response(null, { status: 200 });
}
