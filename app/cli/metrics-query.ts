import { z } from "zod";
import { COMPARISONS, GRANULARITIES, InvalidRangeError } from "#app/metrics/periods";
import { invalidParameter } from "#app/metrics/query-refusal";
import { COHORT_GRANULARITIES } from "#app/metrics/retention";
import type { MetricsQuery } from "./metrics-report.server";

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

const schema = z.object({
  from: z.string({ required_error: "--from is required" }).regex(LOCAL_DATE, "--from must be a date written YYYY-MM-DD"),
  to: z.string({ required_error: "--to is required" }).regex(LOCAL_DATE, "--to must be a date written YYYY-MM-DD"),
  granularity: z.enum(GRANULARITIES),
  compare: z.enum([...COMPARISONS, "none"]),
  cohorts: z.enum(COHORT_GRANULARITIES),
});

/** Command-line options → a metrics query; an impossible one throws InvalidRangeError (400). */
export function parseMetricsQuery(options: Record<string, unknown>): MetricsQuery {
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    // Every problem at once on the command line.
    const message = parsed.error.issues.map((issue) => issue.message).join("; ");
    throw new InvalidRangeError(message, invalidParameter(parsed.error, options).refusal);
  }
  const { from, to, granularity, compare, cohorts } = parsed.data;
  return { range: { from, to }, granularity, compareTo: compare === "none" ? null : compare, cohortGranularity: cohorts };
}
