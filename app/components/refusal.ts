// A refusal from one of the app's own routes (`badRequest.page` in http.server.ts: a page's
// loader, a download) in the admin's language.
import type { TFunction } from "i18next";
import type { PageRefusal } from "#app/http.server";

/** A refusal's detail in the admin's language when the route said why (`refusal`); other bodies as they are. */
export function refusalDetail(data: unknown, t: TFunction): string {
  if (typeof data !== "object" || data === null || !("message" in data)) return String(data);
  const { message, refusal } = data as PageRefusal;
  return refusal ? t(`rangeErrors.${refusal.key}`, "values" in refusal ? refusal.values : {}) : message;
}

/** The store's recompute a 503's body tells of (its zone, currency and progress), if it is one. */
export function recomputingOf(status: number | null, data: unknown): PageRefusal["recomputing"] {
  if (status !== 503 || typeof data !== "object" || data === null || !("recomputing" in data)) return undefined;
  return (data as PageRefusal).recomputing;
}

/** The stores of a file a 503's body tells of (a portfolio's members being recomputed), if it is one. */
export function recomputingStoresOf(status: number | null, data: unknown): PageRefusal["recomputingStores"] {
  if (status !== 503 || typeof data !== "object" || data === null || !("recomputingStores" in data)) return undefined;
  const stores = (data as PageRefusal).recomputingStores;
  return Array.isArray(stores) && stores.length > 0 ? stores : undefined;
}
