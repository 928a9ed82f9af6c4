// Web vitals of every page of the app in Chromium, on the demo store (`npm run demo`'s shop: the
// "store" shape, BENCH_PAGES_CUSTOMERS customers, default the demo's), the app built for
// production, installed and synced through the bulk operation. Each page is opened RUNS times,
// each time in a new browser context (a first visit: nothing cached), as the admin opens it (with
// a session token); the web-vitals library, loaded into the page before anything else, reports:
// - largest contentful paint (LCP), read once the page is idle;
// - cumulative layout shift (CLS), read at the end of the visit;
// - interaction to next paint (INP) of one real interaction, driven through Chromium's input
//   (opening the date select, changing a choice; the back action on pages without another);
// - the JavaScript the page loaded: bytes transferred (compressed bodies) and decompressed.
// The medians are rows against the same figure for the smallest Polaris page the same server
// renders (the login form, /auth/login, with a click on its button), measured in the same run;
// CLS's baseline is Shopify's threshold, 0.1, as a page that shifts nothing measures 0. Notes on
// stderr say whether each page meets Shopify's thresholds: LCP < 2.5 s, CLS < 0.1, INP < 200 ms.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { buildApp } from "../scripts/lib/app-server";
import { freePort } from "../scripts/lib/free-port";
import { BROWSER_USER_AGENT, DEMO_CUSTOMERS, startLocalStack, type LocalStack } from "../scripts/lib/stack";
import { launchBrowser } from "../tests/e2e/browser";
import { benchDatabaseOfItsOwn } from "./lib/database";
import { median } from "./lib/measure";
import { machineLoad, note, type BenchResult } from "./lib/timing";

const RUNS = Number(process.env.BENCH_PAGES_RUNS ?? 3);
const CUSTOMERS = Number(process.env.BENCH_PAGES_CUSTOMERS ?? DEMO_CUSTOMERS);
const THRESHOLDS = { lcp: 2500, cls: 0.1, inp: 200 };

interface Visit {
  lcp: number;
  cls: number;
  inp: number;
  jsTransferred: number;
  jsDecoded: number;
}

interface PageUnderTest {
  name: string;
  path: string;
  /** What the interaction is, for the row's name. */
  interaction: string;
  interact(page: Page): Promise<void>;
}

const openSelect = async (page: Page) => {
  await page.locator("main select, .Polaris-Page select").first().click();
  await page.keyboard.press("Escape");
};
const goBack = (page: Page) => page.locator(".Polaris-Page-Header__BreadcrumbWrapper").getByRole("link").first().click();

const PAGES: PageUnderTest[] = [
  { name: "Overview", path: "/app", interaction: "opening the date select", interact: openSelect },
  {
    name: "Retention",
    path: "/app/retention",
    interaction: "switching the cohort view",
    interact: (page) => page.locator(".Polaris-ButtonGroup--variantSegmented button[aria-pressed=false]").first().click(),
  },
  { name: "Customers", path: "/app/customers", interaction: "opening the date select", interact: openSelect },
  { name: "Customer view", path: "/app/customers/:id", interaction: "the back action (moving to Customers)", interact: goBack },
  { name: "Conversion", path: "/app/conversion", interaction: "opening the date select", interact: openSelect },
  { name: "Portfolio", path: "/app/portfolio", interaction: "opening the portfolio select", interact: openSelect },
  {
    name: "Settings",
    path: "/app/settings",
    interaction: "ticking a checkbox",
    interact: (page) => page.locator("main input[type=checkbox], .Polaris-Page input[type=checkbox]").first().click({ force: true }),
  },
  { name: "Data sync", path: "/app/sync", interaction: "the back action (moving to Overview)", interact: goBack },
];

/** Loads web-vitals into every document before its own scripts, reporting every change. */
function vitalsScript(): string {
  // The library's browser build, one script defining `webVitals` (next to its Node entry point).
  const entry = createRequire(import.meta.url).resolve("web-vitals");
  const library = fs.readFileSync(path.join(path.dirname(entry), "web-vitals.iife.js"), "utf8");
  return `${library}
window.__vitals = { lcp: null, cls: 0, inp: null };
webVitals.onLCP((m) => (window.__vitals.lcp = m.value), { reportAllChanges: true });
webVitals.onCLS((m) => (window.__vitals.cls = m.value), { reportAllChanges: true });
webVitals.onINP((m) => (window.__vitals.inp = m.value), { reportAllChanges: true, durationThreshold: 16 });`;
}

async function visit(browser: Browser, url: string, script: string, interact: (page: Page) => Promise<void>, ready: (page: Page) => Promise<void>): Promise<Visit> {
  const context = await browser.newContext({ userAgent: BROWSER_USER_AGENT, viewport: { width: 1280, height: 1000 } });
  try {
    await context.addInitScript({ content: script });
    const page = await context.newPage();
    const scripts: Array<Promise<{ transferred: number; decoded: number }>> = [];
    page.on("response", (response) => {
      if (response.request().resourceType() !== "script" || !response.url().startsWith(new URL(url).origin)) return;
      scripts.push(
        (async () => {
          const [sizes, body] = await Promise.all([response.request().sizes(), response.body()]);
          return { transferred: sizes.responseBodySize, decoded: body.length };
        })(),
      );
    });
    const answer = await page.goto(url);
    if (!answer?.ok()) throw new Error(`${url} answered ${answer?.status()}`);
    await ready(page);
    await page.waitForLoadState("networkidle");
    await page.waitForTimeout(500);
    const lcp = await page.evaluate(() => (window as unknown as { __vitals: { lcp: number | null } }).__vitals.lcp);
    // The page's own scripts: not those of a page the interaction moves to.
    const loaded = scripts.slice();
    await interact(page);
    // The interaction's event timing entry arrives after its next paint.
    await page.waitForTimeout(1000);
    const { cls, inp } = await page.evaluate(() => (window as unknown as { __vitals: { cls: number; inp: number | null } }).__vitals);
    if (lcp === null) throw new Error(`${url}: no largest contentful paint reported`);
    if (inp === null) throw new Error(`${url}: the interaction was not measured`);
    const sizes = await Promise.all(loaded);
    return {
      lcp,
      cls,
      inp,
      jsTransferred: sizes.reduce((sum, s) => sum + s.transferred, 0),
      jsDecoded: sizes.reduce((sum, s) => sum + s.decoded, 0),
    };
  } finally {
    await context.close();
  }
}

function medians(visits: Visit[]): Visit {
  const of = (key: keyof Visit) => median(visits.map((v) => v[key]));
  return { lcp: of("lcp"), cls: of("cls"), inp: of("inp"), jsTransferred: of("jsTransferred"), jsDecoded: of("jsDecoded") };
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));
const row = (name: string, unit: string, value: number, baseline: number, digits = 1): BenchResult => ({
  name,
  unit,
  value: round(value, digits),
  baseline: round(baseline, digits),
  ratio: baseline === 0 ? 0 : round(value / baseline, 2),
});

export default async function pagesBench(): Promise<BenchResult[]> {
  // Its own database: the app's worker would otherwise take on the installed shops the benchmarks
  // before it left (a year of pixel events, say) while the pages are timed.
  const { url: databaseUrl } = await benchDatabaseOfItsOwn("metryka_bench_pages");
  note("building the app…");
  await buildApp();
  note(`generating the demo store (${CUSTOMERS} customers) and syncing it…`);
  const started = Date.now();
  const stack: LocalStack = await startLocalStack({ databaseUrl, appPort: await freePort(), mode: "production", seed: 42, customers: CUSTOMERS, shape: "store" });
  let browser: Browser | undefined;
  try {
    note(`${stack.store.orders.length} orders, ${stack.store.customers.length} customers, installed and synced in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const customer = stack.store.orders.filter((o) => o.customerId !== null && !o.test).at(-1)!.customerId!;

    browser = await launchBrowser();
    // A portfolio holding the store, so the Portfolio page has its table: created on the Settings
    // page, as a merchant does, in the stack's own database.
    const settings = await browser.newContext({ userAgent: BROWSER_USER_AGENT });
    const settingsPage = await settings.newPage();
    await settingsPage.goto(stack.embeddedUrl("/app/settings"));
    await settingsPage.getByLabel("New portfolio's name").fill("Demo agency");
    await settingsPage.getByRole("button", { name: "Create portfolio" }).click();
    await settingsPage.getByTestId("portfolio-code").waitFor();
    await settings.close();
    const script = vitalsScript();
    const heading = (page: Page) => page.locator(".Polaris-Page h1, .Polaris-Page-Header h1").first().waitFor();

    const baselineUrl = `${stack.app.url}/auth/login`;
    const loginReady = (page: Page) => page.getByRole("button", { name: "Log in" }).waitFor();
    const baselineVisits: Visit[] = [];
    for (let i = 0; i < RUNS; i++) baselineVisits.push(await visit(browser, baselineUrl, script, (page) => page.getByRole("button", { name: "Log in" }).click(), loginReady));
    const baseline = medians(baselineVisits);
    note(`baseline (/auth/login): LCP ${baseline.lcp.toFixed(0)} ms, CLS ${baseline.cls.toFixed(3)}, INP ${baseline.inp.toFixed(0)} ms, JS ${(baseline.jsTransferred / 1024).toFixed(0)} KiB (${(baseline.jsDecoded / 1024).toFixed(0)} KiB decompressed)`);

    const results: BenchResult[] = [];
    for (const each of PAGES) {
      const visits: Visit[] = [];
      for (let i = 0; i < RUNS; i++) visits.push(await visit(browser, stack.embeddedUrl(each.path.replace(":id", String(customer))), script, each.interact, heading));
      const m = medians(visits);
      const met = (ok: boolean) => (ok ? "met" : "NOT met");
      note(
        `${each.name}: LCP ${m.lcp.toFixed(0)} ms (${met(m.lcp < THRESHOLDS.lcp)}), CLS ${m.cls.toFixed(3)} (${met(m.cls < THRESHOLDS.cls)}), ` +
          `INP ${m.inp.toFixed(0)} ms (${met(m.inp < THRESHOLDS.inp)}), JS ${(m.jsTransferred / 1024).toFixed(0)} KiB transferred, ${(m.jsDecoded / 1024).toFixed(0)} KiB decompressed; ${machineLoad()}`,
      );
      const page = `${each.name} page, demo store (${stack.store.orders.length} orders)`;
      results.push(
        row(`${page}: largest contentful paint, median of ${RUNS} first visits (vs the login page, /auth/login)`, "ms", m.lcp, baseline.lcp),
        row(`${page}: cumulative layout shift (vs Shopify's threshold, 0.1)`, "score", m.cls, THRESHOLDS.cls, 3),
        row(`${page}: interaction to next paint, ${each.interaction} (vs clicking the login page's button)`, "ms", m.inp, baseline.inp),
        row(`${page}: JavaScript transferred, compressed (vs the login page)`, "KiB", m.jsTransferred / 1024, baseline.jsTransferred / 1024),
        row(`${page}: JavaScript decompressed (vs the login page)`, "KiB", m.jsDecoded / 1024, baseline.jsDecoded / 1024),
      );
    }
    return results;
  } finally {
    await browser?.close();
    await stack.stop();
  }
}
