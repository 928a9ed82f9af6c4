// Files the app hands a merchant (exports). Inside the Shopify admin a link cannot carry the
// session token a loader needs, but `fetch` does (App Bridge adds it to the app's own requests):
// the file is fetched, then saved from memory under its name. A download the app refuses is
// said in the admin's language, as a page's refusal is.
import type { TFunction } from "i18next";
import { useState } from "react";
import { errorMessage } from "#app/error-message";
import { recomputingTimesText, storeRecomputingText } from "./RecomputingCard";
import { recomputingOf, recomputingStoresOf, refusalDetail } from "./refusal";

/**
 * Why a download failed: the answer's status (null: no answer came) and its body, a refusal as
 * a page's loader gives it (JSON, `badRequest.page`) or text.
 */
export interface DownloadFailure {
  status: number | null;
  body: unknown;
}

export class DownloadFailedError extends Error {
  constructor(readonly failure: DownloadFailure) {
    super(typeof failure.body === "string" && failure.body !== "" ? failure.body : `The download answered ${failure.status}`);
    this.name = "DownloadFailedError";
  }
}

/**
 * Fetches `url` and saves what it answers as `filename` (by default the name the answer gives);
 * throws DownloadFailedError with the answer's status and body on a failure.
 */
export async function downloadFile(url: string, filename?: string): Promise<void> {
  const response = await fetch(url);
  if (!response.ok) {
    const json = /^application\/json/.test(response.headers.get("Content-Type") ?? "");
    const body: unknown = json ? await response.json().catch(() => null) : await response.text();
    throw new DownloadFailedError({ status: response.status, body });
  }
  const named = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1];
  const href = URL.createObjectURL(await response.blob());
  try {
    const link = document.createElement("a");
    link.href = href;
    link.download = filename ?? named ?? "metryka-export";
    document.body.append(link);
    link.click();
    link.remove();
  } finally {
    // After the click has started the save.
    setTimeout(() => URL.revokeObjectURL(href), 0);
  }
}

/**
 * What a failed download says, in the language of `t`, a sentence a line: that the store's
 * numbers are being recomputed (a 503), with how long the recompute has run and how long the
 * last one took (`duration` says a time); that some of the file's stores are (a portfolio's
 * members, a 503), a line each; that the app cannot make this file, and why (a 4xx);
 * or that something went wrong (anything else, no answer included). Never a server's page or stack.
 */
export function downloadFailureText(failure: DownloadFailure, t: TFunction, duration: (seconds: number) => string): string[] {
  const recomputing = recomputingOf(failure.status, failure.body);
  if (recomputing) {
    const times = recomputingTimesText(recomputing.progress ?? null, t, duration);
    return [t("common.downloadRecomputing", { timeZone: recomputing.timeZone, currency: recomputing.currency }), ...(times ? [times] : [])];
  }
  const stores = recomputingStoresOf(failure.status, failure.body);
  if (stores) {
    return [
      t("common.downloadStoresRecomputing", { count: stores.length }),
      ...stores.map((store) => `${store.name}: ${storeRecomputingText(store, t, duration)}`),
    ];
  }
  if (failure.status !== null && failure.status >= 400 && failure.status < 500) {
    return [t("common.downloadRefused", { detail: refusalDetail(failure.body, t) })];
  }
  return [t("common.downloadUnexpected")];
}

/**
 * Downloads started from a page: which one is on its way (the `key` it was started with), and
 * why the last failed (DownloadFailedBanner says it).
 */
export function useDownload() {
  const [busy, setBusy] = useState<string | null>(null);
  const [failure, setFailure] = useState<DownloadFailure | null>(null);
  const start = async (url: string, options: { filename?: string; key?: string } = {}) => {
    setBusy(options.key ?? url);
    setFailure(null);
    try {
      await downloadFile(url, options.filename);
    } catch (problem) {
      setFailure(problem instanceof DownloadFailedError ? problem.failure : { status: null, body: errorMessage(problem) });
    } finally {
      setBusy(null);
    }
  };
  return { busy, failure, start, dismiss: () => setFailure(null) };
}

export type Downloads = ReturnType<typeof useDownload>;

/**
 * A query string (with or without its "?") with the page's language added, for a download whose
 * column names follow it: the admin's `locale` reaches only the app's first page.
 */
export function withLocale(search: string, locale: string): string {
  const params = new URLSearchParams(search);
  params.set("locale", locale);
  return params.toString();
}
