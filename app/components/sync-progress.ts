// What a running sync is doing, in words and as a fraction, for the Data sync card and the
// pages' banner. Reads the kind and phase of the run (app/sync/sync-state.server.ts).
import type { ShopifyCheckStatus, SyncStatus } from "#app/sync/sync-status.server";
import type { TFunction } from "i18next";
import { translator } from "#app/i18n";
import { formatter, type Format } from "./format";

/** The install's copy (or a full re-copy), as opposed to a catch-up on a store already copied. */
export function isFullCopy(sync: SyncStatus): boolean {
  return sync.lastSuccessAt === null || sync.kind === "backfill";
}

/** In the page's language; the command line's `status` has it in English. */
export function syncProgressText(
  sync: SyncStatus,
  t: TFunction = translator(),
  count: (value: number) => string = (value) => new Intl.NumberFormat("en").format(value),
): string {
  if (sync.phase === "customers") return t("syncProgress.customers");
  if (sync.phase === "deletions") return t("syncProgress.deletions");
  if (sync.phase === "refund_details") return t("syncProgress.refundDetails");
  if (!sync.total) return t(isFullCopy(sync) ? "syncProgress.counting" : "syncProgress.looking");
  return t(isFullCopy(sync) ? "syncProgress.fullCopy" : "syncProgress.catchUp", { done: count(sync.done), total: count(sync.total), count: sync.total });
}

export function syncProgressFraction(sync: SyncStatus): number {
  return sync.total ? Math.min(1, sync.done / sync.total) : 0;
}

/** The last run's failure in the page's language (the command line shows `sync.error`, in English). */
export function syncErrorText(sync: Pick<SyncStatus, "error" | "errorKind" | "errorDetail">, t: TFunction): string | null {
  return sync.errorKind && sync.errorDetail !== null ? t(`syncErrors.${sync.errorKind}`, { detail: sync.errorDetail }) : sync.error;
}

/**
 * The last comparison with Shopify's own counts (SyncDetails.check), in the page's language:
 * the same on both sides, or each side's figures, and when the copy is short of records what
 * brings them back ("Sync now" then copies the whole store: app/jobs/requests.server.ts).
 * `same` is false when they differ.
 */
export function shopifyCheckText(
  check: ShopifyCheckStatus,
  timeZone: string,
  t: TFunction = translator(),
  f: Pick<Format, "count" | "dateTime" | "list"> = formatter("en"),
): { text: string; same: boolean } {
  const orders = (count: number) => t("syncStatus.orders", { count, formatted: f.count(count) });
  const customers = (count: number) => t("syncStatus.customers", { count, formatted: f.count(count) });
  const same = check.orders.shopify === check.orders.copy && check.customers.shopify === check.customers.copy;
  const key = `syncStatus.${same ? "checkedSame" : "checkedDiffer"}${check.ordersSince ? "Recent" : ""}`;
  const text = t(key, {
    when: f.dateTime(check.at, timeZone),
    since: check.ordersSince ? f.dateTime(check.ordersSince, timeZone) : "",
    orders: orders(check.orders.copy),
    customers: customers(check.customers.copy),
    shopifyOrders: orders(check.orders.shopify),
    shopifyCustomers: customers(check.customers.shopify),
  });
  // What it mended before counting: each kind it removed or copied back, when any.
  const records = ({ orders: o, customers: c }: ShopifyCheckStatus["removed"]) => f.list([...(o > 0 ? [orders(o)] : []), ...(c > 0 ? [customers(c)] : [])]);
  const mended = [
    ...(check.removed.orders + check.removed.customers > 0 ? [t("syncStatus.checkedRemoved", { records: records(check.removed) })] : []),
    ...(check.restored.orders + check.restored.customers > 0 ? [t("syncStatus.checkedRestored", { records: records(check.restored) })] : []),
  ];
  return { text: [text, ...mended, ...(check.short ? [t("syncStatus.checkedShort")] : [])].join(" "), same };
}
