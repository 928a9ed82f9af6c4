/**
 * Executes Admin GraphQL requests against a `SimStore` with the real Admin schema:
 * parse → validate (standard rules + no deprecated fields) → cost check against the leaky bucket →
 * execute with generic resolvers (views.ts) → Shopify-shaped response with `extensions.cost`.
 *
 * Errors have Shopify's shape `{ message, locations, path?, extensions: { code } }` and come with
 * HTTP 200, as Shopify answers GraphQL-level errors; transport errors (401/404) are the server's job.
 */
import {
  execute,
  getOperationAST,
  getVariableValues,
  Kind,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ASTNode,
  type GraphQLError,
} from "graphql";
import { CostMeter, LeakyBucket, requestedQueryCost, type BucketOptions, type ThrottleStatus } from "./cost";
import { ADMIN_VALIDATION_RULES, loadAdminSchema, parseAdminDocument } from "./schema";
import type { SimShopPlan, SimStore } from "./types";
import { rootView, simulatorFieldResolver, type BulkApi, type SearchExtension, type ViewContext } from "./views";

/** Scopes a token gets when the caller does not say (everything Metryka asks for). */
export const DEFAULT_SCOPES: readonly string[] = ["read_orders", "read_all_orders", "read_customers", "write_customers", "read_reports", "write_pixels", "read_customer_events"];

export const DEFAULT_BUCKET: BucketOptions = { maximumAvailable: 2000, restoreRate: 100 };
export const DEFAULT_MAX_QUERY_COST = 1000;
const RATE_LIMITS_DOC = "https://shopify.dev/api/usage/rate-limits";

export interface GraphQLErrorJSON {
  message: string;
  locations?: Array<{ line: number; column: number }>;
  path?: Array<string | number>;
  extensions?: Record<string, unknown>;
}

export interface CostExtension {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttleStatus: ThrottleStatus;
}

export interface AdminResponseBody {
  data?: Record<string, unknown> | null;
  errors?: GraphQLErrorJSON[];
  extensions: { cost: CostExtension; search?: SearchExtension[] };
}

export interface AdminResponse {
  status: number;
  body: AdminResponseBody;
}

export interface AdminApiOptions {
  /** A built schema; otherwise `loadAdminSchema()`, the version the app uses. */
  schema?: GraphQLSchema;
  /** Clock for the leaky bucket and "now"-dependent fields; default the system clock. */
  now?: () => Date;
  bucket?: Partial<BucketOptions>;
  /** Each shop's bucket as Shopify sizes it for the shop's plan (`planBucket`), not `bucket`. */
  bucketsByPlan?: boolean;
  /** A single query above this cost is refused (MAX_COST_EXCEEDED); default 1000. */
  maxQueryCost?: number;
  app?: { apiKey: string; title?: string };
  bulk?: BulkApi;
}

export interface AdminRequest {
  store: SimStore;
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
  /** Bucket identity: one per shop and app token. Default: the shop domain. */
  bucketKey?: string;
  /** Scopes granted to the caller; default `DEFAULT_SCOPES`. */
  scopes?: readonly string[];
  /**
   * Fault injection (faults.ts): answer THROTTLED at the cost check, as when the bucket is empty,
   * without running the query or drawing from the bucket. A query refused earlier (invalid, too
   * costly) gets that answer instead.
   */
  forceThrottle?: boolean;
}

/** What one shop's Admin API calls have cost so far. */
export interface AdminUsage {
  requests: number;
  /** Points actually spent (Shopify's actualQueryCost). */
  cost: number;
  /** Answers THROTTLED, whether the bucket was empty or a fault said so. */
  throttled: number;
}

/**
 * Shopify's GraphQL Admin limits by plan: points restored per second (Standard plans 100,
 * Advanced 200, Plus 1,000) and a bucket of twenty seconds of them.
 */
export function planBucket(plan: SimShopPlan): BucketOptions {
  const restoreRate = plan.shopifyPlus ? 1_000 : plan.publicDisplayName === "Advanced" ? 200 : 100;
  return { maximumAvailable: restoreRate * 20, restoreRate };
}

export class AdminApi {
  readonly schema: GraphQLSchema;
  private readonly buckets = new Map<string, LeakyBucket>();
  private readonly spent = new Map<string, AdminUsage>();
  private readonly bucketOptions: BucketOptions;
  private readonly bucketsByPlan: boolean;
  private readonly maxQueryCost: number;
  private readonly now: () => Date;
  private readonly app: { apiKey: string; title: string };
  bulk: BulkApi | null;

  constructor(options: AdminApiOptions = {}) {
    this.schema = options.schema ?? loadAdminSchema();
    this.bucketOptions = { ...DEFAULT_BUCKET, ...options.bucket };
    this.bucketsByPlan = options.bucketsByPlan ?? false;
    this.maxQueryCost = options.maxQueryCost ?? DEFAULT_MAX_QUERY_COST;
    this.now = options.now ?? (() => new Date());
    this.app = { apiKey: options.app?.apiKey ?? "sim-api-key", title: options.app?.title ?? "Metryka" };
    this.bulk = options.bulk ?? null;
  }

  private bucket(key: string, store?: SimStore): LeakyBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new LeakyBucket(this.bucketsByPlan && store ? planBucket(store.shop.plan) : this.bucketOptions, () => this.now().getTime());
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  /** Current state of a bucket (a fresh, full one if the key has not been used). */
  throttleStatus(key: string): ThrottleStatus {
    return this.bucket(key).status();
  }

  /** What the shop's calls have cost so far (all zero before its first call). */
  usage(shop: string): AdminUsage {
    return { ...(this.spent.get(shop) ?? { requests: 0, cost: 0, throttled: 0 }) };
  }

  /** Empties every bucket's history (all full again). */
  resetBuckets(): void {
    this.buckets.clear();
  }

  newContext(store: SimStore, scopes: readonly string[], unbounded: boolean): ViewContext {
    return {
      store,
      nowMs: this.now().getTime(),
      scopes: new Set(scopes),
      unbounded,
      searchWarnings: [],
      bulk: this.bulk,
      app: { apiKey: this.app.apiKey, title: this.app.title, installationId: 1 },
      cache: {},
    };
  }

  async execute(request: AdminRequest): Promise<AdminResponse> {
    const bucketKey = request.bucketKey ?? request.store.shop.domain;
    const bucket = this.bucket(bucketKey, request.store);
    const shop = request.store.shop.domain;
    const usage = this.spent.get(shop) ?? { requests: 0, cost: 0, throttled: 0 };
    this.spent.set(shop, usage);
    usage.requests++;
    const respond = (body: Omit<AdminResponseBody, "extensions">, cost: Omit<CostExtension, "throttleStatus">, search?: SearchExtension[]): AdminResponse => ({
      status: 200,
      body: {
        ...body,
        extensions: { cost: { ...cost, throttleStatus: bucket.status() }, ...(search && search.length > 0 ? { search } : {}) },
      },
    });
    const free = { requestedQueryCost: 0, actualQueryCost: 0 };

    if (typeof request.query !== "string" || request.query.trim() === "") {
      return respond({ errors: [{ message: "No query string was present", extensions: { code: "BAD_REQUEST" } }] }, free);
    }
    const parsed = parseAdminDocument(request.query);
    if (!parsed.document) return respond({ errors: parsed.errors.map((e) => formatError(e, null)) }, free);
    const document = parsed.document;

    const validationErrors = validate(this.schema, document, ADMIN_VALIDATION_RULES);
    if (validationErrors.length > 0) return respond({ errors: validationErrors.map((e) => shopifyValidationError(e, document)) }, free);

    const operation = getOperationAST(document, request.operationName ?? undefined);
    if (!operation) {
      const message = request.operationName
        ? `No operation named "${request.operationName}"`
        : "An operation name is required when the document has several operations";
      return respond({ errors: [{ message, extensions: { code: "BAD_REQUEST" } }] }, free);
    }
    const coerced = getVariableValues(this.schema, operation.variableDefinitions ?? [], request.variables ?? {});
    if (coerced.errors) {
      return respond({ errors: coerced.errors.map((e) => formatError(e, "variableMismatch")) }, free);
    }

    const fragments = fragmentsOf(document);
    const static_ = requestedQueryCost({ schema: this.schema, operation, fragments, variables: coerced.coerced });
    if (static_.errors.length > 0) {
      return respond({ errors: static_.errors.map((e) => formatError(e, null)) }, { requestedQueryCost: static_.cost, actualQueryCost: null });
    }
    const requested = static_.cost;
    if (requested > this.maxQueryCost) {
      return respond(
        {
          errors: [
            {
              message:
                `Query cost is ${requested}, which exceeds the single query max cost limit (${this.maxQueryCost}).\n\n` +
                `See ${RATE_LIMITS_DOC} for more information on how the cost of a query is calculated.\n\n` +
                "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n" +
                "See https://shopify.dev/api/usage/bulk-operations/queries for usage details.\n",
              extensions: { code: "MAX_COST_EXCEEDED", cost: requested, maxCost: this.maxQueryCost },
            },
          ],
        },
        { requestedQueryCost: requested, actualQueryCost: null },
      );
    }
    if (request.forceThrottle || !bucket.tryTake(requested)) {
      usage.throttled++;
      const response = respond(
        { errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: RATE_LIMITS_DOC } }] },
        { requestedQueryCost: requested, actualQueryCost: null },
      );
      if (request.forceThrottle) {
        // As on a real THROTTLED answer, the bucket holds less than the query costs.
        const status = response.body.extensions.cost.throttleStatus;
        status.currentlyAvailable = Math.min(status.currentlyAvailable, Math.max(0, requested - 1));
      }
      return response;
    }

    const ctx = this.newContext(request.store, request.scopes ?? DEFAULT_SCOPES, false);
    const meter = new CostMeter(operation.operation === "mutation");
    const result = await execute({
      schema: this.schema,
      document,
      operationName: request.operationName ?? undefined,
      rootValue: rootView(ctx),
      contextValue: ctx,
      variableValues: request.variables ?? {},
      fieldResolver: meter.wrap(simulatorFieldResolver),
    });
    const actual = Math.min(meter.cost, requested);
    bucket.giveBack(requested - actual);
    usage.cost += actual;
    return respond(executionBody(result), { requestedQueryCost: requested, actualQueryCost: actual }, ctx.searchWarnings);
  }

  /**
   * Runs a validated query with connections unbounded and no cost accounting (the inner query of a
   * bulk operation). Throws on invalid documents; callers validate first.
   */
  async executeUnbounded(store: SimStore, document: DocumentNode, scopes: readonly string[]): Promise<ExecutionResult> {
    const ctx = this.newContext(store, scopes, true);
    return execute({
      schema: this.schema,
      document,
      rootValue: rootView(ctx),
      contextValue: ctx,
      fieldResolver: simulatorFieldResolver,
    });
  }
}

export function createAdminApi(options: AdminApiOptions = {}): AdminApi {
  return new AdminApi(options);
}

// ---------------------------------------------------------------------------------------------
// Errors

function executionBody(result: ExecutionResult): Omit<AdminResponseBody, "extensions"> {
  const body: Omit<AdminResponseBody, "extensions"> = { data: (result.data as Record<string, unknown> | null | undefined) ?? null };
  if (result.errors && result.errors.length > 0) body.errors = result.errors.map((e) => formatError(e, "INTERNAL_SERVER_ERROR"));
  return body;
}

/** GraphQLError → Shopify's JSON error shape; `defaultCode` fills a missing extensions.code. */
export function formatError(error: GraphQLError, defaultCode: string | null): GraphQLErrorJSON {
  const json: GraphQLErrorJSON = { message: error.message };
  if (error.locations && error.locations.length > 0) json.locations = error.locations.map((l) => ({ line: l.line, column: l.column }));
  if (error.path) json.path = [...error.path];
  const extensions: Record<string, unknown> = { ...error.extensions };
  if (!("code" in extensions) && defaultCode) extensions.code = defaultCode;
  if (Object.keys(extensions).length > 0) json.extensions = extensions;
  return json;
}

function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  const out: Record<string, FragmentDefinitionNode> = {};
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) out[def.name.value] = def;
  return out;
}

/**
 * A validation error in the shape Shopify's GraphQL (graphql-ruby) gives: a code in extensions,
 * Shopify's wording for unknown fields, and the static path (`["query Name", "orders", …]`).
 */
export function shopifyValidationError(error: GraphQLError, document: DocumentNode): GraphQLErrorJSON {
  const json = formatError(error, null);
  const extensions: Record<string, unknown> = { ...json.extensions };
  let match: RegExpExecArray | null;
  if ((match = /^Cannot query field "([^"]+)" on type "([^"]+)"\./.exec(error.message))) {
    json.message = `Field '${match[1]}' doesn't exist on type '${match[2]}'`;
    Object.assign(extensions, { code: "undefinedField", typeName: match[2], fieldName: match[1] });
  } else if ((match = /^The field ([A-Za-z_]+)\.([A-Za-z_]+) is deprecated\./.exec(error.message))) {
    Object.assign(extensions, { code: "deprecatedField", typeName: match[1], fieldName: match[2] });
  } else if (/is deprecated\./.test(error.message)) {
    extensions.code = "deprecatedField";
  } else if (/^Unknown argument/.test(error.message)) {
    extensions.code = "argumentNotAccepted";
  } else if (/argument .* is required, but it was not provided/.test(error.message)) {
    extensions.code = "missingRequiredArguments";
  } else if (/^Unknown type/.test(error.message)) {
    extensions.code = "undefinedType";
  } else if (/^Variable "\$/.test(error.message)) {
    extensions.code = "variableMismatch";
  } else if (/cannot represent|Expected value of type|Expected type/.test(error.message)) {
    extensions.code = "argumentLiteralsIncompatible";
  } else if (/must have a selection of subfields|must not have a selection since/.test(error.message)) {
    extensions.code = "selectionMismatch";
  } else {
    extensions.code = "validationError";
  }
  json.extensions = extensions;
  const node = error.nodes?.[0];
  if (!json.path && node) {
    const path = staticPath(document, node);
    if (path) json.path = path;
  }
  return json;
}

/** Path of field names from the operation (or fragment) down to `target`, graphql-ruby style. */
function staticPath(document: DocumentNode, target: ASTNode): string[] | null {
  const search = (selectionSet: SelectionSetNode | undefined, path: string[]): string[] | null => {
    if (!selectionSet) return null;
    for (const selection of selectionSet.selections) {
      if (selection === target) return selection.kind === Kind.FIELD ? [...path, selection.alias?.value ?? selection.name.value] : path;
      if (selection.kind === Kind.FIELD) {
        const name = selection.alias?.value ?? selection.name.value;
        if (selection.arguments?.some((a) => a === target || a.value === target)) return [...path, name];
        const found = search(selection.selectionSet, [...path, name]);
        if (found) return found;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const found = search(selection.selectionSet, [...path, `... on ${selection.typeCondition?.name.value ?? ""}`.trim()]);
        if (found) return found;
      } else if (selection === target) {
        return path;
      }
    }
    return null;
  };
  for (const def of document.definitions) {
    if (def.kind === Kind.OPERATION_DEFINITION) {
      const op: OperationDefinitionNode = def;
      const label = op.name ? `${op.operation} ${op.name.value}` : op.operation;
      if (def === target) return [label];
      const found = search(op.selectionSet, [label]);
      if (found) return found;
    } else if (def.kind === Kind.FRAGMENT_DEFINITION) {
      const found = search(def.selectionSet, [`fragment ${def.name.value}`]);
      if (found) return found;
    }
  }
  return null;
}

