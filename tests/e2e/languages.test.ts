// GIVEN a generated store in the simulator, the app built for production, installed and synced,
// WHEN its admin opens every page of the embedded app in English and then in Polish (the admin's
// `locale`), with the store in a portfolio, THEN each page's HTML from the server is already in that language (no flash of
// English), the document says its language, no message of the other language shows, Polaris's
// own controls are translated, money follows Intl in that language with the shop's currency,
// client-side navigation and a new choice on a page keep the language, and the Overview's CSV
// has its headings in it; an address the page cannot show says why in Polish too; and axe-core finds no serious or critical violation of WCAG 2.1 A/AA or
// of its best practices on any page in either language (each printed with its rule, help link and
// elements). A full-page screenshot of every page in both languages goes to
// test-results/screenshots/ (languages-<locale>-<page>.png).
import fs from "node:fs";
import pg from "pg";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NAMED_VALUES } from "#app/components/BreakdownTable";
import { formatter } from "#app/components/format";
import { MESSAGES, POLARIS_TRANSLATIONS, translator, type Locale } from "#app/i18n";
import type { LocalStack } from "../../scripts/lib/stack";
import { eventually } from "../support/launch";
import { seriousViolations } from "./axe";
import { openPage, screenshot, startBrowserStack } from "./browser";

/** Every page of the app, by the message of its heading (the customer's view has a test of its own). */
const PAGES: Array<{ name: string; path: string; title: string }> = [
  { name: "overview", path: "/app", title: "overview.title" },
  { name: "retention", path: "/app/retention", title: "retention.title" },
  { name: "customers", path: "/app/customers", title: "customers.title" },
  { name: "conversion", path: "/app/conversion", title: "conversion.title" },
  { name: "portfolio", path: "/app/portfolio", title: "portfolio.title" },
  { name: "settings", path: "/app/settings", title: "settings.title" },
  { name: "sync", path: "/app/sync", title: "nav.sync" },
];

function leaves(messages: Record<string, unknown>, prefix = ""): Array<[string, string]> {
  return Object.entries(messages).flatMap(([key, value]) =>
    typeof value === "string" ? [[`${prefix}${key}`, value] as [string, string]] : leaves(value as Record<string, unknown>, `${prefix}${key}.`),
  );
}

/**
 * The wording of `locale`'s messages that the other language does not share: their fixed parts of
 * two words or more (placeholders and tags cut out). One of these on a page in the other language
 * is a string left untranslated.
 */
function ownPhrases(locale: Locale, other: Locale): string[] {
  const otherTexts = leaves(MESSAGES[other]).map(([, text]) => text);
  return [
    ...new Set(
      leaves(MESSAGES[locale])
        .flatMap(([, text]) => text.split(/\{\{\s*\w+\s*\}\}|<\/?\w+>/))
        .map((part) => part.trim().replace(/^[,.:;()\s]+|[,.:;()\s]+$/g, ""))
        .filter((part) => part.length >= 10 && /\s/.test(part) && !otherTexts.some((text) => text.includes(part))),
    ),
  ];
}

describe("the app in English and Polish in Chromium", () => {
  let stack: LocalStack;
  let browser: Browser;
  let stop = async () => {};

  beforeAll(async () => {
    ({ stack, browser, stop } = await startBrowserStack({ seed: 17, customers: 200 }));
    // Shopify's session figures, imported after the first sync, fill the Conversion page's tables.
    const db = new pg.Client({ connectionString: process.env.DATABASE_URL! });
    await db.connect();
    try {
      const imported = async () =>
        (await db.query("SELECT sessions_status FROM sync_state WHERE shop = $1", [stack.shop])).rows[0]?.sessions_status === "succeeded";
      await eventually("Shopify's session figures imported", imported, 120_000);
    } finally {
      await db.end();
    }
    // A portfolio, so that Portfolio shows its table and Settings its members and history.
    const { portfolioAction } = await import("#app/portfolios/portfolio-actions.server");
    const form = new FormData();
    form.set("intent", "create");
    form.set("name", "Agencja");
    await portfolioAction({ shop: stack.shop, userId: "1" }, form);
  }, 300_000);

  afterAll(() => stop());

  /** Opens `path` as an admin in `locale` does; returns the page and the server's HTML of it. */
  async function open(locale: Locale, path: string, title: string): Promise<{ page: Page; errors: string[]; html: string }> {
    const opened = await openPage(browser);
    const [pathname, query] = path.split("?");
    const url = stack.embeddedUrl(pathname, locale === "pl" ? "pl-PL" : "en");
    const response = await opened.page.goto(query ? url.replace("?", `?${query}&`) : url);
    expect(response?.status()).toBe(200);
    const html = (await response?.text()) ?? "";
    await opened.page.getByRole("heading", { name: translator(locale)(title), exact: true }).first().waitFor();
    return { ...opened, html };
  }

  async function checkLanguage(page: Page, html: string, locale: Locale, title: string) {
    const t = translator(locale);
    const other: Locale = locale === "pl" ? "en" : "pl";
    // The server rendered the page in the language: the heading is in its HTML, and so is lang.
    expect(html).toContain(`<html lang="${locale}"`);
    expect(html).toContain(t(title));
    expect(await page.locator("html").getAttribute("lang")).toBe(locale);
    // The app's menu (the admin shows it beside the page).
    for (const key of ["nav.overview", "nav.retention", "nav.customers", "nav.settings"]) {
      expect(await page.locator("ui-nav-menu a").allInnerTexts()).toContain(t(key));
    }
    const text = await page.locator("body").innerText();
    expect(ownPhrases(other, locale).filter((phrase) => text.includes(phrase))).toEqual([]);
  }

  for (const locale of ["en", "pl"] as const) {
    it(`shows every page in ${locale === "pl" ? "Polish" : "English"}`, async () => {
      const t = translator(locale);
      const f = formatter(locale);
      const inaccessible: string[] = [];
      for (const { name, path, title } of PAGES) {
        const { page, errors, html } = await open(locale, path, title);
        await checkLanguage(page, html, locale, title);
        inaccessible.push(...(await seriousViolations(page)).map((violation) => `${name} (${locale}):\n${violation}`));

        if (name === "overview") {
          // Money through Intl in the language, in the shop's currency: the engine's net sales.
          const { overviewPage } = await import("#app/dashboard/overview.server");
          const data = await overviewPage(stack.shop, new URLSearchParams(), new Date());
          expect(data.report).not.toBeNull();
          const value = page.getByRole("heading", { name: t("overview.netSales"), exact: true }).locator("xpath=following::p[1]");
          expect(await value.innerText()).toBe(f.money(data.report!.totals.netSales, data.report!.currency));
        }
        if (name === "conversion") {
          // Shopify's device types are named in the language, not shown as Shopify records them.
          const named = NAMED_VALUES.device.map((value) => t(`breakdown.values.device.${value}`));
          const rows = await page.getByTestId("breakdown-device").locator("tbody tr").allInnerTexts();
          const labels = rows.map((row) => row.split(/\t|\n/)[0].trim());
          expect(labels.length).toBeGreaterThan(1);
          expect(labels.filter((label) => !named.includes(label))).toEqual([]);
        }
        if (name === "customers") {
          // Polaris's own strings: its pagination, with a page size that makes more than one page.
          const paged = await open(locale, "/app/customers?limit=5", title);
          await paged.page.getByRole("button", { name: POLARIS_TRANSLATIONS[locale].Polaris.Pagination.next, exact: true }).waitFor();
          expect(paged.errors).toEqual([]);
          await paged.page.close();
        }
        await screenshot(page, `languages-${locale}-${name}`);
        expect(errors).toEqual([]);
        await page.close();
      }
      expect(inaccessible, `serious or critical axe-core violations:\n${inaccessible.join("\n")}`).toEqual([]);
    });
  }

  it("opens a customer's view in both languages", async () => {
    const { customerPage } = await import("#app/dashboard/customer-page.server");
    const { atRiskOverview } = await import("#app/metrics/retention.server");
    const report = await atRiskOverview(stack.shop, { limit: 1, offset: 0 }, { now: new Date() });
    const id = report.customers[0].customerId;
    const engine = await customerPage(stack.shop, id, new Date());
    for (const locale of ["en", "pl"] as const) {
      const t = translator(locale);
      const f = formatter(locale);
      const opened = await openPage(browser);
      const response = await opened.page.goto(stack.embeddedUrl(`/app/customers/${id}`, locale));
      const html = (await response?.text()) ?? "";
      const title = t("common.customerId", { id });
      await opened.page.getByRole("heading", { name: title, exact: true }).waitFor();
      expect(html).toContain(title);
      const text = await opened.page.locator("body").innerText();
      expect(text).toContain(f.money(engine.standing.netSpend, engine.standing.currency));
      expect(text).toContain(f.day(engine.standing.lastOrderDay!));
      expect(ownPhrases(locale === "pl" ? "en" : "pl", locale).filter((phrase) => text.includes(phrase))).toEqual([]);
      expect(await seriousViolations(opened.page), `customer (${locale})`).toEqual([]);
      await screenshot(opened.page, `languages-${locale}-customer`);
      expect(opened.errors).toEqual([]);
      await opened.page.close();
    }
  });

  it("says in Polish why a page's address cannot be shown", async () => {
    const t = translator("pl");
    const { page, errors } = await openPage(browser);
    const response = await page.goto(stack.embeddedUrl("/app/retention", "pl-PL").replace("?", "?from=2026-05-01&to=2026-01-01&"));
    expect(response?.status()).toBe(400);
    await page.getByText(t("error.title")).waitFor();
    const text = await page.locator("body").innerText();
    expect(text).toContain(t("rangeErrors.endBeforeStart", { from: "2026-05-01", to: "2026-01-01" }));
    expect(ownPhrases("en", "pl").filter((phrase) => text.includes(phrase))).toEqual([]);
    await screenshot(page, "languages-pl-bad-address");
    // The browser reports the 400 itself; nothing else may go wrong.
    expect(errors.filter((error) => !/status of 400/.test(error))).toEqual([]);
    await page.close();
  });

  it("keeps Polish through client-side navigation and a new choice, and downloads the CSV in Polish", async () => {
    const t = translator("pl");
    const { page, errors } = await open("pl", "/app", "overview.title");
    const documents: string[] = [];
    page.on("request", (request) => {
      if (request.resourceType() === "document") documents.push(request.url());
    });
    await page.locator("ui-nav-menu a", { hasText: t("nav.retention") }).click();
    await page.getByRole("heading", { name: t("retention.title"), exact: true }).waitFor();
    // A new range reloads the page's data (and would reload the layout's, without its locale).
    await page.getByLabel(t("controls.dateRange")).selectOption("24m");
    await expect.poll(() => new URL(page.url()).searchParams.get("from")).not.toBeNull();
    await page.getByRole("heading", { name: t("cohorts.title"), exact: true }).waitFor();
    await page.getByRole("button", { name: t("cohorts.views.ltv"), exact: true }).waitFor();
    expect(await page.locator("html").getAttribute("lang")).toBe("pl");
    const text = await page.locator("body").innerText();
    expect(ownPhrases("en", "pl").filter((phrase) => text.includes(phrase))).toEqual([]);

    await page.locator("ui-nav-menu a", { hasText: t("nav.overview") }).click();
    await page.getByRole("heading", { name: t("overview.title"), exact: true }).waitFor();
    expect(documents).toEqual([]);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: t("common.exportCsv") }).click(),
    ]);
    const csv = fs.readFileSync((await download.path())!, "utf8").replace(/^\uFEFF/, "");
    const header = csv.split(/\r?\n/)[0].split(",");
    expect(header.slice(0, 4)).toEqual(["Okres", "Pierwszy dzień", "Ostatni dzień", "Niepełny"]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
