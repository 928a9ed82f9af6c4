// GIVEN every GraphQL document the app can send, WHEN each is validated against Shopify's
// Admin schema of the version the app uses (2026-10), THEN none is rejected and none uses a deprecated field.
import fs from "node:fs";
import path from "node:path";
import { Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import { requestedQueryCost } from "#simulator/cost";
import { adminSchemaFile, loadAdminSchema, validateAdminDocument } from "#simulator/schema";
import { ADMIN_API_VERSION } from "./api-version";

const APP_DIR = path.resolve(import.meta.dirname, "..");
const modules = import.meta.glob<Record<string, unknown>>(["./*.ts", "!./*.test.ts"], { eager: true });

const isDocument = (value: unknown): value is string =>
  typeof value === "string" && /^\s*(#.*\n\s*)*(query|mutation|fragment)\b/m.test(value) && /\{/.test(value);

const documents = Object.entries(modules).flatMap(([file, exports]) =>
  Object.entries(exports)
    .filter(([, value]) => isDocument(value))
    .map(([name, value]) => ({ name: `${path.basename(file)}:${name}`, source: value as string })),
);

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : /\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

describe("Admin GraphQL documents", () => {
  it("finds the app's documents", () => {
    expect(documents.map((d) => d.name)).toEqual(
      expect.arrayContaining(["queries.ts:SHOP_INFO", "queries.ts:ORDERS_UPDATED_SINCE"]),
    );
  });

  it.each(documents.map((d) => [d.name, d.source] as const))("%s validates against the 2026-10 schema without deprecated fields", (_, source) => {
    const errors = validateAdminDocument(source);
    expect(errors.map((e) => e.message)).toEqual([]);
  });

  // Shopify refuses a query whose requested cost is over 1,000 points (MAX_COST_EXCEEDED).
  // The inner queries of bulk operations (BULK_*_QUERY) are exempt: Shopify runs them apart
  // from the bucket, without page sizes.
  it.each(documents.filter((d) => !/:BULK_\w+_QUERY$/.test(d.name)).map((d) => [d.name, d.source] as const))(
    "%s stays under the 1,000-point query cost limit",
    (_, source) => {
      const document = parse(source);
      const fragments = Object.fromEntries(
        document.definitions
          .filter((def): def is FragmentDefinitionNode => def.kind === Kind.FRAGMENT_DEFINITION)
          .map((def) => [def.name.value, def]),
      );
      for (const operation of document.definitions.filter(
        (def): def is OperationDefinitionNode => def.kind === Kind.OPERATION_DEFINITION,
      )) {
        const { cost, errors } = requestedQueryCost({ schema: loadAdminSchema(), operation, fragments, variables: {} });
        expect(errors.map((e) => e.message)).toEqual([]);
        expect(cost).toBeLessThanOrEqual(1000);
      }
    },
  );

  it("gives every operation a unique PascalCase name", () => {
    const names = documents.flatMap((d) =>
      parse(d.source)
        .definitions.filter((def): def is OperationDefinitionNode => def.kind === "OperationDefinition")
        .map((def) => def.name?.value ?? "(anonymous)"),
    );
    expect(names.filter((n) => !/^[A-Z][A-Za-z0-9]+$/.test(n))).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
  });

  it("keeps GraphQL documents in app/shopify only", () => {
    const outside = filesUnder(APP_DIR)
      .filter((file) => !file.startsWith(path.join(APP_DIR, "shopify") + path.sep))
      .filter((file) => /\/\* GraphQL \*\/|#graphql/.test(fs.readFileSync(file, "utf8")));
    expect(outside).toEqual([]);
  });

  it("validates against 2026-10, the version the app uses, and rejects a deprecated field, so the check above can fail", () => {
    expect(ADMIN_API_VERSION).toBe("2026-10");
    expect(adminSchemaFile()).toMatch(/admin_2026-10\.json\.gz$/);
    const errors = validateAdminDocument("query Deprecated { customers(first: 1) { nodes { email } } }");
    expect(errors.length).toBeGreaterThan(0);
  });
});
