// Files the app hands a merchant (exports). Inside the Shopify admin a link cannot carry the
// session token a loader needs, but `fetch` does (App Bridge adds it to the app's own requests):
// the file is fetched, then saved from memory under its name.
import { useState } from "react";
import { errorMessage } from "#app/error-message";

/**
 * Fetches `url` and saves what it answers as `filename` (by default the name the answer gives);
 * throws with the answer's text on a failure.
 */
export async function downloadFile(url: string, filename?: string): Promise<void> {
  const response = await fetch(url);
  if (!response.ok) throw new Error((await response.text()) || `The download answered ${response.status}`);
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
 * Downloads started from a page: which one is on its way (the `key` it was started with), and
 * what went wrong with the last.
 */
export function useDownload() {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const start = async (url: string, options: { filename?: string; key?: string } = {}) => {
    setBusy(options.key ?? url);
    setError(null);
    try {
      await downloadFile(url, options.filename);
    } catch (problem) {
      setError(errorMessage(problem));
    } finally {
      setBusy(null);
    }
  };
  return { busy, error, start, dismiss: () => setError(null) };
}

/**
 * A query string (with or without its "?") with the page's language added, for a download whose
 * column names follow it: the admin's `locale` reaches only the app's first page.
 */
export function withLocale(search: string, locale: string): string {
  const params = new URLSearchParams(search);
  params.set("locale", locale);
  return params.toString();
}
