// Every CSV export Metryka has, by the name the command line (`metryka export <name>`) and the
// download route (`/app/export/<name>`, app/routes/app.export.$name.tsx) know it: adding an
// export is adding an entry here (and its probe to tests/isolation.test.ts).
// Each export's module is loaded when it is built, so the list itself (the command line's help)
// needs no database.
import type { Locale } from "#app/i18n";
import type { TableExport } from "./sales-export.server";

export interface ExportDefinition {
  /** What the file holds, for the command line's help. */
  description: string;
  /** The query-string parameters it reads (besides the shop). */
  parameters: readonly string[];
  /** Whether it is computed for a given instant (`--now`); predictions are made on today's date. */
  takesNow: boolean;
  /** Made for the command line first (e.g. a fit the page's job would have made). */
  prepare?: (shop: string) => Promise<void>;
  /** The file for `shop`; throws a 4xx error (InvalidRangeError, …) for a query it cannot serve. */
  build: (shop: string, searchParams: URLSearchParams, now: Date, locale?: Locale) => Promise<TableExport>;
}

const RANGE = ["from", "to"] as const;

export const EXPORTS = {
  sales: {
    description: "Sales by period (the Overview's table and chart); --granularity day|week|month|quarter|year.",
    parameters: [...RANGE, "granularity"],
    takesNow: true,
    build: async (...args) => (await import("./sales-export.server")).salesExport(...args),
  },
  cohorts: {
    description: "The cohort grid, one row per cohort and period since (the Retention page's); --cohorts month|week.",
    parameters: [...RANGE, "cohorts"],
    takesNow: true,
    build: async (...args) => (await import("./retention-exports.server")).cohortsExport(...args),
  },
  "time-between-orders": {
    description: "Time between orders: the histogram's bins, then the count and quartiles (the Retention page's).",
    parameters: RANGE,
    takesNow: true,
    build: async (...args) => (await import("./retention-exports.server")).timeBetweenOrdersExport(...args),
  },
  "conversion-funnel": {
    description: "The checkout funnel (the Conversion page's); --source shopify|pixel.",
    parameters: [...RANGE, "source"],
    takesNow: true,
    build: async (...args) => (await import("./conversion-exports.server")).conversionFunnelExport(...args),
  },
  "conversion-series": {
    description: "Sessions, funnel counts and rates by period (the Conversion page's chart); --granularity week|month, --source.",
    parameters: [...RANGE, "granularity", "source"],
    takesNow: true,
    build: async (...args) => (await import("./conversion-exports.server")).conversionSeriesExport(...args),
  },
  "conversion-breakdowns": {
    description: "Sessions and conversion by traffic source, device and landing page (the Conversion page's); --source.",
    parameters: [...RANGE, "source"],
    takesNow: true,
    build: async (...args) => (await import("./conversion-exports.server")).conversionBreakdownsExport(...args),
  },
  customers: {
    description:
      "At-risk customers or repeat buyers by id (the Customers page's list); --list at_risk|repeat, --sort net_spend|orders|last_order, " +
      "--direction asc|desc, --min-orders/--max-orders, --min-spend/--max-spend (shop currency), --min-days/--max-days since the last order.",
    parameters: ["list", "sort", "direction", "minOrders", "maxOrders", "minSpend", "maxSpend", "minDays", "maxDays"],
    takesNow: true,
    build: async (...args) => (await import("./customers-export.server")).customersExport(...args),
  },
  predictions: {
    description: "Each customer's prediction (the Customers page's), fitted first when the cached fit is not of today's data.",
    parameters: [],
    takesNow: false,
    prepare: async (shop) => {
      const { refreshPredictions } = await import("#app/metrics/prediction.server");
      await refreshPredictions(shop, { now: new Date() });
    },
    build: async (shop, _searchParams, _now, locale) => (await import("./predictions-export.server")).predictionsExport(shop, locale),
  },
  portfolio: {
    description: "The Portfolio page's table for the shop's portfolio (--portfolio <id>); --compare previous_period|previous_year|none.",
    parameters: [...RANGE, "portfolio", "compare"],
    takesNow: true,
    build: async (shop, searchParams, now, locale) => {
      const { portfolioExport } = await import("#app/portfolios/portfolio-page.server");
      return portfolioExport(shop, searchParams, now, locale);
    },
  },
} satisfies Record<string, ExportDefinition>;

export type ExportName = keyof typeof EXPORTS;
export const EXPORT_NAMES = Object.keys(EXPORTS) as ExportName[];

export function isExportName(name: string | undefined): name is ExportName {
  return name !== undefined && Object.hasOwn(EXPORTS, name);
}

/** The list for the command line's help: each name and what it holds. */
export function exportHelp(indent = "        "): string {
  const width = Math.max(...EXPORT_NAMES.map((name) => name.length));
  return EXPORT_NAMES.map((name) => `${indent}${name.padEnd(width)}  ${EXPORTS[name].description}`).join("\n");
}
