// Turns the web pixel on for a shop after install: its settings (the collector's URL for the
// shop and the shop's pixel key) sent with webPixelCreate, or webPixelUpdate when the pixel
// exists already. The outcome is kept in pixel_settings for the Settings page.
import prisma from "#app/db.server";
import { env } from "#app/env.server";
import { ShopifyApiError, type AdminClient } from "#app/shopify/admin-client.server";
import { SHOP_PRIMARY_DOMAIN, WEB_PIXEL, WEB_PIXEL_CREATE, WEB_PIXEL_UPDATE, type WebPixelPayload } from "#app/shopify/web-pixel";
import { COLLECT_PATH } from "./collector.server";
import { ensurePixelSettings } from "./pixel-settings.server";

export const PIXEL_SCOPES = ["write_pixels", "read_customer_events"] as const;

export type PixelStatus = "inactive" | "active" | "not_granted" | "failed";

async function record(shop: string, data: { status: PixelStatus; error: string | null; webPixelId?: string | null }): Promise<void> {
  await prisma.pixelSettings.update({ where: { shop }, data: { ...data, updatedAt: new Date() } });
}

/** The collector's URL for the shop, as the pixel posts to it. */
export function collectorUrl(shop: string): string {
  return `${env.SHOPIFY_APP_URL.replace(/\/$/, "")}${COLLECT_PATH}${shop}`;
}

/** Activates (or updates) the shop's web pixel. Records the outcome; throws what a retry may fix. */
export async function activatePixel(shop: string, client: AdminClient): Promise<PixelStatus> {
  try {
    const { shop: info } = await client.request<{ shop: { primaryDomain: { host: string; sslEnabled: boolean } } }>(SHOP_PRIMARY_DOMAIN);
    const host = info.primaryDomain.host.toLowerCase();
    const origins = host && host !== shop ? [`https://${host}`] : [];
    const { key } = await ensurePixelSettings(shop, origins);
    const settings = JSON.stringify({ collectorUrl: collectorUrl(shop), key });
    const created = await client.request<{ webPixelCreate: WebPixelPayload }>(WEB_PIXEL_CREATE, { settings });
    let result = created.webPixelCreate;
    if (result.userErrors.some((e) => e.code === "TAKEN")) {
      const { webPixel } = await client.request<{ webPixel: { id: string } | null }>(WEB_PIXEL);
      if (!webPixel) throw new ShopifyApiError("Shopify says the pixel exists but returns none", true);
      result = (await client.request<{ webPixelUpdate: WebPixelPayload }>(WEB_PIXEL_UPDATE, { id: webPixel.id, settings })).webPixelUpdate;
    }
    if (result.userErrors.length > 0 || !result.webPixel) {
      const why = result.userErrors.map((e) => `${e.code ?? "ERROR"}: ${e.message}`).join("; ") || "no pixel returned";
      await record(shop, { status: "failed", error: `Shopify did not activate the web pixel (${why}).` });
      return "failed";
    }
    await record(shop, { status: "active", error: null, webPixelId: result.webPixel.id });
    return "active";
  } catch (error) {
    if (error instanceof ShopifyApiError && error.code === "ACCESS_DENIED") {
      await ensurePixelSettings(shop);
      await record(shop, {
        status: "not_granted",
        error: "The web pixel needs the app's access to customer events (write_pixels, read_customer_events). Approve the app's updated access in Shopify admin › Apps › Metryka.",
      });
      return "not_granted";
    }
    throw error;
  }
}

/** Whether the shop's pixel is active, for the Settings page. */
export async function pixelStatus(shop: string): Promise<{ status: PixelStatus; error: string | null; updatedAt: string | null }> {
  const row = await prisma.pixelSettings.findUnique({ where: { shop }, select: { status: true, error: true, updatedAt: true } });
  return { status: (row?.status as PixelStatus | undefined) ?? "inactive", error: row?.error ?? null, updatedAt: row?.updatedAt.toISOString() ?? null };
}
