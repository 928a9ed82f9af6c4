// GIVEN a generated store in the simulator, the app built for production, installed and synced,
// WHEN the Retention page is opened in Chromium, switched from monthly to weekly cohorts and back
// through its URL-kept choice, and every CSV of the Retention and Conversion pages is downloaded
// from their export buttons, THEN the cohort grid (each cohort's size and every cell), the
// histogram of the time between orders and each file's rows are the metrics engine's figures for
// the same query. Screenshots: test-results/screenshots/retention-*.png.
import fs from "node:fs";
import { parse } from "csv-parse/sync";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatter } from "#app/components/format";
import { funnelSteps, BREAKDOWN_TOP } from "#app/dashboard/conversion-page.server";
import { shopPage } from "#app/dashboard/page-query.server";
import { conversionBreakdowns } from "#app/metrics/conversion-breakdowns.server";
import { conversionOverview } from "#app/metrics/conversion.server";
import type { CohortGranularity } from "#app/metrics/retention";
import { gapHistogram, retentionOverview } from "#app/metrics/retention.server";
import type { LocalStack } from "../../scripts/lib/stack";
import { openPage, screenshot, startBrowserStack } from "./browser";

const f = formatter("en");
const text = (value: number | null) => (value === null ? "" : String(value));

describe("Retention's cohorts and histogram, and every CSV of Retention and Conversion, in Chromium", () => {
  let stack: LocalStack;
  let browser: Browser;
  let stop = async () => {};
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    ({ stack, browser, stop } = await startBrowserStack({ seed: 23, customers: 250 }));
    ({ page, errors } = await openPage(browser));
  }, 300_000);

  afterAll(async () => {
    await page?.close();
    await stop();
  });

  /** The engine's report for the page's default range, as of now. */
  async function engine(cohortGranularity: CohortGranularity) {
    const now = new Date();
    const { range } = await shopPage(stack.shop, {}, now);
    const [report, histogram] = await Promise.all([
      retentionOverview(stack.shop, { range, cohortGranularity }, { now }),
      gapHistogram(stack.shop, { range }, { now }),
    ]);
    return { range, report, histogram };
  }

  /** Every row of the cohort grid as shown: cohort, size, each cell's text. */
  async function shownGrid(): Promise<Array<{ cohort: string; size: number; cells: string[] }>> {
    return page.getByTestId("cohort-table").locator("tbody tr").evaluateAll((rows) =>
      rows.map((row) => ({
        cohort: row.getAttribute("data-cohort") ?? "",
        size: Number((row.querySelector("[data-testid=cohort-size]")?.textContent ?? "").replace(/[^0-9]/g, "")),
        cells: Array.from(row.querySelectorAll("td[data-k]")).map((cell) => cell.textContent ?? ""),
      })),
    );
  }

  async function checkGrid(granularity: CohortGranularity) {
    const { report, histogram } = await engine(granularity);
    expect(report.cohorts.length).toBeGreaterThan(granularity === "week" ? 36 : 11);
    expect(await shownGrid()).toEqual(
      report.cohorts.map((cohort) => ({
        cohort: cohort.cohort,
        size: cohort.size,
        cells: cohort.size === 0 ? [] : cohort.cells.map((cell) => `${f.percent(cell.retention, { short: true })}${cell.partial ? "*" : ""}`),
      })),
    );
    // The histogram: each bin's count of second orders and of all repeat orders.
    const bars = await page.getByTestId("gap-histogram").locator("tbody tr").evaluateAll((rows) =>
      rows.map((row) => ({
        first: Number(row.querySelector("[data-series=firstToSecond]")?.getAttribute("data-count")),
        all: Number(row.querySelector("[data-series=betweenOrders]")?.getAttribute("data-count")),
      })),
    );
    expect(bars).toEqual(histogram.betweenOrders.map((bin, i) => ({ first: histogram.firstToSecond[i].count, all: bin.count })));
    expect(histogram.betweenOrders.filter((bin) => bin.count > 0).length).toBeGreaterThan(2);
    return { report, histogram };
  }

  /** Clicks a page action (under "More actions" when the header has no room for it) and reads the file it saves. */
  async function download(name: string): Promise<{ fileName: string; rows: string[][] }> {
    const button = page.getByRole("button", { name, exact: true });
    const more = page.getByRole("button", { name: "More actions" });
    // The header lays its actions out once it has measured them.
    await button.or(more).first().waitFor();
    const item = (await button.isVisible()) ? button : (await more.click(), page.getByRole("menuitem", { name, exact: true }).or(button).first());
    await expect.poll(() => item.isEnabled()).toBe(true);
    const [file] = await Promise.all([page.waitForEvent("download"), item.click()]);
    const rows = parse(await fs.promises.readFile((await file.path())!, "utf8"), { bom: true }) as string[][];
    return { fileName: file.suggestedFilename(), rows };
  }

  it("switches between monthly and weekly cohorts, each grid and the histogram the engine's, and downloads both files", async () => {
    await page.goto(stack.embeddedUrl("/app/retention"));
    await page.getByRole("heading", { name: "Monthly cohorts", exact: true }).waitFor();
    await checkGrid("month");
    await screenshot(page, "retention-monthly");

    await page.getByLabel("Cohorts by", { exact: true }).selectOption("week");
    await page.getByRole("heading", { name: "Weekly cohorts", exact: true }).waitFor();
    expect(new URL(page.url()).searchParams.get("cohorts")).toBe("week");
    await expect.poll(() => page.getByTestId("cohort-table").getAttribute("data-granularity")).toBe("week");
    const { report, histogram } = await checkGrid("week");
    // Scrolled sideways, the cohort column stays where it was.
    const scroller = page.getByTestId("cohort-table").locator("xpath=..");
    const label = page.getByTestId("cohort-table").locator("tbody tr th").first();
    const before = (await label.boundingBox())!.x;
    await scroller.evaluate((element) => element.scrollBy({ left: 600 }));
    await expect.poll(() => scroller.evaluate((element) => element.scrollLeft)).toBeGreaterThan(0);
    // Unfixed, it would have moved 600 px out of view; fixed, it stays at the grid's left edge.
    const after = (await label.boundingBox())!.x;
    expect(after).toBeGreaterThanOrEqual((await scroller.boundingBox())!.x);
    expect(before - after).toBeLessThan(24);
    await screenshot(page, "retention-weekly");

    // The weekly grid's file: one row per cohort and week since, the engine's counts and rates.
    const cohorts = await download("Export cohorts");
    expect(cohorts.fileName).toMatch(new RegExp(`^metryka-cohorts-by-week-${report.range.from}_\\d{4}-\\d{2}-\\d{2}-${report.currency}-.+\\.csv$`));
    expect(cohorts.rows[0].slice(0, 4)).toEqual(["Cohort", "Cohort's first day", "Cohort customers", "Periods since"]);
    const pick = (row: string[]) => [row[0], row[2], row[3], row[4], row[6], row[7]];
    expect(cohorts.rows.slice(1).map(pick)).toEqual(
      report.cohorts.flatMap((cohort) =>
        cohort.cells.map((cell) => [cohort.cohort, String(cohort.size), String(cell.k), cell.period, String(cell.customers), text(cell.retention)]),
      ),
    );

    const gaps = await download("Export time between orders");
    expect(gaps.rows.slice(1, 1 + histogram.betweenOrders.length)).toEqual(
      histogram.betweenOrders.map((bin, i) => [String(bin.fromDays), text(bin.toDays), String(histogram.firstToSecond[i].count), String(bin.count)]),
    );
    expect(gaps.rows.at(-2)).toEqual(["Median (days)", "", text(report.timeBetweenOrders.firstToSecond.median), text(report.timeBetweenOrders.betweenOrders.median)]);

    // Back to months through the same choice.
    await page.getByLabel("Cohorts by", { exact: true }).selectOption("month");
    await page.getByRole("heading", { name: "Monthly cohorts", exact: true }).waitFor();
    await checkGrid("month");
    expect(errors).toEqual([]);
  });

  it("downloads the Conversion page's funnel, series and breakdowns, each the engine's", async () => {
    // The install imports Shopify's session figures (the simulator grants read_reports).
    await expect
      .poll(
        async () => {
          const { default: prisma } = await import("#app/db.server");
          return (await prisma.syncState.findUnique({ where: { shop: stack.shop }, select: { sessionsStatus: true } }))?.sessionsStatus;
        },
        { timeout: 120_000, interval: 500 },
      )
      .toBe("succeeded");
    await page.goto(stack.embeddedUrl("/app/conversion"));
    await page.getByText("Source: Shopify sessions").first().waitFor();
    const now = new Date();
    const { range, timeZone } = await shopPage(stack.shop, {}, now);
    const report = await conversionOverview(stack.shop, { range, granularity: "month" }, { now });
    expect(report.source).toBe("shopify");

    const funnel = await download("Export funnel");
    expect(funnel.fileName).toMatch(/^metryka-conversion-funnel-.+-shopify-sessions\.csv$/);
    expect(funnel.rows.slice(1).map((row) => row.slice(1))).toEqual(
      funnelSteps(report.totals).map((step) => [String(step.sessions), text(step.shareOfSessions), text(step.shareOfPrevious)]),
    );
    expect(Number(funnel.rows[1][1])).toBeGreaterThan(0);

    const series = await download("Export sessions by period");
    expect(series.rows.slice(1).map((row) => [row[0], row[4], row[7], row[8]])).toEqual(
      report.series.map((point) => [point.period, text(point.sessions), text(point.sessionsCompletedCheckout), text(point.conversionRate)]),
    );

    const breakdowns = await download("Export breakdowns");
    const expected = await conversionBreakdowns(stack.shop, { range, source: "shopify", top: BREAKDOWN_TOP }, timeZone);
    const byDimension = { source: "By traffic source", device: "By device", landingPage: "By landing page" } as const;
    expect(breakdowns.rows.slice(1).map((row) => [row[0], row[2], row[3]])).toEqual(
      (["source", "device", "landingPage"] as const).flatMap((dimension) =>
        expected.dimensions[dimension].map((row) => [byDimension[dimension], String(row.sessions), String(row.sessionsCompletedCheckout)]),
      ),
    );
    expect(expected.dimensions.device.length).toBeGreaterThan(1);
    await screenshot(page, "retention-conversion-exports");
    expect(errors).toEqual([]);
  });
});
