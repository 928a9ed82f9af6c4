// The Portfolio page's data and its CSV: every member store's key metrics for the range and
// comparison, each in the store's own currency and time zone (the range's dates are read as each
// store's local dates, as Shopify's reports do), and totals only per currency. The rows come
// from portfolio-metrics.server.ts: each store's own rollups, read with one query per metric over
// the member list, and equal to what that store's Overview, Retention and Conversion pages show.
import { env } from "#app/env.server";
import { DEFAULT_LOCALE, translator, type Locale } from "#app/i18n";
import { z } from "zod";
import { parsePageQuery, shopPage } from "#app/dashboard/page-query.server";
import { presetRanges } from "#app/dashboard/ranges";
import { StoresRecomputingError } from "#app/metrics/context.server";
import { addDays, COMPARISONS, validateRange, type DateRange } from "#app/metrics/periods";
import { fromMinorUnits } from "#app/shopify/money";
import prisma from "#app/db.server";
import { exportFileName } from "#app/exports/csv.server";
import type { TableExport } from "#app/exports/sales-export.server";
import { portfolioRows, type PortfolioStoreRow } from "./portfolio-metrics.server";
import { portfoliosOf, PortfolioNotFoundError } from "./portfolios.server";

export type { PortfolioStoreRow };

const SHAPE = {
  portfolio: z.string().max(100).optional(),
  compare: z.enum([...COMPARISONS, "none"]).default("previous_period"),
};

export interface CurrencyTotal {
  currency: string;
  stores: number;
  netSales: number;
  orders: number;
}

/** Sums per currency, over the stores with figures: nothing is ever added across currencies. */
export function totalsByCurrency(rows: PortfolioStoreRow[]): CurrencyTotal[] {
  const totals = new Map<string, CurrencyTotal>();
  for (const row of rows) {
    if (row.netSales === null || row.orders === null) continue;
    const total = totals.get(row.currency) ?? { currency: row.currency, stores: 0, netSales: 0, orders: 0 };
    total.stores += 1;
    total.netSales += row.netSales;
    total.orders += row.orders;
    totals.set(row.currency, total);
  }
  return [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}

/**
 * The page for the acting store: the portfolios it belongs to, and for the one the query names
 * (the first by default) every member's row. A portfolio it is not a member of is a 404.
 *
 * A member whose figures are being recomputed (in a new zone or currency, or never built) is
 * waited for as long as its own pages would wait (METRYKA_PAGE_REBUILD_WAIT_MS), then shown as
 * such, without figures, while the others' rows are read; the page looks again until it has
 * them.
 */
export async function portfolioPage(shop: string, searchParams: URLSearchParams, now: Date) {
  const query = parsePageQuery(searchParams, SHAPE);
  const [page, portfolios] = await Promise.all([shopPage(shop, query, now), portfoliosOf(shop)]);
  const chosenId = query.portfolio ?? portfolios[0]?.id;
  if (!chosenId) {
    const none: { portfolio: { id: string; name: string } | null; rows: PortfolioStoreRow[]; totals: CurrencyTotal[] } = { portfolio: null, rows: [], totals: [] };
    return { ...page, compare: query.compare, portfolios: [] as Array<{ id: string; name: string }>, ...none };
  }
  // The store's own portfolios hold their members already: one it is not in is not among them.
  const portfolio = portfolios.find((p) => p.id === chosenId);
  if (!portfolio) throw new PortfolioNotFoundError();
  const members = portfolio.members.map((m) => m.shop).sort();
  const compareTo = query.compare === "none" ? null : query.compare;
  const rows = await portfolioRows(members, page.range, compareTo, now, { waitMs: env.METRYKA_PAGE_REBUILD_WAIT_MS });
  return {
    ...page,
    compare: query.compare,
    portfolios: portfolios.map((p) => ({ id: p.id, name: p.name })),
    portfolio: { id: portfolio.id, name: portfolio.name },
    rows,
    totals: totalsByCurrency(rows),
  };
}

export type PortfolioPageData = Awaited<ReturnType<typeof portfolioPage>>;

/**
 * For the command line, which has the whole database: the rows of one portfolio's members, or
 * of every installed store. The range's dates are each store's local dates (the last twelve
 * months of UTC by default); an impossible range or comparison is an InvalidRangeError.
 */
export async function portfolioReport(options: { portfolioId?: string; from?: string; to?: string; compare?: string }, now: Date) {
  const params = new URLSearchParams();
  for (const key of ["from", "to", "compare"] as const) if (options[key]) params.set(key, options[key]!);
  const query = parsePageQuery(params, SHAPE);
  const presets = presetRanges(now.toISOString(), "UTC");
  const range = validateRange(query.from && query.to ? { from: query.from, to: query.to } : { from: presets[0].from, to: presets[0].to });
  let shops: string[];
  if (options.portfolioId) {
    const portfolio = await prisma.portfolio.findUnique({ where: { id: options.portfolioId }, select: { members: { select: { shop: true } } } });
    if (!portfolio) throw new PortfolioNotFoundError();
    shops = portfolio.members.map((m) => m.shop).sort();
  } else {
    shops = (await prisma.shop.findMany({ where: { installedAt: { not: null }, uninstalledAt: null }, select: { domain: true }, orderBy: { domain: "asc" } })).map((s) => s.domain);
  }
  const compareTo = query.compare === "none" ? null : query.compare;
  const rows = await portfolioRows(shops, range, compareTo, now);
  return { range: { from: range.from, lastDay: addDays(range.to, -1) }, compare: query.compare, rows, totals: totalsByCurrency(rows) };
}

const moneyText = (minor: number | null, currency: string) => (minor === null ? null : fromMinorUnits(BigInt(Math.round(minor)), currency));

/**
 * The page's table as CSV: one row per member store, amounts in each store's own currency; the
 * headings in `locale` (the admin's, for the in-app download), the cells as the command line has them.
 * A member whose figures are still being recomputed after the page's wait would be a row
 * without them: the file is refused instead (StoresRecomputingError, a 503 naming those stores),
 * rather than held open for as long as their recomputes take.
 */
export async function portfolioExport(shop: string, searchParams: URLSearchParams, now: Date, locale: Locale = DEFAULT_LOCALE): Promise<TableExport> {
  const data = await portfolioPage(shop, searchParams, now);
  if (!data.portfolio) throw new PortfolioNotFoundError();
  const recomputing = data.rows.filter((row) => row.recomputing);
  if (recomputing.length > 0) {
    throw new StoresRecomputingError(
      recomputing.map((row) => ({ shop: row.shop, name: row.name, timeZone: row.timeZone, currency: row.currency, progress: row.rebuild })),
    );
  }
  return {
    fileName: exportFileName(`portfolio-${data.portfolio.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "stores"}`, {
      from: data.range.from,
      lastDay: addDays(data.range.to, -1),
      currency: "store-currencies",
      settings: [data.compare === "none" ? "no-comparison" : `vs-${data.compare.replace("_", "-")}`],
    }),
    header: portfolioHeader(locale),
    rows: data.rows.map(portfolioCells),
  };
}

/** The columns of portfolioCells; each one's heading is `exports.portfolio.<column>`. */
const PORTFOLIO_COLUMNS = [
  "store",
  "name",
  "currency",
  "timeZone",
  "installed",
  "netSales",
  "netSalesGrowth",
  "netSalesGrowthBase",
  "orders",
  "averageOrderValue",
  "newCustomers",
  "returningCustomerRate",
  "repeatPurchaseRate",
  "conversionRate",
  "conversionSource",
  "sync",
  "lastSync",
] as const;

export function portfolioHeader(locale: Locale = DEFAULT_LOCALE): string[] {
  const t = translator(locale);
  return PORTFOLIO_COLUMNS.map((column) => t(`exports.portfolio.${column}`));
}

/** The headings in English: the command line's file, and the one the tests read. */
export const PORTFOLIO_HEADER = portfolioHeader();

export function portfolioCells(row: PortfolioStoreRow) {
  return [
    row.shop,
    row.name,
    row.currency,
    row.timeZone,
    row.installed ? "yes" : "no",
    moneyText(row.netSales, row.currency),
    row.netSalesGrowth,
    moneyText(row.netSalesGrowthBase, row.currency),
    row.orders,
    moneyText(row.averageOrderValue, row.currency),
    row.newCustomers,
    row.returningCustomerRate,
    row.repeatPurchaseRate,
    row.conversionRate,
    row.conversionSource,
    row.sync,
    row.lastSyncAt,
  ];
}
