/**
 * The real Shopify Admin GraphQL schema (SDL), loaded once per process, and the validation every
 * document sent to it must pass: the standard rules plus "no deprecated fields".
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  buildSchema,
  GraphQLError,
  NoDeprecatedCustomRule,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationRule,
} from "graphql";

const DEFAULT_SCHEMA_URL = new URL("../../shared/shopify/admin-2026-01.graphql", import.meta.url);
const DOWNLOAD_HINT =
  "The Admin schema can be downloaded from Shopify's public introspection endpoint " +
  "(e.g. https://shopify.dev/admin-graphql-direct-proxy/2026-01, the URL @shopify/api-codegen-preset uses), " +
  "printed as SDL, and pointed to with the SHOPIFY_ADMIN_SCHEMA environment variable.";

/** The rules `validateAdminDocument` and the simulator apply: graphql-js's standard ones plus no deprecated fields. */
export const ADMIN_VALIDATION_RULES: readonly ValidationRule[] = [...specifiedRules, NoDeprecatedCustomRule];

const cache = new Map<string, GraphQLSchema>();

/** Where the schema is read from: the argument, else SHOPIFY_ADMIN_SCHEMA, else ../shared/shopify/. */
export function resolveAdminSchemaPath(path?: string): string {
  if (path) return path;
  const fromEnv = process.env.SHOPIFY_ADMIN_SCHEMA;
  if (fromEnv) return fromEnv;
  return fileURLToPath(DEFAULT_SCHEMA_URL);
}

/**
 * Loads (once per process and path) and builds the Admin schema. Throws an Error naming where it
 * looked and how to get the file when it is absent.
 */
export function loadAdminSchema(path?: string): GraphQLSchema {
  const resolved = resolveAdminSchemaPath(path);
  const cached = cache.get(resolved);
  if (cached) return cached;
  if (!existsSync(resolved)) {
    const source = path ? "the path given" : process.env.SHOPIFY_ADMIN_SCHEMA ? "SHOPIFY_ADMIN_SCHEMA" : "the default location";
    throw new Error(`Shopify Admin GraphQL schema not found at ${resolved} (${source}). ${DOWNLOAD_HINT}`);
  }
  const schema = buildSchema(readFileSync(resolved, "utf8"));
  cache.set(resolved, schema);
  return schema;
}

/** Parses a document; a syntax error comes back as the only error. */
export function parseAdminDocument(source: string): { document: DocumentNode | null; errors: readonly GraphQLError[] } {
  try {
    return { document: parse(source), errors: [] };
  } catch (error) {
    if (error instanceof GraphQLError) return { document: null, errors: [error] };
    throw error;
  }
}

/**
 * Parses and validates a document against the Admin schema with the standard rules and
 * `NoDeprecatedCustomRule`, so a deprecated field is an error. An empty array means valid.
 */
export function validateAdminDocument(source: string, schema: GraphQLSchema = loadAdminSchema()): readonly GraphQLError[] {
  const { document, errors } = parseAdminDocument(source);
  if (!document) return errors;
  return validate(schema, document, ADMIN_VALIDATION_RULES);
}
