// Starts the Remix app as a child process (Vite dev server, or the production build with
// remix-serve) and waits until it answers.
import { spawn, type ChildProcess } from "node:child_process";
import { jobProcessNodeOptions } from "./node-options";
import fs from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "./postgres";

export interface AppServer {
  url: string;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

const bin = (name: string) => path.join(PROJECT_ROOT, "node_modules", ".bin", name);

export async function waitForHttp(url: string, timeoutMs: number, isAlive: () => boolean = () => true) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`process serving ${url} exited`);
    try {
      await fetch(url, { redirect: "manual" });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

export function buildExists(): boolean {
  return fs.existsSync(path.join(PROJECT_ROOT, "build", "server", "index.js"));
}

export async function startApp(options: {
  port: number;
  env: Record<string, string>;
  mode: "dev" | "production";
  echo?: boolean;
}): Promise<AppServer> {
  const url = `http://localhost:${options.port}`;
  const [command, args] =
    options.mode === "dev"
      ? [bin("remix"), ["vite:dev", "--port", String(options.port), "--strictPort", "--host", "127.0.0.1"]]
      : [bin("remix-serve"), [path.join("build", "server", "index.js")]];
  const child = spawn(command, args, {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      ...options.env,
      PORT: String(options.port),
      NODE_ENV: options.mode === "dev" ? "development" : "production",
      NODE_OPTIONS: jobProcessNodeOptions(),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const collect = (chunk: Buffer) => {
    log += chunk.toString();
    if (log.length > 200_000) log = log.slice(-100_000);
    if (options.echo) process.stdout.write(chunk);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  let exited = false;
  child.on("exit", () => (exited = true));
  try {
    await waitForHttp(`${url}/`, 120_000, () => !exited);
  } catch (error) {
    child.kill("SIGTERM");
    throw new Error(`${(error as Error).message}\n${log}`);
  }
  return {
    url,
    process: child,
    output: () => log,
    stop: () =>
      new Promise((resolve) => {
        if (exited) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5000).unref();
      }),
  };
}

function runBuild(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin("remix"), ["vite:build"], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    child.stdout?.on("data", (chunk) => (log += chunk));
    child.stderr?.on("data", (chunk) => (log += chunk));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`remix vite:build failed:\n${log}`))));
  });
}

const LOCK_DIR = path.join(PROJECT_ROOT, ".cache", "build.lock");
const STAMP = path.join(PROJECT_ROOT, "build", ".metryka-build-key");

/** Holds a lock (a directory, created atomically) shared by every process of this checkout. */
async function withBuildLock<T>(work: () => Promise<T>): Promise<T> {
  fs.mkdirSync(path.dirname(LOCK_DIR), { recursive: true });
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      fs.mkdirSync(LOCK_DIR);
      break;
    } catch {
      // A lock left by a process that died more than five minutes ago is stale.
      const age = Date.now() - (fs.statSync(LOCK_DIR, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 300_000) fs.rmSync(LOCK_DIR, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`${LOCK_DIR} is held by another build`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await work();
  } finally {
    fs.rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

/**
 * `remix vite:build`: the production build remix-serve runs. Callers that pass the same
 * `reuseKey` (the test files of one test run) share one build instead of racing on build/.
 */
export function buildApp({ reuseKey }: { reuseKey?: string } = {}): Promise<void> {
  return withBuildLock(async () => {
    if (reuseKey && fs.existsSync(STAMP) && fs.readFileSync(STAMP, "utf8") === reuseKey) return;
    await runBuild();
    if (reuseKey) fs.writeFileSync(STAMP, reuseKey);
  });
}
