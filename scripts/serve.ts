// `npm start`: serves the app against its database, DATABASE_URL or (outside production) the
// embedded PostgreSQL under .data/, started here and stopped with it; migrations first.
//   npm start                    the production build (`npm run build` first)
//   tsx scripts/serve.ts --dev   Vite's dev server (what `shopify app dev` runs, see shopify.web.toml)
// `npm start` is how a deployment runs the app, so NODE_ENV defaults to production there: that
// needs DATABASE_URL and refuses the simulator's settings (app/env.server.ts). To serve the build
// on the embedded PostgreSQL instead, set NODE_ENV=development.
import { parseArgs } from "node:util";
import { startHttpServer } from "../server/http-server";
import { localDatabase } from "./lib/local-database";
import { onShutdown } from "./lib/on-shutdown";
import { PROJECT_ROOT } from "./lib/postgres";
import { errorMessage } from "../app/error-message";

const { values } = parseArgs({
  options: {
    dev: { type: "boolean", default: false },
    port: { type: "string", default: process.env.PORT ?? "3000" },
    host: { type: "string" },
  },
});
process.env.NODE_ENV ??= values.dev ? "development" : "production";

try {
  const { url, server: database } = await localDatabase();
  process.env.DATABASE_URL = url;
  let server: Awaited<ReturnType<typeof startHttpServer>> | undefined;
  onShutdown(async () => {
    await server?.close();
    await database.stop();
  });
  server = await startHttpServer({
    root: PROJECT_ROOT,
    build: values.dev ? "development" : "production",
    port: Number(values.port),
    host: values.host,
  }).catch(async (error: unknown) => {
    await database.stop();
    throw error;
  });
  console.log(`Metryka listening on ${server.url}`);
} catch (error) {
  process.stderr.write(`${errorMessage(error)}\n`);
  process.exit(1);
}
