// A test's local Shopify: the simulator started with the app's credentials and the seam pointed
// at it, and shops installed the way a token exchange leaves them (an offline session stored).
// Import app modules only after `startSimulatorForApp`: the seam is read when they load.
import { Session } from "@shopify/shopify-api";
import type { AdminGraphql } from "#app/shopify/admin-client.server";
import { ADMIN_API_VERSION } from "#app/shopify/api-version";
import { startSimulator, type IssuedToken, type SimulatorHandle, type SimulatorOptions } from "#simulator/index";

export async function startSimulatorForApp(options: Omit<SimulatorOptions, "apiKey" | "apiSecret">): Promise<SimulatorHandle> {
  const simulator = await startSimulator({
    apiKey: process.env.SHOPIFY_API_KEY!,
    apiSecret: process.env.SHOPIFY_API_SECRET!,
    ...options,
  });
  // The seam: every Admin API request of the app goes to the simulator.
  process.env.SHOPIFY_SIMULATOR_URL = simulator.url;
  return simulator;
}

/**
 * Issues the shop an offline token (the simulator's default scopes unless `scope`), stores its
 * session and records the shop as installed, as the app's install hook does (without queuing
 * its first sync: the test runs what it needs).
 */
export async function installOffline(simulator: SimulatorHandle, shop: string, scope?: string): Promise<IssuedToken> {
  const { sessionStorage } = await import("#app/shopify.server");
  const { default: prisma } = await import("#app/db.server");
  const token = simulator.installations.issue({ shop, kind: "offline", scope });
  await sessionStorage.storeSession(
    new Session({ id: `offline_${shop}`, shop, state: "installed", isOnline: false, accessToken: token.accessToken, scope: token.scope }),
  );
  const installed = { scopes: token.scope, installedAt: new Date(), uninstalledAt: null };
  await prisma.shop.upsert({ where: { domain: shop }, create: { domain: shop, ...installed }, update: installed });
  return token;
}

/** GraphQL straight to the simulator with a token, for a client made without the seam or a session. */
export function simulatorGraphql(simulator: SimulatorHandle, shop: string, accessToken: string): AdminGraphql {
  return (query, options) =>
    fetch(`${simulator.url}/${shop}/admin/api/${ADMIN_API_VERSION}/graphql.json`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-shopify-access-token": accessToken },
      body: JSON.stringify({ query, variables: options?.variables }),
    });
}
