// The merchant's choices behind the rules in docs/metrics.md (pure). Every metric result echoes
// the settings it was computed with.
import { z } from "zod";

export const REFUND_DATINGS = ["refund_date", "order_date"] as const;
export type RefundDating = (typeof REFUND_DATINGS)[number];

export const metricSettingsSchema = z
  .object({
    /** Returns dated on the refund's processedAt (Shopify parity) or on the order's (cohort LTV). */
    refundDating: z.enum(REFUND_DATINGS),
    /** Cancelled orders count in sales and order metrics (Shopify's reports include them). */
    salesIncludeCancelled: z.boolean(),
    /** Cancelled orders count in customer and retention metrics. */
    retentionIncludeCancelled: z.boolean(),
    /** Zero-value orders can be a customer's first order (cohort assignment, new customers). */
    cohortIncludeZeroValue: z.boolean(),
    /** Trailing window W, in days, in which an order makes a customer "active". */
    activityWindowDays: z.number().int().min(1).max(3660),
  })
  .strict();

export type MetricSettings = z.infer<typeof metricSettingsSchema>;

/** A partial update of the settings; unknown keys are rejected. */
export const metricSettingsPatchSchema = metricSettingsSchema.partial().strict();
export type MetricSettingsPatch = z.infer<typeof metricSettingsPatchSchema>;

export const DEFAULT_METRIC_SETTINGS: Readonly<MetricSettings> = Object.freeze({
  refundDating: "refund_date",
  salesIncludeCancelled: true,
  retentionIncludeCancelled: false,
  cohortIncludeZeroValue: true,
  activityWindowDays: 365,
});
