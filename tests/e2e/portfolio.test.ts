// GIVEN two stores in the simulator (USD in New York, EUR in Berlin, each with its own name), the
// app built for production, installed into both and synced, WHEN their admins use Portfolios in
// Chromium, THEN:
// the first creates a portfolio and reads its invitation code once; the second joins with it
// from its own Settings; both see both stores on the Portfolio page, each in its own currency,
// with totals per currency, and the CSV holds the same rows as the metrics engine; while the
// second store's figures are recomputed in a new time zone, the owner's page shows the first
// store's figures and says the second's are on their way (its running time counting on between
// loads), its export saves no file and says whose figures are missing, then the page fills them
// in by itself; when the second leaves, and after joining again is removed by the owner, its
// figures are gone from the owner's page at once and its own page says it is in no portfolio.
// Screenshots of each step go to test-results/screenshots/.
import fs from "node:fs";
import pg from "pg";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../scripts/lib/stack";
import { openPage, refusedDownload, screenshot, startBrowserStack } from "./browser";
import { holdShopLock } from "../support/rollup-lock";

const CLIENT = "portfolio-client.myshopify.com";

describe("portfolios across two stores in Chromium", () => {
  let stack: LocalStack;
  let browser: Browser;
  let stop = async () => {};

  beforeAll(async () => {
    ({ stack, browser, stop } = await startBrowserStack({
      seed: 23,
      customers: 120,
      moreStores: [{ seed: 24, customers: 80, domain: CLIENT, name: "Kunde Berlin", currencyCode: "EUR", timeZone: "Europe/Berlin" }],
    }));
  }, 300_000);

  afterAll(() => stop());

  /** A page of the app as `shop`'s admin opens it, its heading shown. */
  async function open(shop: string, path: string, heading: string): Promise<{ page: Page; errors: string[] }> {
    const opened = await openPage(browser);
    await opened.page.goto(stack.embeddedUrlFor(shop, path));
    await opened.page.getByRole("heading", { name: heading, exact: true }).first().waitFor();
    return opened;
  }

  /** The store domains in the Portfolio table's rows, in their order. */
  async function storesShown(page: Page): Promise<string[]> {
    const rows = page.locator(".Polaris-DataTable table tbody tr");
    const texts = await rows.allInnerTexts();
    return texts.map((text) => /([a-z0-9-]+\.myshopify\.com)/.exec(text)?.[1] ?? text);
  }

  async function join(code: string) {
    const { page, errors } = await open(CLIENT, "/app/settings", "Portfolios");
    await page.getByLabel("Invitation code").fill(code.toLowerCase());
    await page.getByRole("button", { name: "Join portfolio" }).click();
    await page.getByText(/Member \(owner: /).waitFor();
    return { page, errors };
  }

  it("create, join with the code, view, export, leave and removal", async () => {
    const owner = stack.shop;
    // The owner creates a portfolio; the code is shown once.
    const settings = await open(owner, "/app/settings", "Portfolios");
    await settings.page.getByLabel("New portfolio's name").fill("Agency clients");
    await settings.page.getByRole("button", { name: "Create portfolio" }).click();
    const code = await settings.page.getByTestId("portfolio-code").innerText();
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    await screenshot(settings.page, "portfolio-settings-owner");

    // The client store joins from its own admin.
    const joined = await join(code);
    await screenshot(joined.page, "portfolio-settings-member");
    expect(joined.errors).toEqual([]);
    await joined.page.close();

    // Both stores on the owner's page, each in its own currency.
    const view = await open(owner, "/app/portfolio", "Portfolio");
    expect((await storesShown(view.page)).sort()).toEqual([owner, CLIENT].sort());
    // Each by the name its Shopify store has, linking to it.
    await expect(view.page.getByRole("link", { name: "Kunde Berlin", exact: true }).count()).resolves.toBe(1);
    await expect(view.page.getByText(/^EUR: /).count()).resolves.toBe(1);
    await expect(view.page.getByText(/^USD: /).count()).resolves.toBe(1);
    await screenshot(view.page, "portfolio");

    // The export holds the engine's rows for the page's range.
    const [download] = await Promise.all([view.page.waitForEvent("download"), view.page.getByRole("button", { name: "Export CSV" }).click()]);
    expect(download.suggestedFilename()).toMatch(/^metryka-portfolio-agency-clients-\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}-store-currencies-vs-previous-period\.csv$/);
    const lines = (await fs.promises.readFile((await download.path())!, "utf8")).replace(/^\uFEFF/, "").trim().split("\r\n");
    const { portfolioPage, PORTFOLIO_HEADER } = await import("#app/portfolios/portfolio-page.server");
    const { portfoliosOf } = await import("#app/portfolios/portfolios.server");
    const [portfolio] = await portfoliosOf(owner);
    const engine = await portfolioPage(owner, new URLSearchParams({ portfolio: portfolio.id }), new Date());
    expect(lines[0]).toBe(PORTFOLIO_HEADER.join(","));
    const orders = new Map(lines.slice(1).map((line) => [line.split(",")[0], Number(line.split(",")[PORTFOLIO_HEADER.indexOf("Orders")])]));
    expect(orders).toEqual(new Map(engine.rows.map((row) => [row.shop, row.orders])));
    expect([...orders.values()].every((count) => count > 0)).toBe(true);
    expect(view.errors).toEqual([]);

    // The client store's time zone changes, and another process (the shop update's job) is
    // rebuilding its figures: the owner's page shows its own and says the client's are coming.
    const clientRow = view.page.locator(".Polaris-DataTable table tbody tr", { hasText: CLIENT });
    const rebuilder = new pg.Client({ connectionString: process.env.DATABASE_URL! });
    await rebuilder.connect();
    // The zone changes in Shopify too (the simulator's store), so that a sync meanwhile keeps it.
    const client = stack.others.find((other) => other.shop.domain === CLIENT)!;
    try {
      client.shop.ianaTimezone = "Asia/Tokyo";
      await rebuilder.query("UPDATE shops SET iana_timezone = 'Asia/Tokyo' WHERE domain = $1", [CLIENT]);
      await rebuilder.query("BEGIN");
      await holdShopLock(rebuilder, CLIENT);
      await view.page.reload();
      await view.page.getByText("One store's figures are being recomputed").waitFor();
      await view.page.getByText("Metryka is computing its figures in its current time zone and currency. Its row fills in by itself", { exact: false }).waitFor();
      // With how long the rebuild has run, and the client's last one's recorded time.
      const [{ rebuild_ms }] = (await rebuilder.query<{ rebuild_ms: number | null }>("SELECT rebuild_ms FROM daily_sales_state WHERE shop = $1", [CLIENT])).rows;
      expect(rebuild_ms).not.toBeNull();
      const last = Math.max(1, Math.round(rebuild_ms! / 1000));
      await clientRow
        .getByText(new RegExp(`recomputing in Asia/Tokyo and EUR, running for \\d+ seconds? \\(the last recompute took ${last} seconds?\\)`))
        .waitFor();
      const ownerRow = view.page.locator(".Polaris-DataTable table tbody tr", { hasText: owner });
      expect(await ownerRow.innerText()).toMatch(/\$[\d,]+\.\d\d/);
      await expect(view.page.getByText(/^EUR: /).count()).resolves.toBe(0);
      await screenshot(view.page, "portfolio-recomputing");
      // Between two loads of the page's data (each waits up to 4 s for the rebuild), its running
      // time goes on by the page's clock. The page's next load is held back 8 s; it starts only
      // once the one before has landed, so for those 8 s none lands, and the row still counts.
      const runningFor = async () => Number(/running for (\d+) seconds?/.exec(await clientRow.innerText())?.[1]);
      let held!: () => void;
      const holding = new Promise<void>((resolve) => (held = resolve));
      await view.page.route("**/app/portfolio**", (route) => {
        held();
        setTimeout(() => void route.continue().catch(() => {}), 8_000);
      });
      try {
        await holding;
        const shown = await runningFor();
        await expect.poll(runningFor, { timeout: 5_000, interval: 250 }).toBeGreaterThanOrEqual(shown + 2);
      } finally {
        await view.page.unroute("**/app/portfolio**");
      }
      // Its export now would lack the client's figures: no file, and the page says whose are missing.
      const { status, banner } = await refusedDownload(view.page, "/app/export/portfolio", "Export CSV");
      expect(status).toBe(503);
      await banner.getByText("Metryka is recomputing the numbers of one store in this file").waitFor();
      await banner.getByText(new RegExp(`^Kunde Berlin: recomputing in Asia/Tokyo and EUR, running for \\d+ seconds? \\(the last recompute took ${last} seconds?\\)$`)).waitFor();
      await screenshot(view.page, "portfolio-export-recomputing");
      await rebuilder.query("COMMIT");
      // The page looks again by itself, and the client's row fills in, in its new zone.
      await view.page.getByText(/^EUR: /).waitFor({ timeout: 60_000 });
      expect(await view.page.getByText("One store's figures are being recomputed").count()).toBe(0);
      expect(await clientRow.innerText()).not.toMatch(/recomputing/);
    } finally {
      await rebuilder.query("ROLLBACK").catch(() => {});
      client.shop.ianaTimezone = "Europe/Berlin";
      await rebuilder.query("UPDATE shops SET iana_timezone = 'Europe/Berlin' WHERE domain = $1", [CLIENT]);
      await rebuilder.end();
    }
    // The browser reports the export's 503 itself; nothing else may go wrong.
    expect(view.errors.filter((error) => !/status of 503/.test(error))).toEqual([]);
    view.errors.length = 0;

    // The client leaves: gone from the owner's page at once; its own page has no portfolio.
    const member = await open(CLIENT, "/app/settings", "Portfolios");
    await member.page.getByRole("button", { name: "Leave" }).click();
    await member.page.getByText("This store is in no portfolio.").waitFor();
    await view.page.reload();
    await view.page.getByRole("heading", { name: "Portfolio", exact: true }).first().waitFor();
    expect(await storesShown(view.page)).toEqual([owner]);
    const empty = await open(CLIENT, "/app/portfolio", "This store is in no portfolio yet");
    await screenshot(empty.page, "portfolio-empty");

    // Joined again, then removed by the owner.
    await join(code);
    const ownerSettings = await open(owner, "/app/settings", "Portfolios");
    await ownerSettings.page.getByRole("button", { name: `Remove ${CLIENT}` }).click();
    await ownerSettings.page.getByText(`${CLIENT} was removed by This store`).waitFor();
    await ownerSettings.page.getByText(`${CLIENT} (staff member`).first().waitFor();
    await screenshot(ownerSettings.page, "portfolio-settings-history");
    await empty.page.reload();
    await empty.page.getByRole("heading", { name: "This store is in no portfolio yet", exact: true }).waitFor();
    await view.page.reload();
    await view.page.getByRole("heading", { name: "Portfolio", exact: true }).first().waitFor();
    expect(await storesShown(view.page)).toEqual([owner]);
    for (const opened of [settings, view, member, empty, ownerSettings]) expect(opened.errors).toEqual([]);
  }, 180_000);
});
