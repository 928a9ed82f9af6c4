/**
 * Bulk query operations (https://shopify.dev/docs/api/usage/bulk-operations/queries):
 * `bulkOperationRunQuery` runs the inner query over every object (first/last ignored), writes real
 * JSONL — one object per line, nested connection nodes on their own lines with `__parentId`, after
 * their parent but not right after it unless `groupObjects: true` — and completes after a
 * configurable delay, then reports through `onFinish` (the server turns it into the
 * `bulk_operations/finish` webhook). Also `bulkOperation(id:)`, `bulkOperations`, `node(id:)` and
 * `bulkOperationCancel`. Bulk operations do not draw from the rate-limit bucket.
 *
 * Fault injection (`failNext`, see faults.ts): an operation told to fail still writes its JSONL,
 * then ends FAILED with INTERNAL_SERVER_ERROR, `url: null` and a `partialDataUrl` serving the first
 * half of its lines, as Shopify does when it gives up midway.
 */
import {
  getNamedType,
  GraphQLError,
  isListType,
  isNonNullType,
  Kind,
  validate,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLObjectType,
  type SelectionSetNode,
} from "graphql";
import type { AdminApi } from "./admin-api";
import { paginate } from "./connection";
import { isConnectionType } from "./cost";
import { parseAdminDocument, ADMIN_VALIDATION_RULES } from "./schema";
import { gid, parseGid } from "./truth";
import type { BulkApi, FieldArgs, GqlObject, ViewContext } from "./views";

export type BulkStatus = "CREATED" | "RUNNING" | "COMPLETED" | "FAILED" | "CANCELING" | "CANCELED" | "EXPIRED";

export interface BulkOperationRecord {
  id: number;
  shop: string;
  query: string;
  groupObjects: boolean;
  status: BulkStatus;
  errorCode: "ACCESS_DENIED" | "INTERNAL_SERVER_ERROR" | "TIMEOUT" | null;
  createdAt: string;
  completedAt: string | null;
  objectCount: number;
  rootObjectCount: number;
  fileSize: number | null;
  /** The JSONL text once completed. */
  jsonl: string | null;
  /** What a FAILED operation wrote before failing (served at `partialDataUrl`); null when none. */
  partialJsonl: string | null;
}

export interface BulkOptions {
  admin: AdminApi;
  now: () => Date;
  /** URL of the file for a finished operation, e.g. `${server}/_sim/bulk/<shop>/<id>.jsonl`. */
  fileUrl: (record: BulkOperationRecord) => string;
  /** URL of a failed operation's partial data; default `fileUrl` with `.partial.jsonl`. */
  partialFileUrl?: (record: BulkOperationRecord) => string;
  /**
   * Fault injection (faults.ts): asked once per operation that starts; true makes it end FAILED
   * (INTERNAL_SERVER_ERROR) with the first half of its lines as partial data.
   */
  failNext?: () => boolean;
  /** How long an operation stays RUNNING before it completes; default 0 (next tick). */
  delayMs?: number;
  /** Called once when an operation reaches COMPLETED, FAILED or CANCELED. */
  onFinish?: (record: BulkOperationRecord) => void;
  /** How many operations may run at once per shop (2026-01 and later: 5). */
  maxConcurrent?: number;
}

const MAX_CONNECTIONS = 5;
const MAX_NESTING = 2;

interface UserError {
  field: string[] | null;
  message: string;
  code: "INVALID" | "OPERATION_IN_PROGRESS" | "LIMIT_REACHED" | null;
}

function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export class BulkOperations implements BulkApi {
  private readonly records: BulkOperationRecord[] = [];
  private nextId = 4_410_000_000;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: BulkOptions) {}

  /** Every operation, oldest first. */
  all(): BulkOperationRecord[] {
    return this.records.slice();
  }

  record(id: number): BulkOperationRecord | undefined {
    return this.records.find((r) => r.id === id);
  }

  /** Cancels pending completion timers (server shutdown). */
  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** Resolves when every started operation has finished (tests). */
  async settled(): Promise<void> {
    while (this.records.some((r) => r.status === "CREATED" || r.status === "RUNNING" || r.status === "CANCELING")) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  view(record: BulkOperationRecord): GqlObject {
    return {
      __typename: "BulkOperation",
      id: gid("BulkOperation", record.id),
      status: record.status,
      errorCode: record.errorCode,
      createdAt: record.createdAt,
      completedAt: record.completedAt,
      objectCount: String(record.objectCount),
      rootObjectCount: String(record.rootObjectCount),
      fileSize: record.fileSize === null ? null : String(record.fileSize),
      url: record.status === "COMPLETED" && record.objectCount > 0 ? this.options.fileUrl(record) : null,
      partialDataUrl: record.status === "FAILED" && record.partialJsonl !== null ? this.partialFileUrl(record) : null,
      query: record.query,
      type: "QUERY",
    };
  }

  private partialFileUrl(record: BulkOperationRecord): string {
    return this.options.partialFileUrl?.(record) ?? this.options.fileUrl(record).replace(/\.jsonl$/, "") + ".partial.jsonl";
  }

  get(ctx: ViewContext, id: string): GqlObject | null {
    const parsed = parseGid(id);
    if (!parsed || parsed.type !== "BulkOperation") return null;
    const record = this.records.find((r) => r.id === parsed.id && r.shop === ctx.store.shop.domain);
    return record ? this.view(record) : null;
  }

  list(ctx: ViewContext, args: FieldArgs): GqlObject {
    const query = typeof args.query === "string" ? args.query : "";
    const status = /status:\s*'?"?([A-Za-z_]+)/.exec(query)?.[1]?.toUpperCase();
    const mine = this.records.filter((r) => r.shop === ctx.store.shop.domain && (!status || r.status === status));
    const sortKey = typeof args.sortKey === "string" ? args.sortKey : "CREATED_AT";
    const keyed = mine.map((r) => ({ item: r, id: r.id, value: sortKey === "COMPLETED_AT" ? r.completedAt ?? "" : sortKey === "ID" ? r.id : r.createdAt }));
    return {
      __typename: "BulkOperationConnection",
      ...paginate(
        keyed,
        {
          first: typeof args.first === "number" ? args.first : null,
          last: typeof args.last === "number" ? args.last : null,
          after: typeof args.after === "string" ? args.after : null,
          before: typeof args.before === "string" ? args.before : null,
          reverse: args.reverse === true,
        },
        (r) => this.view(r),
      ),
    };
  }

  cancel(ctx: ViewContext, id: string): GqlObject {
    const parsed = parseGid(id);
    const record = parsed ? this.records.find((r) => r.id === parsed.id && r.shop === ctx.store.shop.domain) : undefined;
    if (!record) {
      return { __typename: "BulkOperationCancelPayload", bulkOperation: null, userErrors: [{ __typename: "UserError", field: ["id"], message: "Bulk operation does not exist" }] };
    }
    if (record.status !== "CREATED" && record.status !== "RUNNING") {
      return {
        __typename: "BulkOperationCancelPayload",
        bulkOperation: this.view(record),
        userErrors: [{ __typename: "UserError", field: null, message: `A bulk operation cannot be canceled when it is ${record.status.toLowerCase()}` }],
      };
    }
    record.status = "CANCELING";
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      record.status = "CANCELED";
      record.completedAt = iso(this.options.now());
      record.jsonl = null;
      this.options.onFinish?.(record);
    }, 0);
    this.timers.add(timer);
    return { __typename: "BulkOperationCancelPayload", bulkOperation: this.view(record), userErrors: [] };
  }

  run(ctx: ViewContext, query: string, groupObjects: boolean): GqlObject {
    const payload = (bulkOperation: GqlObject | null, userErrors: UserError[]): GqlObject => ({
      __typename: "BulkOperationRunQueryPayload",
      bulkOperation,
      userErrors: userErrors.map((e) => ({ __typename: "BulkOperationUserError", ...e })),
    });
    const running = this.records.filter((r) => r.shop === ctx.store.shop.domain && (r.status === "CREATED" || r.status === "RUNNING"));
    if (running.length >= (this.options.maxConcurrent ?? 5)) {
      return payload(null, [
        { field: null, message: "A bulk query operation for this app and shop is already in progress.", code: "OPERATION_IN_PROGRESS" },
      ]);
    }
    const checked = this.checkQuery(query);
    if ("errors" in checked) return payload(null, checked.errors.map((message) => ({ field: ["query"], message, code: "INVALID" })));

    const record: BulkOperationRecord = {
      id: (this.nextId += 17),
      shop: ctx.store.shop.domain,
      query,
      groupObjects,
      status: "CREATED",
      errorCode: null,
      createdAt: iso(this.options.now()),
      completedAt: null,
      objectCount: 0,
      rootObjectCount: 0,
      fileSize: null,
      jsonl: null,
      partialJsonl: null,
    };
    this.records.push(record);
    const injectFailure = this.options.failNext?.() ?? false;
    const store = ctx.store;
    const scopes = [...ctx.scopes];
    const job = async (): Promise<void> => {
      record.status = "RUNNING";
      try {
        const result = await this.options.admin.executeUnbounded(store, checked.document, scopes);
        if (result.errors && result.errors.length > 0) {
          const denied = result.errors.some((e) => e.extensions?.code === "ACCESS_DENIED");
          record.status = "FAILED";
          record.errorCode = denied ? "ACCESS_DENIED" : "INTERNAL_SERVER_ERROR";
        } else {
          const lines = flattenToJsonl(this.options.admin, checked.document, result.data ?? {}, groupObjects);
          record.jsonl = lines.text;
          record.objectCount = lines.objectCount;
          record.rootObjectCount = lines.rootObjectCount;
          record.fileSize = Buffer.byteLength(lines.text, "utf8");
        }
      } catch {
        record.status = "FAILED";
        record.errorCode = "INTERNAL_SERVER_ERROR";
      }
      const finish = (): void => {
        if ((record.status as BulkStatus) === "CANCELING" || (record.status as BulkStatus) === "CANCELED") return;
        if (injectFailure && record.status !== "FAILED") failWithPartialData(record);
        if (record.status !== "FAILED") record.status = "COMPLETED";
        record.completedAt = iso(this.options.now());
        this.options.onFinish?.(record);
      };
      const delay = this.options.delayMs ?? 0;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        finish();
      }, delay);
      this.timers.add(timer);
    };
    void job();
    return payload(this.view(record), []);
  }

  /**
   * Validates an inner query: a valid document, no mutation, 1–5 connections, nesting ≤ 2, parents
   * of nested connections select `id`, no connection inside a list field.
   */
  private checkQuery(query: string): { document: DocumentNode } | { errors: string[] } {
    const parsed = parseAdminDocument(query);
    if (!parsed.document) return { errors: parsed.errors.map((e) => `Invalid bulk query: ${e.message}`) };
    const document = parsed.document;
    const validation = validate(this.options.admin.schema, document, ADMIN_VALIDATION_RULES);
    if (validation.length > 0) return { errors: validation.map((e) => `Invalid bulk query: ${e.message}`) };
    const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    if (operations.length !== 1 || operations[0].kind !== Kind.OPERATION_DEFINITION) return { errors: ["Bulk queries must contain exactly one operation."] };
    const operation = operations[0];
    if (operation.operation !== "query") return { errors: ["Bulk queries cannot contain mutations; use bulkOperationRunMutation."] };
    const schema = this.options.admin.schema;
    const fragments = fragmentMap(document);
    const errors: string[] = [];
    let connections = 0;
    const walk = (type: GraphQLCompositeType, selectionSet: SelectionSetNode, depth: number, insideList: boolean): void => {
      for (const field of collectFields(selectionSet, fragments)) {
        if (!("getFields" in type)) continue;
        const def = type.getFields()[field.name.value];
        if (!def || !field.selectionSet) continue;
        const named = getNamedType(def.type) as GraphQLCompositeType;
        if (isConnectionType(named)) {
          connections++;
          if (insideList) errors.push("Queries that contain a connection field within a list field are not currently supported.");
          if (depth + 1 > MAX_NESTING) errors.push(`Bulk queries cannot contain connections with a nesting depth greater than ${MAX_NESTING}.`);
          const nodeSelection = nodeSelectionOf(field, fragments);
          const nodeType = getNamedType(named.getFields().nodes?.type ?? named.getFields().edges.type) as GraphQLCompositeType;
          const realNodeType = isConnectionNodeWrapper(nodeType) ? (getNamedType(nodeType.getFields().node.type) as GraphQLCompositeType) : nodeType;
          if (nodeSelection) {
            const hasNested = collectFields(nodeSelection, fragments).some((f) => {
              if (!("getFields" in realNodeType)) return false;
              const d = realNodeType.getFields()[f.name.value];
              return d !== undefined && isConnectionType(getNamedType(d.type));
            });
            if (hasNested && !collectFields(nodeSelection, fragments).some((f) => f.name.value === "id" && !f.alias)) {
              errors.push(`The parent '${field.name.value}' node must select the 'id' field for nested connections to be linked with __parentId.`);
            }
            walk(realNodeType, nodeSelection, depth + 1, false);
          }
        } else {
          const nullable = isNonNullType(def.type) ? def.type.ofType : def.type;
          walk(named, field.selectionSet, depth, insideList || isListType(nullable));
        }
      }
    };
    const root = schema.getQueryType();
    if (root) walk(root, operation.selectionSet, 0, false);
    if (connections === 0) errors.push("Bulk queries must contain at least one connection.");
    if (connections > MAX_CONNECTIONS) errors.push(`Bulk queries cannot contain more than ${MAX_CONNECTIONS} connections.`);
    return errors.length > 0 ? { errors: [...new Set(errors)] } : { document };
  }
}

/**
 * An operation Shopify gave up on midway: FAILED (INTERNAL_SERVER_ERROR), no result file, the first
 * half (rounded down) of its lines as partial data, and the counts of what those lines hold.
 */
function failWithPartialData(record: BulkOperationRecord): void {
  const lines = (record.jsonl ?? "").split("\n").filter((line) => line !== "");
  const partial = lines.slice(0, Math.floor(lines.length / 2));
  record.status = "FAILED";
  record.errorCode = "INTERNAL_SERVER_ERROR";
  record.jsonl = null;
  record.fileSize = null;
  record.partialJsonl = partial.length > 0 ? `${partial.join("\n")}\n` : null;
  record.objectCount = partial.length;
  record.rootObjectCount = partial.filter((line) => !("__parentId" in (JSON.parse(line) as Record<string, unknown>))).length;
}

function isConnectionNodeWrapper(type: GraphQLCompositeType): type is GraphQLObjectType {
  return "getFields" in type && type.name.endsWith("Edge") && "node" in type.getFields();
}

function fragmentMap(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  const out: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) out[d.name.value] = d;
  return out;
}

function collectFields(selectionSet: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>): FieldNode[] {
  const out: FieldNode[] = [];
  for (const s of selectionSet.selections) {
    if (s.kind === Kind.FIELD) out.push(s);
    else if (s.kind === Kind.INLINE_FRAGMENT) out.push(...collectFields(s.selectionSet, fragments));
    else if (fragments[s.name.value]) out.push(...collectFields(fragments[s.name.value].selectionSet, fragments));
  }
  return out;
}

/** The node selection of a connection field: `edges { node { … } }` or `nodes { … }`. */
function nodeSelectionOf(field: FieldNode, fragments: Record<string, FragmentDefinitionNode>): SelectionSetNode | null {
  if (!field.selectionSet) return null;
  for (const f of collectFields(field.selectionSet, fragments)) {
    if (f.name.value === "nodes" && f.selectionSet) return f.selectionSet;
    if (f.name.value === "edges" && f.selectionSet) {
      for (const g of collectFields(f.selectionSet, fragments)) if (g.name.value === "node" && g.selectionSet) return g.selectionSet;
    }
  }
  return null;
}

type JsonRecord = Record<string, unknown>;

interface Flattened {
  text: string;
  objectCount: number;
  rootObjectCount: number;
}

/**
 * Turns the result of the inner query into Shopify's JSONL: each connection node becomes a line;
 * nodes of nested connections become their own lines with `__parentId`. Parents are written in
 * small batches followed by their children, so children come after their parent but usually not
 * right after it; `groupObjects` writes each parent's children right after it.
 */
function flattenToJsonl(admin: AdminApi, document: DocumentNode, data: JsonRecord, groupObjects: boolean): Flattened {
  const fragments = fragmentMap(document);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) throw new GraphQLError("No operation");
  const root = admin.schema.getQueryType();
  if (!root) throw new GraphQLError("No query root");

  const lines: string[] = [];
  let objectCount = 0;
  let rootObjectCount = 0;

  /** Emits the nodes of a connection value; returns nothing, appends to `lines`. */
  const emitConnection = (connectionType: GraphQLObjectType, field: FieldNode, value: unknown, parentId: string | null): void => {
    const nodeSelection = nodeSelectionOf(field, fragments);
    if (!nodeSelection || typeof value !== "object" || value === null) return;
    const nodeTypeRaw = getNamedType((connectionType.getFields().nodes ?? connectionType.getFields().edges).type) as GraphQLCompositeType;
    const nodeType = isConnectionNodeWrapper(nodeTypeRaw) ? (getNamedType(nodeTypeRaw.getFields().node.type) as GraphQLCompositeType) : nodeTypeRaw;
    const v = value as JsonRecord;
    const nodes: unknown[] = Array.isArray(v.nodes)
      ? v.nodes
      : Array.isArray(v.edges)
        ? v.edges.map((e) => (typeof e === "object" && e !== null ? (e as JsonRecord).node : null))
        : [];
    const batch = groupObjects ? 1 : 5;
    for (let i = 0; i < nodes.length; i += batch) {
      const children: Array<() => void> = [];
      for (const node of nodes.slice(i, i + batch)) {
        if (typeof node !== "object" || node === null) continue;
        const { line, nested } = splitNode(nodeType, nodeSelection, node as JsonRecord);
        if (parentId !== null) line.__parentId = parentId;
        lines.push(JSON.stringify(line));
        objectCount++;
        if (parentId === null) rootObjectCount++;
        const id = typeof (node as JsonRecord).id === "string" ? ((node as JsonRecord).id as string) : null;
        for (const n of nested) children.push(() => emitConnection(n.type, n.field, n.value, id));
      }
      for (const emit of children) emit();
    }
  };

  /** A node's own fields, without nested connections (which are returned separately). */
  const splitNode = (
    type: GraphQLCompositeType,
    selection: SelectionSetNode,
    node: JsonRecord,
  ): { line: JsonRecord; nested: Array<{ type: GraphQLObjectType; field: FieldNode; value: unknown }> } => {
    const line: JsonRecord = {};
    const nested: Array<{ type: GraphQLObjectType; field: FieldNode; value: unknown }> = [];
    for (const field of collectFields(selection, fragments)) {
      const key = field.alias?.value ?? field.name.value;
      if (!(key in node)) continue;
      const def = "getFields" in type ? type.getFields()[field.name.value] : undefined;
      const named = def ? getNamedType(def.type) : undefined;
      if (named && isConnectionType(named)) nested.push({ type: named, field, value: node[key] });
      else line[key] = node[key];
    }
    return { line, nested };
  };

  // Top level: connections anywhere in the selection (usually one root connection like `orders`).
  const walkTop = (type: GraphQLCompositeType, selection: SelectionSetNode, value: JsonRecord): void => {
    for (const field of collectFields(selection, fragments)) {
      const key = field.alias?.value ?? field.name.value;
      const def = "getFields" in type ? type.getFields()[field.name.value] : undefined;
      if (!def || !(key in value)) continue;
      const named = getNamedType(def.type);
      if (isConnectionType(named)) emitConnection(named, field, value[key], null);
      else if (field.selectionSet && typeof value[key] === "object" && value[key] !== null && !Array.isArray(value[key])) {
        walkTop(named as GraphQLCompositeType, field.selectionSet, value[key] as JsonRecord);
      }
    }
  };
  walkTop(root, operation.selectionSet, data);
  return { text: lines.length > 0 ? `${lines.join("\n")}\n` : "", objectCount, rootObjectCount };
}
