// GIVEN the project's launchers run as a person runs them (`npm run -s <script>`),
// THEN the command line ends without connection noise, and a deployment (NODE_ENV=production)
// never falls back to the embedded PostgreSQL nor starts with the simulator's settings or the
// command line's placeholder credentials: each says what is wrong and exits non-zero.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../scripts/lib/app-server";
import { freePort } from "../scripts/lib/free-port";
import { testDatabaseUrl } from "./setup/test-env";
import { dataFolder, launch, removeData, userEnv } from "./support/launch";

async function run(script: string, args: string[], env: NodeJS.ProcessEnv) {
  const launched = launch(script, args, env, { silent: true });
  let stdout = "";
  let stderr = "";
  launched.child.stdout!.on("data", (chunk) => (stdout += chunk));
  launched.child.stderr!.on("data", (chunk) => (stderr += chunk));
  const { code } = await launched.exited;
  return { code, stdout, stderr };
}

describe("the command line", () => {
  const folder = dataFolder();
  let firstRun = "";
  afterAll(() => removeData(folder, firstRun));

  it("imports and reports on the embedded PostgreSQL with nothing on stderr, and only the JSON on stdout", async () => {
    const env = userEnv({ METRYKA_DATA_DIR: folder });
    // The first run makes the database (as root in a private folder, saying where it keeps it).
    const status = await run("metryka", ["status"], env);
    firstRun = status.stderr;
    expect(status).toMatchObject({ code: 0, stdout: "No shops.\n" });

    const csv = path.join(folder, "orders.csv");
    fs.writeFileSync(csv, "id,customer_id,processed_at,total\n1,7,2026-01-05,10.00\n2,7,2026-02-09,25.50\n3,8,2026-02-10,4.25\n");
    const imported = await run("metryka", ["import-orders", "--shop", "cli.myshopify.com", "--time-zone", "UTC", "--currency", "USD", csv], env);
    expect(imported).toMatchObject({ code: 0, stderr: "" });
    expect(imported.stdout).toMatch(/3 orders read, 3 imported/);

    const report = await run(
      "metryka",
      ["metrics", "--shop", "cli.myshopify.com", "--from", "2026-01-01", "--to", "2026-03-01", "--now", "2026-03-01T00:00:00Z", "--json"],
      env,
    );
    expect(report).toMatchObject({ code: 0, stderr: "" });
    const json = JSON.parse(report.stdout);
    expect(report.stdout).toBe(`${JSON.stringify(json, null, 2)}\n`);
    expect(json.sales).toMatchObject({ netSales: 3975, orders: 3 });
  }, 120_000);
});

describe("with NODE_ENV=production", () => {
  const production = { NODE_ENV: "production", SHOPIFY_API_KEY: "key", SHOPIFY_API_SECRET: "secret", SHOPIFY_APP_URL: "https://metryka.example" };

  it.each([
    ["start", []],
    ["worker", []],
    ["metryka", ["status"]],
    ["prisma", ["migrate", "status"]],
  ])("npm run %s refuses to start the embedded PostgreSQL and asks for DATABASE_URL", async (script, args) => {
    const folder = dataFolder();
    try {
      const result = await run(script, args, userEnv({ ...production, METRYKA_DATA_DIR: folder }));
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/NODE_ENV=production needs DATABASE_URL/);
      expect(fs.readdirSync(folder), "no database was made").toEqual([]);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  }, 60_000);

  it("npm start defaults to production", async () => {
    const folder = dataFolder();
    try {
      const result = await run("start", [], userEnv({ METRYKA_DATA_DIR: folder }));
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/NODE_ENV=production needs DATABASE_URL/);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  }, 60_000);

  describe("the server", () => {
    beforeAll(() => buildApp(), 300_000);

    const serve = async (env: Record<string, string>) =>
      run("start", ["--port", String(await freePort())], userEnv({ NODE_ENV: "production", DATABASE_URL: testDatabaseUrl, ...env }));

    it("refuses the simulator's settings, naming each", async () => {
      const result = await serve({
        ...production,
        SHOPIFY_SIMULATOR_URL: "http://127.0.0.1:4100",
        APP_BRIDGE_URL: "http://127.0.0.1:4100/_sim/app-bridge.js",
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/SHOPIFY_SIMULATOR_URL must not be set with NODE_ENV=production/);
      expect(result.stderr).toMatch(/APP_BRIDGE_URL must not be set with NODE_ENV=production/);
      expect(result.stdout).not.toMatch(/listening/);
    }, 120_000);

    it("refuses the command line's placeholder credentials, naming each", async () => {
      const result = await serve({ METRYKA_COMMAND_LINE: "1" });
      expect(result.code).toBe(1);
      for (const name of ["SHOPIFY_API_KEY", "SHOPIFY_API_SECRET", "SHOPIFY_APP_URL"]) {
        expect(result.stderr).toMatch(new RegExp(`${name} is missing: METRYKA_COMMAND_LINE=1 fills it with a placeholder`));
      }
      expect(result.stdout).not.toMatch(/listening/);
    }, 120_000);
  });
});
