// Preloaded into the Prisma CLI: its WASM schema engine leaves 10 s and 60 s timers
// running after a command is done, which keeps the process alive. Long timers are
// unref'd so the process exits as soon as the real work is finished.
const LONG_MS = 5000;
for (const name of ["setTimeout", "setInterval"]) {
  const original = globalThis[name];
  globalThis[name] = function (handler, ms, ...args) {
    const timer = original.call(this, handler, ms, ...args);
    if (typeof ms === "number" && ms >= LONG_MS && timer && typeof timer.unref === "function") {
      timer.unref();
    }
    return timer;
  };
}
