// GIVEN every GraphQL document the app can send, WHEN each is validated against the real
// Admin schema, THEN none is rejected and none uses a deprecated field.
import fs from "node:fs";
import path from "node:path";
import { parse, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import { validateAdminDocument } from "#simulator/schema";

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

  it.each(documents.map((d) => [d.name, d.source] as const))("%s validates against the 2026-01 schema", (_, source) => {
    const errors = validateAdminDocument(source);
    expect(errors.map((e) => e.message)).toEqual([]);
  });

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

  it("rejects a deprecated field, so the check above can fail", () => {
    const errors = validateAdminDocument("query Deprecated { customers(first: 1) { nodes { email } } }");
    expect(errors.length).toBeGreaterThan(0);
  });
});
