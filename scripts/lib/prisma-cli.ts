// Runs the Prisma CLI the way it works offline: the JS schema engine (prisma.config.ts),
// DATABASE_URL set for every command (even `generate`, which otherwise tries to download an
// engine), and a preload that lets the process exit as soon as the command is done.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const cli = require.resolve("prisma/build/index.js");
const preload = path.resolve(import.meta.dirname, "..", "exit-when-idle.cjs");

export interface PrismaRun {
  status: number;
  stdout: string;
  stderr: string;
}

export function runPrisma(
  args: string[],
  databaseUrl: string,
  { quiet = false }: { quiet?: boolean } = {},
): Promise<PrismaRun> {
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--require", preload, cli, ...args], {
      env,
      stdio: ["ignore", quiet ? "pipe" : "inherit", quiet ? "pipe" : "inherit"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk) => (stdout += chunk));
    child.stderr?.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ status: code ?? 1, stdout, stderr }));
  });
}

export async function migrateDeploy(databaseUrl: string): Promise<void> {
  const run = await runPrisma(["migrate", "deploy"], databaseUrl, { quiet: true });
  if (run.status !== 0) {
    throw new Error(`prisma migrate deploy failed:\n${run.stdout}\n${run.stderr}`);
  }
}
