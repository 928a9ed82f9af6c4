// Before each test file: its own database, cloned from the migrated template, and the
// environment the app validates at boot. Runs before any app module is imported.
import { afterAll, beforeAll, inject } from "vitest";
import { cloneDatabase, dropDatabase, type PostgresServer } from "../../scripts/lib/postgres";

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
