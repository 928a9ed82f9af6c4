// Runs one server program and stops it when the process that started this one goes away, even
// killed with SIGKILL: the IPC channel to it closes, which a signal handler would never see.
// Used for PostgreSQL, which does not watch its parent and, as root, runs as another user.
//
//   spawn(process.execPath, [watchdog.cjs], { env: { ...env, METRYKA_WATCHDOG: JSON.stringify(config) },
//                                            stdio: [..., "ipc"], detached: true })
//
// config (in the environment, not on the command line that `ps` shows to every user):
//   { command, args, uid?, gid?, log (file for the program's output),
//     stopSignal (what stops it cleanly), removeAfter? (a folder deleted once it has stopped) }
// The program gets the watchdog's environment without METRYKA_WATCHDOG.
// SIGTERM, SIGINT or SIGHUP to the watchdog, or its channel closing, stop the program with
// stopSignal, then SIGKILL if it is still running 20 s later. The watchdog exits with the
// program's exit code.
"use strict";
const { spawn } = require("node:child_process");
const fs = require("node:fs");

const config = JSON.parse(process.env.METRYKA_WATCHDOG);
delete process.env.METRYKA_WATCHDOG;
const log = fs.openSync(config.log, "a");
const say = (text) => fs.writeSync(log, `[watchdog] ${text}\n`);

let stopping = false;
function stop(why) {
  if (stopping) return;
  stopping = true;
  say(`stopping ${config.command} (${why})`);
  child.kill(config.stopSignal);
  setTimeout(() => child.kill("SIGKILL"), 20_000).unref();
}

function finish(code) {
  if (config.removeAfter) fs.rmSync(config.removeAfter, { recursive: true, force: true });
  process.exit(code);
}

// Before the program starts: until a handler is installed, a signal's default action ends the
// watchdog at once, and the program would run on without it. (The handlers run only after this
// script has run through, so `child` is set by then.)
process.on("disconnect", () => stop("its owner is gone"));
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => stop(signal));

const child = spawn(config.command, config.args, {
  cwd: "/",
  env: process.env,
  stdio: ["ignore", log, log],
  ...(config.uid === undefined ? {} : { uid: config.uid, gid: config.gid }),
});
child.on("error", (error) => {
  say(`could not start ${config.command}: ${error.message}`);
  finish(127);
});
child.on("exit", (code, signal) => {
  if (!stopping) say(`${config.command} exited by itself (${signal ?? `code ${code}`})`);
  finish(code ?? 1);
});
