// Single-process installs (and the demo) run the worker inside the web process.
import { env } from "#app/env.server";
import { errorMessage } from "#app/error-message";

declare global {
  // One worker per process, across Vite dev-server reloads: its stop function once started.
  var __metrykaInlineWorker: Promise<(() => Promise<void>) | null> | undefined;
}

/** Starts the worker in this process unless METRYKA_INLINE_WORKER=false or it already runs. */
export function startInlineWorker(): void {
  if (!env.METRYKA_INLINE_WORKER || globalThis.__metrykaInlineWorker) return;
  // Loaded only here: stopping (every command-line run does) must not load the Shopify app.
  globalThis.__metrykaInlineWorker = import("./worker.server")
    .then(({ startWorkers }) => startWorkers())
    .catch((error: unknown) => {
    console.error(`[jobs] the in-process worker did not start: ${errorMessage(error)}`);
    return null;
  });
}

/** Stops taking jobs in this process, if it runs the worker (the queue is stopped by `stopJobQueue`). */
export async function stopInlineWorker(): Promise<void> {
  const running = globalThis.__metrykaInlineWorker;
  globalThis.__metrykaInlineWorker = undefined;
  const stop = await running;
  await stop?.();
}
