// Files the app hands a merchant (exports). Inside the Shopify admin a link cannot carry the
// session token a loader needs, but `fetch` does (App Bridge adds it to the app's own requests):
// the file is fetched, then saved from memory under its name.

/** Fetches `url` and saves what it answers as `filename`; throws with the answer's text on a failure. */
export async function downloadFile(url: string, filename: string): Promise<void> {
  const response = await fetch(url);
  if (!response.ok) throw new Error((await response.text()) || `The download answered ${response.status}`);
  const href = URL.createObjectURL(await response.blob());
  try {
    const link = document.createElement("a");
    link.href = href;
    link.download = filename;
    document.body.append(link);
    link.click();
    link.remove();
  } finally {
    // After the click has started the save.
    setTimeout(() => URL.revokeObjectURL(href), 0);
  }
}
