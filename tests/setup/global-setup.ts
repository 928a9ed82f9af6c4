// Once per test run: a PostgreSQL server (DATABASE_URL's, or an embedded one in a temporary
// folder), and a migrated template database that every test file clones (fast, isolated).
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { createDatabaseIfMissing, dropDatabase, postgresServer } from "../../scripts/lib/postgres";
import { migrateDeploy } from "../../scripts/lib/prisma-cli";
import { freePort } from "../../scripts/lib/free-port";

export const TEMPLATE_DATABASE = "metryka_test_template";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
    /** Unique to this test run: files that build the app share one build. */
    runId: string;
  }
}

export default async function setup(project: TestProject) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "metryka-test-pg-"));
  // As root, PostgreSQL runs as its own user, which must be able to enter the folder.
  fs.chmodSync(dataDir, 0o755);
  const server = await postgresServer(process.env.DATABASE_URL, {
    dataDir: path.join(dataDir, "data"),
    port: await freePort(),
    ephemeral: true,
  });
  await dropDatabase(server, TEMPLATE_DATABASE);
  await createDatabaseIfMissing(server, TEMPLATE_DATABASE);
  await migrateDeploy(server.urlFor(TEMPLATE_DATABASE));
  project.provide("pgAdminUrl", server.adminUrl);
  project.provide("pgTemplate", TEMPLATE_DATABASE);
  project.provide("runId", randomUUID());
  return async () => {
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
}
