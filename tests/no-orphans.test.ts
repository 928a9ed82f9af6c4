// GIVEN `npm run demo`, `npm start` or `npm run worker` running in a process group of its own,
// as from a terminal, WHEN it is stopped the ways it gets stopped — SIGTERM to the npm process
// alone (a container stop: npm is PID 1), Ctrl+C (SIGINT to the whole group), or the process
// that owns the children killed outright — THEN every process it started is gone, PostgreSQL
// included, and its ports are closed, within a bound.
//
// The demo case also proves that `npm install && npm run demo` serves the dashboard from the
// checkout it runs in: it opens the printed URL as a browser would and gets a Polaris page.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../scripts/lib/app-server";
import { freePort } from "../scripts/lib/free-port";
import { postmasterOf } from "../scripts/lib/postgres-install";
import { BROWSER_USER_AGENT } from "../scripts/lib/stack";
import {
  alive,
  dataFolder,
  eventually,
  family,
  launch,
  listeningSockets,
  portOpen,
  postgresDataDir,
  removeData,
  userEnv,
  type Launched,
} from "./support/launch";

/** How long a stop may take: the job queue waits up to 10 s for running jobs. */
const STOP_BOUND_MS = 30_000;

let current: { run: Launched; folder: string } | undefined;

afterEach(async () => {
  if (!current) return;
  try {
    process.kill(-current.run.pgid, "SIGKILL");
  } catch {
    // stopped, as it should be
  }
  await current.run.exited;
  removeData(current.folder, current.run.output());
  current = undefined;
});

/** Starts an npm script with a data folder of its own; `env` on top of the user's environment. */
function start(script: string, args: string[], env: Record<string, string> = {}) {
  const folder = dataFolder();
  const run = launch(script, args, userEnv({ METRYKA_DATA_DIR: folder, ...env }));
  current = { run, folder };
  return { run, folder };
}

/**
 * Everything `run` started (npm, node, the app server, PostgreSQL and its watchdog) and the
 * ports they hold, noted while running; then, after `stop`, checks all of it is gone.
 */
async function expectAllGone(run: Launched, folder: string, ports: number[], stop: () => void) {
  const database = postmasterOf(postgresDataDir(folder, run.output()));
  const started = family(run.pgid);
  expect(started.length).toBeGreaterThan(1);
  if (database) {
    expect(started.map((p) => p.pid)).toContain(database.pid);
    ports.push(database.port);
  }
  for (const port of ports) expect(await portOpen(port), `port ${port} open before stopping`).toBe(true);
  // The sockets listening on them, to tell one left behind from another process's bound to the
  // same port after it was freed (tests run side by side, and ports are handed out again).
  const sockets = new Map(ports.map((port) => [port, listeningSockets(port)]));
  for (const [port, inodes] of sockets) expect(inodes.size, `port ${port}'s listening socket`).toBeGreaterThan(0);

  stop();
  const { code, signal } = await run.exited;
  await eventually(
    `every process started by npm run should have ended (${started.filter((p) => alive(p.pid)).map((p) => p.args).join("; ")})`,
    () => started.every((p) => !alive(p.pid)) && family(run.pgid).length === 0,
    STOP_BOUND_MS,
  );
  for (const [port, before] of sockets) {
    const left = [...listeningSockets(port)].filter((inode) => before.has(inode));
    expect(left, `port ${port}: a socket that listened before stopping still listens`).toEqual([]);
  }
  if (database) expect(alive(database.pid)).toBe(false);
  return { code, signal };
}

describe("npm run demo", () => {
  beforeAll(() => buildApp(), 300_000);

  async function startDemo() {
    const [appPort, simulatorPort] = [await freePort(), await freePort()];
    const { run, folder } = start("demo", ["--port", String(appPort), "--simulator-port", String(simulatorPort), "--customers", "60"]);
    const [url] = await run.waitFor(/http:\/\/localhost:\d+\/app\?\S+/, 240_000);
    return { run, folder, url, ports: [appPort, simulatorPort] };
  }

  it("serves the dashboard at the URL it prints, then stops everything on SIGTERM to npm alone", async () => {
    const { run, folder, url, ports } = await startDemo();
    const page = await fetch(url, { headers: { "User-Agent": BROWSER_USER_AGENT } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/Polaris-Page/);

    await expectAllGone(run, folder, ports, () => process.kill(run.child.pid!, "SIGTERM"));
  }, 360_000);

  it("stops everything on Ctrl+C (SIGINT to the process group)", async () => {
    const { run, folder, ports } = await startDemo();
    await expectAllGone(run, folder, ports, () => process.kill(-run.pgid, "SIGINT"));
  }, 360_000);

  it("leaves nothing behind when the demo's process is killed with SIGKILL", async () => {
    const { run, folder, ports } = await startDemo();
    const demo = family(run.pgid).find((p) => p.ppid === run.child.pid && /scripts\/demo\.ts/.test(p.args));
    expect(demo, "the demo's node process").toBeDefined();
    await expectAllGone(run, folder, ports, () => process.kill(demo!.pid, "SIGKILL"));
  }, 360_000);
});

describe("npm start and npm run worker", () => {
  const app = {
    SHOPIFY_API_KEY: "launch-test-key",
    SHOPIFY_API_SECRET: "launch-test-secret",
    // The embedded PostgreSQL serves only outside production.
    NODE_ENV: "development",
  };

  beforeAll(() => buildApp(), 300_000);

  it("npm start stops its server and PostgreSQL on SIGTERM to npm alone", async () => {
    const port = await freePort();
    const { run, folder } = start("start", ["--port", String(port)], { ...app, SHOPIFY_APP_URL: `http://localhost:${port}` });
    await run.waitFor(/Metryka listening on/, 120_000);
    expect((await fetch(`http://localhost:${port}/`, { headers: { "User-Agent": BROWSER_USER_AGENT } })).status).toBe(200);
    const { code } = await expectAllGone(run, folder, [port], () => process.kill(run.child.pid!, "SIGTERM"));
    expect(code).toBe(0);
  }, 180_000);

  it("npm start stops on Ctrl+C", async () => {
    const port = await freePort();
    const { run, folder } = start("start", ["--port", String(port)], { ...app, SHOPIFY_APP_URL: `http://localhost:${port}` });
    await run.waitFor(/Metryka listening on/, 120_000);
    await expectAllGone(run, folder, [port], () => process.kill(-run.pgid, "SIGINT"));
  }, 180_000);

  it("npm run worker stops its PostgreSQL on SIGTERM to npm alone, and on Ctrl+C", async () => {
    for (const stop of ["SIGTERM to npm", "SIGINT to the group"]) {
      const { run, folder } = start("worker", [], { ...app, SHOPIFY_APP_URL: "http://localhost" });
      await run.waitFor(/Metryka worker started/, 120_000);
      const { code } = await expectAllGone(run, folder, [], () =>
        stop === "SIGTERM to npm" ? process.kill(run.child.pid!, "SIGTERM") : process.kill(-run.pgid, "SIGINT"),
      );
      if (stop === "SIGTERM to npm") expect(code).toBe(0);
      removeData(folder, run.output());
      current = undefined;
    }
  }, 240_000);
});
