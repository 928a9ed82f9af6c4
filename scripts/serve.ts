// Runs the app against its database: DATABASE_URL, or the embedded PostgreSQL under .data/
// (started here), with migrations applied first.
//   npm start                 the production build (`npm run build` first)
//   tsx scripts/serve.ts --dev the Vite dev server (what `shopify app dev` runs, see shopify.web.toml)
import { spawn } from "node:child_process";
import { localDatabase } from "./lib/local-database";
import { jobProcessNodeOptions } from "./lib/node-options";

const dev = process.argv.includes("--dev");
const { url, server } = await localDatabase();
const command = dev ? ["remix", "vite:dev"] : ["remix-serve", "build/server/index.js"];
const child = spawn("npx", command, {
  stdio: "inherit",
  env: { ...process.env, DATABASE_URL: url, NODE_OPTIONS: jobProcessNodeOptions() },
});
const stop = () => child.kill("SIGTERM");
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
child.on("exit", async (code) => {
  await server.stop();
  process.exit(code ?? 0);
});
