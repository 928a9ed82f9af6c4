// Serves the app until told to stop (server/http-server.ts; stopping: scripts/lib/on-shutdown.ts).
// DATABASE_URL and the app's environment must be set; `npm start` (scripts/serve.ts) sets up the
// database first, the local stack (scripts/lib/app-server.ts) starts this as a child process.
//   node --import tsx server/main.ts --build production|development --port 3000 [--host 127.0.0.1]
import path from "node:path";
import { parseArgs } from "node:util";
import { onShutdown } from "../scripts/lib/on-shutdown";
import { startHttpServer, type BuildMode } from "./http-server";

const { values } = parseArgs({
  options: {
    build: { type: "string", default: "production" },
    port: { type: "string", default: process.env.PORT ?? "3000" },
    host: { type: "string" },
  },
});
if (values.build !== "production" && values.build !== "development") {
  process.stderr.write(`--build must be production or development, not ${values.build}\n`);
  process.exit(2);
}

try {
  const server = await startHttpServer({
    root: path.resolve(import.meta.dirname, ".."),
    build: values.build as BuildMode,
    port: Number(values.port),
    host: values.host,
  });
  onShutdown(() => server.close());
  console.log(`Metryka listening on ${server.url}`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
