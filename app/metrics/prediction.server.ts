// Predictions from the rollups: each customer's summary read from their `customer_totals` row
// (the instants and net amounts of their counted orders, oldest first), never from the orders
// table; the report then assembled as the reference does (prediction.ts). A fit is cached per
// shop with the inputs it used (`prediction_fits`, per customer `customer_predictions`): the
// shop's data version (`prediction_data_versions`, bumped with every change of its `customer_totals`), the
// local date predictions are made on, its time zone, currency and settings. A read whose inputs
// are those of the cache gets the cached fit; any other refits (docs/metrics.md, "Predictions").
import { Prisma } from "@prisma/client";
import prisma from "#app/db.server";
import { loadShopContext, type Clock, type ShopContext } from "./context.server";
import { localDay } from "./periods";
import {
  fitShop,
  lastPeriodStart,
  predictCustomer,
  type CustomerPrediction,
  type CustomerSummary,
  type PredictionGroup,
  type PredictionReport,
  type PredictionShortfall,
  type ShopFit,
} from "./prediction";
import { parseCustomerId } from "./retention.server";
import { refreshStatisticsFor } from "./planner-statistics.server";
import { ensureDailyRollups, totalsUnder } from "./rollups.server";

type Client = Prisma.TransactionClient | typeof prisma;

/** Every customer's summary on the local date of `now` (SQL; the reference is `customerSummaries`). */
export async function customerSummariesSql(shop: string, clock: Clock): Promise<CustomerSummary[]> {
  const [summaries] = await customerSummariesOnSql(shop, [clock.now]);
  return summaries;
}

/** Every customer's summary on the local date of each of `nows`, read in one pass over the rollups. */
export async function customerSummariesOnSql(shop: string, nows: readonly Date[]): Promise<CustomerSummary[][]> {
  const context = await loadShopContext(shop);
  await ensureDailyRollups(shop, context.timeZone, context.currency);
  return summariesOf(prisma, context, nows);
}

const SUMMARY_TRANSACTION = { timeout: 10 * 60_000, maxWait: 60_000 };

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a local date (YYYY-MM-DD). */
const dayNumber = (day: string) => Date.parse(day) / DAY_MS;

/** `list` copied into one twice as long. */
function grown(list: Float64Array): Float64Array {
  const longer = new Float64Array(list.length * 2);
  longer.set(list);
  return longer;
}

/** Compares two customer ids (positive integers as text, no leading zeros) as numbers. */
const byCustomerId = (p: CustomerSummary, q: CustomerSummary) =>
  p.customerId.length - q.customerId.length || (p.customerId < q.customerId ? -1 : p.customerId > q.customerId ? 1 : 0);

/**
 * The summaries on each of `nows`' local dates, from one row per customer. A customer's
 * `customer_totals` row holds their counted orders oldest first with each one's local date as a
 * day number (`order_day`, kept by the rollups) and its net sales (`order_net`): the rows come
 * as one text, a line per customer ("id first-day days nets", the days and nets comma-separated,
 * in no particular order: the server reads the rows in parallel and sorts nothing), and the
 * summaries are counted here. The dates being in order, a repeat purchase day is an order
 * after the first purchase date whose date differs from the previous one's; orders from a
 * `now`'s local date on are not counted for it, and a customer first buying on or after it is
 * left out. (Converting a million instants to local dates and grouping the orders by customer in
 * the query took most of its time; and the client converts every value of a result on its own,
 * which for a row per customer cost more than the query.)
 */
async function summariesOf(client: Client, { shop, timeZone, settings }: ShopContext, nows: readonly Date[]): Promise<CustomerSummary[][]> {
  const todays = nows.map((now) => localDay(now, timeZone));
  const days = todays.map(dayNumber);
  const last = Math.max(...days);
  // The first purchase: the first counted order, or the first paid one (the acquisition order).
  const firstDay = settings.cohortIncludeZeroValue
    ? Prisma.sql`t.order_day[1]`
    : Prisma.sql`t.order_day[array_position(t.order_at, t.first_paid_order_at)]`;
  const [{ lines }] = await client.$queryRaw<Array<{ lines: string | null }>>`
    SELECT string_agg(concat_ws(' ', t.customer_id, f.first_day, array_to_string(t.order_day, ','), array_to_string(t.order_net, ',')), E'\n') AS lines
    FROM customer_totals t CROSS JOIN LATERAL (SELECT ${firstDay} AS first_day) f
    WHERE t.shop = ${shop} AND ${totalsUnder("t", settings.retentionIncludeCancelled)} AND f.first_day < ${last}`;
  const summaries = todays.map((): CustomerSummary[] => []);
  const text = lines ?? "";
  // Read in one pass over the text, a character at a time (splitting it into lines and fields
  // and then parsing those cost several times more). `at` is the next character.
  let at = 0;
  const SPACE = 32;
  const MINUS = 45;
  /** The whole number at `at`, then past its ending character. */
  const number = (): number => {
    let sign = 1;
    if (text.charCodeAt(at) === MINUS) {
      sign = -1;
      at++;
    }
    let value = 0;
    for (let c = text.charCodeAt(at); c >= 48 && c <= 57; c = text.charCodeAt(++at)) value = value * 10 + (c - 48);
    at++;
    return sign * value;
  };
  let orderDays: Float64Array = new Float64Array(64);
  let orderNets: Float64Array = new Float64Array(64);
  // A shop's customers share a few thousand first purchase dates: each written out once.
  const written = new Map<number, string>();
  while (at < text.length) {
    const idEnd = text.indexOf(" ", at);
    const customerId = text.slice(at, idEnd);
    at = idEnd + 1;
    const first = number();
    // The days, then as many nets ("1,2 3,4": the space ends the days).
    let orders = 0;
    for (;;) {
      if (orders === orderDays.length) {
        orderDays = grown(orderDays);
        orderNets = grown(orderNets);
      }
      orderDays[orders++] = number();
      if (text.charCodeAt(at - 1) === SPACE) break;
    }
    for (let j = 0; j < orders; j++) orderNets[j] = number();
    let firstDay = written.get(first);
    if (firstDay === undefined) {
      firstDay = new Date(first * DAY_MS).toISOString().slice(0, 10);
      written.set(first, firstDay);
    }
    for (let i = 0; i < days.length; i++) {
      const today = days[i];
      if (first >= today) continue;
      let x = 0;
      let lastDay = first;
      let repeatSpend = 0;
      for (let j = 0; j < orders; j++) {
        const day = orderDays[j];
        if (day <= first) continue;
        if (day >= today) break;
        if (day !== lastDay) x++;
        lastDay = day;
        repeatSpend += orderNets[j];
      }
      summaries[i].push({ customerId, firstDay, x, tx: lastDay - first, T: today - first, repeatSpend });
    }
  }
  for (const list of summaries) list.sort(byCustomerId);
  return summaries;
}

/** The shop's data version: 0 before its rollups were first built. */
async function dataVersion(client: Client, shop: string): Promise<bigint> {
  const [row] = await client.$queryRaw<Array<{ version: bigint }>>`SELECT version FROM prediction_data_versions WHERE shop = ${shop}`;
  return row?.version ?? 0n;
}

/** Everything besides the data that a fit depends on, as one comparable text. */
function fitInputs({ timeZone, currency, settings }: ShopContext, now: Date): string {
  return [
    localDay(now, timeZone),
    timeZone,
    currency,
    `cancelled:${settings.retentionIncludeCancelled}`,
    `zero-value:${settings.cohortIncludeZeroValue}`,
  ].join("|");
}

export interface PredictionFitResult extends ShopFit {
  dataVersion: bigint;
  inputs: string;
  summaries: CustomerSummary[];
}

/**
 * Fits the shop's models to its summaries on `now`'s local date and FORECAST_DAYS before (one
 * pass over the rollups for both), read with the data version in one snapshot (repeatable
 * read): the version is exactly that of the data fitted. A caller passing the shop's context
 * has made sure of its rollups already.
 */
export async function fitPredictions(shop: string, clock: Clock, loaded?: ShopContext): Promise<PredictionFitResult> {
  const context = loaded ?? (await loadShopContext(shop));
  if (!loaded) await ensureDailyRollups(shop, context.timeZone, context.currency);
  const { version, summaries, earlier } = await prisma.$transaction(
    async (tx) => {
      const version = await dataVersion(tx, shop);
      const [summaries, earlier] = await summariesOf(tx, context, [clock.now, lastPeriodStart(clock.now, context.timeZone)]);
      return { version, summaries, earlier };
    },
    { isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead, ...SUMMARY_TRANSACTION },
  );
  const fit = fitShop(summaries, earlier, { ...context, now: clock.now });
  return { ...fit, dataVersion: version, inputs: fitInputs(context, clock.now), summaries };
}

/** Rows per INSERT of the customers' predictions. */
const INSERT_CHUNK = 20_000;

async function storeFit(shop: string, result: PredictionFitResult, fittedAt: Date): Promise<void> {
  const predictions = result.models ? result.summaries.map((s) => predictCustomer(result.models!, s)) : [];
  await prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`DELETE FROM customer_predictions WHERE shop = ${shop}`;
      for (let i = 0; i < predictions.length; i += INSERT_CHUNK) {
        const chunk = predictions.slice(i, i + INSERT_CHUNK);
        await tx.$executeRaw`
          INSERT INTO customer_predictions (shop, customer_id, probability_alive, return_probability, "group", expected_orders_30, expected_orders_90,
            expected_orders_365, expected_spend_365)
          SELECT ${shop}, * FROM unnest(
            ${chunk.map((p) => p.customerId)}::bigint[], ${chunk.map((p) => p.probabilityAlive)}::float8[],
            ${chunk.map((p) => p.returnProbability)}::float8[], ${chunk.map((p) => p.group)}::text[],
            ${chunk.map((p) => p.expectedOrders.days30)}::float8[], ${chunk.map((p) => p.expectedOrders.days90)}::float8[],
            ${chunk.map((p) => p.expectedOrders.days365)}::float8[], ${chunk.map((p) => String(p.expectedSpend365))}::bigint[])`;
      }
      const row = {
        dataVersion: result.dataVersion,
        inputs: result.inputs,
        status: result.report.status,
        report: JSON.stringify(result.report),
        fittedAt,
      };
      await tx.predictionFit.upsert({ where: { shop }, create: { shop, ...row }, update: row });
    },
    { timeout: 10 * 60_000, maxWait: 60_000 },
  );
}

/**
 * Fresh planner statistics after a shop's predictions were replaced, when the planner is wrong
 * about the shop (planner-statistics.server.ts): hundreds of thousands of new rows otherwise
 * leave it guessing until autovacuum comes by, and a group's page sorts the whole group instead
 * of reading the index.
 */
const refreshStatistics = (shop: string) => refreshStatisticsFor(shop, ["customer_predictions"]);

/** What a refresh did: nothing (the cache was that of the shop's data and day) or a new fit. */
export type PredictionRefresh = "cached" | "fitted";

/**
 * The job run after every sync (app/jobs/shop-jobs.server.ts): fits the shop again unless the
 * cached fit's inputs are the shop's now. "Not enough history yet" is cached like a fit.
 */
export async function refreshPredictions(shop: string, clock: Clock): Promise<PredictionRefresh> {
  const context = await loadShopContext(shop);
  await ensureDailyRollups(shop, context.timeZone, context.currency);
  if (await cachedReport(shop, context, clock.now)) return "cached";
  const result = await fitPredictions(shop, clock, context);
  await storeFit(shop, result, clock.now);
  await refreshStatistics(shop);
  return "fitted";
}

/** The cached report when its inputs are the shop's now, else null. */
async function cachedReport(shop: string, context: ShopContext, now: Date): Promise<PredictionReport | null> {
  const [cached, version] = await Promise.all([
    prisma.predictionFit.findUnique({ where: { shop }, select: { dataVersion: true, inputs: true, report: true } }),
    dataVersion(prisma, shop),
  ]);
  if (!cached || cached.dataVersion !== version || cached.inputs !== fitInputs(context, now)) return null;
  return JSON.parse(cached.report) as PredictionReport;
}

/** The shop's predictions (retention.prediction in `metrics --json`): cached, or fitted now. */
export async function predictionOverview(shop: string, clock: Clock): Promise<PredictionReport> {
  const context = await loadShopContext(shop);
  await ensureDailyRollups(shop, context.timeZone, context.currency);
  return (await cachedReport(shop, context, clock.now)) ?? (await fitPredictions(shop, clock, context)).report;
}

/** A customer id as the tables hold it; anything else is a 400. */
export class InvalidCustomerIdError extends Error {
  readonly status = 400;
  constructor(value: string) {
    super(`not a customer id: ${JSON.stringify(value.slice(0, 40))}`);
    this.name = "InvalidCustomerIdError";
  }
}

function customerIdOf(value: string | bigint): bigint {
  const id = parseCustomerId(String(value));
  if (id === null) throw new InvalidCustomerIdError(String(value));
  return id;
}

/** Where the shop's cached fit stands, for the pages (they never fit). */
export type PredictionState =
  | { status: "pending" }
  /** `shortfall` is null for a fit cached before it was recorded (its `reason` is in English). */
  | { status: "not_enough_history"; reason: string; shortfall: PredictionShortfall | null; now: string; fittedAt: string }
  | {
      status: "ready";
      report: Extract<PredictionReport, { status: "ready" }>;
      fittedAt: string;
      /** Whether the fit is of the shop's data as it is now (else a newer fit is on its way). */
      current: boolean;
      /** The settings the fit's summaries were made under. */
      settings: { retentionIncludeCancelled: boolean; cohortIncludeZeroValue: boolean };
    };

async function predictionState(shop: string): Promise<PredictionState> {
  const [cached, version] = await Promise.all([
    prisma.predictionFit.findUnique({ where: { shop }, select: { dataVersion: true, inputs: true, report: true, fittedAt: true } }),
    dataVersion(prisma, shop),
  ]);
  if (!cached) return { status: "pending" };
  const report = JSON.parse(cached.report) as PredictionReport;
  const fittedAt = cached.fittedAt.toISOString();
  if (report.status === "not_enough_history") {
    return { status: "not_enough_history", reason: report.reason, shortfall: report.shortfall ?? null, now: report.now, fittedAt };
  }
  const settings = {
    retentionIncludeCancelled: cached.inputs.includes("|cancelled:true"),
    cohortIncludeZeroValue: cached.inputs.includes("|zero-value:true"),
  };
  return { status: "ready", report, fittedAt, current: cached.dataVersion === version, settings };
}

export type CustomerPredictionResult =
  | { status: "ready"; now: string; currency: string; fittedAt: string; prediction: CustomerPrediction }
  /** No fit yet (the job after the next sync makes it). */
  | { status: "pending" }
  | { status: "not_enough_history"; reason: string }
  /** The shop was fitted, but the customer had no counted purchase before the day it was made on. */
  | { status: "not_predicted" };

interface PredictionRow {
  customer_id: string;
  probability_alive: number;
  return_probability: number;
  group: PredictionGroup;
  expected_orders_30: number;
  expected_orders_90: number;
  expected_orders_365: number;
  expected_spend_365: bigint;
}

/** The columns of `customer_predictions` a PredictionRow holds. */
const PREDICTION_COLUMNS = Prisma.sql`customer_id::text AS customer_id, probability_alive, return_probability, "group", expected_orders_30,
  expected_orders_90, expected_orders_365, expected_spend_365`;

const predictionOf = (row: PredictionRow): CustomerPrediction => ({
  customerId: row.customer_id,
  probabilityAlive: row.probability_alive,
  returnProbability: row.return_probability,
  group: row.group,
  expectedOrders: { days30: row.expected_orders_30, days90: row.expected_orders_90, days365: row.expected_orders_365 },
  expectedSpend365: Number(row.expected_spend_365),
});

/** One customer's cached prediction (the customer page's block), or why there is none. */
export async function customerPrediction(shop: string, customerId: string | bigint): Promise<CustomerPredictionResult> {
  const id = customerIdOf(customerId);
  const state = await predictionState(shop);
  if (state.status !== "ready") return state.status === "pending" ? state : { status: "not_enough_history", reason: state.reason };
  const [row] = await prisma.$queryRaw<PredictionRow[]>`
    SELECT ${PREDICTION_COLUMNS}
    FROM customer_predictions WHERE shop = ${shop} AND customer_id = ${id}`;
  if (!row) return { status: "not_predicted" };
  return { status: "ready", now: state.report.now, currency: state.report.currency, fittedAt: state.fittedAt, prediction: predictionOf(row) };
}

export interface PredictionGroupPage {
  state: PredictionState;
  group: PredictionGroup;
  /** The group's customers, highest expected spend first, then id. */
  customers: CustomerPrediction[];
  total: number;
  offset: number;
}

/** A page of one group's customers from the cached fit (the Customers page). */
export async function predictionGroupPage(shop: string, group: PredictionGroup, page: { limit: number; offset: number }): Promise<PredictionGroupPage> {
  const state = await predictionState(shop);
  if (state.status !== "ready") return { state, group, customers: [], total: 0, offset: page.offset };
  const rows = await prisma.$queryRaw<PredictionRow[]>`
    SELECT ${PREDICTION_COLUMNS}
    FROM customer_predictions p WHERE shop = ${shop} AND "group" = ${group}
    ORDER BY expected_spend_365 DESC, p.customer_id LIMIT ${page.limit} OFFSET ${page.offset}`;
  return { state, group, customers: rows.map(predictionOf), total: state.report.groups[group], offset: page.offset };
}

/** The cached fit changed while its predictions were being read: read them again. */
export class PredictionsRefittedError extends Error {
  readonly status = 409;
  constructor() {
    super("The predictions were fitted again while they were being read; export them again");
    this.name = "PredictionsRefittedError";
  }
}

/**
 * Every cached prediction of the shop's fit made at `fittedAt`, by customer id, a batch at a
 * time (the CSV export): each batch is read with the fit's time in one snapshot, and a fit
 * replaced in between ends the reading with PredictionsRefittedError, so the rows are all of one fit.
 */
export async function* cachedPredictions(shop: string, options: { batch?: number; fittedAt?: string } = {}): AsyncGenerator<CustomerPrediction> {
  const batch = options.batch ?? 5_000;
  let fittedAt = options.fittedAt;
  let after = 0n;
  for (;;) {
    const [fit, rows] = await prisma.$transaction(
      [
        prisma.$queryRaw<Array<{ fitted_at: Date }>>`SELECT fitted_at FROM prediction_fits WHERE shop = ${shop}`,
        prisma.$queryRaw<PredictionRow[]>`
          SELECT ${PREDICTION_COLUMNS}
          FROM customer_predictions p WHERE shop = ${shop} AND p.customer_id > ${after}
          ORDER BY p.customer_id LIMIT ${batch}`,
      ],
      { isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead },
    );
    const at = fit[0]?.fitted_at.toISOString();
    fittedAt ??= at;
    if (at !== fittedAt) throw new PredictionsRefittedError();
    for (const row of rows) yield predictionOf(row);
    if (rows.length < batch) return;
    after = BigInt(rows.at(-1)!.customer_id);
  }
}

export { predictionState };
