import { describe, expect, it } from "vitest";
import { loadAdminSchema, resolveAdminSchemaPath, validateAdminDocument } from "./schema";

describe("loadAdminSchema", () => {
  it("builds the real Admin schema once per process", () => {
    const schema = loadAdminSchema();
    expect(schema.getQueryType()?.name).toBe("QueryRoot");
    expect(schema.getType("Order")).toBeDefined();
    expect(loadAdminSchema()).toBe(schema);
  });

  it("says where it looked and how to get the schema when the file is missing", () => {
    expect(() => loadAdminSchema("/nowhere/admin.graphql")).toThrow(/\/nowhere\/admin\.graphql.*admin-graphql-direct-proxy.*SHOPIFY_ADMIN_SCHEMA/s);
  });

  it("takes the path from the argument, then SHOPIFY_ADMIN_SCHEMA, then ../shared/shopify", () => {
    const previous = process.env.SHOPIFY_ADMIN_SCHEMA;
    try {
      process.env.SHOPIFY_ADMIN_SCHEMA = "/from/env.graphql";
      expect(resolveAdminSchemaPath("/given.graphql")).toBe("/given.graphql");
      expect(resolveAdminSchemaPath()).toBe("/from/env.graphql");
      delete process.env.SHOPIFY_ADMIN_SCHEMA;
      expect(resolveAdminSchemaPath()).toMatch(/shared\/shopify\/admin-2026-01\.graphql$/);
    } finally {
      if (previous === undefined) delete process.env.SHOPIFY_ADMIN_SCHEMA;
      else process.env.SHOPIFY_ADMIN_SCHEMA = previous;
    }
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
