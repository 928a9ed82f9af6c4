// GIVEN the committed migrations, WHEN Prisma compares them with prisma/schema.prisma,
// THEN there is no drift: every schema change ships with its migration.
import { describe, expect, it } from "vitest";
import { runPrisma } from "../scripts/lib/prisma-cli";

describe("migrations", () => {
  it("match the Prisma schema exactly", async () => {
    const run = await runPrisma(
      ["migrate", "diff", "--from-migrations", "prisma/migrations", "--to-schema-datamodel", "prisma/schema.prisma", "--exit-code"],
      process.env.DATABASE_URL!,
      { quiet: true },
    );
    expect(run.stdout + run.stderr).toContain("No difference detected");
    expect(run.status).toBe(0);
  });
});
