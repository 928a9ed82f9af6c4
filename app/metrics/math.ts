// Arithmetic shared by every metric (pure): rates rounded to 4 decimals, money divided into
// whole minor units, growth that is null on a zero base, percentiles by linear interpolation.

/** Rounds to 4 decimals; never returns -0. */
export function round4(value: number): number {
  const rounded = Math.round(value * 10_000) / 10_000;
  return rounded === 0 ? 0 : rounded;
}

/** Rounds to 2 decimals; never returns -0. */
export function round2(value: number): number {
  const rounded = Math.round(value * 100) / 100;
  return rounded === 0 ? 0 : rounded;
}

/** numerator ÷ denominator as a fraction rounded to 4 decimals; null when the denominator is 0. */
export function ratio(numerator: number, denominator: number): number | null {
  if (denominator === 0) return null;
  return round4(numerator / denominator);
}

/** Money ÷ count, rounded to whole minor units (half up); null when the count is 0. */
export function divideMoney(amount: number, count: number): number | null {
  if (count === 0) return null;
  const value = Math.round(amount / count);
  return value === 0 ? 0 : value;
}

/**
 * Growth of M over P: (M(P) − M(P′)) ÷ M(P′), rounded to 4 decimals. Null (shown as "—") when
 * either value is missing or the base M(P′) is 0, so never ∞ or NaN.
 */
export function growthRate(current: number | null, base: number | null): number | null {
  if (current === null || base === null || base === 0) return null;
  return round4((current - base) / base);
}

/**
 * Compound monthly growth rate over n months: (M(last) ÷ M(first))^(1/n) − 1, rounded to 4
 * decimals. Null when n < 1 or the ratio has no real n-th root (first ≤ 0 or last < 0).
 */
export function cmgr(first: number, last: number, months: number): number | null {
  if (months < 1 || first <= 0 || last < 0) return null;
  return round4(Math.pow(last / first, 1 / months) - 1);
}

/**
 * The p-th quantile (0 ≤ p ≤ 1) of values sorted ascending, by linear interpolation between
 * the closest ranks: index h = p × (n − 1), value = x[⌊h⌋] + (x[⌈h⌉] − x[⌊h⌋]) × (h − ⌊h⌋).
 * The same arithmetic, step by step, as PostgreSQL's `percentile_cont`. Null for no values.
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const h = p * (sorted.length - 1);
  const lower = Math.floor(h);
  const upper = Math.ceil(h);
  const low = sorted[lower];
  const high = sorted[upper];
  return low + (high - low) * (h - lower);
}
