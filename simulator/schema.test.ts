import { gunzipSync } from "node:zlib";
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { ADMIN_API_VERSION } from "#app/shopify/api-version";
import { adminSchemaFile, loadAdminSchema, validateAdminDocument } from "./schema";

describe("loadAdminSchema", () => {
  it("builds Shopify's schema of the version the app uses (2026-10), once per process", () => {
    expect(ADMIN_API_VERSION).toBe("2026-10");
    expect(adminSchemaFile()).toMatch(/@shopify\/dev-mcp\/dist\/data\/admin_2026-10\.json\.gz$/);
    const schema = loadAdminSchema();
    expect(schema.getQueryType()?.name).toBe("QueryRoot");
    expect(schema.getType("Order")).toBeDefined();
    expect(loadAdminSchema()).toBe(schema);
    expect(loadAdminSchema("2026-10")).toBe(schema);
  });

  it("is the 2026-10 schema, not an older one: Order.attribution arrived in 2026-07", () => {
    const fields = (version: string) => Object.keys((loadAdminSchema(version).getType("Order") as { getFields(): object }).getFields());
    expect(fields("2026-10")).toContain("attribution");
    expect(fields("2026-01")).not.toContain("attribution");
  });

  it("reads the package's gzipped introspection JSON", () => {
    const json = JSON.parse(gunzipSync(fs.readFileSync(adminSchemaFile())).toString("utf8"));
    expect(json.data.__schema.queryType.name).toBe("QueryRoot");
  });

  it("names the versions the package has when asked for one it does not", () => {
    expect(() => loadAdminSchema("1999-01")).toThrow(/no Admin schema for version 1999-01 \(it has .*2026-10/);
  });
});

describe("validateAdminDocument", () => {
  it("accepts a valid document and rejects unknown fields, missing arguments and deprecated fields", () => {
    expect(validateAdminDocument(`query OrdersPage { orders(first: 10) { nodes { id processedAt totalPriceSet { shopMoney { amount currencyCode } } } } }`)).toEqual([]);
    expect(validateAdminDocument(`{ orders(first: 1) { nodes { colour } } }`)[0].message).toMatch(/Cannot query field "colour"/);
    expect(validateAdminDocument(`{ order { id } }`)[0].message).toMatch(/argument "id" of type "ID!" is required/);
    expect(validateAdminDocument(`{ orders(first: 1) { nodes { totalPrice } } }`)[0].message).toMatch(/Order\.totalPrice is deprecated/);
    expect(validateAdminDocument(`{ currentBulkOperation { id } }`)[0].message).toMatch(/deprecated/);
  });
});
