/**
 * Query cost and the leaky bucket, after https://shopify.dev/docs/api/usage/rate-limits:
 * scalars and enums cost 0, objects 1, a connection 2 plus its page size (`first`/`last`) times
 * the cost of one node, mutations 10 plus their selection. The requested cost is computed before
 * execution from the document; the actual cost counts what was really returned (same rules, with
 * the real number of nodes), and the difference goes back into the bucket.
 *
 * Connections must have `first` or `last` (at most 250), as on Shopify.
 */
import {
  getArgumentValues,
  getNamedType,
  GraphQLError,
  isAbstractType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

export const MAX_PAGE_SIZE = 250;
export const MUTATION_COST = 10;

/** A connection type in Shopify's schema: `XConnection { edges nodes pageInfo }`. */
export function isConnectionType(type: GraphQLNamedType): type is GraphQLObjectType {
  if (!isObjectType(type) || !type.name.endsWith("Connection")) return false;
  const fields = type.getFields();
  return "pageInfo" in fields && ("edges" in fields || "nodes" in fields);
}

export function isEdgeType(type: GraphQLNamedType): type is GraphQLObjectType {
  if (!isObjectType(type) || !type.name.endsWith("Edge")) return false;
  const fields = type.getFields();
  return "node" in fields && "cursor" in fields;
}

function unwrapIsList(type: GraphQLOutputType): boolean {
  let t: GraphQLOutputType = type;
  if (isNonNullType(t)) t = t.ofType;
  return isListType(t);
}

interface StaticContext {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  errors: GraphQLError[];
  /** Connections may omit first/last (bulk operation inner queries). */
  allowUnboundedConnections: boolean;
  operationLabel: string;
}

function fieldDefinition(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  return "getFields" in parent ? parent.getFields()[name] : undefined;
}

/**
 * Cost of a selection set on `parent`. Fields selected directly (or through fragments on the same
 * or a wider type) add up; fragments that narrow to different concrete types count as the most
 * expensive one, as only one of them can apply to a given object.
 */
function selectionSetCost(ctx: StaticContext, parent: GraphQLCompositeType, selectionSet: SelectionSetNode, path: string[]): number {
  let common = 0;
  const narrowed = new Map<string, number>();
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      common += fieldCost(ctx, parent, selection, path);
      continue;
    }
    let typeName: string | undefined;
    let inner: SelectionSetNode;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      typeName = selection.typeCondition?.name.value;
      inner = selection.selectionSet;
    } else {
      const fragment = ctx.fragments[selection.name.value];
      if (!fragment) continue;
      typeName = fragment.typeCondition.name.value;
      inner = fragment.selectionSet;
    }
    const conditionType = typeName ? (ctx.schema.getType(typeName) as GraphQLCompositeType | undefined) : parent;
    if (!conditionType) continue;
    const cost = selectionSetCost(ctx, conditionType, inner, path);
    if (conditionType === parent || isAbstractType(conditionType)) common += cost;
    else narrowed.set(conditionType.name, (narrowed.get(conditionType.name) ?? 0) + cost);
  }
  let widest = 0;
  for (const cost of narrowed.values()) widest = Math.max(widest, cost);
  return common + widest;
}

function pageSize(ctx: StaticContext, field: FieldNode, def: GraphQLField<unknown, unknown>, path: string[]): number {
  const args = getArgumentValues(def, field, ctx.variables);
  const first = typeof args.first === "number" ? args.first : null;
  const last = typeof args.last === "number" ? args.last : null;
  const size = first ?? last;
  if (ctx.allowUnboundedConnections) return size ?? 1;
  if (size === null) {
    ctx.errors.push(
      new GraphQLError("you must provide one of first or last", {
        nodes: [field],
        path: [ctx.operationLabel, ...path],
        extensions: { code: "BAD_REQUEST" },
      }),
    );
    return 0;
  }
  for (const [name, value] of [["first", first], ["last", last]] as const) {
    if (value !== null && (value < 0 || value > MAX_PAGE_SIZE)) {
      ctx.errors.push(
        new GraphQLError(`The value of '${name}' must be between 0 and ${MAX_PAGE_SIZE} (got ${value}).`, {
          nodes: [field],
          path: [ctx.operationLabel, ...path],
          extensions: { code: "BAD_REQUEST", argumentName: name },
        }),
      );
    }
  }
  return Math.min(size, MAX_PAGE_SIZE);
}

function fieldCost(ctx: StaticContext, parent: GraphQLCompositeType, field: FieldNode, parentPath: string[]): number {
  const name = field.name.value;
  if (name.startsWith("__")) return 0;
  const def = fieldDefinition(parent, name);
  if (!def) return 0;
  const path = [...parentPath, field.alias?.value ?? name];
  const named = getNamedType(def.type);
  if (!field.selectionSet || !("getFields" in named || isAbstractType(named))) return 0;
  const composite = named as GraphQLCompositeType;

  if (isConnectionType(composite)) {
    const size = pageSize(ctx, field, def, path);
    let nodeCost = 0;
    for (const selection of collectFields(ctx, composite, field.selectionSet)) {
      const childName = selection.name.value;
      if (childName === "nodes") {
        const nodeType = getNamedType(composite.getFields().nodes.type) as GraphQLCompositeType;
        nodeCost += 1 + (selection.selectionSet ? selectionSetCost(ctx, nodeType, selection.selectionSet, [...path, "nodes"]) : 0);
      } else if (childName === "edges" && selection.selectionSet) {
        const edgeType = getNamedType(composite.getFields().edges.type) as GraphQLObjectType;
        for (const edgeField of collectFields(ctx, edgeType, selection.selectionSet)) {
          if (edgeField.name.value !== "node" || !edgeField.selectionSet) continue;
          const nodeType = getNamedType(edgeType.getFields().node.type) as GraphQLCompositeType;
          nodeCost += 1 + selectionSetCost(ctx, nodeType, edgeField.selectionSet, [...path, "edges", "node"]);
        }
      }
    }
    return 2 + size * nodeCost;
  }

  let multiplier = 1;
  if (unwrapIsList(def.type)) {
    const args = getArgumentValues(def, field, ctx.variables);
    if (typeof args.first === "number") multiplier = args.first;
    else if (Array.isArray(args.ids)) multiplier = args.ids.length;
  }
  return multiplier * (1 + selectionSetCost(ctx, composite, field.selectionSet, path));
}

/** Fields of a selection set on an object type, fragments flattened. */
function collectFields(ctx: StaticContext, type: GraphQLObjectType, selectionSet: SelectionSetNode): FieldNode[] {
  const out: FieldNode[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) out.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) out.push(...collectFields(ctx, type, selection.selectionSet));
    else {
      const fragment = ctx.fragments[selection.name.value];
      if (fragment) out.push(...collectFields(ctx, type, fragment.selectionSet));
    }
  }
  return out;
}

export interface StaticCostResult {
  cost: number;
  errors: GraphQLError[];
}

/** Requested cost of an (already validated) operation, plus first/last errors. */
export function requestedQueryCost(params: {
  schema: GraphQLSchema;
  operation: OperationDefinitionNode;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  allowUnboundedConnections?: boolean;
}): StaticCostResult {
  const { schema, operation } = params;
  const root = operation.operation === "mutation" ? schema.getMutationType() : schema.getQueryType();
  if (!root) return { cost: 0, errors: [] };
  const ctx: StaticContext = {
    schema,
    fragments: params.fragments,
    variables: params.variables,
    errors: [],
    allowUnboundedConnections: params.allowUnboundedConnections ?? false,
    operationLabel: operation.name ? `${operation.operation} ${operation.name.value}` : operation.operation,
  };
  let cost = selectionSetCost(ctx, root, operation.selectionSet, []);
  if (operation.operation === "mutation") cost += MUTATION_COST * operation.selectionSet.selections.length;
  return { cost, errors: ctx.errors };
}

/**
 * Counts the actual cost while a query executes, with the same rules as `requestedQueryCost`:
 * wrap the field resolver with `meter.wrap(resolver)` and read `meter.cost` afterwards.
 */
export class CostMeter {
  cost = 0;

  constructor(private readonly isMutation: boolean) {}

  wrap<TSource, TContext>(resolver: GraphQLFieldResolver<TSource, TContext>): GraphQLFieldResolver<TSource, TContext> {
    return (source, args, context, info) => {
      const result = resolver(source, args, context, info);
      const account = (value: unknown): unknown => {
        this.account(info.parentType, info.fieldName, info.returnType, value, info.path.prev === undefined);
        return value;
      };
      if (result instanceof Promise) return result.then(account);
      return account(result);
    };
  }

  private account(parent: GraphQLObjectType, fieldName: string, returnType: GraphQLOutputType, value: unknown, atRoot: boolean): void {
    if (atRoot && this.isMutation) this.cost += MUTATION_COST;
    if (value === null || value === undefined) return;
    const named = getNamedType(returnType);
    if (!("getFields" in named || isAbstractType(named))) return;
    if (isConnectionType(named)) {
      this.cost += 2;
      return;
    }
    if (isConnectionType(parent)) {
      if (fieldName === "nodes" && Array.isArray(value)) this.cost += value.length;
      return;
    }
    if (isEdgeType(parent)) {
      if (fieldName === "node") this.cost += 1;
      return;
    }
    this.cost += Array.isArray(value) ? value.filter((v) => v !== null && v !== undefined).length : 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Leaky bucket

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export interface BucketOptions {
  maximumAvailable: number;
  restoreRate: number;
}

/** One bucket per shop and app token; `now` is injected so tests are deterministic. */
export class LeakyBucket {
  private available: number;
  private last: number;

  constructor(
    private readonly options: BucketOptions,
    private readonly now: () => number,
  ) {
    this.available = options.maximumAvailable;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    const elapsed = Math.max(0, t - this.last) / 1000;
    this.available = Math.min(this.options.maximumAvailable, this.available + elapsed * this.options.restoreRate);
    this.last = t;
  }

  status(): ThrottleStatus {
    this.refill();
    return {
      maximumAvailable: this.options.maximumAvailable,
      currentlyAvailable: Math.floor(this.available),
      restoreRate: this.options.restoreRate,
    };
  }

  /** Takes `cost` points if available; false (and nothing taken) otherwise. */
  tryTake(cost: number): boolean {
    this.refill();
    if (cost > this.available) return false;
    this.available -= cost;
    return true;
  }

  /** Gives back points (requested − actual after execution). */
  giveBack(points: number): void {
    this.refill();
    this.available = Math.min(this.options.maximumAvailable, this.available + Math.max(0, points));
  }
}
