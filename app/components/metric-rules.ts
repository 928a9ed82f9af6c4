// The rules behind the customer numbers, in the merchant's words, shown under every page whose
// figures depend on them.
import type { TFunction } from "i18next";
import type { MetricSettings } from "#app/metrics/settings";

/** Which orders make a customer, and what "active" means. */
export function describeRetentionSettings(t: TFunction, settings: MetricSettings, timeZone: string): string {
  return t("rules.sentence", {
    rules: [
      t("rules.customerIds"),
      t(settings.retentionIncludeCancelled ? "rules.cancelledIncluded" : "rules.cancelledExcluded"),
      t(settings.cohortIncludeZeroValue ? "rules.zeroValueFirst" : "rules.firstPaid"),
      t("rules.active", { count: settings.activityWindowDays }),
      t(settings.refundDating === "refund_date" ? "rules.cohortRefundDate" : "rules.cohortOrderDate"),
      t("rules.months", { timeZone }),
      t("rules.testDeleted"),
    ].join("; "),
  });
}

/** The rules behind the at-risk list. */
export function describeAtRiskSettings(t: TFunction, settings: MetricSettings): string {
  return t("rules.sentence", {
    rules: [
      t("rules.customerIds"),
      t(settings.retentionIncludeCancelled ? "rules.cancelledIncluded" : "rules.cancelledExcluded"),
      t("rules.netSpend"),
      t("rules.testDeleted"),
    ].join("; "),
  });
}

/** The rules behind the sales figures. */
export function describeSalesSettings(t: TFunction, settings: MetricSettings, timeZone: string): string {
  return t("rules.sentence", {
    rules: [
      t(settings.refundDating === "refund_date" ? "rules.salesRefundDate" : "rules.salesOrderDate"),
      t(settings.salesIncludeCancelled ? "rules.salesCancelledIncluded" : "rules.salesCancelledExcluded"),
      t("rules.days", { timeZone }),
      t("rules.salesGrowth"),
      t("rules.testDeleted"),
    ].join("; "),
  });
}
