// The project's npm scripts run the way a person runs them: `npm run <script>` in a process group
// of its own (as a terminal gives it), with a clean environment and a data folder of its own, so
// a test never meets a developer's running demo. Helpers to find every process it started.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { removeSharedData } from "../../scripts/lib/postgres-install";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");

/** This test run's environment minus what the test setup added (its database, NODE_ENV, …). */
export function userEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(VITEST|NODE_ENV$|DATABASE_URL$|SHOPIFY_|METRYKA_|APP_BRIDGE_URL$|PORT$)/.test(name)),
  );
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env as NodeJS.ProcessEnv;
}

export interface Launched {
  child: ChildProcess;
  /** The process group: npm and everything it started that did not leave the group. */
  pgid: number;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const launched = new Set<number>();
// Whatever happens to the test, no group it started outlives it.
process.on("exit", () => {
  for (const pgid of launched) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

/** `npm run <script> -- <args>`; `silent` leaves out npm's own header lines (`npm run -s`). */
export function launch(script: string, args: string[], env: NodeJS.ProcessEnv, { silent = false } = {}): Launched {
  const child = spawn("npm", ["run", ...(silent ? ["--silent"] : []), script, ...(args.length ? ["--", ...args] : [])], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pgid = child.pid!;
  launched.add(pgid);
  let log = "";
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    log += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => {
      for (const listener of listeners) listener();
      resolve({ code, signal });
    }),
  );
  return {
    child,
    pgid,
    output: () => log,
    exited,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(log);
          if (match) done(() => resolve(match));
          else if (child.exitCode !== null || child.signalCode !== null) done(() => reject(new Error(`npm run ${script} exited before printing ${pattern}:\n${log}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`npm run ${script} did not print ${pattern} within ${timeoutMs / 1000} s:\n${log}`))), timeoutMs);
        const done = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
  };
}

interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  args: string;
}

export function processes(): ProcessInfo[] {
  return execFileSync("ps", ["-eo", "pid=,ppid=,pgid=,args="], { encoding: "utf8" })
    .split("\n")
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map(([, pid, ppid, pgid, args]) => ({ pid: Number(pid), ppid: Number(ppid), pgid: Number(pgid), args }));
}

/** Every process of the group, and every process descending from one of them (other groups too). */
export function family(pgid: number): ProcessInfo[] {
  const all = processes();
  const members = new Map(all.filter((p) => p.pgid === pgid).map((p) => [p.pid, p]));
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (!members.has(p.pid) && members.has(p.ppid)) {
        members.set(p.pid, p);
        grew = true;
      }
    }
  }
  return [...members.values()];
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, but belongs to another user (PostgreSQL's, when not running as root).
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * The listening TCP sockets on `port` (any address, IPv4 or IPv6), by inode: the kernel's own
 * table (/proc/net/tcp*), so a socket is told apart from another one bound to the same port later.
 */
export function listeningSockets(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    if (!fs.existsSync(table)) continue;
    for (const line of fs.readFileSync(table, "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is HEXADDR:HEXPORT; state 0A is LISTEN; the inode is the tenth field.
      if (fields.length < 10 || fields[3] !== "0A") continue;
      if (Number.parseInt(fields[1].split(":")[1], 16) === port) inodes.add(fields[9]);
    }
  }
  return inodes;
}

/** Polls `check` until it holds; fails naming `what` after `timeoutMs`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${what} within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A new empty folder for one launch's data (mode 700, like `mktemp -d`). */
export function dataFolder(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "metryka-launch-"));
}

/** Where the embedded PostgreSQL of a launch keeps its data (said on stderr when not in `folder`). */
export function postgresDataDir(folder: string, output: string): string {
  return /database is kept in (\S+) instead/.exec(output)?.[1] ?? path.join(folder, "postgres");
}

/** Removes a launch's data, including a folder kept for it outside (as root, see postgres-install.ts). */
export function removeData(folder: string, output: string): void {
  const elsewhere = /database is kept in (\S+) instead/.exec(output)?.[1];
  if (elsewhere) removeSharedData(elsewhere);
  fs.rmSync(folder, { recursive: true, force: true });
}
