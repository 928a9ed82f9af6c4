/**
 * Relay connections the way Shopify pages them: keyset cursors (base64 JSON of the last sort value
 * and id, like Shopify's `{"last_id":…,"last_value":…}`), `first/last/after/before/reverse`,
 * `edges { cursor node }`, `nodes`, and `pageInfo` with both `hasNextPage` and `hasPreviousPage`
 * computed over the whole filtered list. A keyset cursor stays valid while the data changes.
 */
import { GraphQLError } from "graphql";

export type SortValue = string | number;

export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
  reverse?: boolean | null;
}

export interface Keyed<T> {
  item: T;
  id: number;
  value: SortValue;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Connection<V> {
  edges: Array<{ cursor: string; node: V }>;
  nodes: V[];
  pageInfo: PageInfo;
}

interface CursorPayload {
  last_id: number;
  last_value: SortValue;
}

export function encodeCursor(id: number, value: SortValue): string {
  const payload: CursorPayload = { last_id: id, last_value: value };
  return Buffer.from(JSON.stringify(payload), "utf8").toString("base64");
}

export function decodeCursor(cursor: string): CursorPayload {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64").toString("utf8"));
    if (
      typeof parsed === "object" &&
      parsed !== null &&
      "last_id" in parsed &&
      "last_value" in parsed &&
      typeof parsed.last_id === "number" &&
      (typeof parsed.last_value === "number" || typeof parsed.last_value === "string")
    ) {
      return { last_id: parsed.last_id, last_value: parsed.last_value };
    }
  } catch {
    // fall through
  }
  throw new GraphQLError(`Invalid cursor for current pagination: "${cursor}"`, { extensions: { code: "BAD_REQUEST" } });
}

function compareKeys(a: { id: number; value: SortValue }, b: { id: number; value: SortValue }): number {
  if (a.value !== b.value) {
    if (typeof a.value === "number" && typeof b.value === "number") return a.value - b.value;
    return String(a.value) < String(b.value) ? -1 : 1;
  }
  return a.id - b.id;
}

/** The `k` smallest items under `cmp`, sorted; O(n log k) with a bounded max-heap. */
function smallestK<T>(items: readonly T[], k: number, cmp: (a: T, b: T) => number): T[] {
  if (k <= 0) return [];
  if (items.length <= k * 4) return items.slice().sort(cmp).slice(0, k);
  const heap: T[] = [];
  const up = (i: number): void => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (cmp(heap[i], heap[parent]) <= 0) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  };
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let largest = i;
      if (l < heap.length && cmp(heap[l], heap[largest]) > 0) largest = l;
      if (r < heap.length && cmp(heap[r], heap[largest]) > 0) largest = r;
      if (largest === i) return;
      [heap[i], heap[largest]] = [heap[largest], heap[i]];
      i = largest;
    }
  };
  for (const item of items) {
    if (heap.length < k) {
      heap.push(item);
      up(heap.length - 1);
    } else if (cmp(item, heap[0]) < 0) {
      heap[0] = item;
      down(0);
    }
  }
  return heap.sort(cmp);
}

/**
 * Pages `items` (any order) sorted by (value, id), ascending unless `reverse`. With `unbounded`
 * (bulk operations) first/last are ignored and every item is returned. A page costs O(n log k),
 * not a full sort, so paging a large store stays cheap.
 */
export function paginate<T, V>(items: ReadonlyArray<Keyed<T>>, args: ConnectionArgs, view: (item: T) => V, unbounded = false): Connection<V> {
  const direction = args.reverse ? -1 : 1;
  const cmp = (a: { id: number; value: SortValue }, b: { id: number; value: SortValue }): number => direction * compareKeys(a, b);
  let candidates: ReadonlyArray<Keyed<T>> = items;
  let excludedBefore = 0;
  let excludedAfter = 0;
  if (args.after) {
    const c = decodeCursor(args.after);
    const key = { id: c.last_id, value: c.last_value };
    const kept = candidates.filter((item) => cmp(item, key) > 0);
    excludedBefore = candidates.length - kept.length;
    candidates = kept;
  }
  if (args.before) {
    const c = decodeCursor(args.before);
    const key = { id: c.last_id, value: c.last_value };
    const kept = candidates.filter((item) => cmp(item, key) < 0);
    excludedAfter = candidates.length - kept.length;
    candidates = kept;
  }
  const first = unbounded || typeof args.first !== "number" ? null : Math.max(0, args.first);
  const last = unbounded || typeof args.last !== "number" ? null : Math.max(0, args.last);
  let page: Array<Keyed<T>>;
  let hasPreviousPage = excludedBefore > 0;
  let hasNextPage = excludedAfter > 0;
  if (first !== null) {
    page = smallestK(candidates, first, cmp);
    if (candidates.length > page.length) hasNextPage = true;
    if (last !== null && page.length > last) {
      page = page.slice(page.length - last);
      hasPreviousPage = true;
    }
  } else if (last !== null) {
    page = smallestK(candidates, last, (a, b) => -cmp(a, b)).reverse();
    if (candidates.length > page.length) hasPreviousPage = true;
  } else {
    page = candidates.slice().sort(cmp);
  }
  const edges = page.map((k) => ({ cursor: encodeCursor(k.id, k.value), node: view(k.item) }));
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage,
      hasPreviousPage,
      startCursor: edges.length > 0 ? edges[0].cursor : null,
      endCursor: edges.length > 0 ? edges[edges.length - 1].cursor : null,
    },
  };
}

/** A connection over a small fixed list in its natural order (line items, refund lines…). */
export function listConnection<T, V>(items: readonly T[], idOf: (item: T) => number, args: ConnectionArgs, view: (item: T) => V, unbounded = false): Connection<V> {
  return paginate(
    items.map((item, index) => ({ item, id: idOf(item), value: index })),
    args,
    view,
    unbounded,
  );
}
