// Shopify's own session figures through ShopifyQL (`shopifyqlQuery`, scope `read_reports`): the
// queries Metryka sends and the reading of their answers. Pure: no database, no network.
//
// Rows come back as objects keyed by column name with string values; TIMESERIES day lists every
// local day of the shop between SINCE and UNTIL (both inclusive); without LIMIT a result stops at
// 1,000 rows without saying so, so every query sets LIMIT and pages with OFFSET.

export const SHOPIFYQL_QUERY = /* GraphQL */ `
  query ShopifyqlSessions($query: String!) {
    shopifyqlQuery(query: $query) {
      parseErrors
      tableData {
        columns {
          name
          dataType
        }
        rows
      }
    }
  }
`;

/** The shop's creation date: where the first import of its session history starts. */
export const SHOP_CREATED_AT = /* GraphQL */ `
  query ShopCreatedAt {
    shop {
      createdAt
      ianaTimezone
    }
  }
`;

/**
 * The session dimensions of ShopifyQL's `sessions` dataset that the breakdowns use: where a
 * visit came from (direct, search, social, email, unknown), the visitor's device type, and the
 * path of the session's first page.
 */
export const SESSION_DIMENSIONS = {
  source: "referrer_source",
  device: "session_device_type",
  landingPage: "landing_page_path",
} as const;

export type SessionDimension = keyof typeof SESSION_DIMENSIONS;
export const DIMENSION_KEYS = Object.keys(SESSION_DIMENSIONS) as SessionDimension[];

/** Rows per answer: Shopify's cap, set explicitly (without it results stop there silently). */
export const SHOPIFYQL_PAGE_ROWS = 1000;

const FUNNEL = "sessions, sessions_with_cart_additions, sessions_that_reached_checkout, sessions_that_completed_checkout";

/** The daily funnel for local days [since, until] (inclusive), optionally split by a dimension. */
export function sessionsQuery(since: string, until: string, options: { dimension?: SessionDimension; offset?: number } = {}): string {
  const column = options.dimension ? SESSION_DIMENSIONS[options.dimension] : null;
  return [
    `FROM sessions SHOW ${FUNNEL}`,
    column ? `GROUP BY ${column}` : null,
    `TIMESERIES day SINCE ${since} UNTIL ${until}`,
    column ? `ORDER BY day ASC, ${column} ASC` : "ORDER BY day ASC",
    `LIMIT ${SHOPIFYQL_PAGE_ROWS}`,
    options.offset ? `OFFSET ${options.offset}` : null,
  ]
    .filter(Boolean)
    .join(" ");
}

export interface ShopifyqlAnswer {
  shopifyqlQuery: {
    parseErrors: string[];
    tableData: { columns: Array<{ name: string; dataType: string }>; rows: unknown } | null;
  } | null;
}

export interface SessionDayRow {
  day: string;
  /** The dimension's value ("" when Shopify gives none); null for the day's totals. */
  value: string | null;
  sessions: number;
  cart: number;
  checkout: number;
  completed: number;
}

/** ShopifyQL refused the query (`parseErrors`), or answered something Metryka cannot read. */
export class ShopifyqlQueryError extends Error {
  constructor(
    message: string,
    readonly query: string,
  ) {
    super(message);
    this.name = "ShopifyqlQueryError";
  }
}

function count(row: Record<string, unknown>, column: string, query: string): number {
  const raw = row[column];
  const value = typeof raw === "number" ? raw : typeof raw === "string" && /^\d+(\.0+)?$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < 0) throw new ShopifyqlQueryError(`column ${column} holds ${JSON.stringify(raw)}, not a count`, query);
  return value;
}

/** Reads an answer's rows; throws ShopifyqlQueryError on parse errors or an unreadable table. */
export function readSessionRows(answer: ShopifyqlAnswer, query: string, dimension?: SessionDimension): SessionDayRow[] {
  const result = answer.shopifyqlQuery;
  if (!result) throw new ShopifyqlQueryError("Shopify returned no result", query);
  if (result.parseErrors.length > 0) throw new ShopifyqlQueryError(result.parseErrors.join("; "), query);
  if (!result.tableData || !Array.isArray(result.tableData.rows)) throw new ShopifyqlQueryError("Shopify returned no table", query);
  const column = dimension ? SESSION_DIMENSIONS[dimension] : null;
  return result.tableData.rows.map((raw: unknown) => {
    if (typeof raw !== "object" || raw === null) throw new ShopifyqlQueryError("a row is not an object", query);
    const row = raw as Record<string, unknown>;
    const day = typeof row.day === "string" ? row.day.slice(0, 10) : "";
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new ShopifyqlQueryError(`a row's day is ${JSON.stringify(row.day)}`, query);
    const value = column === null ? null : row[column] === null || row[column] === undefined ? "" : String(row[column]).slice(0, 500);
    return {
      day,
      value,
      sessions: count(row, "sessions", query),
      cart: count(row, "sessions_with_cart_additions", query),
      checkout: count(row, "sessions_that_reached_checkout", query),
      completed: count(row, "sessions_that_completed_checkout", query),
    };
  });
}

/** [since, until] cut into windows of at most `days` days, oldest first (inclusive ISO dates). */
export function dayWindows(since: string, until: string, days: number): Array<[string, string]> {
  const DAY = 86_400_000;
  const windows: Array<[string, string]> = [];
  const end = Date.parse(`${until}T00:00:00Z`);
  for (let start = Date.parse(`${since}T00:00:00Z`); start <= end; start += days * DAY) {
    const last = Math.min(end, start + (days - 1) * DAY);
    windows.push([new Date(start).toISOString().slice(0, 10), new Date(last).toISOString().slice(0, 10)]);
  }
  return windows;
}
