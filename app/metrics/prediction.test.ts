// Predictions (pure): the customers' summaries of a small store computed by hand, the rule for too
// little history, and a population drawn from known BG/NBD and Gamma-Gamma parameters recovered
// by the fit within a stated tolerance.
import { describe, expect, it } from "vitest";
import { createRandom } from "#simulator/random";
import { order, refund } from "./test-helpers/fixtures";
import {
  assemblePredictionReport,
  customerSummaries,
  groupOf,
  PREDICTION_GROUPS,
  PREDICTION_MIN_CUSTOMERS,
  predictCustomer,
  fitModels,
  FORECAST_DAYS,
  lastPeriodCheck,
  shopForecast,
  type CustomerSummary,
} from "./prediction";
import {
  bgnbdLogLikelihood,
  expectedPurchases,
  fitBgNbd,
  fitGammaGamma,
  gammaGammaLogLikelihood,
  ModelFitError,
  probabilityAlive,
  probabilityOfPurchase,
  purchaseMoments,
} from "./prediction-model";
import { DEFAULT_METRIC_SETTINGS } from "./settings";
import { betaDraw, gammaDraw } from "./test-helpers/model-store";

const BERLIN = { timeZone: "Europe/Berlin", currency: "EUR", settings: { ...DEFAULT_METRIC_SETTINGS } };

describe("customer summaries (reference)", () => {
  // now: 2026-04-10 in Berlin; DST began 2026-03-29.
  const now = new Date("2026-04-10T09:00:00Z");
  const orders = [
    // Customer 1: first on Jan 5 (local), again on Jan 5 (same day: not a repeat), Mar 30 just
    // after local midnight in summer time (UTC still Mar 29), Apr 2 (with a refund), and today
    // (not counted). One cancelled order in between does not count by default.
    order({ id: "1", customerId: "1", at: "2026-01-05T10:00:00Z", grossSales: 5000, currencyCode: "EUR" }),
    order({ id: "2", customerId: "1", at: "2026-01-05T22:30:00Z", grossSales: 1000, currencyCode: "EUR" }),
    order({ id: "3", customerId: "1", at: "2026-03-29T22:30:00Z", grossSales: 3000, discounts: 500, currencyCode: "EUR" }),
    order({ id: "4", customerId: "1", at: "2026-02-14T12:00:00Z", grossSales: 9999, currencyCode: "EUR", cancelledAt: "2026-02-15T00:00:00Z" }),
    order({ id: "5", customerId: "1", at: "2026-04-02T08:00:00Z", grossSales: 4000, currencyCode: "EUR" }),
    order({ id: "6", customerId: "1", at: "2026-04-10T06:00:00Z", grossSales: 7000, currencyCode: "EUR" }),
    // Customer 2: one order only, and a test order and a guest order that never count.
    order({ id: "7", customerId: "2", at: "2026-03-01T12:00:00Z", grossSales: 2000, currencyCode: "EUR" }),
    order({ id: "8", customerId: "2", at: "2026-03-05T12:00:00Z", grossSales: 2000, currencyCode: "EUR", test: true }),
    order({ id: "9", customerId: null, at: "2026-03-06T12:00:00Z", grossSales: 2000, currencyCode: "EUR" }),
    // Customer 3: a zero-value first order, then one paid order in another currency.
    order({ id: "10", customerId: "3", at: "2026-02-01T12:00:00Z", grossSales: 0, currencyCode: "EUR" }),
    order({ id: "11", customerId: "3", at: "2026-02-20T12:00:00Z", grossSales: 3000, currencyCode: "USD" }),
    // Customer 4: first order today: not a customer yet for the models.
    order({ id: "12", customerId: "4", at: "2026-04-09T22:30:00Z", grossSales: 3000, currencyCode: "EUR" }),
  ];
  const refunds = [
    refund({ id: "1", orderId: "5", at: "2026-04-03T10:00:00Z", returns: 1500 }),
    // Refunded today: taken off too (spend is as refunded so far).
    refund({ id: "2", orderId: "3", at: "2026-04-10T07:00:00Z", returns: 2000 }),
  ];

  it("counts repeat purchase days, t_x, T and repeat spend in the shop's local dates", () => {
    const summaries = customerSummaries({ orders, refunds }, { ...BERLIN, now });
    expect(summaries).toEqual([
      // Jan 5 → Mar 30, Apr 2 (87 days); T = Jan 5 → Apr 10 = 95 days. Spend: (2500 − 2000) + (4000 − 1500).
      { customerId: "1", firstDay: "2026-01-05", x: 2, tx: 87, T: 95, repeatSpend: 3000 },
      { customerId: "2", firstDay: "2026-03-01", x: 0, tx: 0, T: 40, repeatSpend: 0 },
      // The USD order is a repeat purchase day, but not EUR spend.
      { customerId: "3", firstDay: "2026-02-01", x: 1, tx: 19, T: 68, repeatSpend: 0 },
    ]);
  });

  it("follows the settings: cancelled orders counted, zero-value orders not a first purchase", () => {
    const summaries = customerSummaries(
      { orders, refunds },
      { ...BERLIN, now, settings: { ...DEFAULT_METRIC_SETTINGS, retentionIncludeCancelled: true, cohortIncludeZeroValue: false } },
    );
    expect(summaries).toEqual([
      { customerId: "1", firstDay: "2026-01-05", x: 3, tx: 87, T: 95, repeatSpend: 3000 + 9999 },
      { customerId: "2", firstDay: "2026-03-01", x: 0, tx: 0, T: 40, repeatSpend: 0 },
      { customerId: "3", firstDay: "2026-02-20", x: 0, tx: 0, T: 49, repeatSpend: 0 },
    ]);
  });

  it("gives a small shop 'not enough history', never a number", () => {
    const report = assemblePredictionReport(customerSummaries({ orders, refunds }, { ...BERLIN, now }), [], { ...BERLIN, now });
    expect(report).toEqual({
      status: "not_enough_history",
      reason: `3 customers so far; predictions start at ${PREDICTION_MIN_CUSTOMERS}`,
      shortfall: { kind: "customers", have: 3, need: PREDICTION_MIN_CUSTOMERS },
      now: "2026-04-10",
      customers: 3,
    });
  });
});

const gamma = gammaDraw;
const beta = betaDraw;

/**
 * Customers who behave exactly as the models say: each buys at a rate λ ~ Gamma(r, α) per day and
 * drops out after a purchase with probability p ~ Beta(a, b), from a first purchase day up to 365
 * days before today; each repeat purchase spends a Gamma(pS, ν) amount with ν ~ Gamma(q, γ).
 * Purchases are whole days (the summaries' unit), so rates stay well below one a day. The
 * customers go on buying for HOLDOUT_DAYS after T, which the summaries do not see.
 */
const HOLDOUT_DAYS = 180;

function population(seed: number, customers: number, truth: { r: number; alpha: number; a: number; b: number; p: number; q: number; gamma: number }) {
  const random = createRandom(seed);
  const summaries: CustomerSummary[] = [];
  // Purchase days in the HOLDOUT_DAYS after T, all customers together.
  let holdout = 0;
  // Purchase days and their spend in the first FORECAST_DAYS after T (spend drawn apart, so the
  // draws above are those of every seed's population whatever is asked of it).
  const spendRandom = createRandom(seed + 1);
  let forecastDays = 0;
  let forecastSpend = 0;
  // Whether each customer bought again in the HOLDOUT_DAYS after T.
  const returned: boolean[] = [];
  for (let i = 0; i < customers; i++) {
    const lambda = gamma(random, truth.r, truth.alpha);
    const dropout = beta(random, truth.a, truth.b);
    const nu = gamma(random, truth.q, truth.gamma);
    const T = random.int(90, 365);
    const days = new Set<number>();
    const later = new Set<number>();
    let t = 0;
    for (;;) {
      t += -Math.log(1 - random.next()) / lambda;
      if (t >= T + HOLDOUT_DAYS) break;
      (t < T ? days : later).add(Math.floor(t));
      if (random.chance(dropout)) break;
    }
    days.delete(0);
    const sorted = [...days].sort((p, q) => p - q);
    let repeatSpend = 0;
    for (let k = 0; k < sorted.length; k++) repeatSpend += Math.round(gamma(random, truth.p, nu));
    summaries.push({ customerId: String(i + 1), firstDay: "2026-01-01", x: sorted.length, tx: sorted.at(-1) ?? 0, T, repeatSpend });
    holdout += later.size;
    returned.push(later.size > 0);
    for (const day of later) {
      if (day >= T + FORECAST_DAYS) continue;
      forecastDays++;
      forecastSpend += Math.round(gamma(spendRandom, truth.p, nu));
    }
  }
  return { summaries, holdout, returned, forecastDays, forecastSpend };
}

describe("fitting the models", () => {
  const truth = { r: 0.6, alpha: 40, a: 0.9, b: 3, p: 4, q: 5, gamma: 8000 };
  const { summaries, holdout, returned } = population(2026, 20_000, truth);

  it("recovers BG/NBD parameters of a population drawn from them within 15 %", () => {
    const fit = fitBgNbd(summaries);
    for (const key of ["r", "alpha", "a", "b"] as const) {
      expect(Math.abs(fit.params[key] / truth[key] - 1), key).toBeLessThan(0.15);
    }
    // It is the maximum: the true parameters and nearby points are less likely.
    expect(fit.logLikelihood).toBeGreaterThan(bgnbdLogLikelihood(truth, summaries));
    for (const key of ["r", "alpha", "a", "b"] as const) {
      for (const factor of [0.999, 1.001]) {
        expect(fit.logLikelihood).toBeGreaterThan(bgnbdLogLikelihood({ ...fit.params, [key]: fit.params[key] * factor }, summaries));
      }
    }
  });

  it("recovers Gamma-Gamma parameters within 15 % (p, and the mean spend γ·p/(q−1))", () => {
    const fit = fitGammaGamma(summaries.map((s) => ({ x: s.x, meanSpend: s.x > 0 ? s.repeatSpend / s.x : 0 })));
    expect(Math.abs(fit.params.p / truth.p - 1)).toBeLessThan(0.15);
    const mean = (params: { p: number; q: number; gamma: number }) => (params.p * params.gamma) / (params.q - 1);
    expect(Math.abs(mean(fit.params) / mean(truth) - 1)).toBeLessThan(0.15);
  });

  it("forecasts what the population then does: expected purchase days after T within 5 % of those drawn", () => {
    const expected = summaries.reduce((sum, s) => sum + expectedPurchases(truth, s, HOLDOUT_DAYS), 0);
    expect(holdout).toBeGreaterThan(1000);
    expect(Math.abs(expected / holdout - 1)).toBeLessThan(0.05);
  });

  it("gives each customer's chance of an order within HOLDOUT_DAYS as often as the population then bought: overall and by group", () => {
    const chances = summaries.map((s) => probabilityOfPurchase(truth, s, HOLDOUT_DAYS));
    const returners = returned.filter(Boolean).length;
    expect(returners).toBeGreaterThan(2000);
    expect(Math.abs(chances.reduce((sum, p) => sum + p, 0) / returners - 1)).toBeLessThan(0.05);
    // Customers in the groups' bands of the chance: each band bought again as often as its mean
    // chance says, within 5 points, and the bands in order.
    const bands = [
      { from: 0.5, to: 1 },
      { from: 0.25, to: 0.5 },
      { from: 0, to: 0.25 },
    ].map(({ from, to }) => {
      const members = chances.flatMap((p, i) => (p >= from && (p < to || to === 1) ? [i] : []));
      return {
        size: members.length,
        chance: members.reduce((sum, i) => sum + chances[i], 0) / members.length,
        share: members.filter((i) => returned[i]).length / members.length,
      };
    });
    for (const band of bands) {
      expect(band.size).toBeGreaterThan(500);
      expect(Math.abs(band.share - band.chance)).toBeLessThan(0.05);
    }
    expect(bands[0].share).toBeGreaterThan(bands[1].share);
    expect(bands[1].share).toBeGreaterThan(bands[2].share);
  });

  it("predicts: P(alive) is 1 without repeats and falls with time since the last purchase; expected orders grow with the horizon", () => {
    const params = { r: 0.6, alpha: 40, a: 0.9, b: 3 };
    expect(probabilityAlive(params, { x: 0, tx: 0, T: 200 })).toBe(1);
    const recent = probabilityAlive(params, { x: 3, tx: 190, T: 200 });
    const lapsed = probabilityAlive(params, { x: 3, tx: 20, T: 200 });
    expect(recent).toBeGreaterThan(lapsed);
    expect(lapsed).toBeGreaterThan(0);
    const customer = { x: 3, tx: 150, T: 200 };
    const e30 = expectedPurchases(params, customer, 30);
    const e365 = expectedPurchases(params, customer, 365);
    expect(e30).toBeGreaterThan(0);
    expect(e365).toBeGreaterThan(e30);
    expect(e365).toBeLessThan(365);
    // The chance of an order: within P(alive), growing with the horizon, and for a customer
    // without repeats (P(alive) = 1) falling the longer they stay away.
    const within = (summary: { x: number; tx: number; T: number }, days: number) => probabilityOfPurchase(params, summary, days);
    expect(within(customer, 30)).toBeGreaterThan(0);
    expect(within(customer, 365)).toBeGreaterThan(within(customer, 30));
    expect(within(customer, 365)).toBeLessThan(probabilityAlive(params, customer));
    expect(within({ x: 0, tx: 0, T: 30 }, 365)).toBeGreaterThan(within({ x: 0, tx: 0, T: 700 }, 365));
    expect(within(customer, 0)).toBe(0);
  });

  it("assembles the shop's report and groups customers by their chance of an order in the next 365 days", () => {
    const report = assemblePredictionReport(summaries, [], { ...BERLIN, now: new Date("2026-12-31T12:00:00Z") });
    if (report.status !== "ready") throw new Error(report.reason);
    expect(report.customers).toBe(summaries.length);
    expect(report.groups.likely_to_return + report.groups.at_risk + report.groups.probably_lost).toBe(summaries.length);
    const models = fitModels(summaries);
    const predictions = summaries.map((s) => predictCustomer(models, s));
    expect(predictions.filter((p) => p.group === "probably_lost").length).toBe(report.groups.probably_lost);
    for (const p of predictions) expect(groupOf(p.returnProbability) === p.group || [0.25, 0.5].some((at) => Math.abs(p.returnProbability - at) < 1e-4)).toBe(true);
    for (const group of PREDICTION_GROUPS) expect(predictions.filter((p) => p.group === group).length, group).toBe(report.groups[group]);
    const sum90 = summaries.reduce((sum, s) => sum + expectedPurchases(models.purchases.params, s, 90), 0);
    expect(report.expectedRepeatOrders.days90).toBeCloseTo(sum90, 1);
    expect(report.expectedRepeatOrders.days30).toBeLessThan(report.expectedRepeatOrders.days90);
  });

  it("is at the maximum of each likelihood, where small steps only lower it (Gamma-Gamma too)", () => {
    const spend = summaries.map((s) => ({ x: s.x, meanSpend: s.x > 0 ? s.repeatSpend / s.x : 0 })).filter((s) => s.x > 0 && s.meanSpend > 0);
    const fit = fitGammaGamma(spend);
    expect(fit.logLikelihood).toBeCloseTo(gammaGammaLogLikelihood(fit.params, spend), 6);
    for (const key of ["p", "q", "gamma"] as const) {
      for (const factor of [0.999, 1.001]) {
        expect(fit.logLikelihood).toBeGreaterThan(gammaGammaLogLikelihood({ ...fit.params, [key]: fit.params[key] * factor }, spend));
      }
    }
  });

  it("ends where a search on all customers ends when it searches on a sample first (as fits of large shops do)", () => {
    const spend = summaries.map((s) => ({ x: s.x, meanSpend: s.x > 0 ? s.repeatSpend / s.x : 0 }));
    const fits = [
      [fitBgNbd(summaries, { screenEvery: 1 }), fitBgNbd(summaries, { screenEvery: 8 })],
      [fitGammaGamma(spend, { screenEvery: 1 }), fitGammaGamma(spend, { screenEvery: 8 })],
    ] as const;
    for (const [all, screened] of fits) {
      expect(screened.customers).toBe(all.customers);
      expect(screened.logLikelihood).toBeCloseTo(all.logLikelihood, 4);
      for (const [key, value] of Object.entries(all.params)) {
        expect(Math.abs((screened.params as unknown as Record<string, number>)[key] / value - 1), key).toBeLessThan(1e-5);
      }
    }
    // The sample's own maximum is elsewhere: the refinement on all customers moved it.
    const sampleFit = fitBgNbd(summaries.filter((_, i) => i % 8 === 0), { screenEvery: 1 });
    expect(Math.abs(sampleFit.params.r / fits[0][0].params.r - 1)).toBeGreaterThan(1e-3);
  });

  it("refuses summaries that cannot be fitted or are not summaries", () => {
    expect(() => fitBgNbd([{ x: 0, tx: 0, T: 100 }])).toThrow(ModelFitError);
    expect(() => fitBgNbd([{ x: 1, tx: 50, T: 10 }])).toThrow(ModelFitError);
    expect(() => fitGammaGamma([{ x: 0, meanSpend: 0 }])).toThrow(ModelFitError);
  });
});

describe("the shop's forecast and its interval", () => {
  const truth = { r: 0.6, alpha: 40, a: 0.9, b: 3, p: 4, q: 5, gamma: 8000 };

  it("has the closed form's expected purchases, and a variance at least the Poisson's share", () => {
    const params = { r: 0.6, alpha: 40, a: 0.9, b: 3 };
    for (const customer of [{ x: 0, tx: 0, T: 120 }, { x: 3, tx: 150, T: 200 }, { x: 12, tx: 300, T: 310 }, { x: 2, tx: 10, T: 400 }]) {
      const pAlive = probabilityAlive(params, customer);
      for (const days of [30, 90, 365]) {
        const { mean, secondMoment } = purchaseMoments(params, customer, pAlive, days);
        expect(mean / expectedPurchases(params, customer, days) - 1).toBeCloseTo(0, 9);
        // A count's second moment is at least its mean (N² ≥ N for whole N).
        expect(secondMoment).toBeGreaterThanOrEqual(mean);
      }
    }
  });

  // Five populations drawn from the same parameters: each fitted, each forecast for the next
  // FORECAST_DAYS days, and what each then did within the 95 % interval.
  it.each([11, 12, 13, 14, 15])("holds what a population drawn from known parameters does next (seed %i)", (seed) => {
    const drawn = population(seed, 6_000, truth);
    const forecast = shopForecast(fitModels(drawn.summaries), drawn.summaries, FORECAST_DAYS);
    expect(drawn.forecastDays).toBeGreaterThan(200);
    expect(drawn.forecastDays).toBeGreaterThanOrEqual(forecast.repeatOrders.low);
    expect(drawn.forecastDays).toBeLessThanOrEqual(forecast.repeatOrders.high);
    expect(drawn.forecastSpend).toBeGreaterThanOrEqual(forecast.spend.low);
    expect(drawn.forecastSpend).toBeLessThanOrEqual(forecast.spend.high);
    // An interval, not everything: narrower than the forecast itself.
    expect(forecast.repeatOrders.high - forecast.repeatOrders.low).toBeLessThan(forecast.repeatOrders.expected);
    expect(forecast.spend.low).toBeLessThan(forecast.spend.expected);
  });

  it("compares the forecast made FORECAST_DAYS ago with what the same customers did since", () => {
    const now = population(21, 3_000, truth).summaries;
    // The same customers FORECAST_DAYS earlier, made up: fewer repeat days and less spend.
    const earlier = now
      .filter((s) => s.T > FORECAST_DAYS)
      .map((s) => {
        const x = Math.max(0, s.x - (s.tx > s.T - FORECAST_DAYS ? 1 : 0));
        const tx = x === 0 ? 0 : Math.min(s.tx, s.T - FORECAST_DAYS - 1);
        return { ...s, T: s.T - FORECAST_DAYS, x, tx, repeatSpend: s.x > 0 ? Math.round((s.repeatSpend * x) / s.x) : 0 };
      });
    const check = lastPeriodCheck(earlier, now, "2026-12-31");
    if (check.status !== "ready") throw new Error(check.reason);
    expect(check).toMatchObject({ from: "2026-10-02", to: "2026-12-31", customers: earlier.length });
    const byId = new Map(now.map((s) => [s.customerId, s]));
    expect(check.actual.repeatOrders).toBe(earlier.reduce((sum, s) => sum + byId.get(s.customerId)!.x - s.x, 0));
    expect(check.actual.spend).toBe(earlier.reduce((sum, s) => sum + byId.get(s.customerId)!.repeatSpend - s.repeatSpend, 0));
    expect(check.predicted).toEqual(shopForecast(fitModels(earlier), earlier, FORECAST_DAYS));
  });

  it("says so instead of comparing when FORECAST_DAYS ago there was too little", () => {
    const check = lastPeriodCheck([], population(22, 600, truth).summaries, "2026-12-31");
    expect(check).toEqual({
      status: "not_enough_history",
      from: "2026-10-02",
      to: "2026-12-31",
      reason: `0 customers so far; predictions start at ${PREDICTION_MIN_CUSTOMERS}`,
      shortfall: { kind: "customers", have: 0, need: PREDICTION_MIN_CUSTOMERS },
    });
  });
});
