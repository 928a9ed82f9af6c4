// Each shop's pixel key: made once, sent to Shopify in the web pixel's settings (activation,
// app/collector/activation.server.ts) and required by the collector on every batch. It proves a
// batch came from the pixel Metryka configured for that shop, not who the visitor is: the key
// is readable in the storefront, so the collector's rate limits and checks still apply.
import crypto from "node:crypto";
import prisma from "#app/db.server";

/** The shop's pixel key, made on first use; `origins` adds storefront origins (custom domains). */
export async function ensurePixelSettings(shop: string, origins: string[] = []): Promise<{ key: string; origins: string[] }> {
  const key = crypto.randomBytes(24).toString("base64url");
  const row = await prisma.pixelSettings.upsert({
    where: { shop },
    create: { shop, key, origins },
    update: origins.length > 0 ? { origins, updatedAt: new Date() } : {},
  });
  return { key: row.key, origins: row.origins };
}
