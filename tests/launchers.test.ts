// GIVEN the project's launchers run as a person runs them (`npm run -s <script>`),
// THEN the command line ends without connection noise.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
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
