// Chromium for the browser tests: Debian's package (Playwright cannot download its own here),
// started with the flags this machine's closed network needs.
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Download, type Locator, type Page } from "playwright-core";
import { buildApp } from "../../scripts/lib/app-server";
import { freePort } from "../../scripts/lib/free-port";
import { BROWSER_USER_AGENT, startLocalStack, type LocalStack, type StackOptions } from "../../scripts/lib/stack";

export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, "..", "..", "test-results", "screenshots");

export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!fs.existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: apt-get install chromium (see .ci/run) or set CHROMIUM_PATH`);
  }
  return chromium.launch({
    executablePath,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A page that records its console errors and uncaught exceptions (from our own origins). */
export async function openPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ userAgent: BROWSER_USER_AGENT, viewport: { width: 1280, height: 1000 } });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    // Offline, the admin's CDN (fonts, the real App Bridge preload) cannot be reached: not ours.
    const url = message.location().url ?? "";
    if (/ERR_NAME_NOT_RESOLVED|ERR_INTERNET_DISCONNECTED/.test(message.text()) || url.includes("cdn.shopify.com")) return;
    errors.push(message.text());
  });
  return { page, errors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Clicks the page's `button` for a download from `route` that the app refuses: its answer's
 * status, and the banner saying why (titled "The export failed"); throws if a file was saved.
 */
export async function refusedDownload(page: Page, route: string, button: string): Promise<{ status: number; banner: Locator }> {
  const saved: string[] = [];
  const onDownload = (download: Download) => saved.push(download.suggestedFilename());
  page.on("download", onDownload);
  try {
    const answered = page.waitForResponse((response) => response.url().includes(route));
    await page.getByRole("button", { name: button }).click();
    const status = (await answered).status();
    const banner = page.getByRole("alert").filter({ hasText: "The export failed" });
    await banner.waitFor();
    if (saved.length > 0) throw new Error(`a refused download saved ${saved.join(", ")}`);
    return { status, banner };
  } finally {
    page.off("download", onDownload);
  }
}

/**
 * The app built for production and started on the test's database with the simulator's stores
 * installed and synced, and Chromium: what every browser test opens pages in. `stop` ends both.
 */
export async function startBrowserStack(
  options: Omit<StackOptions, "databaseUrl" | "appPort" | "mode">,
): Promise<{ stack: LocalStack; browser: Browser; stop(): Promise<void> }> {
  await buildApp();
  const stack = await startLocalStack({ ...options, databaseUrl: process.env.DATABASE_URL!, appPort: await freePort(), mode: "production" });
  let browser: Browser;
  try {
    browser = await launchBrowser();
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return {
    stack,
    browser,
    stop: async () => {
      await browser.close();
      await stack.stop();
    },
  };
}
