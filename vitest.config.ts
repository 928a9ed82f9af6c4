import os from "node:os";
import { defineConfig } from "vitest/config";
import tsconfigPaths from "vite-tsconfig-paths";

// Two test files at once even on 2 cores (Vitest's own default there is one: cores − 1). Each
// file has its own database, and most of a file's time is spent waiting on PostgreSQL, Chromium
// or a server it started, not on its own CPU: on a 2-core machine the suite took 617 s with two
// files at once against 836–882 s with one.
const workers = Math.max(2, os.availableParallelism() - 1);

export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    include: ["{app,simulator,scripts,extensions,tests}/**/*.test.{ts,tsx}"],
    globalSetup: ["tests/setup/global-setup.ts"],
    setupFiles: ["tests/setup/test-env.ts"],
    pool: "forks",
    maxWorkers: workers,
    minWorkers: workers,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
