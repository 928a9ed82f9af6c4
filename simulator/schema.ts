/**
 * Shopify's Admin GraphQL schema, loaded once per process and version, and the validation every
 * document sent to it must pass: the standard rules plus "no deprecated fields".
 *
 * Shopify publishes the schema of every supported version as gzipped introspection JSON in its
 * npm package `@shopify/dev-mcp` (ISC licence; `dist/data/admin_<version>.json.gz`), a pinned
 * dev dependency: nothing is downloaded at run time. Loading 2026-10 (11 MB of JSON) takes about
 * 0.5 s: gunzip ~0.1 s, JSON.parse ~0.15 s, buildClientSchema ~0.2 s.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import {
  buildClientSchema,
  GraphQLError,
  NoDeprecatedCustomRule,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type IntrospectionQuery,
  type ValidationRule,
} from "graphql";
import { ADMIN_API_VERSION } from "../app/shopify/api-version";

const SCHEMA_PACKAGE = "@shopify/dev-mcp";
const DATA_DIR = path.join(SCHEMA_PACKAGE, "dist", "data");

/** The rules `validateAdminDocument` and the simulator apply: graphql-js's standard ones plus no deprecated fields. */
export const ADMIN_VALIDATION_RULES: readonly ValidationRule[] = [...specifiedRules, NoDeprecatedCustomRule];

const cache = new Map<string, GraphQLSchema>();

/**
 * The folder holding the package's schemas. The package's `exports` hide its data files from
 * `require.resolve`, so the folder is looked up along Node's own module search path.
 */
function schemaDataDir(): string {
  const searched = createRequire(import.meta.url).resolve.paths(SCHEMA_PACKAGE) ?? [];
  const found = searched.map((dir) => path.join(dir, DATA_DIR)).find((dir) => existsSync(dir));
  if (!found) {
    throw new Error(
      `Shopify's Admin GraphQL schema comes from the npm package ${SCHEMA_PACKAGE} (a dev dependency), ` +
        `which is not installed: run npm install.`,
    );
  }
  return found;
}

/** The gzipped introspection JSON of one Admin API version (default: the version the app uses). */
export function adminSchemaFile(version: string = ADMIN_API_VERSION): string {
  const dir = schemaDataDir();
  const file = path.join(dir, `admin_${version}.json.gz`);
  if (!existsSync(file)) {
    const versions = readdirSync(dir)
      .map((name) => /^admin_(.+)\.json\.gz$/.exec(name)?.[1])
      .filter(Boolean);
    throw new Error(
      `${SCHEMA_PACKAGE} has no Admin schema for version ${version} (it has ${versions.join(", ")}): ` +
        `update the package to a release that ships it.`,
    );
  }
  return file;
}

/** Builds (once per process and version) Shopify's Admin schema; default the version the app uses. */
export function loadAdminSchema(version: string = ADMIN_API_VERSION): GraphQLSchema {
  const cached = cache.get(version);
  if (cached) return cached;
  const json = JSON.parse(gunzipSync(readFileSync(adminSchemaFile(version))).toString("utf8")) as {
    data: IntrospectionQuery;
  };
  const schema = buildClientSchema(json.data);
  cache.set(version, schema);
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
