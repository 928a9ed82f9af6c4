// `npm run demo`: Metryka end to end on this machine with nothing else installed. Starts
// PostgreSQL (embedded, data in .data/), the local Shopify simulator with a generated store,
// and the app; installs the app into the store, syncs it, and prints the dashboard's URL.
// Options: --dev (Vite dev server with hot reload), --port N (app, default 3000),
// --seed N and --customers N (the generated store).
import { parseArgs } from "node:util";
import { buildApp } from "./lib/app-server";
import { cloneDatabase } from "./lib/postgres";
import { localDatabase } from "./lib/local-database";
import { migrateDeploy } from "./lib/prisma-cli";
import { startLocalStack } from "./lib/stack";

const { values } = parseArgs({
  options: {
    dev: { type: "boolean", default: false },
    port: { type: "string", default: process.env.PORT ?? "3000" },
    "simulator-port": { type: "string", default: "4100" },
    seed: { type: "string", default: "42" },
    customers: { type: "string", default: "400" },
  },
});

const step = (text: string) => process.stdout.write(`• ${text}\n`);
const started = Date.now();

step("Starting PostgreSQL");
const { server } = await localDatabase({ migrate: false });
// The demo store is generated anew each run, so it gets a database of its own, made fresh.
await cloneDatabase(server, "template0", "metryka_demo");
const databaseUrl = server.urlFor("metryka_demo");
await migrateDeploy(databaseUrl);

if (!values.dev) {
  step("Building the app");
  await buildApp();
}

step("Starting the Shopify simulator and the app, installing, syncing");
const stack = await startLocalStack({
  databaseUrl,
  appPort: Number(values.port),
  simulatorPort: Number(values["simulator-port"]),
  mode: values.dev ? "dev" : "production",
  seed: Number(values.seed),
  customers: Number(values.customers),
});

const orders = stack.store.orders.length;
console.log(`
Metryka is running (${((Date.now() - started) / 1000).toFixed(0)} s).

  Store      ${stack.shop} (${stack.store.shop.ianaTimezone}, ${stack.store.shop.currencyCode}), ${orders} orders
  Simulator  ${stack.simulator.url}
  Database   ${databaseUrl.replace(/:[^:@/]+@/, ":***@")}

Open the dashboard:

  ${stack.dashboardUrl}

Press Ctrl+C to stop.
`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await stack.stop();
  await server.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
