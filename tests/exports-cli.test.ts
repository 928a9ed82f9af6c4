// GIVEN a store, WHEN `metryka export <what>` runs, THEN the file it writes (--out) or prints is
// byte for byte the registry's export of the same query with English headings; an unknown
// export or an impossible date ends with exit code 2, says why (the unknown one listing every
// export there is), and writes nothing; while the store's figures are being recomputed in a new
// time zone, it says so and waits, then writes the file in that zone.
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csvText } from "#app/exports/csv.server";
import { EXPORT_NAMES, EXPORTS } from "#app/exports/registry.server";
import { durationInUnits } from "#app/metrics/rebuild-progress";
import { ensureDailyRollups } from "#app/metrics/rollups.server";
import { fixtureShop, order } from "#app/metrics/test-helpers/fixtures";
import { holdShopLock } from "./support/rollup-lock";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "..");
const NOW = "2026-03-20T12:00:00.000Z";

function metryka(...args: string[]) {
  return run(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(ROOT, "scripts/metryka.ts"), ...args], {
    cwd: ROOT,
    env: { ...process.env },
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** What a failed run left: its exit code and what it said. */
async function failure(promise: Promise<unknown>): Promise<{ code: number; stderr: string }> {
  const error = (await promise.then(
    () => null,
    (problem: unknown) => problem,
  )) as { code: number; stderr: string } | null;
  expect(error, "the command should have failed").not.toBeNull();
  return { code: error!.code, stderr: error!.stderr };
}

describe("metryka export", () => {
  let shop: string;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "metryka-export-"));
    shop = await fixtureShop(
      {
        orders: [
          order({ id: "1", customerId: "7", at: "2025-12-03T10:00:00Z", grossSales: 10_000, currencyCode: "EUR" }),
          order({ id: "2", customerId: "7", at: "2026-01-09T10:00:00Z", grossSales: 2_500, currencyCode: "EUR" }),
          order({ id: "3", customerId: "8", at: "2026-01-12T10:00:00Z", grossSales: 4_000, currencyCode: "EUR" }),
          order({ id: "4", customerId: "8", at: "2026-03-01T10:00:00Z", grossSales: 1_000, currencyCode: "EUR" }),
        ],
      },
      { timeZone: "Europe/Berlin", currency: "EUR" },
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("writes the registry's file, into --out or to stdout", async () => {
    const out = path.join(dir, "cohorts.csv");
    const query = { from: "2025-12-01", to: "2026-04-01" };
    const [written, printed] = await Promise.all([
      metryka("export", "cohorts", "--shop", shop, "--from", query.from, "--to", query.to, "--cohorts", "week", "--now", NOW, "--out", out),
      metryka("export", "time-between-orders", "--shop", shop, "--from", query.from, "--to", query.to, "--now", NOW),
    ]);
    expect(written.stdout).toBe("");
    const cohorts = await EXPORTS.cohorts.build(shop, new URLSearchParams({ ...query, cohorts: "week" }), new Date(NOW));
    // UTF-8 with its byte-order mark (Excel then reads accents right), then the registry's text.
    const bytes = fs.readFileSync(out);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.subarray(3).toString("utf8")).toBe(await csvText(cohorts.header, cohorts.rows));
    expect(bytes.subarray(3).toString("utf8")).toMatch(/^Cohort,Cohort's first day,Cohort customers/);
    const gaps = await EXPORTS["time-between-orders"].build(shop, new URLSearchParams(query), new Date(NOW));
    expect(printed.stdout.replace(/^\uFEFF/, "")).toBe(await csvText(gaps.header, gaps.rows));
    // Nothing but the file is left in the folder.
    expect(fs.readdirSync(dir)).toEqual(["cohorts.csv"]);
  });

  it("refuses an unknown export or an impossible date and writes nothing", async () => {
    const unknownOut = path.join(dir, "unknown.csv");
    const badOut = path.join(dir, "bad.csv");
    const [unknown, badDate] = await Promise.all([
      failure(metryka("export", "cohort-grid", "--shop", shop, "--out", unknownOut)),
      failure(metryka("export", "cohorts", "--shop", shop, "--from", "2026-02-30", "--to", "2026-04-01", "--out", badOut)),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`export what? one of: ${EXPORT_NAMES.join(", ")}`);
    for (const name of ["sales", "predictions", "portfolio", "cohorts", "conversion-funnel"]) expect(EXPORT_NAMES).toContain(name);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toMatch(/2026-02-30/);
    expect(fs.existsSync(unknownOut)).toBe(false);
    expect(fs.existsSync(badOut)).toBe(false);
    expect(fs.readdirSync(dir).filter((name) => name !== "cohorts.csv")).toEqual([]);
  });

  // Last: it leaves the store in another time zone.
  it("waits while the store's figures are recomputed in a new time zone, says so, then writes the file in that zone", async () => {
    await ensureDailyRollups(shop, "Europe/Berlin", "EUR");
    const db = new pg.Client({ connectionString: process.env.DATABASE_URL! });
    const rebuilder = new pg.Client({ connectionString: process.env.DATABASE_URL! });
    await Promise.all([db.connect(), rebuilder.connect()]);
    const out = path.join(dir, "sales.csv");
    let child: ReturnType<typeof spawn> | undefined;
    try {
      const [{ rebuild_ms }] = (await db.query<{ rebuild_ms: number }>("SELECT rebuild_ms FROM daily_sales_state WHERE shop = $1", [shop])).rows;
      await db.query("UPDATE shops SET iana_timezone = 'Asia/Tokyo' WHERE domain = $1", [shop]);
      // Another process (the worker's job for the shop's update) is rebuilding: it holds the shop's lock.
      await rebuilder.query("BEGIN");
      await holdShopLock(rebuilder, shop);
      const query = ["--from", "2025-12-01", "--to", "2026-04-01", "--granularity", "day", "--now", NOW];
      child = spawn(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(ROOT, "scripts/metryka.ts"), "export", "sales", "--shop", shop, ...query, "--out", out], {
        cwd: ROOT,
        // A download would answer 503 after this wait; the command line waits on.
        env: { ...process.env, METRYKA_PAGE_REBUILD_WAIT_MS: "300" },
      });
      let stderr = "";
      child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child!.on("exit", resolve));
      // The last recompute's time in the app's units (a small store's: seconds).
      const last = durationInUnits(rebuild_ms / 1000);
      expect(last.unit).toBe("second");
      await expect.poll(() => stderr, { timeout: 60_000, interval: 200 }).toContain(
        `metryka: this store's numbers are being recomputed in Asia/Tokyo and EUR (its last recompute took ${last.value} second${last.value === 1 ? "" : "s"}): the export waits for them`,
      );
      // Still waiting, and no file yet.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(child.exitCode).toBeNull();
      expect(fs.existsSync(out)).toBe(false);
      await rebuilder.query("COMMIT");
      expect(await exited).toBe(0);
      const [{ time_zone }] = (await db.query<{ time_zone: string }>("SELECT time_zone FROM daily_sales_state WHERE shop = $1", [shop])).rows;
      expect(time_zone).toBe("Asia/Tokyo");
      const sales = await EXPORTS.sales.build(shop, new URLSearchParams({ from: "2025-12-01", to: "2026-04-01", granularity: "day" }), new Date(NOW));
      expect(fs.readFileSync(out, "utf8").replace(/^\uFEFF/, "")).toBe(await csvText(sales.header, sales.rows));
    } finally {
      // A command still waiting (the test failed before the lock was released) goes too.
      if (child && child.exitCode === null) child.kill("SIGKILL");
      await rebuilder.end();
      await db.end();
    }
  });
});
