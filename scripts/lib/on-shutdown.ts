// One way for every long-running process of the project to stop: on SIGTERM (a container stop,
// or npm passing it on), SIGINT (Ctrl+C), SIGHUP (the terminal closed), or when the process that
// started it with an IPC channel goes away (even killed with SIGKILL), `stop` runs once and the
// process exits. npm forwards the signal it gets to its script while the terminal sends Ctrl+C to
// the whole group, so the same signal often arrives twice: repeats are ignored, and a stop that
// hangs ends the process after `limitMs`.
const SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP"] as const;

export function onShutdown(stop: (reason: string) => Promise<void>, { limitMs = 30_000 }: { limitMs?: number } = {}): void {
  let stopping = false;
  const begin = (reason: string) => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      process.stderr.write(`did not stop within ${limitMs / 1000} s (${reason}); exiting\n`);
      process.exit(1);
    }, limitMs).unref();
    stop(reason).then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`stopping failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  for (const signal of SIGNALS) process.on(signal, () => begin(signal));
  if (process.channel) {
    // The channel is only a lifeline: it must not keep the process running by itself.
    process.channel.unref();
    process.on("disconnect", () => begin("its parent is gone"));
  }
}
