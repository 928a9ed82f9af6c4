// Shopify's webhook signature: base64 HMAC-SHA256 of the raw body with the app's secret, in
// X-Shopify-Hmac-Sha256, compared in constant time before the body is decoded or parsed. It is
// computed over the bytes received: decoding first would verify a body that is not UTF-8 over
// its replacement characters instead. Checked here
// rather than through authenticate.webhook, which also loads the shop's offline session on
// every delivery: intake needs none, and it is the hot path.
// https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-2-validate-the-origin-of-your-webhook-to-ensure-its-coming-from-shopify
import { createHmac, timingSafeEqual } from "node:crypto";

const REQUIRED_HEADERS = [
  "X-Shopify-Hmac-Sha256",
  "X-Shopify-Topic",
  "X-Shopify-Shop-Domain",
  "X-Shopify-API-Version",
  "X-Shopify-Webhook-Id",
] as const;

const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;

export interface VerifiedWebhook {
  shop: string;
  topic: string;
  apiVersion: string;
  webhookId: string;
  /** Same across duplicate deliveries of one event; the webhook id when Shopify sends none. */
  eventId: string;
  triggeredAt: Date | null;
}

export type WebhookCheck = { ok: true; webhook: VerifiedWebhook } | { ok: false; status: 400 | 401; reason: string };

export function verifyWebhook(headers: Pick<Headers, "get">, rawBody: Uint8Array, secret: string, customShopDomain?: string): WebhookCheck {
  const missing = REQUIRED_HEADERS.filter((name) => !headers.get(name));
  if (missing.length > 0) return { ok: false, status: 400, reason: `Missing headers: ${missing.join(", ")}` };
  const expected = createHmac("sha256", secret).update(rawBody).digest();
  const given = Buffer.from(headers.get("X-Shopify-Hmac-Sha256")!, "base64");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, status: 401, reason: "Invalid HMAC" };
  }
  const shop = headers.get("X-Shopify-Shop-Domain")!.toLowerCase();
  if (!SHOP_DOMAIN.test(shop) && shop !== customShopDomain) return { ok: false, status: 400, reason: "Invalid shop domain" };
  const triggered = headers.get("X-Shopify-Triggered-At");
  const triggeredAt = triggered ? new Date(triggered) : null;
  const webhookId = headers.get("X-Shopify-Webhook-Id")!;
  return {
    ok: true,
    webhook: {
      shop,
      topic: headers.get("X-Shopify-Topic")!,
      apiVersion: headers.get("X-Shopify-API-Version")!,
      webhookId,
      eventId: headers.get("X-Shopify-Event-Id") || webhookId,
      triggeredAt: triggeredAt && !Number.isNaN(triggeredAt.getTime()) ? triggeredAt : null,
    },
  };
}
