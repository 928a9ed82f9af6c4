// What a running sync is doing, in words and as a fraction, for the Data sync card and the
// pages' banner. Reads the kind and phase of the run (app/sync/sync-state.server.ts).
import type { SyncStatus } from "#app/sync/sync-status.server";
import { formatCount } from "./format";

/** The install's copy (or a full re-copy), as opposed to a catch-up on a store already copied. */
export function isFullCopy(sync: SyncStatus): boolean {
  return sync.lastSuccessAt === null || sync.kind === "backfill";
}

export function syncProgressText(sync: SyncStatus): string {
  if (sync.phase === "customers") return "Reading customers…";
  if (sync.phase === "deletions") return "Checking for deleted orders and customers…";
  if (sync.phase === "refund_details") return "Reading refund details…";
  if (!sync.total) return isFullCopy(sync) ? "Counting orders and customers…" : "Looking for changes…";
  const what = isFullCopy(sync) ? "orders and customers" : "changed orders";
  return `${formatCount(sync.done)} of ${formatCount(sync.total)} ${what} read`;
}

export function syncProgressFraction(sync: SyncStatus): number {
  return sync.total ? Math.min(1, sync.done / sync.total) : 0;
}
