// GIVEN a generated store in the simulator, the app built for production, installed and synced,
// WHEN the merchant filters the at-risk list in Chromium, ticks customers and adds a tag, THEN
// the list is the metrics engine's for that filter, the tagging job's progress runs to done on
// the page and the simulator's customers carry the tag; WHEN they choose every customer matching
// the filter and remove the tag, THEN no customer carries it any more; the list's CSV holds the
// engine's rows for the filter; and once the store's predictions are fitted (after its sync),
// their CSV holds each customer's cached prediction, and a customer's view shows theirs.
// Screenshots go to test-results/screenshots/customers-*.png and customer-view-prediction.png.
import fs from "node:fs";
import { parse } from "csv-parse/sync";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../scripts/lib/stack";
import { openPage, screenshot, startBrowserStack } from "./browser";

const TAG = "Metryka win-back";

/** The customer ids the list shows, in order (a table wider than the page repeats its first column in a sticky copy). */
async function listedIds(page: Page): Promise<string[]> {
  const links = await page.locator("[data-testid=customer-list] table tbody tr a").allInnerTexts();
  return [...new Set(links.map((text) => text.replace(/^Customer /, "")))];
}

describe("tagging at-risk customers in Chromium", () => {
  let stack: LocalStack;
  let browser: Browser;
  let stop = async () => {};

  beforeAll(async () => {
    // Enough customers, and of them enough who came back, for predictions (docs/metrics.md).
    ({ stack, browser, stop } = await startBrowserStack({ seed: 29, customers: 600 }));
  }, 300_000);

  afterAll(() => stop());

  it("filters the list, tags the chosen customers in Shopify, removes the tag from all matching, and exports the list", async () => {
    const { customerListOverview } = await import("#app/metrics/retention.server");
    const now = new Date();
    const everyone = await customerListOverview(stack.shop, "at_risk", { limit: 1000 }, { now });
    expect(everyone.total).toBeGreaterThan(6);
    // A bound the list's customers straddle: about half of them have been gone at least this long.
    const days = everyone.customers.map((c) => c.daysSinceLastOrder).sort((a, b) => a - b);
    const minDays = days[Math.floor(days.length / 2)];

    const { page, errors } = await openPage(browser);
    await page.goto(stack.embeddedUrl("/app/customers"));
    await page.getByRole("heading", { name: "Customers at risk", exact: true }).first().waitFor();
    await page.getByLabel("Days since from").fill(String(minDays));
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get("minDays"), { timeout: 30_000 }).toBe(String(minDays));
    const { DEFAULT_AT_RISK_LIMIT } = await import("#app/metrics/retention");
    const filtered = await customerListOverview(stack.shop, "at_risk", { limit: DEFAULT_AT_RISK_LIMIT, filters: { minDaysSince: minDays } }, { now: new Date() });
    expect(filtered.total).toBeGreaterThan(5);
    expect(filtered.total).toBeLessThan(everyone.total);
    await expect.poll(() => listedIds(page), { timeout: 30_000 }).toEqual(filtered.customers.map((c) => c.customerId));
    expect(await page.getByRole("heading", { name: "Matching customers", exact: true }).locator("xpath=following::p[1]").innerText()).toBe(
      String(filtered.total),
    );
    await screenshot(page, "customers-filtered");

    // Three customers ticked, the tag added.
    const chosen = filtered.customers.slice(0, 3).map((c) => c.customerId);
    const rows = page.locator("[data-testid=customer-list] table tbody tr");
    for (let i = 0; i < 3; i++) await rows.nth(i).getByRole("checkbox").check({ force: true });
    await page.getByLabel("Tag name").fill(TAG);
    await page.getByRole("button", { name: "Add tag", exact: true }).click();
    await page.getByText("3 of 3 customers sent; 0 refused by Shopify").waitFor({ timeout: 90_000 });
    await page.getByText("Done", { exact: true }).first().waitFor({ timeout: 30_000 });
    const tagged = () => stack.store.customers.filter((c) => c.tags.includes(TAG)).map((c) => String(c.id)).sort();
    expect(tagged()).toEqual([...chosen].sort());
    await screenshot(page, "customers-tagged");

    // Every customer matching the filter chosen (more than the page shows with a page of 5), the tag removed.
    const paged = new URL(stack.embeddedUrl("/app/customers"));
    paged.searchParams.set("minDays", String(minDays));
    paged.searchParams.set("limit", "5");
    await page.goto(paged.toString());
    await page.getByRole("heading", { name: "Customers at risk", exact: true }).first().waitFor();
    // A fresh page load: a box ticked before React has hydrated the table is unticked by it, so
    // tick until the offer to choose every match shows.
    const everyMatch = page.getByRole("button", { name: `Select all ${filtered.total} customers matching the filters` });
    const pageBox = page.locator("[data-testid=customer-list] table thead").getByRole("checkbox").first();
    await expect
      .poll(
        async () => {
          await pageBox.check({ force: true, timeout: 5_000 }).catch(() => undefined);
          return everyMatch.isVisible();
        },
        { timeout: 60_000, interval: 1_000 },
      )
      .toBe(true);
    await everyMatch.click();
    await page.getByRole("heading", { name: `Tag ${filtered.total} customers in Shopify` }).waitFor();
    await page.getByLabel("Tag name").fill(TAG.toLowerCase());
    await page.getByRole("button", { name: "Remove tag", exact: true }).click();
    await page.getByText(`${filtered.total} of ${filtered.total} customers sent; 0 refused by Shopify`).waitFor({ timeout: 120_000 });
    expect(tagged()).toEqual([]);
    await screenshot(page, "customers-untagged");

    // The list's CSV: every customer matching the filter, the engine's rows.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export list" }).click()]);
    expect(download.suggestedFilename()).toMatch(/^metryka-at-risk-customers-\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}-USD-/);
    const [header, ...lines] = parse(fs.readFileSync((await download.path())!, "utf8"), { bom: true }) as string[][];
    expect(header).toEqual(["Customer ID", "Orders", "Net spend (USD)", "Last order", "Days since last order"]);
    const all = await customerListOverview(stack.shop, "at_risk", { limit: 1000, filters: { minDaysSince: minDays } }, { now: new Date() });
    expect(lines.map((line) => line[0])).toEqual(all.customers.map((c) => c.customerId));
    expect(lines.map((line) => Number(line[1]))).toEqual(all.customers.map((c) => c.orders));
    expect(lines.map((line) => Math.round(Number(line[2]) * 100))).toEqual(all.customers.map((c) => c.netSpend));
    expect(errors).toEqual([]);
    await page.close();
  });

  it("exports each customer's prediction once the store's fit is made", async () => {
    const { predictionState, cachedPredictions } = await import("#app/metrics/prediction.server");
    const { page, errors } = await openPage(browser);
    // The fit is a job queued after the sync: the page offers the file once it is made.
    const exportButton = page.getByRole("button", { name: "Export predictions" });
    await expect
      .poll(
        async () => {
          await page.goto(stack.embeddedUrl("/app/customers"));
          await page.getByRole("heading", { name: "Customers at risk", exact: true }).first().waitFor();
          return exportButton.isEnabled();
        },
        { timeout: 90_000, interval: 2_000 },
      )
      .toBe(true);
    const state = await predictionState(stack.shop);
    if (state.status !== "ready") throw new Error(`predictions are ${state.status}`);
    const [download] = await Promise.all([page.waitForEvent("download"), exportButton.click()]);
    expect(download.suggestedFilename()).toMatch(/^metryka-customer-predictions-\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}-USD-/);
    const [header, ...lines] = parse(fs.readFileSync((await download.path())!, "utf8"), { bom: true }) as string[][];
    expect(header[0]).toBe("Customer ID");
    const expected: string[][] = [];
    for await (const p of cachedPredictions(stack.shop, { fittedAt: state.fittedAt })) {
      expected.push([p.customerId, String(p.probabilityAlive), String(p.returnProbability), String(p.expectedOrders.days30), String(p.expectedOrders.days365)]);
    }
    expect(expected.length).toBeGreaterThan(400);
    expect(lines.map((line) => [line[0], line[2], line[3], line[4], line[6]])).toEqual(expected);
    expect(errors).toEqual([]);
    await page.close();
  });
  it("shows a predicted customer's chance of an order, group, expected orders and spend on their view", async () => {
    const { predictionState, cachedPredictions } = await import("#app/metrics/prediction.server");
    const state = await predictionState(stack.shop);
    if (state.status !== "ready") throw new Error(`predictions are ${state.status}`);
    // A customer of each group, the one who spends most in it.
    const best = new Map<string, { customerId: string; returnProbability: number; expectedOrders: { days90: number }; expectedSpend365: number }>();
    for await (const p of cachedPredictions(stack.shop, { fittedAt: state.fittedAt })) {
      if ((best.get(p.group)?.expectedSpend365 ?? -1) < p.expectedSpend365) best.set(p.group, p);
    }
    expect(best.size).toBeGreaterThan(1);
    const names = { likely_to_return: "Likely to return", at_risk: "Might return", probably_lost: "Probably lost" } as const;
    const percent = new Intl.NumberFormat("en", { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
    const decimal = new Intl.NumberFormat("en", { maximumFractionDigits: 1 });
    const usd = new Intl.NumberFormat("en", { style: "currency", currency: "USD" });
    for (const [group, p] of best) {
      const { page, errors } = await openPage(browser);
      await page.goto(stack.embeddedUrl(`/app/customers/${p.customerId}`));
      await page.getByRole("heading", { name: "Will they come back?", exact: true }).waitFor();
      const figure = (title: string) => page.getByRole("heading", { name: title, exact: true }).locator("xpath=following::p[1]").innerText();
      expect(await figure("Chance of an order, next 365 days")).toBe(percent.format(p.returnProbability));
      expect(await figure("Expected orders, next 90 days")).toBe(decimal.format(p.expectedOrders.days90));
      expect(await figure("Expected spend, next 365 days")).toBe(usd.format(p.expectedSpend365 / 100));
      expect(await page.locator("[data-testid=customer-prediction] .Polaris-Badge").innerText()).toMatch(new RegExp(`${names[group as keyof typeof names]}$`));
      if (group === "likely_to_return") await screenshot(page, "customer-view-prediction");
      expect(errors).toEqual([]);
      await page.close();
    }
  });
});
