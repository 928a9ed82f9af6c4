// The Retention page's curve: one line summarising the cohort grid (pure).
import { ratio } from "#app/metrics/math";
import type { Cohort } from "#app/metrics/retention";

export interface RetentionCurvePoint {
  /** Periods since acquisition. */
  k: number;
  /** Σ customers(c, k) ÷ Σ size(c) over the cohorts counted at k, 4 decimals. */
  retention: number;
  /** How many cohorts (with at least one customer) the point averages. */
  cohorts: number;
  /** Σ size(c) over those cohorts. */
  customers: number;
}

/**
 * Average retention k periods after acquisition, weighted by cohort size:
 * Σ_c customers(c, k) ÷ Σ_c size(c), over the cohorts with customers whose period k is finished
 * (k = 0, always 100 %, counts every cohort with customers). An unfinished period would pull the
 * average down only because it is not over, so it is left out; k values no cohort reaches are
 * absent.
 */
export function retentionCurve(cohorts: readonly Cohort[]): RetentionCurvePoint[] {
  const sums: Array<{ retained: number; size: number; cohorts: number }> = [];
  for (const cohort of cohorts) {
    if (cohort.size === 0) continue;
    for (const cell of cohort.cells) {
      if (cell.partial && cell.k > 0) continue;
      const sum = (sums[cell.k] ??= { retained: 0, size: 0, cohorts: 0 });
      sum.retained += cell.customers;
      sum.size += cohort.size;
      sum.cohorts += 1;
    }
  }
  return sums.flatMap((sum, k) =>
    sum && sum.size > 0
      ? [{ k, retention: ratio(sum.retained, sum.size) as number, cohorts: sum.cohorts, customers: sum.size }]
      : []
  );
}
