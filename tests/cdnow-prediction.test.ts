// GIVEN the real CDNOW transactions (tests/fixtures/cdnow: 23,570 customers who first bought in
// Q1 1997, each line one USD order, time zone UTC) and now = 1997-10-01, WHEN Metryka fits its
// prediction models, THEN its BG/NBD parameters and log-likelihood equal, to 4 significant digits,
// those of a second implementation written here from the paper over the raw lines (its own
// summaries, its own form of the likelihood, its own optimiser), and the predicted repeat purchase
// days of 1997-10-01 … 1998-06-30 are reported next to the actual ones (docs/metrics.md), and the
// customers it groups by their chance of an order bought again in those days in that order.
import fs from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import gammaln from "@stdlib/math-base-special-gammaln";
import { cdnowOrders } from "./support/cdnow";
import { describe, expect, it } from "vitest";
import { customerSummaries, fitModels, PREDICTION_GROUPS, predictCustomer } from "#app/metrics/prediction";
import { expectedPurchases, probabilityOfPurchase } from "#app/metrics/prediction-model";
import { DEFAULT_METRIC_SETTINGS } from "#app/metrics/settings";

const RAW = path.resolve(import.meta.dirname, "fixtures/cdnow/CDNOW_master.txt.gz");
const NOW = "1997-10-01";
const HOLDOUT_END = "1998-07-01";

interface Purchase {
  customer: string;
  day: string;
  cents: number;
}

const purchases: Purchase[] = gunzipSync(fs.readFileSync(RAW))
  .toString("utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((line) => {
    const [customer, date, , dollars] = line.trim().split(/\s+/);
    return { customer, day: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`, cents: Math.round(Number(dollars) * 100) };
  });

const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / 86_400_000;

/** The paper's summaries, straight from the lines: repeat days, t_x, T, and the holdout's days. */
function paperSummaries() {
  const daysOf = new Map<string, Set<number>>();
  for (const p of purchases) {
    const days = daysOf.get(p.customer) ?? new Set<number>();
    days.add(dayNumber(p.day));
    daysOf.set(p.customer, days);
  }
  const now = dayNumber(NOW);
  const end = dayNumber(HOLDOUT_END);
  return [...daysOf.values()].map((days) => {
    const before = [...days].filter((d) => d < now).sort((a, b) => a - b);
    return {
      x: before.length - 1,
      tx: before[before.length - 1] - before[0],
      T: now - before[0],
      holdout: [...days].filter((d) => d >= now && d < end).length,
    };
  });
}

/**
 * BG/NBD log-likelihood in the form of Fader, Hardie & Lee's note "Implementing the BG/NBD model"
 * (A1 + A2 + ln(e^A3 + δ e^A4)), with ln Γ only.
 */
function paperLogLikelihood([r, alpha, a, b]: number[], data: Array<{ x: number; tx: number; T: number; n: number }>): number {
  let sum = 0;
  for (const { x, tx, T, n } of data) {
    const A1 = gammaln(r + x) - gammaln(r) + r * Math.log(alpha);
    const A2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x);
    const A3 = -(r + x) * Math.log(alpha + T);
    const A4 = x > 0 ? Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx) : -Infinity;
    sum += n * (A1 + A2 + Math.log(Math.exp(A3) + Math.exp(A4)));
  }
  return sum;
}

/** A plain Nelder-Mead (standard coefficients), restarted until a restart no longer helps. */
function nelderMead(f: (x: number[]) => number, start: number[]): number[] {
  const n = start.length;
  let best = start;
  for (let restart = 0; restart < 20; restart++) {
    let simplex = [best, ...best.map((_, i) => best.map((v, j) => (i === j ? v + 0.1 : v)))].map((x) => ({ x, fx: f(x) }));
    for (let iteration = 0; iteration < 5000; iteration++) {
      simplex.sort((p, q) => p.fx - q.fx);
      if (simplex[n].fx - simplex[0].fx < 1e-11) break;
      const centroid = best.map((_, j) => simplex.slice(0, n).reduce((s, p) => s + p.x[j], 0) / n);
      const along = (t: number) => centroid.map((c, j) => c + t * (simplex[n].x[j] - c));
      const reflected = { x: along(-1), fx: 0 };
      reflected.fx = f(reflected.x);
      if (reflected.fx < simplex[0].fx) {
        const expanded = { x: along(-2), fx: 0 };
        expanded.fx = f(expanded.x);
        simplex[n] = expanded.fx < reflected.fx ? expanded : reflected;
      } else if (reflected.fx < simplex[n - 1].fx) {
        simplex[n] = reflected;
      } else {
        const contracted = { x: along(reflected.fx < simplex[n].fx ? -0.5 : 0.5), fx: 0 };
        contracted.fx = f(contracted.x);
        if (contracted.fx < Math.min(reflected.fx, simplex[n].fx)) simplex[n] = contracted;
        else simplex = simplex.map((p, i) => (i === 0 ? p : { x: p.x.map((v, j) => (v + simplex[0].x[j]) / 2), fx: f(p.x.map((v, j) => (v + simplex[0].x[j]) / 2)) }));
      }
    }
    simplex.sort((p, q) => p.fx - q.fx);
    const moved = simplex[0].x.some((v, j) => Math.abs(v - best[j]) > 1e-9);
    best = simplex[0].x;
    if (!moved) break;
  }
  return best;
}

const significant = (value: number) => Number(value.toPrecision(4));

describe("predictions on CDNOW", () => {
  it("fit BG/NBD as an independent implementation does, to 4 significant digits, forecast the next 9 months, and group who comes back", () => {
    // Metryka: its summaries of the orders (each line an order at midnight UTC), its fit.
    const orders = cdnowOrders(purchases);
    const context = { timeZone: "UTC", currency: "USD", now: new Date(`${NOW}T00:00:00Z`), settings: { ...DEFAULT_METRIC_SETTINGS } };
    const summaries = customerSummaries({ orders, refunds: [] }, context);
    const models = fitModels(summaries);
    const ours = models.purchases.params;

    // The independent implementation, on logarithms of the parameters.
    const paper = paperSummaries();
    expect(summaries.length).toBe(paper.length);
    // Customers alike in (x, t_x, T) have the same likelihood: counted once, times how many.
    const alike = new Map<string, { x: number; tx: number; T: number; n: number }>();
    for (const { x, tx, T } of paper) {
      const key = `${x} ${tx} ${T}`;
      alike.set(key, { x, tx, T, n: (alike.get(key)?.n ?? 0) + 1 });
    }
    const grouped = [...alike.values()];
    const logs = nelderMead((v) => -paperLogLikelihood(v.map(Math.exp), grouped), [Math.log(0.5), Math.log(10), Math.log(1), Math.log(1)]);
    const [r, alpha, a, b] = logs.map(Math.exp);
    const theirs = { r, alpha, a, b };

    for (const key of ["r", "alpha", "a", "b"] as const) expect(significant(ours[key]), key).toBe(significant(theirs[key]));
    expect(significant(models.purchases.logLikelihood)).toBe(significant(paperLogLikelihood([r, alpha, a, b], grouped)));

    // Forecast vs what happened: repeat purchase days in the 273 days after now.
    const horizon = dayNumber(HOLDOUT_END) - dayNumber(NOW);
    const predicted = summaries.reduce((sum, s) => sum + expectedPurchases(ours, s, horizon), 0);
    const actual = paper.reduce((sum, s) => sum + s.holdout, 0);
    console.info(
      `CDNOW, now ${NOW}: r = ${ours.r.toPrecision(4)}, α = ${ours.alpha.toPrecision(4)} per day (${(ours.alpha / 7).toPrecision(4)} per week), ` +
        `a = ${ours.a.toPrecision(4)}, b = ${ours.b.toPrecision(4)}, log-likelihood ${models.purchases.logLikelihood.toFixed(2)}; ` +
        `Gamma-Gamma p = ${models.spend.params.p.toPrecision(4)}, q = ${models.spend.params.q.toPrecision(4)}, γ = ${(models.spend.params.gamma / 100).toPrecision(4)} USD; ` +
        `repeat purchase days ${NOW} … 1998-06-30: predicted ${predicted.toFixed(0)}, actual ${actual}`,
    );
    // The forecast is of the right size: within a quarter of what happened.
    expect(Math.abs(predicted / actual - 1)).toBeLessThan(0.25);

    // The groups, as the app makes them (by the chance of an order in the next 365 days), against
    // who did buy again in the 273 days the file goes on for: each group bought again more often
    // than the next, and about as often as its mean chance over those days says.
    const returned = new Set(purchases.filter((p) => p.day >= NOW && p.day < HOLDOUT_END).map((p) => p.customer));
    const groups = PREDICTION_GROUPS.map((group) => {
      const members = summaries.filter((s) => predictCustomer(models, s).group === group);
      return {
        group,
        customers: members.length,
        chance: members.reduce((sum, s) => sum + probabilityOfPurchase(ours, s, horizon), 0) / members.length,
        share: members.filter((s) => returned.has(s.customerId)).length / members.length,
      };
    });
    console.info(
      `CDNOW groups by the chance of an order in 365 days: ` +
        groups.map((g) => `${g.group} ${g.customers} customers, ${(100 * g.share).toFixed(1)} % bought again by ${HOLDOUT_END} (mean chance ${(100 * g.chance).toFixed(1)} %)`).join("; "),
    );
    expect(groups.reduce((sum, g) => sum + g.customers, 0)).toBe(summaries.length);
    for (const g of groups) {
      expect(g.customers, g.group).toBeGreaterThan(1000);
      expect(Math.abs(g.share - g.chance), g.group).toBeLessThan(0.15);
    }
    expect(groups[0].share).toBeGreaterThan(groups[1].share);
    expect(groups[1].share).toBeGreaterThan(groups[2].share);
  }, 120_000);
});
