// Once per test run: a PostgreSQL server (DATABASE_URL's, or a throwaway embedded one), and a
// migrated template database that every test file clones (fast, isolated).
import type { TestProject } from "vitest/node";
import { createDatabaseIfMissing, dropDatabase, postgresServer } from "../../scripts/lib/postgres";
import { migrateDeploy } from "../../scripts/lib/prisma-cli";
import { reportFailures } from "./report-failures";

export const TEMPLATE_DATABASE = "metryka_test_template";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
  }
}

export default function setup(project: TestProject) {
  return reportFailures("The test setup (tests/setup/global-setup.ts)", async () => {
    const server = await postgresServer(process.env.DATABASE_URL, {});
    try {
      await dropDatabase(server, TEMPLATE_DATABASE);
      await createDatabaseIfMissing(server, TEMPLATE_DATABASE);
      await migrateDeploy(server.urlFor(TEMPLATE_DATABASE));
    } catch (error) {
      await server.stop();
      throw error;
    }
    project.provide("pgAdminUrl", server.adminUrl);
    project.provide("pgTemplate", TEMPLATE_DATABASE);
    return () => server.stop();
  });
}
