// Who will come back, and what they will spend: the BG/NBD model (Fader, Hardie & Lee, "Counting
// your customers the easy way", Marketing Science 2005) and the Gamma-Gamma spend model (Fader,
// Hardie & Lee, "RFM and CLV", Journal of Marketing Research 2005), fitted by maximum likelihood.
// Pure: the inputs are per-customer summaries (docs/metrics.md, "Predictions"); time is in days.
import betaln from "@stdlib/math-base-special-betaln";
import gammaln from "@stdlib/math-base-special-gammaln";
import hyp2f1 from "@stdlib/math-base-special-hyp2f1";
import numeric from "numeric";

/** One customer as the models see them. */
export interface PurchaseSummary {
  /** Repeat purchase days: distinct shop-local purchase dates after the first. */
  x: number;
  /** Days from the first purchase date to the last one (0 when x = 0). */
  tx: number;
  /** Days from the first purchase date to the date predictions are made on. */
  T: number;
}

export interface SpendSummary {
  /** Repeat purchase days (x > 0 only). */
  x: number;
  /** Mean net spend of those days, in minor units (> 0 only). */
  meanSpend: number;
}

/** BG/NBD: purchase rates ~ Gamma(r, α) per day; dropout probability per purchase ~ Beta(a, b). */
export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** Gamma-Gamma: spend per purchase ~ Gamma(p, ν), ν ~ Gamma(q, γ); γ in minor units. */
export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

export interface Fit<P> {
  params: P;
  logLikelihood: number;
  /** How many customers (summaries) the fit used. */
  customers: number;
}

export class ModelFitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelFitError";
  }
}

/**
 * Summaries grouped by their distinct values: a shop's customers share few (x, t_x, T), and the
 * likelihood's terms in x, t_x and T alone are computed once per value instead of per customer.
 */
interface PurchaseTable {
  xs: number[];
  txs: number[];
  Ts: number[];
  /** Per distinct triple: the indexes of its x, t_x and T in the lists above, and its count. */
  xIndex: Int32Array;
  txIndex: Int32Array;
  TIndex: Int32Array;
  count: Float64Array;
  customers: number;
}

function indexer(values: Iterable<number>): { list: number[]; at: Map<number, number> } {
  const list = [...new Set(values)].sort((p, q) => p - q);
  return { list, at: new Map(list.map((value, i) => [value, i])) };
}

function purchaseTable(summaries: Iterable<PurchaseSummary>): PurchaseTable {
  const triples = new Map<string, { s: PurchaseSummary; n: number }>();
  let customers = 0;
  for (const s of summaries) {
    if (!(Number.isInteger(s.x) && s.x >= 0 && s.tx >= 0 && s.T >= s.tx && (s.x > 0 || s.tx === 0))) {
      throw new ModelFitError(`not a purchase summary: x=${s.x}, t_x=${s.tx}, T=${s.T}`);
    }
    customers++;
    const key = `${s.x}|${s.tx}|${s.T}`;
    const entry = triples.get(key);
    if (entry) entry.n++;
    else triples.set(key, { s, n: 1 });
  }
  const entries = [...triples.values()];
  const x = indexer(entries.map((e) => e.s.x));
  const tx = indexer(entries.map((e) => e.s.tx));
  const T = indexer(entries.map((e) => e.s.T));
  return {
    xs: x.list,
    txs: tx.list,
    Ts: T.list,
    xIndex: Int32Array.from(entries, (e) => x.at.get(e.s.x)!),
    txIndex: Int32Array.from(entries, (e) => tx.at.get(e.s.tx)!),
    TIndex: Int32Array.from(entries, (e) => T.at.get(e.s.T)!),
    count: Float64Array.from(entries, (e) => e.n),
    customers,
  };
}

/** ln(e^u + e^v) without overflow. */
function logAddExp(u: number, v: number): number {
  const high = Math.max(u, v);
  return high + Math.log1p(Math.exp(Math.min(u, v) - high));
}

/**
 * The BG/NBD log-likelihood of all customers (eq. 6 of the paper):
 * L = B(a, b+x)/B(a, b) · Γ(r+x)α^r / (Γ(r)(α+T)^(r+x))
 *   + [x > 0] B(a+1, b+x−1)/B(a, b) · Γ(r+x)α^r / (Γ(r)(α+t_x)^(r+x)).
 */
function bgnbdTableLogLikelihood({ r, alpha, a, b }: BgNbdParams, table: PurchaseTable): number {
  const base = r * Math.log(alpha) - gammaln(r) - betaln(a, b);
  const perX = table.xs.map((x) => gammaln(r + x));
  const stay = table.xs.map((x) => betaln(a, b + x));
  const left = table.xs.map((x) => (x > 0 ? betaln(a + 1, b + x - 1) : Number.NaN));
  const logT = table.Ts.map((T) => Math.log(alpha + T));
  const logTx = table.txs.map((tx) => Math.log(alpha + tx));
  let sum = 0;
  for (let i = 0; i < table.count.length; i++) {
    const xi = table.xIndex[i];
    const x = table.xs[xi];
    const rx = r + x;
    const alive = stay[xi] - rx * logT[table.TIndex[i]];
    const term = x > 0 ? logAddExp(alive, left[xi] - rx * logTx[table.txIndex[i]]) : alive;
    sum += table.count[i] * (perX[xi] + term);
  }
  return sum + table.customers * base;
}

export function bgnbdLogLikelihood(params: BgNbdParams, summaries: Iterable<PurchaseSummary>): number {
  return bgnbdTableLogLikelihood(params, purchaseTable(summaries));
}

/**
 * The gradient by central differences, with one step for every coordinate (they are logarithms,
 * so alike in scale). numeric's own `gradient` misjudges its steps on sums this large.
 */
function centralDifferences(f: (x: number[]) => number, at: number[]): number[] {
  const h = 1e-6;
  return at.map((_, i) => {
    const up = at.slice();
    const down = at.slice();
    up[i] += h;
    down[i] -= h;
    return (f(up) - f(down)) / (2 * h);
  });
}

/**
 * Maximises a log-likelihood over positive parameters: quasi-Newton (BFGS, numeric's `uncmin`)
 * on their logarithms from each start point; the best of all wins. A start that fails to
 * improve on another's result costs only time.
 */
function maximise(
  logLikelihood: (params: number[]) => number,
  starts: number[][],
  bounds: Array<[number, number]>,
): { params: number[]; value: number } {
  // NaN (not Infinity) outside the bounds: uncmin's line search steps back from it. The bounds
  // keep the search where double precision holds (ln Γ of 10^9 has no digits left for a
  // difference of ln Γ's); a fit that ends on one is refused.
  const logBounds = bounds.map(([low, high]) => [Math.log(low), Math.log(high)]);
  const inside = (logs: number[]) => logs.every((v, i) => v > logBounds[i][0] && v < logBounds[i][1]);
  const objective = (logs: number[]) => {
    if (!inside(logs)) return Number.NaN;
    const value = logLikelihood(logs.map(Math.exp));
    return Number.isFinite(value) ? -value : Number.NaN;
  };
  let best: { x: number[]; fx: number } | null = null;
  for (const start of starts) {
    const logs = start.map(Math.log);
    if (!Number.isFinite(objective(logs))) continue;
    const solution = numeric.uncmin(objective, logs, 1e-9, (at: number[]) => centralDifferences(objective, at), 2000);
    if (Number.isFinite(solution.f) && (!best || solution.f < best.fx)) best = { x: solution.solution, fx: solution.f };
  }
  if (!best) throw new ModelFitError("no parameters give a finite likelihood");
  const edge = best.x.findIndex((v, i) => Math.abs(v - logBounds[i][0]) < 1e-3 || Math.abs(v - logBounds[i][1]) < 1e-3);
  if (edge >= 0) throw new ModelFitError(`the fit ran to the edge of parameter ${edge + 1}: the data do not pin the model down`);
  return { params: best.x.map(Math.exp), value: -best.fx };
}

/** Fits BG/NBD by maximum likelihood. Needs at least one customer with a repeat purchase. */
export function fitBgNbd(summaries: Iterable<PurchaseSummary>): Fit<BgNbdParams> {
  const table = purchaseTable(summaries);
  if (table.customers === 0 || !table.xs.some((x) => x > 0)) throw new ModelFitError("no repeat purchases to fit");
  // Starts spread over rates of one purchase a month to one a year, and dropout both ways.
  const starts = [
    [1, 30, 1, 1],
    [0.25, 30, 0.8, 2.5],
    [0.5, 120, 2, 0.5],
  ];
  const { params, value } = maximise(([r, alpha, a, b]) => bgnbdTableLogLikelihood({ r, alpha, a, b }, table), starts, [
    [1e-4, 1e4],
    [1e-3, 1e6],
    [1e-4, 1e4],
    [1e-4, 1e4],
  ]);
  const [r, alpha, a, b] = params;
  return { params: { r, alpha, a, b }, logLikelihood: value, customers: table.customers };
}

/** The Gamma-Gamma log-likelihood of customers with repeat purchases and a positive mean spend. */
export function gammaGammaLogLikelihood({ p, q, gamma }: GammaGammaParams, summaries: readonly SpendSummary[]): number {
  let sum = 0;
  const base = q * Math.log(gamma) - gammaln(q);
  for (const { x, meanSpend } of summaries) {
    const px = p * x;
    sum += gammaln(px + q) - gammaln(px) + base + (px - 1) * Math.log(meanSpend) + px * Math.log(x) - (px + q) * Math.log(gamma + meanSpend * x);
  }
  return sum;
}

/** Fits Gamma-Gamma; customers without repeat purchases or with a mean spend ≤ 0 are left out. */
export function fitGammaGamma(summaries: Iterable<SpendSummary>): Fit<GammaGammaParams> {
  const usable = [...summaries].filter((s) => s.x > 0 && s.meanSpend > 0);
  if (usable.length === 0) throw new ModelFitError("no repeat spend to fit");
  const mean = usable.reduce((sum, s) => sum + s.meanSpend, 0) / usable.length;
  const starts = [
    [1, 1, mean],
    [5, 3, mean / 2],
    [2, 10, mean * 5],
  ];
  const { params, value } = maximise(([p, q, gamma]) => gammaGammaLogLikelihood({ p, q, gamma }, usable), starts, [
    [1e-4, 1e4],
    [1e-4, 1e4],
    [mean * 1e-6, mean * 1e6],
  ]);
  const [p, q, gamma] = params;
  return { params: { p, q, gamma }, logLikelihood: value, customers: usable.length };
}

/** P(still a customer | x, t_x, T) (eq. 13 of the BG/NBD paper's note on P(alive)). */
export function probabilityAlive({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: PurchaseSummary): number {
  if (x === 0) return 1;
  const odds = (a / (b + x - 1)) * Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + tx)));
  return 1 / (1 + odds);
}

/** E[purchases in (T, T + t] | x, t_x, T] (eq. 10 of the paper). */
export function expectedPurchases({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: PurchaseSummary, t: number): number {
  if (t <= 0) return 0;
  const z = t / (alpha + T + t);
  const discount = Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + T + t)));
  const head = ((a + b + x - 1) / (a - 1)) * (1 - discount * hyp2f1(r + x, b + x, a + b + x - 1, z));
  const odds = x > 0 ? (a / (b + x - 1)) * Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + tx))) : 0;
  return head / (1 + odds);
}

/** E[purchases in (0, t]] of a customer just acquired (eq. 9 of the paper). */
export function expectedPurchasesOfNewCustomer({ r, alpha, a, b }: BgNbdParams, t: number): number {
  const z = t / (alpha + t);
  return ((a + b - 1) / (a - 1)) * (1 - Math.pow(alpha / (alpha + t), r) * hyp2f1(r, b, a + b - 1, z));
}

/** E[spend per purchase | x, mean spend] (Gamma-Gamma); the population mean for x = 0. */
export function expectedSpendPerPurchase({ p, q, gamma }: GammaGammaParams, { x, meanSpend }: SpendSummary): number {
  if (x === 0 || meanSpend <= 0) return (p * gamma) / (q - 1);
  return (p * (gamma + x * meanSpend)) / (p * x + q - 1);
}

/**
 * The first two moments of a customer's purchases in (T, T + t], E[N] and E[N²], given x and T
 * and their P(still a customer) (the forecast's interval, docs/metrics.md "Predictions").
 * Alive at T, the customer's rate is λ ~ Gamma(r + x, α + T) and their dropout probability
 * p ~ Beta(a, b + x), independent; N = min(M, G) with M ~ Poisson(λt) the purchases they would
 * make and G ~ Geometric(p) the purchase they drop out after, so
 * P(N ≥ k | alive) = P(M ≥ k) · E[(1 − p)^(k−1)], M negative binomial (r + x, (α+T)/(α+T+t)).
 * The sums run until their terms vanish (a tail below 1e−13 of what is summed).
 */
export function purchaseMoments(
  { r, alpha, a, b }: BgNbdParams,
  { x, T }: { x: number; T: number },
  pAlive: number,
  t: number,
): { mean: number; secondMoment: number } {
  if (t <= 0) return { mean: 0, secondMoment: 0 };
  const shape = r + x;
  const stay = (alpha + T) / (alpha + T + t);
  // P(M = 0), then P(M ≥ k) by subtracting P(M = k − 1).
  let pointMass = Math.exp(shape * Math.log(stay));
  let atLeast = 1 - pointMass;
  // E[(1 − p)^(k−1)] for k = 1.
  let survive = 1;
  let first = 0;
  let second = 0;
  for (let k = 1; k < 100_000; k++) {
    const term = atLeast * survive;
    first += term;
    second += (2 * k - 1) * term;
    if (term * k < 1e-13 * Math.max(first, 1e-300) || atLeast <= 0) break;
    pointMass *= ((shape + k - 1) / k) * (1 - stay);
    atLeast -= pointMass;
    survive *= (b + x + k - 1) / (a + b + x + k - 1);
  }
  return { mean: pAlive * first, secondMoment: pAlive * second };
}
