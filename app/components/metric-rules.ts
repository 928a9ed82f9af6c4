// The rules behind the customer numbers, in the merchant's words, shown under every page whose
// figures depend on them.
import type { MetricSettings } from "#app/metrics/settings";

/** Which orders make a customer, and what "active" means. */
export function describeRetentionSettings(settings: MetricSettings, timeZone: string): string {
  return (
    [
      "Customers are Shopify customer ids; guest orders never count here",
      settings.retentionIncludeCancelled ? "cancelled orders are included" : "cancelled orders are excluded",
      settings.cohortIncludeZeroValue
        ? "a zero-value order can be a customer's first"
        : "a customer's first order is their first paid one (zero-value orders are left out of cohort assignment)",
      `“active” means an order in the last ${settings.activityWindowDays} days`,
      settings.refundDating === "refund_date"
        ? "cohort revenue dates returns on the refund date"
        : "cohort revenue dates returns on the order date",
      `months in ${timeZone}`,
      "test and deleted orders never count",
    ].join("; ") + "."
  );
}

/** The rules behind the at-risk list. */
export function describeAtRiskSettings(settings: MetricSettings): string {
  return (
    [
      "Customers are Shopify customer ids; guest orders never count here",
      settings.retentionIncludeCancelled ? "cancelled orders are included" : "cancelled orders are excluded",
      "net spend is gross sales − discounts − returns in the shop currency",
      "test and deleted orders never count",
    ].join("; ") + "."
  );
}

/** The rules behind the sales figures. */
export function describeSalesSettings(settings: MetricSettings, timeZone: string): string {
  return (
    [
      settings.refundDating === "refund_date" ? "Returns are dated on the refund date" : "Returns are dated on the order date",
      settings.salesIncludeCancelled ? "cancelled orders are included in sales" : "cancelled orders are excluded from sales",
      `days and months in ${timeZone}`,
      "test and deleted orders never count",
    ].join("; ") + "."
  );
}
