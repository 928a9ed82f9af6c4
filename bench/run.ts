// Runs every bench/*.bench.ts (or those named on the command line, e.g. `ingest`) and prints
// the union of their results as one JSON array on stdout: [{ name, unit, value, baseline,
// ratio }]. Each module's default export is `async () => BenchResult[]`.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { stopBenchDatabase } from "./lib/database";
import { note, type Bench, type BenchResult } from "./lib/timing";

// Stdout holds the result alone: what a module or a library logs (the Shopify library announces
// its version on console.log when the app's modules load) goes to stderr with the notes.
for (const method of ["log", "info", "debug"] as const) console[method] = console.error;

const dir = import.meta.dirname;
const only = process.argv.slice(2);
const files = fs
  .readdirSync(dir)
  .filter((file) => file.endsWith(".bench.ts"))
  .filter((file) => only.length === 0 || only.includes(file.replace(/\.bench\.ts$/, "")))
  .sort();

// Interrupted: still stop the throwaway server and remove its files.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void stopBenchDatabase().finally(() => process.exit(130));
  });
}

const results: BenchResult[] = [];
let failed = false;
try {
  if (files.length === 0) throw new Error(`No benchmark matches ${only.join(", ") || "bench/*.bench.ts"}`);
  for (const file of files) {
    note(`${file}…`);
    const module = (await import(pathToFileURL(path.join(dir, file)).href)) as { default?: Bench };
    if (typeof module.default !== "function") throw new Error(`${file} has no default export function`);
    results.push(...(await module.default()));
  }
} catch (error) {
  failed = true;
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
} finally {
  await stopBenchDatabase();
}
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
process.exit(failed ? 1 : 0);
