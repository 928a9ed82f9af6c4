// Starts the app as a child process (server/main.ts: the production build, or Vite's dev server)
// and waits until it answers. The child stops when asked, and by itself when this process goes
// away, however that happens (its IPC channel closes: scripts/lib/on-shutdown.ts).
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { JOB_PROCESS_NODE_FLAGS } from "./node-options";
import fs from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "./postgres";

export interface AppServer {
  url: string;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

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
  /** Which app: the production build, or Vite's dev server with hot reload. */
  mode: "dev" | "production";
  echo?: boolean;
}): Promise<AppServer> {
  const url = `http://localhost:${options.port}`;
  const build = options.mode === "dev" ? "development" : "production";
  const child = spawn(
    process.execPath,
    [...JOB_PROCESS_NODE_FLAGS.split(" "), "--import", "tsx", path.join("server", "main.ts"), "--build", build, "--port", String(options.port)],
    {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        // The optimized build, but not a deployment: the local stack talks to the simulator,
        // which the app refuses to do with NODE_ENV=production.
        NODE_ENV: "development",
        ...options.env,
        PORT: String(options.port),
      },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    },
  );
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
  child.on("error", (error) => collect(Buffer.from(`${error.message}\n`)));
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
        // It stops its job queue (waiting up to 10 s for running jobs) and its pools first.
        setTimeout(() => child.kill("SIGKILL"), 20_000).unref();
      }),
  };
}

const EXIT_WITH_PARENT = path.join(import.meta.dirname, "exit-with-parent.cjs");

function runBuild(): Promise<void> {
  return new Promise((resolve, reject) => {
    // The build stops with the process waiting for it (a demo stopped during its first build).
    const remix = path.join(PROJECT_ROOT, "node_modules", "@remix-run", "dev", "dist", "cli.js");
    const child = spawn(process.execPath, ["--require", EXIT_WITH_PARENT, remix, "vite:build"], {
      cwd: PROJECT_ROOT,
      // The production build a merchant gets, whoever asks for it: under the tests NODE_ENV is
      // "test", which Vite would bake into the client bundle (React's development build).
      env: { ...process.env, NODE_ENV: "production" },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    let log = "";
    child.stdout?.on("data", (chunk) => (log += chunk));
    child.stderr?.on("data", (chunk) => (log += chunk));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`remix vite:build failed:\n${log}`))));
  });
}

const LOCK_DIR = path.join(PROJECT_ROOT, ".cache", "build.lock");
const STAMP = path.join(PROJECT_ROOT, "build", ".metryka-build-key");

/** Whether the process that took the lock is gone (killed before it could remove the lock). */
function lockHolderGone(): boolean {
  try {
    // No file yet: the lock was just taken, its pid not written yet (or it was just released).
    const pid = Number(fs.readFileSync(path.join(LOCK_DIR, "pid"), "utf8"));
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** Holds a lock (a directory, created atomically) shared by every process of this checkout. */
async function withBuildLock<T>(work: () => Promise<T>): Promise<T> {
  fs.mkdirSync(path.dirname(LOCK_DIR), { recursive: true });
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      fs.mkdirSync(LOCK_DIR);
      fs.writeFileSync(path.join(LOCK_DIR, "pid"), String(process.pid));
      break;
    } catch {
      // A lock whose holder died, or older than five minutes, is stale.
      const age = Date.now() - (fs.statSync(LOCK_DIR, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 300_000 || lockHolderGone()) fs.rmSync(LOCK_DIR, { recursive: true, force: true });
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

/** What the build is made from: the app, its assets, the build's configuration, the dependencies. */
const BUILD_INPUTS = ["app", "public", "patches", "vite.config.ts", "remix.config.js", "tsconfig.json", "package.json", "package-lock.json"];

function filesUnder(entry: string): string[] {
  const full = path.join(PROJECT_ROOT, entry);
  const stat = fs.statSync(full, { throwIfNoEntry: false });
  if (!stat) return [];
  if (!stat.isDirectory()) return [entry];
  return fs
    .readdirSync(full)
    .sort()
    .flatMap((name) => filesUnder(path.join(entry, name)));
}

/** A digest of every build input: the same sources give the same key. */
function sourceKey(): string {
  // "production": builds made before they were always production builds are not reused.
  const hash = createHash("sha256").update("production\0");
  for (const file of BUILD_INPUTS.flatMap(filesUnder)) hash.update(file).update("\0").update(fs.readFileSync(path.join(PROJECT_ROOT, file))).update("\0");
  return hash.digest("hex");
}

/**
 * `remix vite:build`: the production build server/main.ts serves, unless build/ was made from
 * the same sources already. Concurrent callers (a demo, the test files of a run) wait for one
 * build instead of racing on build/, and one never rebuilds under another's running server.
 */
export function buildApp(): Promise<void> {
  return withBuildLock(async () => {
    const key = sourceKey();
    if (fs.existsSync(STAMP) && fs.readFileSync(STAMP, "utf8") === key) return;
    await runBuild();
    fs.writeFileSync(STAMP, key);
  });
}
