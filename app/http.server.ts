// Turning a caller's mistake into a clear 4xx. Errors that carry a 4xx `status` (an impossible
// range, an unknown shop) become a JSON Response with their message, and so does a store whose
// numbers are being recomputed, or some of a portfolio's stores' (a 503 with Retry-After);
// anything else is a bug and stays a 500.
import { json } from "@remix-run/node";
import { RecomputingError, RecomputingLaterError, StoresRecomputingError, type StoreRecomputing } from "#app/metrics/context.server";
import { RefusedQueryError, type QueryRefusal } from "#app/metrics/periods";
import type { RebuildProgress } from "#app/metrics/rebuild-progress";

function clientStatus(error: unknown): number | null {
  if (error instanceof RecomputingLaterError) return error.status;
  if (error instanceof Error && "status" in error) {
    const status = (error as { status: unknown }).status;
    if (typeof status === "number" && status >= 400 && status < 500) return status;
  }
  return null;
}

/** What a page's error state reads: the English sentence, and the refusal to say it with, if any. */
export interface PageRefusal {
  message: string;
  refusal: QueryRefusal | null;
  /** The store's numbers are being recomputed in this time zone and currency (a 503), and how far along. */
  recomputing?: { timeZone: string; currency: string; progress: RebuildProgress | null };
  /** Stores a file holds (a portfolio's) whose numbers are being recomputed (a 503), each with how far along. */
  recomputingStores?: StoreRecomputing[];
}

const retryAfter = (error: Error): Record<string, string> =>
  error instanceof RecomputingLaterError ? { "Retry-After": String(error.retryAfterSeconds) } : {};

export const badRequest = {
  /**
   * For a page's loader, a download or an API the app's own pages and blocks call: a refusal is a
   * PageRefusal (JSON), which `PageError`, `DownloadFailedBanner` and the customer page's block
   * say in the admin's language.
   */
  async page<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const status = clientStatus(error);
      if (status === null) throw error;
      const refused = error as Error;
      throw json<PageRefusal>(
        {
          message: refused.message,
          refusal: refused instanceof RefusedQueryError ? refused.refusal : null,
          ...(refused instanceof RecomputingError ? { recomputing: { timeZone: refused.timeZone, currency: refused.currency, progress: refused.progress } } : {}),
          ...(refused instanceof StoresRecomputingError ? { recomputingStores: refused.stores } : {}),
        },
        { status, headers: retryAfter(refused) },
      );
    }
  },
};
