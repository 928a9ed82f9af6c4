// Sales and growth from PostgreSQL: sums of `daily_sales` days (rollups.server.ts), bucketed
// with date_trunc in the shop's local calendar. Days nest in weeks, months, quarters and years
// of that calendar, so a bucket's sum of days is exact. The report is assembled by the same
// code as the reference (`assembleSalesReport`), so the two differ only in how they sum.
import { Prisma } from "@prisma/client";
import prisma from "#app/db.server";
import { loadShopContext, type Clock, type ShopContext } from "./context.server";
import { periodKey, type DateRange, type Granularity } from "./periods";
import { ensureDailyRollups } from "./rollups.server";
import {
  assembleSalesReport,
  salesPlan,
  type SalesContext,
  type SalesPlan,
  type SalesQuery,
  type SalesReport,
  type SalesSums,
  type SalesSumsByCurrency,
  validateSalesQuery,
} from "./sales";
import type { MetricSettings } from "./settings";

/** A SumRow's sums over `daily_sales` rows (their returns and shipping as the settings date them). */
const SALES_SUMS = Prisma.sql`
  sum(orders)::bigint AS orders,
  sum(gross_sales)::bigint AS gross_sales,
  sum(discounts)::bigint AS discounts,
  sum(returns)::bigint AS returns,
  sum(shipping)::bigint AS shipping,
  sum(taxes)::bigint AS taxes,
  coalesce(sum(gross_sales - discounts - returns) FILTER (WHERE NOT guest AND first_order), 0)::bigint AS new_net,
  coalesce(sum(gross_sales - discounts - returns) FILTER (WHERE NOT guest AND NOT first_order), 0)::bigint AS returning_net,
  coalesce(sum(gross_sales - discounts - returns) FILTER (WHERE guest), 0)::bigint AS guest_net`;

interface SumRow {
  span: string;
  bucket: string | null;
  currency: string;
  orders: bigint;
  gross_sales: bigint;
  discounts: bigint;
  returns: bigint;
  shipping: bigint;
  taxes: bigint;
  new_net: bigint;
  returning_net: bigint;
  guest_net: bigint;
}

/** The sums of a report's spans (each series period, the growth bases of their own, the comparison range) by currency. */
function spanSums(plan: SalesPlan, rows: SumRow[]) {
  const bucketIndex = new Map(plan.buckets.map((bucket, index) => [bucket.period, index]));
  const series: SalesSumsByCurrency[] = plan.buckets.map(() => ({}));
  const bases: SalesSumsByCurrency[] = plan.baseSpans.map(() => ({}));
  const comparison: SalesSumsByCurrency = {};
  const parts: SalesSumsByCurrency[] = (plan.comparison?.parts ?? []).map(() => ({}));
  for (const row of rows) {
    const sums = sumsOf(row);
    if (row.span === "series") {
      const index = bucketIndex.get(periodKey(row.bucket as string, plan.granularity));
      if (index === undefined) throw new Error(`daily_sales bucket ${row.bucket} is outside ${plan.range.from}..${plan.range.to}`);
      series[index][row.currency] = sums;
    } else if (row.span === "comparison") {
      comparison[row.currency] = sums;
    } else if (row.span.startsWith(BASE)) {
      bases[Number(row.span.slice(BASE.length))][row.currency] = sums;
    } else {
      parts[Number(row.span.slice(PART.length))][row.currency] = sums;
    }
  }
  return { series, bases, comparison: plan.comparison ? { whole: comparison, parts } : null };
}

/** The label of the comparison range's part i is PART + i, and of the plan's base span i BASE + i. */
const PART = "part:";
const BASE = "base:";

/** The spans of a plan: its series by bucket, the growth bases of their own, the comparison range whole and in parts. */
function planSpans(plan: SalesPlan): DaySpan[] {
  const spans: DaySpan[] = [
    { label: "series", fromDay: plan.range.from, toDay: plan.range.to, unit: plan.granularity },
    ...plan.baseSpans.map((base, index) => ({ label: `${BASE}${index}`, fromDay: base.fromDay, toDay: base.toDay, unit: null })),
  ];
  if (plan.comparison) {
    spans.push({ label: "comparison", fromDay: plan.comparison.fromDay, toDay: plan.comparison.toDay, unit: null });
    plan.comparison.parts.forEach((part, index) => {
      if (part.fromDay < part.toDay) spans.push({ label: `${PART}${index}`, fromDay: part.fromDay, toDay: part.toDay, unit: null });
    });
  }
  return spans;
}

interface DaySpan {
  label: string;
  fromDay: string;
  toDay: string;
  /** Sum per bucket of this granularity, or over the whole span when null. */
  unit: Granularity | null;
}

/** Sums of `daily_sales` over each span, per currency and (when asked) per date_trunc bucket. */
async function sumDays(shop: string, settings: MetricSettings, spans: DaySpan[]): Promise<SumRow[]> {
  const byRefundDate = settings.refundDating === "refund_date";
  const values = spans.map(
    (span) => Prisma.sql`(${span.label}, ${span.fromDay}::date, ${span.toDay}::date, ${span.unit}::text)`,
  );
  return prisma.$queryRaw<SumRow[]>`
    WITH spans(label, from_day, to_day, unit) AS (VALUES ${Prisma.join(values)}),
    days AS (
      SELECT s.label, s.unit, d.day, d.currency_code, d.orders, d.gross_sales, d.discounts,
        CASE WHEN ${byRefundDate} THEN d.returns_by_refund_date ELSE d.returns_by_order_date END AS returns,
        d.shipping - CASE WHEN ${byRefundDate} THEN d.shipping_refunded_by_refund_date
                          ELSE d.shipping_refunded_by_order_date END AS shipping,
        d.tax - CASE WHEN ${byRefundDate} THEN d.tax_refunded_by_refund_date ELSE d.tax_refunded_by_order_date END AS taxes,
        d.guest,
        CASE WHEN ${settings.salesIncludeCancelled} THEN d.first_order ELSE d.first_uncancelled_order END AS first_order
      FROM spans s
      JOIN daily_sales d ON d.shop = ${shop} AND d.day >= s.from_day AND d.day < s.to_day
      WHERE ${settings.salesIncludeCancelled} OR NOT d.cancelled
    )
    SELECT label AS span,
      CASE WHEN unit IS NULL THEN NULL ELSE to_char(date_trunc(unit, day::timestamp), 'YYYY-MM-DD') END AS bucket,
      currency_code AS currency,
      ${SALES_SUMS}
    FROM days
    GROUP BY 1, 2, 3`;
}

function sumsOf(row: SumRow): SalesSums {
  return {
    orders: Number(row.orders),
    grossSales: Number(row.gross_sales),
    discounts: Number(row.discounts),
    returns: Number(row.returns),
    shipping: Number(row.shipping),
    taxes: Number(row.taxes),
    newCustomerNetSales: Number(row.new_net),
    returningCustomerNetSales: Number(row.returning_net),
    guestNetSales: Number(row.guest_net),
  };
}

export type SalesOverviewQuery = SalesQuery;

/**
 * Sales and growth for a shop (formulas in docs/metrics.md): totals over the range, a
 * zero-filled series per bucket with net-sales growth over the same days a period earlier, an optional
 * comparison range with growth per total, and orders in other currencies reported apart.
 * Throws InvalidRangeError for a range that cannot be served and UnknownShopError.
 */
export async function salesOverview(shop: string, query: SalesOverviewQuery, clock: Clock): Promise<SalesReport> {
  validateSalesQuery(query);
  const context = await loadShopContext(shop);
  const salesContext: SalesContext = {
    timeZone: context.timeZone,
    currency: context.currency,
    now: clock.now,
    settings: context.settings,
  };
  const plan = salesPlan(query, salesContext);
  await ensureDailyRollups(shop, context.timeZone, context.currency);

  const rows = await sumDays(shop, context.settings, planSpans(plan));
  return assembleSalesReport(plan, salesContext, spanSums(plan, rows));
}

export interface SalesSeriesReport {
  currency: string;
  timeZone: string;
  settings: MetricSettings;
  range: DateRange;
  granularity: Granularity;
  now: string;
  series: Array<{ period: string; start: string; end: string; partial: boolean; netSales: number; growth: number | null }>;
  otherCurrencies: SalesReport["otherCurrencies"];
}

/**
 * Net sales per bucket (monthly unless asked otherwise) with growth over the same days a period earlier,
 * in the shop's time zone: the home page's chart.
 */
export async function salesSeries(
  shop: string,
  query: { range: DateRange; granularity?: Granularity },
  clock: Clock,
): Promise<SalesSeriesReport> {
  const report = await salesOverview(shop, { range: query.range, granularity: query.granularity ?? "month" }, clock);
  return {
    currency: report.currency,
    timeZone: report.timeZone,
    settings: report.settings,
    range: report.range,
    granularity: report.granularity,
    now: report.now,
    series: report.series.map(({ period, start, end, partial, netSales, growth }) => ({
      period,
      start,
      end,
      partial,
      netSales,
      growth,
    })),
    otherCurrencies: report.otherCurrencies,
  };
}

// ---------------------------------------------------------------------------------------------
// Several shops at once (the Portfolio page): what it reads of salesOverview, one query.
// ---------------------------------------------------------------------------------------------

/** A sales report's totals, and its comparison's totals and growth (no series of either). */
export interface SalesTotalsReport {
  totals: SalesReport["totals"];
  comparison: Omit<NonNullable<SalesReport["comparison"]>, "series"> | null;
}

/** A report's totals and its comparison's, without their series. */
export function salesTotalsReport({ totals, comparison }: SalesReport): SalesTotalsReport {
  return { totals, comparison: comparison && { compareTo: comparison.compareTo, range: comparison.range, totals: comparison.totals, growth: comparison.growth } };
}

/**
 * The totals of salesOverview for each of `contexts`' shops, and its comparison's totals and
 * growth (salesTotalsReport), from one query over `daily_sales` (each shop's days, its own
 * settings, its own local calendar): each equals what salesOverview gives for that shop. Only
 * two spans a shop are summed, the range by bucket and the comparison range whole: the series'
 * growth bases and the comparison's parts, which only a series needs, are left out of the plan
 * (sixteen spans a shop for a year by month with a comparison). The caller has loaded each
 * shop's context (loadShopContext's) and brought its rollups up to date (ensureDailyRollups), as
 * salesOverview does for one shop.
 */
export async function salesTotalsOfShops(
  contexts: ShopContext[],
  query: SalesOverviewQuery,
  clock: Clock,
): Promise<Map<string, SalesTotalsReport>> {
  validateSalesQuery(query);
  // A plan depends only on the zone (and the query and now): shops in one zone share it.
  const plans = new Map<string, SalesPlan>();
  const planIn = (timeZone: string) => {
    let plan = plans.get(timeZone);
    if (!plan) {
      const whole = salesPlan(query, { timeZone, now: clock.now });
      plan = { ...whole, growthBases: whole.buckets.map(() => null), baseSpans: [], comparison: whole.comparison && { ...whole.comparison, parts: [] } };
      plans.set(timeZone, plan);
    }
    return plan;
  };
  const shops = contexts.map((context) => {
    const salesContext: SalesContext = { timeZone: context.timeZone, currency: context.currency, now: clock.now, settings: context.settings };
    return { context, salesContext, plan: planIn(context.timeZone) };
  });
  const reports = new Map<string, SalesTotalsReport>();
  if (shops.length === 0) return reports;
  // The spans as columns (one array each): a few parameters, however many shops.
  const spans = shops.flatMap(({ context, plan }) => planSpans(plan).map((span) => ({ ...span, shop: context.shop, settings: context.settings })));
  // sumDays' sums, with each span carrying its shop and that shop's settings, and summed on its
  // own (an index range of the shop's days each).
  const rows = await prisma.$queryRaw<Array<SumRow & { shop: string }>>`
    WITH spans(shop, label, from_day, to_day, unit, by_refund_date, include_cancelled) AS (
      SELECT * FROM unnest(${spans.map((x) => x.shop)}::text[], ${spans.map((x) => x.label)}::text[], ${spans.map((x) => x.fromDay)}::date[],
        ${spans.map((x) => x.toDay)}::date[], ${spans.map((x) => x.unit)}::text[],
        ${spans.map((x) => x.settings.refundDating === "refund_date")}::boolean[], ${spans.map((x) => x.settings.salesIncludeCancelled)}::boolean[])
    )
    SELECT s.shop, s.label AS span, to_char(x.bucket, 'YYYY-MM-DD') AS bucket, x.currency, x.orders, x.gross_sales, x.discounts,
      x.returns, x.shipping, x.taxes, x.new_net, x.returning_net, x.guest_net
    FROM spans s CROSS JOIN LATERAL (
      SELECT bucket, currency_code AS currency,
        ${SALES_SUMS}
      FROM (
        SELECT CASE WHEN s.unit IS NULL THEN NULL ELSE date_trunc(s.unit, d.day::timestamp) END AS bucket,
          d.currency_code, d.orders, d.gross_sales, d.discounts,
          CASE WHEN s.by_refund_date THEN d.returns_by_refund_date ELSE d.returns_by_order_date END AS returns,
          d.shipping - CASE WHEN s.by_refund_date THEN d.shipping_refunded_by_refund_date
                            ELSE d.shipping_refunded_by_order_date END AS shipping,
          d.tax - CASE WHEN s.by_refund_date THEN d.tax_refunded_by_refund_date ELSE d.tax_refunded_by_order_date END AS taxes,
          d.guest,
          CASE WHEN s.include_cancelled THEN d.first_order ELSE d.first_uncancelled_order END AS first_order
        FROM daily_sales d
        WHERE d.shop = s.shop AND d.day >= s.from_day AND d.day < s.to_day AND (s.include_cancelled OR NOT d.cancelled)
      ) days
      GROUP BY 1, 2
    ) x`;

  const byShop = new Map<string, SumRow[]>();
  for (const row of rows) {
    const list = byShop.get(row.shop) ?? [];
    list.push(row);
    byShop.set(row.shop, list);
  }
  for (const { context, salesContext, plan } of shops) {
    reports.set(context.shop, salesTotalsReport(assembleSalesReport(plan, salesContext, spanSums(plan, byShop.get(context.shop) ?? []))));
  }
  return reports;
}
