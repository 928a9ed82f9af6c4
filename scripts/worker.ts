// `npm run worker`: a worker process. Run as many as needed, on as many machines as needed,
// all pointed at the same DATABASE_URL; they share the queues.
import { stopJobQueue } from "#app/jobs/queue.server";
import { startWorkers } from "#app/jobs/worker.server";

const stop = await startWorkers();
console.log("Metryka worker started; Ctrl+C to stop.");
const shutdown = async () => {
  await stop();
  await stopJobQueue();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
