// Single-process installs (and the demo) run the worker inside the web process.
import { env } from "#app/env.server";
import { startWorkers } from "./worker.server";

declare global {
  // One worker per process, across Vite dev-server reloads.
  var __metrykaInlineWorker: Promise<unknown> | undefined;
}

if (env.METRYKA_INLINE_WORKER && !globalThis.__metrykaInlineWorker) {
  globalThis.__metrykaInlineWorker = startWorkers().catch((error: unknown) => {
    console.error(`[jobs] the in-process worker did not start: ${error instanceof Error ? error.message : String(error)}`);
  });
}
