// GIVEN the app's source, THEN its ownership rules hold: only app/sync/sync-state.server.ts
// writes sync_state; only the order writer (and the row writer beneath it) writes orders,
// refunds, customers and tombstones, and only it refreshes the rollups after a write; and no
// module of app/ imports itself back through others (the install hook and the jobs it queues
// once imported each other).
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");
const APP = path.join(ROOT, "app");

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "test-helpers" ? [] : sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

const files = sourceFiles(APP);
const relative = (file: string) => path.relative(ROOT, file);
const text = new Map(files.map((file) => [file, fs.readFileSync(file, "utf8")]));

/** Files (relative paths) whose text matches `pattern`, other than `allowed`. */
function offenders(pattern: RegExp, allowed: string[]): string[] {
  return files.filter((file) => pattern.test(text.get(file)!) && !allowed.includes(relative(file))).map(relative);
}

/** The app modules a file imports statically (`import … from`, `export … from`). */
function imports(file: string): string[] {
  const found: string[] = [];
  for (const match of text.get(file)!.matchAll(/^(?:import|export)\s[^;]*?from\s+"([^"]+)"/gm)) {
    const specifier = match[1];
    let target: string | null = null;
    if (specifier.startsWith("#app/")) target = path.join(APP, specifier.slice("#app/".length));
    else if (specifier.startsWith(".")) target = path.resolve(path.dirname(file), specifier);
    if (!target) continue;
    const resolved = [target, `${target}.ts`, `${target}.tsx`, path.join(target, "index.ts")].find((candidate) => text.has(candidate));
    if (resolved) found.push(resolved);
  }
  return found;
}

const SYNC_STATE_WRITES = [
  /syncState\.(create|createMany|update|updateMany|upsert|delete|deleteMany)\(/,
  /(INSERT INTO|UPDATE|DELETE FROM)\s+"?sync_state\b/i,
];
const ORDER_TABLES = "orders|refunds|customers|order_line_items|refund_line_items|deleted_records";
const ORDER_MODELS = "order|refund|customer|orderLineItem|refundLineItem|deletedRecord";
const ORDER_WRITES = [
  new RegExp(`(INSERT INTO|UPDATE|DELETE FROM)\\s+"?(${ORDER_TABLES})\\b`, "i"),
  new RegExp(`\\.(${ORDER_MODELS})\\.(create|createMany|update|updateMany|upsert|delete|deleteMany)\\(`),
  /import[^;]*\bwithRowWriter\b[^;]*from/,
];
const ROLLUP_REFRESH = /\brefresh(DailyRollups|RollupsIn)\(/;

describe("ownership", () => {
  it("only sync-state.server.ts writes sync_state", () => {
    for (const pattern of SYNC_STATE_WRITES) expect(offenders(pattern, ["app/sync/sync-state.server.ts"])).toEqual([]);
  });

  it("only the order writer writes orders, refunds, customers and tombstones", () => {
    const writers = ["app/sync/order-writer.server.ts", "app/sync/store-orders.server.ts"];
    for (const pattern of ORDER_WRITES) expect(offenders(pattern, writers)).toEqual([]);
  });

  it("only the order writer refreshes the rollups after a write", () => {
    expect(offenders(ROLLUP_REFRESH, ["app/sync/order-writer.server.ts", "app/metrics/rollups.server.ts"])).toEqual([]);
  });

  it("finds the owners' own writes, so the checks above can fail", () => {
    expect(SYNC_STATE_WRITES.flatMap((pattern) => offenders(pattern, []))).toContain("app/sync/sync-state.server.ts");
    for (const pattern of ORDER_WRITES) expect(offenders(pattern, [])).not.toEqual([]);
    expect(offenders(ROLLUP_REFRESH, [])).toContain("app/sync/order-writer.server.ts");
  });
});

describe("imports", () => {
  it("app/ has no import cycle", () => {
    const cycles: string[] = [];
    const state = new Map<string, "visiting" | "done">();
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "visiting") {
        cycles.push([...trail.slice(trail.indexOf(file)), file].map(relative).join(" → "));
        return;
      }
      state.set(file, "visiting");
      for (const target of imports(file)) visit(target, [...trail, file]);
      state.set(file, "done");
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it("finds the app's imports, so the check above can fail", () => {
    const shopify = path.join(APP, "shopify.server.ts");
    expect(imports(shopify).map(relative)).toEqual(expect.arrayContaining(["app/db.server.ts", "app/jobs/requests.server.ts"]));
  });
});
