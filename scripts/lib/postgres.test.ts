// GIVEN the embedded PostgreSQL, THEN it starts from wherever the project is, stops with its owner
// however the owner ends, and leaves nothing behind. As root (PostgreSQL then runs as the
// `postgres` user), a checkout that user cannot enter — under /root, or any `mktemp -d` folder —
// still works: binaries and data go where that user can reach them.
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { alive, eventually, portOpen } from "../../tests/support/launch";
import { startEmbeddedPostgres, withClient, type PostgresServer } from "./postgres";
import {
  cachedBinaries,
  canUseFolder,
  GONE_CHECKOUT_KEPT_MS,
  persistentDataDir,
  postgresInstall,
  postmasterOf,
  removeSharedData,
  SHARED_ROOT,
  systemUser,
} from "./postgres-install";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const asRoot = process.getuid?.() === 0;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const query = <T>(server: PostgresServer, sql: string) => withClient(server.adminUrl, async (client) => (await client.query(sql)).rows[0] as T);
const portOf = (server: PostgresServer) => Number(new URL(server.adminUrl).port);

describe("a throwaway server", () => {
  it("answers, and once stopped its port is closed and its folder gone", async () => {
    const server = await startEmbeddedPostgres();
    cleanups.push(() => server.stop());
    const { dir } = await query<{ dir: string }>(server, "SELECT current_setting('data_directory') AS dir");
    expect(fs.existsSync(path.join(dir, "PG_VERSION"))).toBe(true);
    const { version } = await query<{ version: string }>(server, "SELECT current_setting('server_version') AS version");
    expect(version).toMatch(/^18\./);

    await server.stop();
    expect(await portOpen(portOf(server))).toBe(false);
    expect(fs.existsSync(path.dirname(dir))).toBe(false);
  }, 60_000);

  it("stops, and its folder goes, when the process that started it is killed with SIGKILL", async () => {
    const owner = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        `const { startEmbeddedPostgres, withClient } = await import(${JSON.stringify(path.join(ROOT, "scripts/lib/postgres.ts"))});
         const server = await startEmbeddedPostgres();
         const dir = await withClient(server.adminUrl, async (c) => (await c.query("SELECT current_setting('data_directory') AS dir")).rows[0].dir);
         console.log(JSON.stringify({ url: server.adminUrl, dir }));
         setInterval(() => {}, 1000);`,
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
    );
    cleanups.push(() => owner.kill("SIGKILL"));
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      owner.stdout!.on("data", (chunk) => {
        out += chunk;
        if (out.includes("\n")) resolve(out.trim());
      });
      owner.on("exit", () => reject(new Error(`the owner exited: ${out}`)));
    });
    const { url, dir } = JSON.parse(line) as { url: string; dir: string };
    const port = Number(new URL(url).port);
    const { pid } = postmasterOf(dir)!;
    expect(alive(pid)).toBe(true);

    owner.kill("SIGKILL");
    await eventually("PostgreSQL should have stopped", () => !alive(pid), 30_000);
    await eventually("its folder should have been removed", () => !fs.existsSync(path.dirname(dir)), 10_000);
    expect(await portOpen(port)).toBe(false);
  }, 60_000);
});

const setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].find((file) => fs.existsSync(file));
const NOBODY = { uid: 65534, gid: 65534 };
/** Whether `nobody` can read the project (not when it is checked out in a private folder). */
const nobodyReadsProject =
  asRoot && spawnSync("/bin/sh", ["-c", 'test -r "$1"', "sh", path.join(ROOT, "package.json")], { ...NOBODY, stdio: "ignore" }).status === 0;

describe("a preferred port another holds", () => {
  it("another server's: it starts on a free port and answers for its own folder, and leaves no folder of the attempt behind", async () => {
    // Throwaway folders go in a temporary folder of this test's own, which PostgreSQL's user can enter.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "metryka-port-test-"));
    fs.chmodSync(tmp, 0o755);
    cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }));
    vi.stubEnv("TMPDIR", tmp);
    cleanups.push(() => vi.unstubAllEnvs());
    const other = await startEmbeddedPostgres();
    cleanups.push(() => other.stop());
    const server = await startEmbeddedPostgres({ port: portOf(other) });
    cleanups.push(() => server.stop());
    const dirOf = (s: PostgresServer) => query<{ dir: string }>(s, "SELECT current_setting('data_directory') AS dir");
    const [theirs, ours] = [await dirOf(other), await dirOf(server)];
    expect(ours.dir).not.toBe(theirs.dir);
    expect(portOf(server)).not.toBe(portOf(other));
    // The attempt on the taken port made a folder too: only the two servers' are left.
    expect(path.dirname(path.dirname(ours.dir))).toBe(tmp);
    expect(fs.readdirSync(tmp).sort()).toEqual([path.basename(path.dirname(theirs.dir)), path.basename(path.dirname(ours.dir))].sort());
    await Promise.all([server.stop(), other.stop()]);
    expect(fs.readdirSync(tmp)).toEqual([]);
  }, 60_000);

  it("any program's: it starts on a free port", async () => {
    // One that takes connections and never answers.
    const held = new Set<net.Socket>();
    const holder = net.createServer((socket) => held.add(socket));
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => (holder.close(resolve), held.forEach((socket) => socket.destroy()))));
    const port = (holder.address() as net.AddressInfo).port;
    const server = await startEmbeddedPostgres({ port });
    cleanups.push(() => server.stop());
    expect(await query(server, "SELECT 1 AS one")).toEqual({ one: 1 });
    expect(portOf(server)).not.toBe(port);
  }, 60_000);
});

describe.runIf(setpriv && nobodyReadsProject)("as an ordinary user", () => {
  it("keeps the data in the folder asked for, made on first use, and runs PostgreSQL as itself", async () => {
    // A folder `nobody` owns, as a user's checkout would be.
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "metryka-user-"));
    cleanups.push(() => fs.rmSync(home, { recursive: true, force: true }));
    fs.chownSync(home, NOBODY.uid, NOBODY.gid);
    const preferred = path.join(home, "checkout", ".data", "postgres");
    const run = spawn(
      setpriv!,
      [
        `--reuid=${NOBODY.uid}`,
        `--regid=${NOBODY.gid}`,
        "--clear-groups",
        process.execPath,
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        `const { startEmbeddedPostgres, withClient } = await import(${JSON.stringify(path.join(ROOT, "scripts/lib/postgres.ts"))});
         const server = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(preferred)} });
         const row = await withClient(server.adminUrl, async (c) => (await c.query("SELECT current_setting('data_directory') AS dir, current_user AS role")).rows[0]);
         await server.stop();
         console.log(JSON.stringify(row));`,
      ],
      { cwd: ROOT, env: { ...process.env, HOME: home }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    run.stdout.on("data", (chunk) => (stdout += chunk));
    run.stderr.on("data", (chunk) => (stderr += chunk));
    const [code] = await once(run, "exit");
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(stdout)).toEqual({ dir: preferred, role: "metryka" });
    expect(fs.statSync(preferred).uid).toBe(NOBODY.uid);
  }, 60_000);
});

describe.runIf(asRoot)("as root, from a folder the postgres user cannot enter", () => {
  /** A `mktemp -d` folder: mode 700, closed to every other user. */
  const privateFolder = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "metryka-private-"));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    return dir;
  };

  it("keeps the data in a folder keyed by the checkout, says so once, and finds it again", async () => {
    const preferred = path.join(privateFolder(), "checkout", ".data", "postgres");
    const said = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    cleanups.push(() => said.mockRestore());
    const first = await startEmbeddedPostgres({ dataDir: preferred, label: "checkout" });
    cleanups.push(() => first.stop());
    const { dir } = await query<{ dir: string }>(first, "SELECT current_setting('data_directory') AS dir");
    cleanups.push(() => removeSharedData(dir));
    expect(dir.startsWith(path.join(SHARED_ROOT, "data", "checkout-"))).toBe(true);
    expect(fs.readFileSync(`${dir}.checkout`, "utf8")).toBe(`${preferred}\n`);
    // What it says of this checkout (a start also says which gone checkouts' folders it removed).
    const ofThisCheckout = () => said.mock.calls.map(([text]) => String(text)).filter((text) => text.includes(preferred));
    expect(ofThisCheckout()).toEqual([
      `PostgreSQL runs as the "postgres" user, which cannot use ${preferred}: this checkout's database is kept in ${dir} instead.\n`,
    ]);
    await withClient(first.adminUrl, (client) => client.query("CREATE DATABASE kept"));
    await first.stop();

    const again = await startEmbeddedPostgres({ dataDir: preferred, label: "checkout" });
    cleanups.push(() => again.stop());
    expect(await query(again, "SELECT current_setting('data_directory') AS dir")).toEqual({ dir });
    expect(await query(again, "SELECT count(*)::int AS n FROM pg_database WHERE datname = 'kept'")).toEqual({ n: 1 });
    expect(ofThisCheckout()).toHaveLength(1);
  }, 60_000);

  it("removes the folder of a checkout that is gone once unused for a day, and no other", () => {
    const runAs = systemUser();
    const checkout = (name: string) => {
      const root = path.join(privateFolder(), name);
      const preferred = path.join(root, ".data", "postgres");
      const folder = persistentDataDir(preferred, name, runAs);
      const marker = `${folder}.checkout`;
      cleanups.push(() => removeSharedData(folder));
      fs.writeFileSync(path.join(folder, "PG_VERSION"), "18\n");
      const lastUsed = (ago: number) => fs.utimesSync(marker, new Date(Date.now() - ago), new Date(Date.now() - ago));
      return { root, preferred, folder, marker, lastUsed };
    };
    const said = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    cleanups.push(() => said.mockRestore());
    const gone = checkout("gone");
    const goneToday = checkout("gone-today");
    const goneRunning = checkout("gone-running");
    const here = checkout("here");
    for (const each of [gone, goneToday, goneRunning]) fs.rmSync(each.root, { recursive: true });
    for (const each of [gone, goneRunning, here]) each.lastUsed(GONE_CHECKOUT_KEPT_MS + 60_000);
    goneToday.lastUsed(GONE_CHECKOUT_KEPT_MS - 60_000);
    // A server of this process's id: alive.
    fs.writeFileSync(path.join(goneRunning.folder, "postmaster.pid"), `${process.pid}\n${goneRunning.folder}\n`);
    said.mockClear();

    // The next start of any checkout.
    expect(persistentDataDir(here.preferred, "here", runAs)).toBe(here.folder);
    expect([gone, goneToday, goneRunning, here].map((each) => [fs.existsSync(each.folder), fs.existsSync(each.marker)])).toEqual([
      [false, false],
      [true, true],
      [true, true],
      [true, true],
    ]);
    const ours = [gone, goneToday, goneRunning, here].map((each) => each.folder);
    const lines = said.mock.calls.map(([text]) => String(text)).filter((text) => ours.some((folder) => text.includes(folder)));
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(`^Removed ${gone.folder} \\(\\d+ MB\\): the database of ${gone.preferred}, whose folder is gone, last used \\d{4}-\\d\\d-\\d\\d\\.\\n$`),
      ),
    ]);
  });

  it("copies binaries it cannot run once into a cache it can, even with two processes at once", async () => {
    const runAs = systemUser();
    const { binDir } = await postgresInstall();
    // The platform's binaries as they would be in a private checkout's node_modules.
    const native = path.join(privateFolder(), "node_modules", "native");
    fs.cpSync(path.dirname(binDir), native, { recursive: true, verbatimSymlinks: true });
    const unreachable = path.join(native, path.basename(binDir));
    expect(canUseFolder(path.dirname(native), runAs)).toBe(false);

    const version = `test-${randomUUID().slice(0, 8)}`;
    const cache = path.join(SHARED_ROOT, `postgres-${version}-${process.platform}-${process.arch}`);
    cleanups.push(() => fs.rmSync(cache, { recursive: true, force: true }));
    const copy = () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [
            "--import",
            "tsx",
            "--input-type=module",
            "-e",
            `const { cachedBinaries, systemUser } = await import(${JSON.stringify(path.join(ROOT, "scripts/lib/postgres-install.ts"))});
             console.log(cachedBinaries(${JSON.stringify(unreachable)}, ${JSON.stringify(version)}, systemUser()));`,
          ],
          { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
        );
        let out = "";
        child.stdout.on("data", (chunk) => (out += chunk));
        child.stderr.on("data", (chunk) => (out += chunk));
        child.on("exit", (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(out))));
      });
    const [a, b] = await Promise.all([copy(), copy()]);
    expect(a).toBe(path.join(cache, path.basename(binDir)));
    expect(b).toBe(a);
    // One copy, in place; no half-made one left beside it.
    expect(fs.readdirSync(SHARED_ROOT).filter((name) => name.startsWith(`postgres-${version}`))).toEqual([path.basename(cache)]);
    expect(fs.statSync(cache).mode & 0o777).toBe(0o755);
    // Symlinks kept as they were (relative), so the copy works wherever it is.
    const link = fs.readdirSync(path.join(cache, "lib")).find((name) => fs.lstatSync(path.join(cache, "lib", name)).isSymbolicLink());
    if (link) expect(path.isAbsolute(fs.readlinkSync(path.join(cache, "lib", link)))).toBe(false);
    // Reused next time, without copying again.
    const before = fs.statSync(cache).mtimeMs;
    expect(cachedBinaries(unreachable, version, runAs)).toBe(a);
    expect(fs.statSync(cache).mtimeMs).toBe(before);
  }, 120_000);
});
