// Deadlines and cancellation for calls to Shopify: a timer that aborts a request, a caller's
// AbortSignal that does too, and waits that end as soon as either fires, whether or not the
// code underneath heeds the signal it was given.

/** Settles like `promise`, or rejects with the signal's reason as soon as it aborts. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/**
 * A controller that aborts when `parent` does (with its reason), or when `stop()` is called;
 * `release()` forgets the parent once the work is over, so a long-lived signal does not collect
 * one listener per call.
 */
export function childController(parent: AbortSignal | undefined): { controller: AbortController; release(): void } {
  const controller = new AbortController();
  if (!parent) return { controller, release: () => undefined };
  const onAbort = () => controller.abort(parent.reason);
  if (parent.aborted) onAbort();
  else parent.addEventListener("abort", onAbort, { once: true });
  return { controller, release: () => parent.removeEventListener("abort", onAbort) };
}

/** Marks the abort of a request whose time ran out (told apart from a caller's abort). */
export class DeadlineExceeded extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = "DeadlineExceeded";
  }
}

/** Aborts `controller` with a DeadlineExceeded after `ms`; returns the timer's cancel. */
export function abortAfter(controller: AbortController, ms: number): () => void {
  const timer = setTimeout(() => controller.abort(new DeadlineExceeded(ms)), ms);
  return () => clearTimeout(timer);
}

/**
 * What a call aborted by its caller rejects with: the caller's own reason when it gave an error
 * of its own (a job that lost its shop lock aborts with ShopLockLostError, which says what to do
 * next), otherwise `fallback()` (a plain `abort()` gives a DOMException AbortError).
 */
export function abortError(signal: AbortSignal | undefined, fallback: () => Error): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error && reason.name !== "AbortError" ? reason : fallback();
}
