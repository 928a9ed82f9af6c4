// The shop job running in this async context, if any: its shop, its run and the signal that
// aborts it when its shop lock is lost (shop-lock.server.ts). Writers read it to fence their
// writes: a write of the shop made under a job first checks, in its own transaction, that the
// job's run still holds the shop (sync-state.server.ts `fenceShopWrite`). A job that lost its
// lock stops at its next Admin API call or write, and can no longer write once another run has
// taken the shop, so two jobs of one shop never write at once.
import { AsyncLocalStorage } from "node:async_hooks";

export interface ShopJobRun {
  shop: string;
  /** The queue job's id. */
  jobId: string;
  /** This run of it (a job run again gets a new one). */
  run: string;
  /** Aborted when the run lost its shop's lock. */
  signal: AbortSignal;
}

const current = new AsyncLocalStorage<ShopJobRun>();

export function runAsShopJob<T>(run: ShopJobRun, work: () => Promise<T>): Promise<T> {
  return current.run(run, work);
}

/** The job run writing for `shop` in this context, or undefined outside a job of that shop. */
export function shopJobRun(shop: string): ShopJobRun | undefined {
  const run = current.getStore();
  return run?.shop === shop ? run : undefined;
}

/** A job whose shop lock went away (its connection dropped): it must stop. */
export class ShopLockLostError extends Error {
  constructor(
    readonly shop: string,
    reason?: string,
  ) {
    super(`The job lost its lock on the shop${reason ? ` (${reason})` : ""}; it stops and runs again later`);
    this.name = "ShopLockLostError";
  }
}
