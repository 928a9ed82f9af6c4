// What each webhook topic changes in Metryka's copy of a store.
import prisma from "#app/db.server";

function customerIdOf(payload: Record<string, unknown>): bigint | null {
  const customer = payload.customer as { id?: unknown } | undefined;
  const id = customer?.id;
  if (typeof id === "number" || (typeof id === "string" && /^\d+$/.test(id))) return BigInt(id);
  return null;
}

/** Every row the app holds for a shop, gone. */
export async function eraseShop(shop: string) {
  await prisma.$transaction([
    prisma.refund.deleteMany({ where: { shop } }),
    prisma.order.deleteMany({ where: { shop } }),
    prisma.customer.deleteMany({ where: { shop } }),
    prisma.syncState.deleteMany({ where: { shop } }),
    prisma.shopSettings.deleteMany({ where: { shop } }),
    prisma.session.deleteMany({ where: { shop } }),
    prisma.webhookEvent.deleteMany({ where: { shop } }),
    prisma.shop.deleteMany({ where: { domain: shop } }),
  ]);
}

/**
 * The customer record goes; their orders stay as anonymous amounts (so sales totals do not
 * change), detached from any customer id.
 */
export async function eraseCustomer(shop: string, customerId: bigint) {
  await prisma.$transaction([
    prisma.order.updateMany({ where: { shop, customerId }, data: { customerId: null } }),
    prisma.customer.deleteMany({ where: { shop, id: customerId } }),
  ]);
}

export async function applyWebhook(shop: string, topic: string, payload: Record<string, unknown>) {
  // The header says "customers/data_request"; the library may give "CUSTOMERS_DATA_REQUEST".
  switch (topic.toLowerCase().replace(/\//g, "_")) {
    case "app_uninstalled":
      await prisma.session.deleteMany({ where: { shop } });
      await prisma.shop.updateMany({ where: { domain: shop }, data: { uninstalledAt: new Date() } });
      return;
    case "shop_redact":
      await eraseShop(shop);
      return;
    case "customers_redact": {
      const customerId = customerIdOf(payload);
      if (customerId !== null) await eraseCustomer(shop, customerId);
      return;
    }
    case "customers_data_request":
      // The recorded event is the request; Metryka holds no personal data beyond the
      // customer's id and order amounts, which the merchant can export from the app.
      return;
    default:
      return;
  }
}
