import os from "node:os";
import { configDefaults, defineConfig } from "vitest/config";
import tsconfigPaths from "vite-tsconfig-paths";

// Test files that drive Chromium, start and signal whole processes (the app, the worker, the
// demo, PostgreSQL) or wait for a page to show a run in progress. They run one at a time, after
// the others: beside another test file on two cores their waits time out or the state they wait
// for has passed.
const ALONE = [
  "tests/e2e/**/*.test.ts",
  "tests/no-orphans.test.ts",
  "tests/launchers.test.ts",
  "tests/setup/global-setup.test.ts",
  "scripts/lib/postgres.test.ts",
  "tests/*-cli.test.ts",
  "tests/portfolios.test.ts",
];

export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    // Once for the whole run: one PostgreSQL server and template database for both groups.
    globalSetup: ["tests/setup/global-setup.ts"],
    setupFiles: ["tests/setup/test-env.ts"],
    pool: "forks",
    // Every other file two (or cores − 1) at a time: each has its own database.
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: "together",
          globalSetup: [],
          include: ["{app,simulator,scripts,extensions,tests}/**/*.test.{ts,tsx}"],
          exclude: [...configDefaults.exclude, ...ALONE],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "alone",
          globalSetup: [],
          include: ALONE,
          sequence: { groupOrder: 1 },
          poolOptions: { forks: { singleFork: true } },
          // A flow through every page in Chromium takes 25–30 s on two quiet cores and twice that
          // beside other work; machines of this kind also differ by two to three times in speed.
          testTimeout: 180_000,
        },
      },
    ],
  },
});
