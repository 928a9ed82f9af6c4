// What a process running app code holds open, closed in order: first no more jobs are taken,
// then the queue's own connections, then the SQL pools and Prisma's. A process that stops its
// database afterwards (the command line, the local stack) then ends without connection errors.
import prisma from "./db.server";
import { endSqlPool } from "./db-pool.server";
import { stopInlineWorker } from "./jobs/inline-worker.server";
import { stopJobQueue } from "./jobs/queue.server";

export async function closeAppResources(): Promise<void> {
  await stopInlineWorker();
  await stopJobQueue();
  await endSqlPool();
  await prisma.$disconnect();
}
