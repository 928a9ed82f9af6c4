// GIVEN a test run whose global setup fails, THEN the failure is printed and the run exits 1.
// Before, an uncaught exception there (the embedded PostgreSQL's initdb unreachable as its
// user) ended the run with code 1 and nothing but vitest's banner.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "../../scripts/lib/free-port";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const VITEST = path.join(ROOT, "node_modules", "vitest", "vitest.mjs");

/** The environment of a new shell: nothing of this run's vitest or its test database. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(VITEST|DATABASE_URL$|NODE_ENV$|SHOPIFY_|METRYKA_)/.test(name)),
  );
  return { ...env, ...extra } as NodeJS.ProcessEnv;
}

function runVitest(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VITEST, "run", ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

describe("a failing test setup", () => {
  it("is printed, with what failed, and the run exits 1", async () => {
    const closedPort = await freePort();
    const { code, output } = await runVitest(
      ["app/shopify/money.test.ts"],
      cleanEnv({ DATABASE_URL: `postgresql://metryka:metryka@127.0.0.1:${closedPort}/postgres` }),
    );
    expect(code).toBe(1);
    expect(output).toContain("The test setup (tests/setup/global-setup.ts) failed:");
    expect(output).toMatch(new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${closedPort}`));
    expect(output).not.toMatch(/Test Files .* passed/);
  }, 60_000);

  it("is printed when it dies of an uncaught exception, which vitest alone ends silently", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "metryka-setup-test-"));
    try {
      // A setup that starts a program that does not exist and does not listen for the error.
      fs.writeFileSync(
        path.join(dir, "setup.ts"),
        `import { spawn } from "node:child_process";
import { reportFailures } from ${JSON.stringify(path.join(ROOT, "tests/setup/report-failures.ts"))};
export default () => reportFailures("The fixture's setup", () => new Promise((_, reject) => {
  spawn("/nonexistent/initdb", ["--version"]).on("close", () => reject(new Error("closed")));
}));
`,
      );
      fs.writeFileSync(path.join(dir, "one.test.ts"), `it("runs", () => {});\n`);
      fs.writeFileSync(
        path.join(dir, "vitest.config.mjs"),
        `export default { test: { root: ${JSON.stringify(dir)}, include: ["one.test.ts"], globals: true, globalSetup: ["./setup.ts"] } };\n`,
      );
      const { code, output } = await runVitest(["--config", path.join(dir, "vitest.config.mjs")], cleanEnv({}));
      expect(code).toBe(1);
      expect(output).toContain("The fixture's setup failed:");
      expect(output).toContain("spawn /nonexistent/initdb ENOENT");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
