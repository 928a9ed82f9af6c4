import { describe, expect, it } from "vitest";
import type { Cohort, CohortCell } from "#app/metrics/retention";
import { retentionCurve } from "./retention-curve";

function cohort(name: string, size: number, customers: number[], partialFrom = customers.length): Cohort {
  const cells = customers.map(
    (count, k): CohortCell => ({
      k,
      period: `p${k}`,
      partial: k >= partialFrom,
      customers: count,
      retention: size === 0 ? null : count / size,
      netSales: 0,
      cumulativeNetSales: 0,
      lifetimeValue: null,
    })
  );
  return { cohort: name, start: "2026-01-01T00:00:00.000Z", size, cells };
}

describe("retentionCurve", () => {
  it("GIVEN three cohorts, the last period unfinished, WHEN averaged THEN each k weighs cohorts by size and skips unfinished periods", () => {
    const cohorts = [
      cohort("2026-01", 10, [10, 4, 3, 1], 3), // k = 3 is the current, unfinished period
      cohort("2026-02", 30, [30, 6, 2], 2), // k = 2 is the current period
      cohort("2026-03", 0, [0, 0]), // no customers: not averaged
      cohort("2026-04", 5, [5], 0), // the current month: k = 0 counts even though unfinished
    ];
    expect(retentionCurve(cohorts)).toEqual([
      { k: 0, retention: 1, cohorts: 3, customers: 45 },
      { k: 1, retention: 0.25, cohorts: 2, customers: 40 }, // (4 + 6) ÷ (10 + 30)
      { k: 2, retention: 0.3, cohorts: 1, customers: 10 }, // only January's k = 2 is finished
    ]);
  });

  it("GIVEN no cohort with customers THEN the curve is empty", () => {
    expect(retentionCurve([cohort("2026-01", 0, [0, 0, 0])])).toEqual([]);
    expect(retentionCurve([])).toEqual([]);
  });
});
