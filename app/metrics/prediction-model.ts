// Who will come back, and what they will spend: the BG/NBD model (Fader, Hardie & Lee, "Counting
// your customers the easy way", Marketing Science 2005) and the Gamma-Gamma spend model (Fader,
// Hardie & Lee, "RFM and CLV", Journal of Marketing Research 2005), fitted by maximum likelihood.
// Pure: the inputs are per-customer summaries (docs/metrics.md, "Predictions"); time is in days.
import betaln from "@stdlib/math-base-special-betaln";
import digamma from "@stdlib/math-base-special-digamma";
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

/** Bits to write every whole number from 0 to `max`. */
function bitsFor(max: number): number {
  let bits = 0;
  while (2 ** bits <= max) bits++;
  return bits;
}

function purchaseTable(summaries: Iterable<PurchaseSummary>): PurchaseTable {
  const all = [...summaries];
  let maxX = 0;
  let maxT = 0;
  let whole = true;
  for (const s of all) {
    if (!(Number.isInteger(s.x) && s.x >= 0 && s.tx >= 0 && s.T >= s.tx && (s.x > 0 || s.tx === 0))) {
      throw new ModelFitError(`not a purchase summary: x=${s.x}, t_x=${s.tx}, T=${s.T}`);
    }
    maxX = Math.max(maxX, s.x);
    maxT = Math.max(maxT, s.T);
    whole &&= Number.isInteger(s.tx) && Number.isInteger(s.T);
  }
  // Whole days and x that fit in 30 bits together (four years of days and x under 256 do) make
  // one small integer, the kind of key a Map finds fastest; else a text.
  const dayBits = bitsFor(maxT);
  const small = whole && 2 * dayBits + bitsFor(maxX) <= 30;
  const triples = new Map<number | string, number>();
  const first: PurchaseSummary[] = [];
  const counts: number[] = [];
  for (const s of all) {
    const key = small ? (((s.x << dayBits) | s.tx) << dayBits) | s.T : `${s.x}|${s.tx}|${s.T}`;
    const at = triples.get(key);
    if (at === undefined) {
      triples.set(key, first.length);
      first.push(s);
      counts.push(1);
    } else counts[at]++;
  }
  const x = indexer(first.map((s) => s.x));
  const tx = indexer(first.map((s) => s.tx));
  const T = indexer(first.map((s) => s.T));
  return {
    xs: x.list,
    txs: tx.list,
    Ts: T.list,
    xIndex: Int32Array.from(first, (s) => x.at.get(s.x)!),
    txIndex: Int32Array.from(first, (s) => tx.at.get(s.tx)!),
    TIndex: Int32Array.from(first, (s) => T.at.get(s.T)!),
    count: Float64Array.from(counts),
    customers: all.length,
  };
}

/** ln(e^u + e^v) without overflow. */
function logAddExp(u: number, v: number): number {
  const high = Math.max(u, v);
  return high + Math.log1p(Math.exp(Math.min(u, v) - high));
}

/**
 * The BG/NBD log-likelihood of all customers (eq. 6 of the paper) and its gradient in (r, α, a, b):
 * L = B(a, b+x)/B(a, b) · Γ(r+x)α^r / (Γ(r)(α+T)^(r+x))
 *   + [x > 0] B(a+1, b+x−1)/B(a, b) · Γ(r+x)α^r / (Γ(r)(α+t_x)^(r+x)).
 * With ℓ = ln L = base + ln Γ(r+x) + ln(e^A + e^B), A and B the two terms' logarithms, the
 * gradient is the terms' derivatives weighted by their shares e^A/L′ and e^B/L′ (∂ ln B(u, v)/∂u
 * = ψ(u) − ψ(u+v), ψ the digamma function): one pass gives both.
 */
function bgnbdTableLogLikelihood({ r, alpha, a, b }: BgNbdParams, table: PurchaseTable, gradient?: number[]): number {
  const base = r * Math.log(alpha) - gammaln(r) - betaln(a, b);
  const perX = table.xs.map((x) => gammaln(r + x));
  const stay = table.xs.map((x) => betaln(a, b + x));
  const left = table.xs.map((x) => (x > 0 ? betaln(a + 1, b + x - 1) : Number.NaN));
  const logT = table.Ts.map((T) => Math.log(alpha + T));
  const logTx = table.txs.map((tx) => Math.log(alpha + tx));
  const inverseT = gradient ? table.Ts.map((T) => 1 / (alpha + T)) : [];
  const inverseTx = gradient ? table.txs.map((tx) => 1 / (alpha + tx)) : [];
  let sum = 0;
  // Count-weighted sums for the gradient: per x the shares of the second term, and the shares
  // times ln(α+·) and ÷(α+·).
  const shareLeft = new Float64Array(table.xs.length);
  const countX = new Float64Array(table.xs.length);
  let logSum = 0;
  let inverseSum = 0;
  for (let i = 0; i < table.count.length; i++) {
    const xi = table.xIndex[i];
    const x = table.xs[xi];
    const rx = r + x;
    const n = table.count[i];
    const lt = logT[table.TIndex[i]];
    const alive = stay[xi] - rx * lt;
    countX[xi] += n;
    if (x === 0) {
      sum += n * (perX[xi] + alive);
      if (gradient) {
        logSum += n * lt;
        inverseSum += n * rx * inverseT[table.TIndex[i]];
      }
      continue;
    }
    const ltx = logTx[table.txIndex[i]];
    const gone = left[xi] - rx * ltx;
    const high = Math.max(alive, gone);
    const e = Math.exp(Math.min(alive, gone) - high);
    sum += n * (perX[xi] + high + Math.log1p(e));
    if (gradient) {
      // The second term's share of L′.
      const w = gone >= alive ? 1 / (1 + e) : e / (1 + e);
      shareLeft[xi] += n * w;
      logSum += n * ((1 - w) * lt + w * ltx);
      inverseSum += n * rx * ((1 - w) * inverseT[table.TIndex[i]] + w * inverseTx[table.txIndex[i]]);
    }
  }
  if (gradient) {
    const N = table.customers;
    let dr = N * (Math.log(alpha) - digamma(r)) - logSum;
    let da = -N * (digamma(a) - digamma(a + b));
    let db = -N * (digamma(b) - digamma(a + b));
    for (let xi = 0; xi < table.xs.length; xi++) {
      const x = table.xs[xi];
      const n = countX[xi];
      if (n === 0) continue;
      dr += n * digamma(r + x);
      const wl = shareLeft[xi];
      const ws = n - wl;
      const abx = digamma(a + b + x);
      da += ws * (digamma(a) - abx);
      db += ws * (digamma(b + x) - abx);
      if (x > 0) {
        da += wl * (digamma(a + 1) - abx);
        db += wl * (digamma(b + x - 1) - abx);
      }
    }
    gradient[0] = dr;
    gradient[1] = (N * r) / alpha - inverseSum;
    gradient[2] = da;
    gradient[3] = db;
  }
  return sum + table.customers * base;
}

export function bgnbdLogLikelihood(params: BgNbdParams, summaries: Iterable<PurchaseSummary>): number {
  return bgnbdTableLogLikelihood(params, purchaseTable(summaries));
}

/** A log-likelihood that also fills in its gradient in the parameters. */
type LogLikelihood = (params: number[], gradient: number[]) => number;

/** Start points closer than this in every ln θ ended at one maximum. */
const SAME_MAXIMUM = 0.01;

/**
 * Maximises a log-likelihood over positive parameters: quasi-Newton (BFGS, numeric's `uncmin`)
 * on their logarithms from each start point; the best of all wins. A start that fails to
 * improve on another's result costs only time. `logLikelihood` gives the value and fills in its
 * gradient in the parameters (analytic: one pass over the data for both).
 *
 * With `screen` (the same likelihood over a sample of the customers), the starts are run on the
 * sample, and each distinct maximum they end at (more than SAME_MAXIMUM apart) is then refined
 * on all customers from there: the search from afar costs a pass over the sample instead of all
 * customers, and a start that finds another maximum is still followed to it on the full data.
 */
function maximise(
  logLikelihood: LogLikelihood,
  starts: number[][],
  bounds: Array<[number, number]>,
  customers: number,
  screen?: { logLikelihood: LogLikelihood; customers: number },
): { params: number[]; value: number } {
  // NaN (not Infinity) outside the bounds: uncmin's line search steps back from it. The bounds
  // keep the search where double precision holds (ln Γ of 10^9 has no digits left for a
  // difference of ln Γ's); a fit that ends on one is refused.
  const logBounds = bounds.map(([low, high]) => [Math.log(low), Math.log(high)]);
  const inside = (logs: number[]) => logs.every((v, i) => v > logBounds[i][0] && v < logBounds[i][1]);
  /** BFGS from each of `from` (logarithms) on one likelihood; the solutions with a finite value. */
  const search = (likelihood: LogLikelihood, count: number, from: Array<{ x: number[]; hessian?: number[][] }>) => {
    // uncmin asks for the value and then the gradient at the same point: both from one pass.
    let last: { at: number[]; value: number; gradient: number[] } | null = null;
    const evaluate = (logs: number[]) => {
      if (last && last.at.every((v, i) => v === logs[i])) return last;
      const params = logs.map(Math.exp);
      const gradient = new Array<number>(logs.length).fill(Number.NaN);
      const value = inside(logs) ? likelihood(params, gradient) : Number.NaN;
      // −ℓ per customer over the logarithms: d(−ℓ)/d ln θ = −θ · dℓ/dθ. Per customer, so that
      // BFGS's first steps (along the gradient) are of the parameters' scale whatever the shop's size.
      last = {
        at: logs.slice(),
        value: Number.isFinite(value) ? -value / count : Number.NaN,
        gradient: gradient.map((g, i) => (-g * params[i]) / count),
      };
      return last;
    };
    const objective = (logs: number[]) => evaluate(logs).value;
    const slope = (logs: number[]) => evaluate(logs).gradient;
    const found: Array<{ x: number[]; fx: number; hessian: number[][] }> = [];
    for (const { x, hessian } of from) {
      if (!Number.isFinite(objective(x))) continue;
      const solution = numeric.uncmin(objective, x, 1e-7, slope, 2000, undefined, hessian ? { Hinv: hessian } : undefined);
      if (Number.isFinite(solution.f)) found.push({ x: solution.solution, fx: solution.f, hessian: solution.invHessian });
    }
    return found;
  };
  let from: Array<{ x: number[]; hessian?: number[][] }> = starts.map((start) => ({ x: start.map(Math.log) }));
  if (screen) {
    // Each maximum with BFGS's estimate of the inverse Hessian there: the curvature per customer
    // of the sample's likelihood is close to that of all customers', so the refinement's first
    // steps are Newton steps instead of steps along the gradient.
    const distinct: Array<{ x: number[]; hessian: number[][] }> = [];
    for (const found of search(screen.logLikelihood, screen.customers, from).sort((p, q) => p.fx - q.fx)) {
      if (!distinct.some((kept) => kept.x.every((v, i) => Math.abs(v - found.x[i]) < SAME_MAXIMUM))) distinct.push(found);
    }
    // A sample without a finite maximum: the starts themselves, on all customers.
    if (distinct.length > 0) from = distinct;
  }
  const best = search(logLikelihood, customers, from).reduce<{ x: number[]; fx: number } | null>(
    (kept, found) => (!kept || found.fx < kept.fx ? found : kept),
    null,
  );
  if (!best) throw new ModelFitError("no parameters give a finite likelihood");
  const edge = best.x.findIndex((v, i) => Math.abs(v - logBounds[i][0]) < 1e-3 || Math.abs(v - logBounds[i][1]) < 1e-3);
  if (edge >= 0) throw new ModelFitError(`the fit ran to the edge of parameter ${edge + 1}: the data do not pin the model down`);
  return { params: best.x.map(Math.exp), value: -best.fx * customers };
}

/**
 * Fits of more customers than this search from their start points on a sample of them (every
 * n-th, about SCREEN_SAMPLE of them) and refine on all (`maximise`).
 */
export const SCREEN_ABOVE = 50_000;
export const SCREEN_SAMPLE = 12_500;

export interface FitOptions {
  /** Search on every n-th customer first (1: on all of them). Default: by SCREEN_ABOVE. */
  screenEvery?: number;
}

function screenEvery(customers: number, options: FitOptions): number {
  return options.screenEvery ?? (customers > SCREEN_ABOVE ? Math.floor(customers / SCREEN_SAMPLE) : 1);
}

/** Every n-th of `all`, from the first. */
const everyNth = <T>(all: readonly T[], n: number): T[] => all.filter((_, i) => i % n === 0);

/** Fits BG/NBD by maximum likelihood. Needs at least one customer with a repeat purchase. */
export function fitBgNbd(summaries: Iterable<PurchaseSummary>, options: FitOptions = {}): Fit<BgNbdParams> {
  const all = [...summaries];
  const table = purchaseTable(all);
  if (table.customers === 0 || !table.xs.some((x) => x > 0)) throw new ModelFitError("no repeat purchases to fit");
  // Starts spread over rates of one purchase a month to one a year, and dropout both ways.
  const starts = [
    [1, 30, 1, 1],
    [0.25, 30, 0.8, 2.5],
    [0.5, 120, 2, 0.5],
  ];
  const likelihood =
    (of: PurchaseTable): LogLikelihood =>
    ([r, alpha, a, b], gradient) =>
      bgnbdTableLogLikelihood({ r, alpha, a, b }, of, gradient);
  const every = screenEvery(all.length, options);
  const sample = every > 1 ? purchaseTable(everyNth(all, every)) : null;
  const screen = sample && sample.xs.some((x) => x > 0) ? { logLikelihood: likelihood(sample), customers: sample.customers } : undefined;
  const { params, value } = maximise(
    likelihood(table),
    starts,
    [
      [1e-4, 1e4],
      [1e-3, 1e6],
      [1e-4, 1e4],
      [1e-4, 1e4],
    ],
    table.customers,
    screen,
  );
  const [r, alpha, a, b] = params;
  return { params: { r, alpha, a, b }, logLikelihood: value, customers: table.customers };
}

/**
 * Customers with repeat purchases and a positive mean spend, as the Gamma-Gamma likelihood reads
 * them: the terms in x alone grouped by x, the sums that do not depend on the parameters made once.
 */
interface SpendTable {
  /** Distinct x, and how many customers have each. */
  xs: number[];
  countX: number[];
  /** Per customer: x and x · mean spend. */
  x: Float64Array;
  spent: Float64Array;
  customers: number;
  /** Σ ln m, Σ x ln m, Σ x ln x over the customers. */
  sumLogM: number;
  sumXLogM: number;
  sumXLogX: number;
}

function spendTable(usable: readonly SpendSummary[]): SpendTable {
  const counts = new Map<number, number>();
  const x = new Float64Array(usable.length);
  const spent = new Float64Array(usable.length);
  let sumLogM = 0;
  let sumXLogM = 0;
  let sumXLogX = 0;
  usable.forEach((s, i) => {
    counts.set(s.x, (counts.get(s.x) ?? 0) + 1);
    x[i] = s.x;
    spent[i] = s.x * s.meanSpend;
    const logM = Math.log(s.meanSpend);
    sumLogM += logM;
    sumXLogM += s.x * logM;
    sumXLogX += s.x * Math.log(s.x);
  });
  const xs = [...counts.keys()].sort((p, q) => p - q);
  return { xs, countX: xs.map((v) => counts.get(v)!), x, spent, customers: usable.length, sumLogM, sumXLogM, sumXLogX };
}

/**
 * The Gamma-Gamma log-likelihood, Σ ln Γ(px+q) − ln Γ(px) + q ln γ − ln Γ(q) + (px−1) ln m +
 * px ln x − (px+q) ln(γ + m x), and its gradient in (p, q, γ): one logarithm per customer.
 */
function gammaGammaTableLogLikelihood({ p, q, gamma }: GammaGammaParams, table: SpendTable, gradient?: number[]): number {
  let sumL = 0;
  let sumXL = 0;
  let sumR = 0;
  let sumXR = 0;
  for (let i = 0; i < table.x.length; i++) {
    const g = gamma + table.spent[i];
    const l = Math.log(g);
    sumL += l;
    sumXL += table.x[i] * l;
    if (gradient) {
      sumR += 1 / g;
      sumXR += table.x[i] / g;
    }
  }
  const N = table.customers;
  let byX = 0;
  let dpX = 0;
  let dqX = 0;
  for (let k = 0; k < table.xs.length; k++) {
    const x = table.xs[k];
    const n = table.countX[k];
    byX += n * (gammaln(p * x + q) - gammaln(p * x));
    if (gradient) {
      const both = digamma(p * x + q);
      dpX += n * x * (both - digamma(p * x));
      dqX += n * both;
    }
  }
  if (gradient) {
    gradient[0] = dpX + table.sumXLogM + table.sumXLogX - sumXL;
    gradient[1] = dqX + N * (Math.log(gamma) - digamma(q)) - sumL;
    gradient[2] = (N * q) / gamma - p * sumXR - q * sumR;
  }
  return byX + N * (q * Math.log(gamma) - gammaln(q)) + p * table.sumXLogM - table.sumLogM + p * table.sumXLogX - p * sumXL - q * sumL;
}

/** The Gamma-Gamma log-likelihood of customers with repeat purchases and a positive mean spend. */
export function gammaGammaLogLikelihood(params: GammaGammaParams, summaries: readonly SpendSummary[]): number {
  return gammaGammaTableLogLikelihood(params, spendTable(summaries));
}

/** Fits Gamma-Gamma; customers without repeat purchases or with a mean spend ≤ 0 are left out. */
export function fitGammaGamma(summaries: Iterable<SpendSummary>, options: FitOptions = {}): Fit<GammaGammaParams> {
  const usable = [...summaries].filter((s) => s.x > 0 && s.meanSpend > 0);
  if (usable.length === 0) throw new ModelFitError("no repeat spend to fit");
  const table = spendTable(usable);
  const mean = usable.reduce((sum, s) => sum + s.meanSpend, 0) / usable.length;
  const starts = [
    [1, 1, mean],
    [5, 3, mean / 2],
    [2, 10, mean * 5],
  ];
  const likelihood =
    (of: SpendTable): LogLikelihood =>
    ([p, q, gamma], gradient) =>
      gammaGammaTableLogLikelihood({ p, q, gamma }, of, gradient);
  const every = screenEvery(usable.length, options);
  const sample = every > 1 ? spendTable(everyNth(usable, every)) : null;
  const { params, value } = maximise(
    likelihood(table),
    starts,
    [
      [1e-4, 1e4],
      [1e-4, 1e4],
      [mean * 1e-6, mean * 1e6],
    ],
    table.customers,
    sample ? { logLikelihood: likelihood(sample), customers: sample.customers } : undefined,
  );
  const [p, q, gamma] = params;
  return { params: { p, q, gamma }, logLikelihood: value, customers: usable.length };
}

/** P(still a customer | x, t_x, T) (eq. 13 of the BG/NBD paper's note on P(alive)). */
export function probabilityAlive({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: PurchaseSummary): number {
  if (x === 0) return 1;
  const odds = (a / (b + x - 1)) * Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + tx)));
  return 1 / (1 + odds);
}

/**
 * P(at least one purchase in (T, T + t] | x, t_x, T): still a customer at T, and then a first
 * purchase within t days. A customer drops out only just after a purchase, so alive at T they
 * make one in the next t days exactly when their Poisson clock ticks before t: their rate given
 * the history is λ ~ Gamma(r + x, α + T), and E[1 − e^(−λt)] = 1 − ((α + T) ÷ (α + T + t))^(r + x).
 * Unlike P(alive), which is 1 for every customer without a repeat purchase (the model has seen
 * no purchase for them to drop out after), it falls the longer such a customer stays away.
 */
export function probabilityOfPurchase(params: BgNbdParams, summary: PurchaseSummary, t: number): number {
  if (t <= 0) return 0;
  const { r, alpha } = params;
  const { x, T } = summary;
  return probabilityAlive(params, summary) * -Math.expm1((r + x) * (Math.log(alpha + T) - Math.log(alpha + T + t)));
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
