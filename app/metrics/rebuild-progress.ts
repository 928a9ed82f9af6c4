// How far along a shop's rebuild of its rollups likely is (rollups.server.ts `rebuildProgress`):
// what a page, or a page's error state, shows while the store's figures are being recomputed.

export interface RebuildProgress {
  /**
   * Seconds since the transaction holding the shop's lock began, in whichever process: the
   * rebuild running now. Null when none holds it (the rebuild waits its turn) or the database
   * does not show this role its sessions.
   */
  elapsedSeconds: number | null;
  /** How long the shop's last full rebuild took, in seconds (null: none recorded). */
  lastSeconds: number | null;
}

/**
 * A running time as a reader says it: whole seconds under two minutes (at least 1 second),
 * whole minutes from there. For Intl's unit style, in the app and in the customer page's block.
 */
export function durationInUnits(seconds: number): { value: number; unit: "second" | "minute" } {
  return seconds < 120 ? { value: Math.max(1, Math.round(seconds)), unit: "second" } : { value: Math.round(seconds / 60), unit: "minute" };
}

/**
 * How long the rebuild has run and how long the store's last one took, as `duration` says them
 * (`last` null when none was recorded); null when it has not started (it waits its turn) or is
 * not known.
 */
export function rebuildTimes(progress: RebuildProgress | null, duration: (seconds: number) => string): { elapsed: string; last: string | null } | null {
  if (!progress || progress.elapsedSeconds === null) return null;
  return { elapsed: duration(progress.elapsedSeconds), last: progress.lastSeconds ? duration(progress.lastSeconds) : null };
}

/**
 * The progress as it stands `seconds` after it was read: the running rebuild that much further
 * along (a page's clock between two loads of its data); unchanged when none was running.
 */
export function progressAfter(progress: RebuildProgress | null, seconds: number): RebuildProgress | null {
  if (!progress || progress.elapsedSeconds === null || seconds <= 0) return progress;
  return { ...progress, elapsedSeconds: progress.elapsedSeconds + seconds };
}
