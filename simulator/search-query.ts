/**
 * The subset of Shopify's search syntax (https://shopify.dev/docs/api/usage/search-syntax) that a
 * sync needs: `field:value`, `field:>value`, `>=`, `<`, `<=`, terms joined by spaces or `AND`,
 * alternatives joined by `OR`, negation with `-field:` or `NOT field:`; values bare or quoted.
 *
 * Dates: a full timestamp with `Z` or an offset is an instant; a timestamp without offset is local
 * time in the shop's zone; a bare date `2026-11-01` is that whole local day in the shop's zone, so
 * `:` matches the day, `>=`/`<` compare with its start and `>`/`<=` with its end.
 *
 * Like Shopify, a field the resource does not support is ignored (the query is not rejected); the
 * simulator reports it as a warning in `extensions.search`, the way Shopify does. Free-text terms
 * and parentheses are ignored too.
 */
import { DateTime } from "luxon";

export type SearchOperator = "=" | ">" | ">=" | "<" | "<=";

export interface SearchTerm {
  field: string;
  operator: SearchOperator;
  value: string;
  negated: boolean;
}

export type SearchFieldKind = "date" | "number" | "boolean" | "string";

export interface SearchField<T> {
  kind: SearchFieldKind;
  get: (record: T) => string | number | boolean | null;
}

export type SearchFields<T> = Record<string, SearchField<T>>;

export interface SearchWarning {
  field: string;
  message: string;
}

export interface CompiledSearch<T> {
  predicate: (record: T) => boolean;
  warnings: SearchWarning[];
  /** Groups of terms (OR of ANDs) that were applied. */
  parsed: SearchTerm[][];
}

function tokenize(query: string): string[] {
  const tokens: string[] = [];
  let current = "";
  let quote: string | null = null;
  for (const ch of query) {
    if (quote) {
      if (ch === quote) quote = null;
      else current += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      continue;
    }
    if (/\s/.test(ch) || ch === "(" || ch === ")") {
      if (current) tokens.push(current);
      current = "";
      continue;
    }
    current += ch;
  }
  if (current) tokens.push(current);
  return tokens;
}

/** Parses a query into OR-groups of AND-ed terms. Free-text tokens are dropped. */
export function parseSearchQuery(query: string): SearchTerm[][] {
  const groups: SearchTerm[][] = [[]];
  let negateNext = false;
  for (const token of tokenize(query)) {
    if (token === "AND") continue;
    if (token === "OR") {
      groups.push([]);
      continue;
    }
    if (token === "NOT") {
      negateNext = true;
      continue;
    }
    let text = token;
    let negated = negateNext;
    negateNext = false;
    if (text.startsWith("-")) {
      negated = true;
      text = text.slice(1);
    }
    const colon = text.indexOf(":");
    if (colon <= 0) continue;
    const field = text.slice(0, colon).toLowerCase();
    let rest = text.slice(colon + 1);
    let operator: SearchOperator = "=";
    for (const op of [">=", "<=", ">", "<"] as const) {
      if (rest.startsWith(op)) {
        operator = op;
        rest = rest.slice(op.length);
        break;
      }
    }
    rest = rest.replace(/^['"]|['"]$/g, "");
    if (rest === "") continue;
    groups[groups.length - 1].push({ field, operator, value: rest, negated });
  }
  return groups.filter((g) => g.length > 0);
}

interface Interval {
  start: number;
  end: number;
}

/** A date value as the interval of instants it denotes (a single second for a timestamp). */
export function parseSearchDate(value: string, zone: string): Interval | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const day = DateTime.fromISO(value, { zone });
    if (!day.isValid) return null;
    return { start: day.toMillis(), end: day.plus({ days: 1 }).toMillis() };
  }
  const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/i.test(value);
  const parsed = hasOffset ? DateTime.fromISO(value, { setZone: true }) : DateTime.fromISO(value, { zone });
  if (!parsed.isValid) return null;
  const ms = Math.floor(parsed.toMillis() / 1000) * 1000;
  return { start: ms, end: ms + 1000 };
}

function compareInterval(actual: number, interval: Interval, operator: SearchOperator): boolean {
  switch (operator) {
    case "=":
      return actual >= interval.start && actual < interval.end;
    case ">":
      return actual >= interval.end;
    case ">=":
      return actual >= interval.start;
    case "<":
      return actual < interval.start;
    case "<=":
      return actual < interval.end;
  }
}

function compareValues(actual: number | string, expected: number | string, operator: SearchOperator): boolean {
  switch (operator) {
    case "=":
      return actual === expected;
    case ">":
      return actual > expected;
    case ">=":
      return actual >= expected;
    case "<":
      return actual < expected;
    case "<=":
      return actual <= expected;
  }
}

/** Compiles a query for a resource's fields; `zone` is the shop's IANA zone for bare dates. */
export function compileSearch<T>(query: string | null | undefined, fields: SearchFields<T>, zone: string): CompiledSearch<T> {
  const warnings: SearchWarning[] = [];
  if (!query || !query.trim()) return { predicate: () => true, warnings, parsed: [] };
  const groups = parseSearchQuery(query);
  const compiledGroups: Array<Array<(record: T) => boolean>> = [];
  const applied: SearchTerm[][] = [];
  for (const group of groups) {
    const tests: Array<(record: T) => boolean> = [];
    const appliedGroup: SearchTerm[] = [];
    for (const term of group) {
      const field = fields[term.field];
      if (!field) {
        warnings.push({ field: term.field, message: "Invalid search field for this query." });
        continue;
      }
      let test: ((record: T) => boolean) | null = null;
      if (field.kind === "date") {
        const interval = parseSearchDate(term.value, zone);
        if (!interval) {
          warnings.push({ field: term.field, message: `Invalid date value "${term.value}".` });
          continue;
        }
        test = (record) => {
          const raw = field.get(record);
          if (raw === null || typeof raw === "boolean") return false;
          const ms = typeof raw === "number" ? raw : Date.parse(raw);
          return compareInterval(ms, interval, term.operator);
        };
      } else if (field.kind === "number") {
        const expected = Number(term.value.replace(/^gid:\/\/shopify\/\w+\//, ""));
        if (!Number.isFinite(expected)) {
          warnings.push({ field: term.field, message: `Invalid number value "${term.value}".` });
          continue;
        }
        test = (record) => {
          const raw = field.get(record);
          return typeof raw === "number" && compareValues(raw, expected, term.operator);
        };
      } else if (field.kind === "boolean") {
        const expected = term.value.toLowerCase() === "true";
        test = (record) => field.get(record) === expected;
      } else {
        const expected = term.value.toLowerCase();
        test = (record) => {
          const raw = field.get(record);
          return typeof raw === "string" && compareValues(raw.toLowerCase(), expected, term.operator);
        };
      }
      const base = test;
      tests.push(term.negated ? (record) => !base(record) : base);
      appliedGroup.push(term);
    }
    compiledGroups.push(tests);
    applied.push(appliedGroup);
  }
  if (compiledGroups.length === 0) return { predicate: () => true, warnings, parsed: applied };
  return {
    predicate: (record) => compiledGroups.some((tests) => tests.every((t) => t(record))),
    warnings,
    parsed: applied,
  };
}
