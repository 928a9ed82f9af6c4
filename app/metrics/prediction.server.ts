// Predictions from the rollups: each customer's summary read from their `customer_totals` row
// (the instants and net amounts of their counted orders, oldest first), never from the orders
// table; the report then assembled as the reference does (prediction.ts).
import { Prisma } from "@prisma/client";
import prisma from "#app/db.server";
import { loadShopContext, type Clock, type ShopContext } from "./context.server";
import { localDay } from "./periods";
import { assemblePredictionReport, type CustomerSummary, type PredictionReport } from "./prediction";
import { ensureDailyRollups } from "./rollups.server";

interface SummaryRow {
  customer_id: string;
  first_day: Date;
  x: number;
  tx: number;
  t: number;
  repeat_spend: bigint;
}

/** Every customer's summary on the local date of `now` (SQL; the reference is `customerSummaries`). */
export async function customerSummariesSql(shop: string, clock: Clock): Promise<CustomerSummary[]> {
  return summariesOf(await loadShopContext(shop), clock);
}

async function summariesOf({ shop, timeZone, currency, settings }: ShopContext, clock: Clock): Promise<CustomerSummary[]> {
  await ensureDailyRollups(shop, timeZone, currency);
  const today = localDay(clock.now, timeZone);
  // The first purchase: the first counted order, or the first paid one (the acquisition order).
  const firstAt = settings.cohortIncludeZeroValue ? Prisma.sql`t.order_at[1]` : Prisma.sql`t.first_paid_order_at`;
  const rows = await prisma.$queryRaw<SummaryRow[]>`
    SELECT c.customer_id::text AS customer_id, c.first_day,
      (count(DISTINCT c.day) FILTER (WHERE c.day > c.first_day))::int AS x,
      (max(c.day) - c.first_day)::int AS tx,
      (${today}::date - c.first_day)::int AS t,
      coalesce(sum(c.net) FILTER (WHERE c.day > c.first_day), 0)::bigint AS repeat_spend
    FROM (
      SELECT t.customer_id, (f.first_at AT TIME ZONE ${timeZone})::date AS first_day,
        (o.at AT TIME ZONE ${timeZone})::date AS day, o.net
      FROM customer_totals t
      CROSS JOIN LATERAL (SELECT ${firstAt} AS first_at) f
      CROSS JOIN LATERAL unnest(t.order_at, t.order_net) AS o(at, net)
      WHERE t.shop = ${shop} AND t.retention_include_cancelled = ${settings.retentionIncludeCancelled}
        AND f.first_at IS NOT NULL AND o.at >= f.first_at
        AND (o.at AT TIME ZONE ${timeZone})::date < ${today}::date
    ) c
    GROUP BY c.customer_id, c.first_day
    ORDER BY c.customer_id`;
  return rows.map((row) => ({
    customerId: row.customer_id,
    firstDay: row.first_day.toISOString().slice(0, 10),
    x: row.x,
    tx: row.tx,
    T: row.t,
    repeatSpend: Number(row.repeat_spend),
  }));
}

/** The shop's predictions (retention.prediction in `metrics --json`). */
export async function predictionOverview(shop: string, clock: Clock): Promise<PredictionReport> {
  const context = await loadShopContext(shop);
  const summaries = await summariesOf(context, clock);
  return assemblePredictionReport(summaries, { ...context, now: clock.now });
}
