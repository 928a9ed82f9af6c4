// The whole app on one machine with no Shopify account: PostgreSQL, the simulator with a
// generated store, and the app pointed at both; then the app installed into the store (the
// token exchange a first admin load does) and the store synced. Used by `npm run demo`, the
// browser tests and the benchmarks.
import pg from "pg";
import { generateStore, startSimulator, type SimStore, type SimulatorHandle } from "../../simulator";
import type { StoreShape } from "../../simulator/seed";
import { sessionToken } from "../../simulator/app-bridge";
import { startApp, type AppServer } from "./app-server";

export const DEMO_API_KEY = "metryka-demo-key";
/** The demo shop's size: customers of a "store"-shaped history, which gives tens of thousands of orders. */
export const DEMO_CUSTOMERS = 11_000;
export const DEMO_API_SECRET = "metryka-demo-secret";
// A browser's user agent: the Shopify library answers bots (HeadlessChrome included) with 410.
export const BROWSER_USER_AGENT =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

export interface LocalStack {
  store: SimStore;
  shop: string;
  simulator: SimulatorHandle;
  app: AppServer;
  /**
   * Opens the embedded app the way the admin's first load does: with a fresh session token and
   * the admin user's language (`locale`, English unless given).
   */
  embeddedUrl(path?: string, locale?: string): string;
  /** The other stores (`moreStores`), installed and synced too. */
  others: SimStore[];
  /** embeddedUrl for any of the stores. */
  embeddedUrlFor(shop: string, path?: string, locale?: string): string;
  /** Settles when every store's first sync has succeeded (already settled unless `syncInBackground`). */
  synced: Promise<void>;
  stop(): Promise<void>;
}

export interface StackOptions {
  databaseUrl: string;
  appPort: number;
  simulatorPort?: number;
  mode: "dev" | "production";
  seed?: number;
  customers?: number;
  /** The generated store's shape (simulator/seed.ts); the tests' compact stores unless "store". */
  shape?: StoreShape;
  now?: Date;
  echo?: boolean;
  /** Visitors on the store's storefront, sent to the app's collector once its pixel is active (the demo). */
  storefront?: boolean;
  /** More stores in the same simulator, each installed and synced like the first (an agency's clients). */
  moreStores?: Array<{ seed: number; customers?: number; domain: string; name?: string; currencyCode?: string; timeZone?: string }>;
  /** Return once the stores are installed, their first sync still running (`synced` settles when it is done). */
  syncInBackground?: boolean;
}

/** Shopify's `host` parameter: base64 of the admin URL the app is embedded in. */
export function hostParam(shop: string): string {
  return Buffer.from(`admin.shopify.com/store/${shop.replace(/\.myshopify\.com$/, "")}`).toString("base64url");
}

export async function waitForSync(databaseUrl: string, shop: string, timeoutMs: number): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query<{ status: string; error: string | null }>(
        "SELECT status, error FROM sync_state WHERE shop = $1",
        [shop],
      );
      const state = rows[0];
      if (state?.status === "succeeded") return;
      if (state?.status === "failed") throw new Error(`sync failed: ${state.error}`);
      if (Date.now() > deadline) throw new Error(`sync of ${shop} did not finish in ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await client.end();
  }
}

export async function startLocalStack(options: StackOptions): Promise<LocalStack> {
  const now = options.now ?? new Date();
  const store = generateStore({ seed: options.seed ?? 42, now: now.toISOString(), customers: options.customers, shape: options.shape });
  const others = (options.moreStores ?? []).map((more) => generateStore({ ...more, now: now.toISOString() }));
  const shop = store.shop.domain;
  const appUrl = `http://localhost:${options.appPort}`;
  const simulator = await startSimulator({
    port: options.simulatorPort ?? 0,
    apiKey: DEMO_API_KEY,
    apiSecret: DEMO_API_SECRET,
    stores: [store, ...others],
    appUrl,
    // The rate limits of a Shopify Plus store (1,000 points/s), so a first sync over paged
    // queries takes seconds rather than minutes.
    bucket: { maximumAvailable: 20_000, restoreRate: 1_000 },
    // A few visitors every five seconds: a live funnel, and orders from its checkouts.
    ...(options.storefront ? { storefront: { intervalMs: 5_000, visitors: 6 } } : {}),
  });
  let app: AppServer;
  try {
    app = await startApp({
      port: options.appPort,
      mode: options.mode,
      echo: options.echo,
      env: {
        DATABASE_URL: options.databaseUrl,
        SHOPIFY_API_KEY: DEMO_API_KEY,
        SHOPIFY_API_SECRET: DEMO_API_SECRET,
        SHOPIFY_APP_URL: appUrl,
        SHOPIFY_SIMULATOR_URL: simulator.url,
        APP_BRIDGE_URL: `${simulator.url}/_sim/app-bridge.js`,
        METRYKA_INLINE_WORKER: "true",
      },
    });
  } catch (error) {
    await simulator.close();
    throw error;
  }
  const embeddedUrlFor = (forShop: string, path = "/app", locale = "en") =>
    `${appUrl}${path}?${new URLSearchParams({
      embedded: "1",
      shop: forShop,
      host: hostParam(forShop),
      locale,
      id_token: sessionToken({ shop: forShop, apiKey: DEMO_API_KEY, apiSecret: DEMO_API_SECRET }),
    })}`;
  const embeddedUrl = (path = "/app", locale?: string) => embeddedUrlFor(shop, path, locale);
  const stop = async () => {
    await app.stop();
    await simulator.close();
  };
  try {
    // The admin's first load of the app: token exchange, then the install hook starts the sync.
    for (const each of [shop, ...others.map((other) => other.shop.domain)]) {
      const install = await fetch(embeddedUrlFor(each), { headers: { "User-Agent": BROWSER_USER_AGENT } });
      if (!install.ok) throw new Error(`installing into ${each} answered ${install.status}\n${app.output().slice(-3000)}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const synced = (async () => {
    for (const each of [shop, ...others.map((other) => other.shop.domain)]) await waitForSync(options.databaseUrl, each, 180_000);
  })();
  if (options.syncInBackground) {
    // The caller awaits `synced`; until then a failure must not surface as an unhandled rejection.
    synced.catch(() => {});
  } else {
    try {
      await synced;
    } catch (error) {
      await stop();
      throw error;
    }
  }
  return { store, shop, simulator, app, embeddedUrl, others, embeddedUrlFor, synced, stop };
}
