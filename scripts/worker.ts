// `npm run worker`: a worker process. Run as many as needed, on as many machines as needed,
// all pointed at the same DATABASE_URL; they share the queues. Outside production, without
// DATABASE_URL, it works on the embedded PostgreSQL under .data/ (started if not running).
import { localDatabase } from "./lib/local-database";
import { onShutdown } from "./lib/on-shutdown";
import { errorMessage } from "../app/error-message";

try {
  // Migrations are the deployment's business with DATABASE_URL (npm run db:migrate, npm start).
  const { url, server: database } = await localDatabase({ migrate: !process.env.DATABASE_URL });
  process.env.DATABASE_URL = url;
  let stopWorkers: (() => Promise<void>) | undefined;
  onShutdown(async () => {
    await stopWorkers?.();
    const { closeAppResources } = await import("#app/shutdown.server");
    await closeAppResources();
    await database.stop();
  });
  // App modules read the environment when imported: after DATABASE_URL is set.
  const { startWorkers } = await import("#app/jobs/worker.server");
  stopWorkers = await startWorkers();
  console.log("Metryka worker started; Ctrl+C to stop.");
} catch (error) {
  process.stderr.write(`${errorMessage(error)}\n`);
  process.exit(1);
}
