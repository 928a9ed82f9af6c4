// Vitest ends a run with exit code 1 and prints nothing when its global setup dies of an
// uncaught exception (an 'error' event nobody listens to, e.g. a program that cannot be started);
// an error it throws is printed after a misleading "No test files found". The setup runs inside
// this guard instead: any failure is printed, with what failed, and the run ends with code 1.
export async function reportFailures<T>(what: string, work: () => Promise<T>): Promise<T> {
  const fail = (error: unknown): never => {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`\n${what} failed:\n${detail}\n\n`);
    process.exit(1);
  };
  process.on("uncaughtException", fail);
  try {
    return await work();
  } catch (error) {
    return fail(error);
  } finally {
    process.off("uncaughtException", fail);
  }
}
