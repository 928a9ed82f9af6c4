// GIVEN a generated store in the simulator, the app built for production, installed and synced
// (Shopify's session figures imported), WHEN the Overview is opened in Chromium, THEN:
// - every headline card (net sales, orders, average order value, total sales, new customers,
//   returning customer rate, repeat purchase rate, conversion rate with its source) shows the
//   metrics engine's number for the same range, with its change against the comparison range;
//   net sales by customer type are the engine's too;
// - a custom range picked on the calendar goes into the URL (`to` the day after the last day
//   picked) and the cards show the engine's numbers for it; an impossible one cannot be applied,
//   and is a 400 from the server when written in the URL;
// - each comparison and the weekly granularity go into the URL, and the chart draws the
//   comparison range over the bars only when there is one;
// - a client-side visit to another page and back keeps the view.
// Full-page screenshots go to test-results/screenshots/overview-*.png.
import { DateTime } from "luxon";
import pg from "pg";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatter, fromNegativeBase } from "#app/components/format";
import type { Granularity } from "#app/metrics/periods";
import type { LocalStack } from "../../scripts/lib/stack";
import { openPage, screenshot, startBrowserStack } from "./browser";

const f = formatter("en");
type Compare = "previous_period" | "previous_year" | "none";

/** What each card should show, from the metrics engine for the same range and choices. */
async function engineCards(shop: string, range: { from: string; to: string }, granularity: Granularity, compare: Compare) {
  const { salesOverview } = await import("#app/metrics/sales.server");
  const { retentionRates } = await import("#app/metrics/retention.server");
  const { conversionOverview } = await import("#app/metrics/conversion.server");
  const { comparisonRange } = await import("#app/metrics/periods");
  const { growthRate } = await import("#app/metrics/math");
  const clock = { now: new Date() };
  const compareTo = compare === "none" ? null : compare;
  const sales = await salesOverview(shop, { range, granularity, compareTo }, clock);
  const rates = (await retentionRates(shop, { range }, clock)).activity;
  const conversion = await conversionOverview(shop, { range, granularity }, clock);
  const base = compareTo ? comparisonRange(range, compareTo, { timeZone: sales.timeZone, now: clock.now }) : null;
  const baseRates = base ? (await retentionRates(shop, { range: base }, clock)).activity : null;
  const baseConversion = base ? await conversionOverview(shop, { range: base, granularity }, clock) : null;
  const money = (minor: number) => f.money(minor, sales.currency);
  const growth = sales.comparison?.growth;
  const previous = sales.comparison?.totals;
  const cards: Record<string, { value: string; growth?: string }> = {
    "card-net-sales": { value: money(sales.totals.netSales), growth: growth && f.growth(growth.netSales, previous!.netSales) },
    "card-orders": { value: f.count(sales.totals.orders), growth: growth && f.growth(growth.orders) },
    "card-aov": {
      value: sales.totals.averageOrderValue === null ? "—" : money(sales.totals.averageOrderValue),
      growth: growth && f.growth(growth.averageOrderValue),
    },
    "card-total-sales": { value: money(sales.totals.totalSales), growth: growth && f.growth(growth.totalSales, previous!.totalSales) },
    "card-new-customers": {
      value: f.count(rates.newCustomers),
      growth: baseRates ? f.growth(growthRate(rates.newCustomers, baseRates.newCustomers)) : undefined,
    },
    "card-returning-rate": {
      value: f.percent(rates.returningCustomerRate),
      growth: baseRates ? f.growth(growthRate(rates.returningCustomerRate, baseRates.returningCustomerRate)) : undefined,
    },
    "card-repeat-rate": {
      value: f.percent(rates.repeatPurchaseRate),
      growth: baseRates ? f.growth(growthRate(rates.repeatPurchaseRate, baseRates.repeatPurchaseRate)) : undefined,
    },
  };
  const rate = conversion.totals.conversionRate;
  cards["card-conversion"] =
    conversion.source === null || rate === null
      ? { value: "—" }
      : { value: f.percent(rate), growth: baseConversion ? f.growth(growthRate(rate, baseConversion.totals.conversionRate)) : undefined };
  return { cards, sales, conversion };
}

/** What the cards show: value, and the change badge when there is one. */
async function shownCards(page: Page, ids: string[]) {
  const shown: Record<string, { value: string; growth?: string }> = {};
  for (const id of ids) {
    const card = page.getByTestId(id);
    const badge = card.getByTestId("growth");
    shown[id] = {
      value: (await card.getAttribute("data-value")) ?? "(loading)",
      growth: (await badge.count()) > 0 ? ((await badge.getAttribute("data-growth")) ?? "(none)") : undefined,
    };
  }
  return shown;
}

/** Waits for the page to show exactly the engine's cards for the URL's range and choices. */
async function expectEngineCards(page: Page, shop: string, range: { from: string; to: string }, granularity: Granularity, compare: Compare) {
  const expected = await engineCards(shop, range, granularity, compare);
  const ids = Object.keys(expected.cards);
  const wanted = Object.fromEntries(ids.map((id) => [id, { value: expected.cards[id].value, growth: expected.cards[id].growth }]));
  await expect.poll(() => shownCards(page, ids), { timeout: 30_000 }).toEqual(wanted);
  // The sales table's Growth column, newest period first, is the engine's growth of each bucket.
  // A growth against net sales below zero is marked, and a note under the table says why.
  const growthColumn = [...expected.sales.series].reverse().map((point) => f.growth(point.growth, point.growthBase));
  const shownGrowth = () =>
    page
      .getByTestId("sales-table")
      .locator("tbody tr")
      .evaluateAll((rows) => rows.map((row) => row.querySelector("td:last-child")?.textContent ?? ""));
  await expect.poll(async () => (await shownGrowth()).slice(0, growthColumn.length)).toEqual(growthColumn);
  const marked = expected.sales.series.some((point) => fromNegativeBase(point.growth, point.growthBase));
  expect(await page.getByTestId("sales-table").getByTestId("negative-base-note").count()).toBe(marked ? 1 : 0);
  return expected;
}

function query(page: Page) {
  return new URL(page.url()).searchParams;
}

describe("the Overview in Chromium", () => {
  let stack: LocalStack;
  let browser: Browser;
  let stop = async () => {};

  beforeAll(async () => {
    ({ stack, browser, stop } = await startBrowserStack({ seed: 23, customers: 150 }));
  }, 300_000);

  afterAll(() => stop());

  it("shows the engine's numbers for presets, a custom range, each comparison and each granularity", async () => {
    const db = new pg.Client({ connectionString: process.env.DATABASE_URL! });
    await db.connect();
    let timeZone: string;
    try {
      // The install imports Shopify's session figures: the conversion card reads them.
      await expect
        .poll(async () => (await db.query("SELECT sessions_status FROM sync_state WHERE shop = $1", [stack.shop])).rows[0]?.sessions_status, {
          timeout: 120_000,
          interval: 500,
        })
        .toBe("succeeded");
      timeZone = (await db.query<{ iana_timezone: string }>("SELECT iana_timezone FROM shops WHERE domain = $1", [stack.shop])).rows[0].iana_timezone;
    } finally {
      await db.end();
    }
    const { presetRanges } = await import("#app/dashboard/ranges");
    const { page, errors } = await openPage(browser);
    await page.goto(stack.embeddedUrl("/app"));
    await page.getByRole("heading", { name: "Overview", exact: true }).waitFor();

    // The default view: the last twelve months by month, against the previous period.
    const twelve = presetRanges(new Date().toISOString(), timeZone)[0];
    const first = await expectEngineCards(page, stack.shop, { from: twelve.from, to: twelve.to }, "month", "previous_period");
    expect(first.sales.totals.orders).toBeGreaterThan(0);
    expect(first.conversion.source).toBe("shopify");
    await page.getByTestId("card-conversion").getByText("Source: Shopify sessions").waitFor();
    // Net sales by who bought: the engine's split.
    for (const [kind, total] of [
      ["new", first.sales.totals.newCustomerNetSales],
      ["returning", first.sales.totals.returningCustomerNetSales],
      ["guest", first.sales.totals.guestNetSales],
    ] as const) {
      expect(await page.getByTestId("customer-types").locator(`[data-kind="${kind}"]`).getByTestId("net-sales").innerText()).toBe(
        f.money(total, first.sales.currency),
      );
    }
    // The chart draws after hydration: a bar per month, the previous period over them, and a trend line per card.
    const chart = page.getByTestId("net-sales-chart");
    await expect.poll(() => chart.locator(".recharts-bar-rectangle").count()).toBe(12);
    await expect.poll(() => chart.locator(".recharts-line").count()).toBe(1);
    await expect.poll(() => page.locator("[data-testid=sparkline] .recharts-line").count()).toBeGreaterThanOrEqual(7);
    await screenshot(page, "overview-default");

    // A custom range on the calendar: two days of last month.
    const today = DateTime.now().setZone(timeZone).startOf("day");
    const lastMonth = today.minus({ months: 1 }).startOf("month");
    const start = lastMonth.plus({ days: 2 });
    const end = lastMonth.plus({ days: 19 });
    const label = (day: DateTime) => `${day.setLocale("en").toFormat("MMMM")} ${day.day} ${day.year}`;
    await page.getByRole("button", { name: "Custom range" }).click();
    const apply = page.getByRole("button", { name: "Apply", exact: true });
    // An end before the start, or a date that is none, cannot be applied.
    await page.getByLabel("End date").fill(start.minus({ days: 1 }).toISODate()!);
    await page.getByLabel("Start date").fill(start.toISODate()!);
    await page.getByText("The end date is before the start date").waitFor();
    expect(await apply.getAttribute("aria-disabled")).toBe("true");
    await page.getByLabel("End date").fill("2026-02-30");
    expect(await apply.getAttribute("aria-disabled")).toBe("true");
    await page.locator(`button[aria-label$="${label(start)}"]`).click();
    await page.locator(`button[aria-label$="${label(end)}"]`).click();
    expect(await page.getByLabel("End date").inputValue()).toBe(end.toISODate());
    await screenshot(page, "overview-custom-range-picker");
    await apply.click();
    const custom = { from: start.toISODate()!, to: end.plus({ days: 1 }).toISODate()! };
    await expect.poll(() => [query(page).get("from"), query(page).get("to")]).toEqual([custom.from, custom.to]);
    await expectEngineCards(page, stack.shop, custom, "month", "previous_period");
    // One month: the comparison range is a bar beside the range's (a line of one point would not
    // show), and the cards have no trend line of one point either.
    await expect.poll(() => chart.locator(".recharts-bar-rectangle").count()).toBe(2);
    expect(await chart.locator(".recharts-line").count()).toBe(0);
    expect(await page.locator("[data-testid=sparkline]").count()).toBe(0);
    await screenshot(page, "overview-custom-range");

    // The same period last year, then none: the chart's comparison line goes with it.
    await page.getByLabel("Compare with").selectOption({ label: "Same period last year" });
    await expect.poll(() => query(page).get("compare")).toBe("previous_year");
    await expectEngineCards(page, stack.shop, custom, "month", "previous_year");
    await page.getByLabel("Compare with").selectOption({ label: "No comparison" });
    await expect.poll(() => query(page).get("compare")).toBe("none");
    await expectEngineCards(page, stack.shop, custom, "month", "none");
    await expect.poll(() => chart.locator(".recharts-bar-rectangle").count()).toBe(1);
    expect(await chart.locator(".recharts-line").count()).toBe(0);

    // Weekly over the last 90 days, against the previous period: a bar per (part of a) week.
    await page.getByLabel("Date range").selectOption({ label: "Last 90 days" });
    await page.getByLabel("Compare with").selectOption({ label: "Previous period" });
    await page.getByLabel("Show by").selectOption({ label: "Week" });
    await expect.poll(() => query(page).get("granularity")).toBe("week");
    const ninety = presetRanges(new Date().toISOString(), timeZone).find((preset) => preset.value === "90d")!;
    expect([query(page).get("from"), query(page).get("to"), query(page).get("compare")]).toEqual([ninety.from, ninety.to, "previous_period"]);
    const weekly = await expectEngineCards(page, stack.shop, { from: ninety.from, to: ninety.to }, "week", "previous_period");
    await expect.poll(() => chart.locator(".recharts-bar-rectangle").count()).toBe(weekly.sales.series.length);
    await expect.poll(() => chart.locator(".recharts-line").count()).toBe(1);
    await expect.poll(() => page.locator("[data-testid=sparkline] .recharts-line").count()).toBeGreaterThanOrEqual(7);
    await screenshot(page, "overview-weekly");

    // Client-side to another page and back: same document, same view.
    const shared = page.url();
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    await page.getByRole("link", { name: "Data sync" }).first().click();
    await page.getByRole("heading", { name: "Data sync", exact: true }).first().waitFor();
    expect(new URL(page.url()).pathname).toBe("/app/sync");
    await page.goBack();
    await page.getByRole("heading", { name: "Overview", exact: true }).waitFor();
    expect(page.url()).toBe(shared);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await expectEngineCards(page, stack.shop, { from: ninety.from, to: ninety.to }, "week", "previous_period");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("answers an impossible range in the URL with a 400 error banner", async () => {
    const { page, errors } = await openPage(browser);
    const response = await page.goto(stack.embeddedUrl("/app").replace("?", "?from=2026-05-01&to=2026-01-01&"));
    expect(response?.status()).toBe(400);
    await page.getByText("the range must end after it starts").waitFor();
    expect(errors.filter((error) => !/status of 400/.test(error))).toEqual([]);
    await page.close();
  });
});
