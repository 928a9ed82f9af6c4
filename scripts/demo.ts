// `npm run demo`: Metryka end to end on this machine with nothing else installed. Starts
// PostgreSQL (embedded, data in .data/ or METRYKA_DATA_DIR), the local Shopify simulator with a
// generated store, and the app; installs the app into the store, syncs it, and prints the
// dashboard's URL. Ctrl+C, or SIGTERM to npm, stops all of it; so does this process dying.
// Options: --dev (Vite dev server with hot reload), --port N (app, default 3000),
// --simulator-port N (default 4100), --seed N, --customers N and --shape store|compact (the
// generated store: by default a store's real shape, about 25,000 orders over 26 months).
import { parseArgs } from "node:util";
import { buildApp } from "./lib/app-server";
import { localDatabase } from "./lib/local-database";
import { onShutdown } from "./lib/on-shutdown";
import { cloneDatabase } from "./lib/postgres";
import { migrateDeploy } from "./lib/prisma-cli";
import { DEMO_CUSTOMERS, startLocalStack } from "./lib/stack";
import { errorMessage } from "../app/error-message";

const { values } = parseArgs({
  options: {
    dev: { type: "boolean", default: false },
    port: { type: "string", default: process.env.PORT ?? "3000" },
    "simulator-port": { type: "string", default: "4100" },
    seed: { type: "string", default: "42" },
    customers: { type: "string", default: String(DEMO_CUSTOMERS) },
    shape: { type: "string", default: "store" },
  },
});
if (values.shape !== "store" && values.shape !== "compact") {
  process.stderr.write(`--shape is "store" or "compact", not "${values.shape}"\n`);
  process.exit(2);
}
const shape = values.shape;

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
const step = (text: string) => process.stdout.write(`• ${text} (${elapsed()})\n`);
// What is running, stopped last first.
const running: Array<() => Promise<void>> = [];
onShutdown(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
});

try {
  // The app runs against the simulator, which production refuses: the demo is never a deployment.
  if (process.env.NODE_ENV === "production") throw new Error("npm run demo runs against the Shopify simulator: unset NODE_ENV=production.");

  step("Starting PostgreSQL");
  const { server } = await localDatabase({ migrate: false });
  running.push(() => server.stop());
  // The demo store is generated anew each run, so it gets a database of its own, made fresh.
  await cloneDatabase(server, "template0", "metryka_demo");
  const databaseUrl = server.urlFor("metryka_demo");
  await migrateDeploy(databaseUrl);

  if (!values.dev) {
    step("Building the app");
    await buildApp();
  }

  step("Generating the store, starting the Shopify simulator and the app, installing");
  const stack = await startLocalStack({
    databaseUrl,
    appPort: Number(values.port),
    simulatorPort: Number(values["simulator-port"]),
    mode: values.dev ? "dev" : "production",
    seed: Number(values.seed),
    customers: Number(values.customers),
    shape,
    storefront: true,
    // The first sync copies tens of thousands of orders through a bulk operation: the dashboard
    // opens meanwhile and shows its progress.
    syncInBackground: true,
  });
  running.push(() => stack.stop());

  const orders = stack.store.orders.length;
  console.log(`
Metryka is running (${elapsed()}).

  Store      ${stack.shop} (${stack.store.shop.ianaTimezone}, ${stack.store.shop.currencyCode}), ${orders} orders
  Simulator  ${stack.simulator.url}
  Database   ${databaseUrl.replace(/:[^:@/]+@/, ":***@")}

The store's storefront sends a few visitors every five seconds to the app's web pixel collector
(their checkouts become orders): the Conversion page's funnel grows as you watch.

The first sync is copying the store's orders now (a bulk operation, as on Shopify); the pages
show its progress until it is done, and a line here says when.

Open the dashboard (the link carries a session token as the admin's first load does; once it
expires, the page asks the simulator's stand-in for App Bridge for a new one):

  ${stack.embeddedUrl("/app")}

Press Ctrl+C to stop.
`);
  try {
    await stack.synced;
    step(`The first sync is done: ${orders} orders and ${stack.store.customers.length} customers copied`);
  } catch (error) {
    // The app keeps running: the Data sync page shows the failure and can start the sync again.
    step(`The first sync did not finish: ${errorMessage(error)}`);
  }
} catch (error) {
  process.stderr.write(`\nThe demo did not start: ${errorMessage(error)}\n`);
  for (const stop of running.splice(0).reverse()) await stop().catch(() => {});
  process.exit(1);
}
