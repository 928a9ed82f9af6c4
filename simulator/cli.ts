/**
 * Starts the local Shopify with generated stores:
 *   tsx simulator/cli.ts --port 4100 --seed 42 --customers 400 [--shape store] [--stores 2] [--app-url http://localhost:3000]
 *                        [--now 2026-11-28T12:00:00Z] [--zone America/New_York] [--currency USD]
 *                        [--faults '{"throttleRate":0.2,"serverErrorRate":0.05,"seed":7}']
 * `--shape store` generates a real store's shape (growth, seasons, repeat buying; seed.ts), as the
 * demo shop is: `--customers 11000 --shape store` is `npm run demo`'s store, about 25,000 orders.
 * `--faults` takes FaultOptions as JSON (faults.ts); change them later with PUT/DELETE /_sim/faults.
 * Reads SHOPIFY_API_KEY / SHOPIFY_API_SECRET (demo defaults otherwise).
 */
import { parseArgs } from "node:util";
import { validateFaultOptions, type FaultOptions } from "./faults";
import { generateStore } from "./seed";
import { startSimulator } from "./server";
import { storeTotals } from "./truth";
import { formatMinor } from "./money";

const DEMO_API_KEY = "metryka-demo-api-key";
const DEMO_API_SECRET = "metryka-demo-api-secret";
const EXTRA_STORES: ReadonlyArray<{ domain: string; name: string; zone: string; currency: string }> = [
  { domain: "metryka-demo.myshopify.com", name: "Metryka Demo Store", zone: "America/New_York", currency: "USD" },
  { domain: "metryka-berlin.myshopify.com", name: "Metryka Berlin", zone: "Europe/Berlin", currency: "EUR" },
  { domain: "metryka-sydney.myshopify.com", name: "Metryka Sydney", zone: "Australia/Sydney", currency: "AUD" },
  { domain: "metryka-tokyo.myshopify.com", name: "Metryka Tokyo", zone: "Asia/Tokyo", currency: "JPY" },
];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "4100" },
      host: { type: "string", default: "127.0.0.1" },
      seed: { type: "string", default: "42" },
      customers: { type: "string", default: "400" },
      shape: { type: "string", default: "compact" },
      stores: { type: "string", default: "1" },
      now: { type: "string" },
      zone: { type: "string" },
      currency: { type: "string" },
      "app-url": { type: "string" },
      faults: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log("Usage: tsx simulator/cli.ts --port 4100 --seed 42 --customers 400 [--shape compact|store] [--stores N] [--app-url URL] [--now ISO] [--zone IANA] [--currency XXX] [--faults JSON]");
    return;
  }
  const shape = values.shape;
  if (shape !== "compact" && shape !== "store") throw new Error(`--shape is "compact" or "store", not "${shape}"`);
  let faults: FaultOptions | undefined;
  if (values.faults !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(values.faults);
    } catch {
      throw new Error(`--faults is not JSON: ${values.faults}`);
    }
    faults = validateFaultOptions(parsed);
  }
  const apiKey = process.env.SHOPIFY_API_KEY || DEMO_API_KEY;
  const apiSecret = process.env.SHOPIFY_API_SECRET || DEMO_API_SECRET;
  const now = values.now ?? new Date().toISOString();
  const seed = Number(values.seed);
  const count = Math.max(1, Math.min(EXTRA_STORES.length, Number(values.stores)));
  const stores = EXTRA_STORES.slice(0, count).map((s, i) =>
    generateStore({
      seed: seed + i,
      now,
      customers: Number(values.customers),
      shape,
      domain: s.domain,
      name: s.name,
      timeZone: i === 0 && values.zone ? values.zone : s.zone,
      currencyCode: i === 0 && values.currency ? values.currency : s.currency,
    }),
  );
  const sim = await startSimulator({
    port: Number(values.port),
    host: values.host,
    apiKey,
    apiSecret,
    stores,
    appUrl: values["app-url"],
    faults,
    log: (line) => console.log(`[simulator] ${line}`),
  });
  console.log(`Shopify simulator listening on ${sim.url}`);
  console.log(`App credentials: SHOPIFY_API_KEY=${apiKey}${process.env.SHOPIFY_API_SECRET ? "" : ` SHOPIFY_API_SECRET=${apiSecret}`}`);
  for (const store of stores) {
    const t = storeTotals(store);
    console.log(
      `  ${store.shop.domain}  ${store.shop.ianaTimezone}  ${store.shop.currencyCode}  ` +
        `${t.orders} orders, ${t.customers} customers, net sales ${formatMinor(t.netSales, t.currencyCode)}`,
    );
  }
  if (faults && Object.keys(faults).length > 0) console.log(`Faults: ${JSON.stringify(faults)} (PUT/DELETE ${sim.url}/_sim/faults to change)`);
  console.log(`Rewrite https://<shop>/<path> to ${sim.url}/<shop>/<path>. Ground truth: GET ${sim.url}/_sim/stores/<shop>/totals`);
  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
