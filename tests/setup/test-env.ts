// Before each test file: its own database, cloned from the migrated template, and the
// environment the app validates at boot. Runs before any app module is imported.
import { afterAll, beforeAll, inject } from "vitest";
import { cloneDatabase, dropDatabase, type PostgresServer } from "../../scripts/lib/postgres";

// A test process is vitest's child: when vitest goes (SIGTERM to `npm test`, which vitest ends at
// once) its channel closes, and this process ends too instead of running its test on as an
// orphan. vitest replaces process.exit in test processes (a test calling it fails), so this ends
// the way process.exit would: the 'exit' listeners first (those of tests/support/launch.ts and
// Playwright stop what they started; app servers see the channel to this process close), then
// the process.
if (process.channel && !process.listeners("disconnect").some((listener) => listener.name === "endWithRunner")) {
  process.on("disconnect", function endWithRunner() {
    process.emit("exit", 1);
    process.kill(process.pid, "SIGKILL");
  });
}

const adminUrl = inject("pgAdminUrl");
const template = inject("pgTemplate");
const database = `metryka_test_${process.env.VITEST_POOL_ID ?? "0"}_${process.pid}`;

const server: PostgresServer = {
  adminUrl,
  urlFor(name) {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  },
  async stop() {},
};

await cloneDatabase(server, template, database);

process.env.NODE_ENV = "test";
process.env.DATABASE_URL = server.urlFor(database);
process.env.SHOPIFY_API_KEY ??= "test-api-key";
process.env.SHOPIFY_API_SECRET ??= "test-api-secret";
process.env.SHOPIFY_APP_URL ??= "https://metryka.test";
process.env.METRYKA_INLINE_WORKER ??= "false";

export const testDatabaseUrl = process.env.DATABASE_URL;

beforeAll(() => {});
afterAll(async () => {
  const { default: prisma } = await import("#app/db.server");
  await prisma.$disconnect();
  await (await import("#app/db-pool.server")).endSqlPool();
  await (await import("#app/jobs/queue.server")).stopJobQueue();
  await dropDatabase(server, database);
});
