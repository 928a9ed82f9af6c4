// Predictions per customer and per shop (pure): the customers' purchase summaries as the
// reference computes them from raw orders, and the report both implementations assemble from
// summaries. The models are in prediction-model.ts; the rules in docs/metrics.md ("Predictions").
import { round2, round4 } from "./math";
import { addDays, daysBetween, localDay, startOfLocalDay } from "./periods";
import {
  expectedPurchases,
  expectedSpendPerPurchase,
  fitBgNbd,
  fitGammaGamma,
  ModelFitError,
  probabilityAlive,
  probabilityOfPurchase,
  purchaseMoments,
  type BgNbdParams,
  type GammaGammaParams,
} from "./prediction-model";
import { acquisitionOrders } from "./retention";
import { compareOrders, countsInRetention, type MetricOrder, type MetricRefund } from "./rows";
import type { MetricSettings } from "./settings";

/** A shop is predicted for once it has this many customers with a first purchase... */
export const PREDICTION_MIN_CUSTOMERS = 500;
/** ...this many of them have come back at least once... */
export const PREDICTION_MIN_REPEAT_CUSTOMERS = 50;
/** ...and its first purchase is this many days before the day predictions are made on. */
export const PREDICTION_MIN_HISTORY_DAYS = 90;
/** The horizons, in days, of the expected orders per customer and per shop. */
export const PREDICTION_HORIZONS = [30, 90, 365] as const;
/**
 * The customers are grouped by their chance of an order in the next RETURN_HORIZON_DAYS days:
 * at or above LIKELY_TO_RETURN_AT likely to return, below PROBABLY_LOST_BELOW probably lost,
 * "might return" between (docs/decisions/031-groups-by-the-chance-of-an-order.md; that group's
 * key is `at_risk`, from before it was named so).
 */
export const RETURN_HORIZON_DAYS = 365;
export const LIKELY_TO_RETURN_AT = 0.5;
export const PROBABLY_LOST_BELOW = 0.25;
/** The shop's forecast, and the look back at the last one, span this many days. */
export const FORECAST_DAYS = 90;
/** The forecast's interval: expected value ± this many standard deviations (95 %, normal). */
export const INTERVAL_Z = 1.959964;

export interface PredictionContext {
  timeZone: string;
  /** Spend sums only orders in the shop currency. */
  currency: string;
  now: Date;
  settings: MetricSettings;
}

/** One customer's history as the models read it. Days are shop-local dates. */
export interface CustomerSummary {
  customerId: string;
  /** The local date of the customer's first purchase (their acquisition order). */
  firstDay: string;
  /** Repeat purchase days: distinct local dates with a counted order after the first. */
  x: number;
  /** Days from the first purchase date to the last. */
  tx: number;
  /** Days from the first purchase date to today's local date. */
  T: number;
  /** Net sales of the repeat purchase days' orders in the shop currency, returns refunded so far taken off. */
  repeatSpend: number;
}

/**
 * Each customer's summary on the local date of `now` (reference). Counted orders are those of
 * the retention metrics (no guests, test or deleted orders; cancelled per the setting); the first
 * purchase is the customer's acquisition order (so zero-value orders per the setting); orders
 * from today's local date on are not counted; returns are taken off as refunded so far.
 */
export function customerSummaries(rows: { orders: MetricOrder[]; refunds: MetricRefund[] }, context: PredictionContext): CustomerSummary[] {
  const { settings, timeZone, currency } = context;
  const today = localDay(context.now, timeZone);
  const ordersOf = new Map<string, MetricOrder[]>();
  for (const order of rows.orders.filter((o) => countsInRetention(o, settings)).sort(compareOrders)) {
    if (localDay(order.processedAt, timeZone) >= today) continue;
    const list = ordersOf.get(order.customerId as string) ?? [];
    list.push(order);
    ordersOf.set(order.customerId as string, list);
  }
  // Returns as refunded so far (the rollups hold each order's net as of its latest refund).
  const returnsOf = new Map<string, number>();
  for (const refund of rows.refunds) {
    returnsOf.set(refund.orderId, (returnsOf.get(refund.orderId) ?? 0) + refund.returns);
  }
  const acquiredAt = acquisitionOrders(ordersOf, settings);
  const summaries: CustomerSummary[] = [];
  for (const [customerId, orders] of ordersOf) {
    const first = acquiredAt.get(customerId);
    if (!first) continue;
    const firstDay = localDay(first, timeZone);
    const days = new Set<string>();
    let repeatSpend = 0;
    for (const order of orders) {
      if (order.processedAt < first) continue;
      const day = localDay(order.processedAt, timeZone);
      if (day === firstDay) continue;
      days.add(day);
      if (order.currencyCode === currency) repeatSpend += order.grossSales - order.discounts - (returnsOf.get(order.id) ?? 0);
    }
    const lastDay = [...days].sort().at(-1) ?? firstDay;
    summaries.push({ customerId, firstDay, x: days.size, tx: daysBetween(firstDay, lastDay), T: daysBetween(firstDay, today), repeatSpend });
  }
  return summaries.sort((p, q) => (BigInt(p.customerId) < BigInt(q.customerId) ? -1 : 1));
}

/** The groups by the chance of an order in the next RETURN_HORIZON_DAYS days, most likely to return first. */
export const PREDICTION_GROUPS = ["likely_to_return", "at_risk", "probably_lost"] as const;
export type PredictionGroup = (typeof PREDICTION_GROUPS)[number];

export interface CustomerPrediction {
  customerId: string;
  /** P(still a customer), 4 decimals. */
  probabilityAlive: number;
  /** P(at least one order in the next RETURN_HORIZON_DAYS days), 4 decimals: what the group is by. */
  returnProbability: number;
  group: PredictionGroup;
  /** Expected orders (purchase days) in the next 30, 90 and 365 days, 2 decimals. */
  expectedOrders: { days30: number; days90: number; days365: number };
  /** Expected net spend in the next 365 days, minor units of the shop currency (rounded). */
  expectedSpend365: number;
}

export type PredictionReport =
  | { status: "not_enough_history"; reason: string; shortfall: PredictionShortfall; now: string; customers: number }
  | {
      status: "ready";
      model: "BG/NBD + Gamma-Gamma";
      /** The local date the summaries end before: predictions are for the days from it on. */
      now: string;
      currency: string;
      /** α per day; γ in minor units. */
      params: BgNbdParams & GammaGammaParams;
      logLikelihood: number;
      spendLogLikelihood: number;
      customers: number;
      /** Expected repeat orders of today's customers in the next 30, 90 and 365 days. */
      expectedRepeatOrders: { days30: number; days90: number; days365: number };
      /** Mean P(still a customer) over the customers. */
      pAliveMean: number;
      groups: Record<PredictionGroup, number>;
      /** Repeat orders and their net spend in the next FORECAST_DAYS days, with a 95 % interval. */
      next90: ShopForecast;
      /** The same forecast made FORECAST_DAYS days ago from the data then, and what happened. */
      lastPeriod: LastPeriodCheck;
    };

export interface Estimate {
  expected: number;
  low: number;
  high: number;
}

export interface ShopForecast {
  /** Repeat purchase days of today's customers. */
  repeatOrders: Estimate;
  /** Their net spend, minor units of the shop currency. */
  spend: Estimate;
}

export type LastPeriodCheck =
  | { status: "not_enough_history"; from: string; to: string; reason: string; shortfall: PredictionShortfall }
  | {
      status: "ready";
      /** The days compared: [from, to), `to` being today. */
      from: string;
      to: string;
      /** Customers on `from` (those the forecast was for). */
      customers: number;
      predicted: ShopForecast;
      actual: { repeatOrders: number; spend: number };
    };

/** A customer's group by their chance of an order in the next RETURN_HORIZON_DAYS days. */
export function groupOf(returnProbability: number): PredictionGroup {
  return returnProbability >= LIKELY_TO_RETURN_AT ? "likely_to_return" : returnProbability < PROBABLY_LOST_BELOW ? "probably_lost" : "at_risk";
}

/**
 * What a shop lacks for predictions, for the pages to say in the merchant's language (a report's
 * `reason` says the same in English, for the command line and the logs): too few customers,
 * too few who came back, too few days of history, or a history the models cannot be fitted to.
 */
export type PredictionShortfall = { kind: "customers" | "returning_customers" | "days"; have: number; need: number } | { kind: "no_fit" };
export const SHORTFALL_KINDS = ["customers", "returning_customers", "days", "no_fit"] as const satisfies ReadonlyArray<PredictionShortfall["kind"]>;

/** What a shop's summaries lack to be fitted, or null when they are enough. */
export function historyShortfall(summaries: readonly CustomerSummary[], today: string): PredictionShortfall | null {
  if (summaries.length < PREDICTION_MIN_CUSTOMERS) return { kind: "customers", have: summaries.length, need: PREDICTION_MIN_CUSTOMERS };
  const repeat = summaries.filter((s) => s.x > 0).length;
  if (repeat < PREDICTION_MIN_REPEAT_CUSTOMERS) return { kind: "returning_customers", have: repeat, need: PREDICTION_MIN_REPEAT_CUSTOMERS };
  const firstDay = summaries.reduce((min, s) => (s.firstDay < min ? s.firstDay : min), today);
  const days = daysBetween(firstDay, today);
  if (days < PREDICTION_MIN_HISTORY_DAYS) return { kind: "days", have: days, need: PREDICTION_MIN_HISTORY_DAYS };
  return null;
}

const SHORTFALL_REASONS = {
  customers: "customers so far",
  returning_customers: "customers have come back so far",
  days: "days of history so far",
} as const;

/** Why a shop's summaries are too few to fit, in English, or null when they are enough. */
export function notEnoughHistory(summaries: readonly CustomerSummary[], today: string): string | null {
  const shortfall = historyShortfall(summaries, today);
  if (!shortfall || shortfall.kind === "no_fit") return null;
  return `${shortfall.have} ${SHORTFALL_REASONS[shortfall.kind]}; predictions start at ${shortfall.need}`;
}

export interface FittedModels {
  purchases: { params: BgNbdParams; logLikelihood: number };
  spend: { params: GammaGammaParams; logLikelihood: number };
}

/** Fits both models to a shop's summaries (throws ModelFitError when they cannot be fitted). */
export function fitModels(summaries: readonly CustomerSummary[]): FittedModels {
  const purchases = fitBgNbd(summaries);
  const spend = fitGammaGamma(summaries.map((s) => ({ x: s.x, meanSpend: s.x > 0 ? s.repeatSpend / s.x : 0 })));
  return {
    purchases: { params: purchases.params, logLikelihood: purchases.logLikelihood },
    spend: { params: spend.params, logLikelihood: spend.logLikelihood },
  };
}

export function predictCustomer(models: FittedModels, summary: CustomerSummary): CustomerPrediction {
  const bg = models.purchases.params;
  const pAlive = probabilityAlive(bg, summary);
  const returnProbability = probabilityOfPurchase(bg, summary, RETURN_HORIZON_DAYS);
  const days365 = expectedPurchases(bg, summary, 365);
  const perOrder = expectedSpendPerPurchase(models.spend.params, { x: summary.x, meanSpend: summary.x > 0 ? summary.repeatSpend / summary.x : 0 });
  return {
    customerId: summary.customerId,
    probabilityAlive: round4(pAlive),
    returnProbability: round4(returnProbability),
    group: groupOf(returnProbability),
    expectedOrders: { days30: round2(expectedPurchases(bg, summary, 30)), days90: round2(expectedPurchases(bg, summary, 90)), days365: round2(days365) },
    expectedSpend365: Number.isFinite(perOrder) ? Math.round(days365 * perOrder) : 0,
  };
}

/**
 * The shop's repeat orders and spend in the next `days` days: the sums of each customer's
 * expected values, with an interval of ± INTERVAL_Z standard deviations of the sums. Customers
 * are independent given the fitted parameters, so the variance of a sum is the sum of the
 * customers' variances: purchases from `purchaseMoments`, spend from Gamma-Gamma's posterior
 * (spend per order z ~ Gamma(p, ν), ν ~ Gamma(q + p·x, γ + x·m̄)):
 * E[S²] = p·E[ν⁻²]·(E[N] + p·E[N²]) with E[ν⁻²] = (γ + x·m̄)² / ((Q − 1)(Q − 2)), Q = q + p·x.
 * Where Q ≤ 2 that moment is infinite and the customer's spend per order is taken as certain.
 * The fitted parameters are taken as known: their own uncertainty is not in the interval.
 */
export function shopForecast(models: FittedModels, summaries: readonly CustomerSummary[], days: number): ShopForecast {
  const bg = models.purchases.params;
  const { p, q, gamma } = models.spend.params;
  const moments = new Map<string, { mean: number; secondMoment: number }>();
  let orders = 0;
  let ordersVariance = 0;
  let spend = 0;
  let spendVariance = 0;
  for (const summary of summaries) {
    const pAlive = probabilityAlive(bg, summary);
    // The moments given alive depend on x and T only; P(alive) scales both.
    const key = `${summary.x}|${summary.T}`;
    let alive = moments.get(key);
    if (!alive) {
      alive = purchaseMoments(bg, summary, 1, days);
      moments.set(key, alive);
    }
    const mean = pAlive * alive.mean;
    const second = pAlive * alive.secondMoment;
    orders += mean;
    ordersVariance += second - mean * mean;
    const meanSpend = summary.x > 0 ? summary.repeatSpend / summary.x : 0;
    const [shape, rate] = summary.x > 0 && meanSpend > 0 ? [q + p * summary.x, gamma + summary.x * meanSpend] : [q, gamma];
    const perOrder = (p * rate) / (shape - 1);
    const customerSpend = mean * perOrder;
    const spendSecond = shape > 2 ? ((p * rate * rate) / ((shape - 1) * (shape - 2))) * (mean + p * second) : second * perOrder * perOrder;
    spend += customerSpend;
    spendVariance += spendSecond - customerSpend * customerSpend;
  }
  const estimate = (expected: number, variance: number, round: (v: number) => number): Estimate => {
    const half = INTERVAL_Z * Math.sqrt(Math.max(variance, 0));
    return { expected: round(expected), low: round(Math.max(0, expected - half)), high: round(expected + half) };
  };
  return { repeatOrders: estimate(orders, ordersVariance, round2), spend: estimate(spend, spendVariance, Math.round) };
}

/** A fit of a shop: the report, and the models when there were enough data for them. */
export interface ShopFit {
  report: PredictionReport;
  models: FittedModels | null;
}

type Fitted = { models: FittedModels } | { reason: string; shortfall: PredictionShortfall };

function tryFit(summaries: readonly CustomerSummary[], today: string): Fitted {
  const shortfall = historyShortfall(summaries, today);
  if (shortfall) return { reason: notEnoughHistory(summaries, today)!, shortfall };
  try {
    return { models: fitModels(summaries) };
  } catch (error) {
    if (error instanceof ModelFitError) return { reason: error.message, shortfall: { kind: "no_fit" } };
    throw error;
  }
}

/** The local date FORECAST_DAYS before `now`'s, as the instant it starts (the look back's `now`). */
export function lastPeriodStart(now: Date, timeZone: string): Date {
  return startOfLocalDay(addDays(localDay(now, timeZone), -FORECAST_DAYS), timeZone);
}

/**
 * How the forecast made FORECAST_DAYS days ago compares with what happened: the models fitted to
 * the summaries on that day (`earlier`), their forecast for those customers, and the repeat
 * purchase days and spend the same customers then had ― the growth of their x and repeat spend
 * from then to today (`summaries`).
 */
export function lastPeriodCheck(earlier: readonly CustomerSummary[], summaries: readonly CustomerSummary[], today: string): LastPeriodCheck {
  const from = addDays(today, -FORECAST_DAYS);
  const fitted = tryFit(earlier, from);
  if ("reason" in fitted) return { status: "not_enough_history", from, to: today, reason: fitted.reason, shortfall: fitted.shortfall };
  const now = new Map(summaries.map((s) => [s.customerId, s]));
  let repeatOrders = 0;
  let spend = 0;
  for (const before of earlier) {
    const after = now.get(before.customerId);
    if (!after) continue;
    repeatOrders += after.x - before.x;
    spend += after.repeatSpend - before.repeatSpend;
  }
  return {
    status: "ready",
    from,
    to: today,
    customers: earlier.length,
    predicted: shopForecast(fitted.models, earlier, FORECAST_DAYS),
    actual: { repeatOrders, spend },
  };
}

/**
 * The shop's fit from its summaries on today's local date and on the date FORECAST_DAYS before
 * (`earlier`, for the look back); both implementations end here.
 */
export function fitShop(summaries: readonly CustomerSummary[], earlier: readonly CustomerSummary[], context: PredictionContext): ShopFit {
  const today = localDay(context.now, context.timeZone);
  const fitted = tryFit(summaries, today);
  if ("reason" in fitted) {
    return { report: { status: "not_enough_history", reason: fitted.reason, shortfall: fitted.shortfall, now: today, customers: summaries.length }, models: null };
  }
  const { models } = fitted;
  const bg = models.purchases.params;
  const totals = { days30: 0, days90: 0, days365: 0 };
  const groups: Record<PredictionGroup, number> = { likely_to_return: 0, at_risk: 0, probably_lost: 0 };
  let pAliveSum = 0;
  for (const summary of summaries) {
    const pAlive = probabilityAlive(bg, summary);
    pAliveSum += pAlive;
    groups[groupOf(probabilityOfPurchase(bg, summary, RETURN_HORIZON_DAYS))]++;
    totals.days30 += expectedPurchases(bg, summary, 30);
    totals.days90 += expectedPurchases(bg, summary, 90);
    totals.days365 += expectedPurchases(bg, summary, 365);
  }
  const report: PredictionReport = {
    status: "ready",
    model: "BG/NBD + Gamma-Gamma",
    now: today,
    currency: context.currency,
    params: { ...bg, ...models.spend.params },
    logLikelihood: models.purchases.logLikelihood,
    spendLogLikelihood: models.spend.logLikelihood,
    customers: summaries.length,
    expectedRepeatOrders: { days30: round2(totals.days30), days90: round2(totals.days90), days365: round2(totals.days365) },
    pAliveMean: round4(pAliveSum / summaries.length),
    groups,
    next90: shopForecast(models, summaries, FORECAST_DAYS),
    lastPeriod: lastPeriodCheck(earlier, summaries, today),
  };
  return { report, models };
}

/** The shop's report from its summaries today and FORECAST_DAYS before. */
export function assemblePredictionReport(summaries: readonly CustomerSummary[], earlier: readonly CustomerSummary[], context: PredictionContext): PredictionReport {
  return fitShop(summaries, earlier, context).report;
}

/** The whole report from raw orders (reference). */
export function predictionReport(rows: { orders: MetricOrder[]; refunds: MetricRefund[] }, context: PredictionContext): PredictionReport {
  const earlier = customerSummaries(rows, { ...context, now: lastPeriodStart(context.now, context.timeZone) });
  return assemblePredictionReport(customerSummaries(rows, context), earlier, context);
}
