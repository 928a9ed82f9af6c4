// GIVEN a generated store in the simulator, the app built for production, installed and synced,
// WHEN the merchant opens Customers at risk in Chromium and clicks the first customer, THEN the
// app navigates (client-side) to that customer's view, whose orders, net spend, cohort, days
// since the last order, lapse point and at-risk badge are the metrics engine's for that
// customer, with one timeline row per order (by its name, linked to the order in the admin),
// and its prediction card says why the store is not predicted yet; an id the store does not
// know is a 404 page that says so and leads back to the customers list.
// Screenshots go to test-results/screenshots/.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../scripts/lib/stack";
import { openPage, screenshot, startBrowserStack } from "./browser";

/** The value a MetricCard shows under its title, and its help line. */
async function card(page: Page, title: string): Promise<{ value: string; help: string }> {
  const heading = page.getByRole("heading", { name: title, exact: true });
  return {
    value: await heading.locator("xpath=following::p[1]").innerText(),
    help: await heading.locator("xpath=following::p[2]").innerText(),
  };
}

const usd = (cents: number) => new Intl.NumberFormat("en", { style: "currency", currency: "USD" }).format(cents / 100);
const day = (iso: string) => new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" }).format(new Date(`${iso}T00:00:00Z`));
const month = (yyyyMm: string) =>
  new Intl.DateTimeFormat("en", { month: "short", year: "numeric", timeZone: "UTC" }).format(new Date(`${yyyyMm}-01T00:00:00Z`));

describe("a customer's view in Chromium", () => {
  let stack: LocalStack;
  let browser: Browser;
  let stop = async () => {};

  beforeAll(async () => {
    ({ stack, browser, stop } = await startBrowserStack({
      seed: 17,
      customers: 200,
    }));
  }, 300_000);

  afterAll(() => stop());

  it("opens from the at-risk list and shows the engine's figures for that customer", async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(stack.embeddedUrl("/app/customers"));
    await page.getByRole("heading", { name: "Customers at risk", exact: true }).first().waitFor();
    const first = page.locator("[data-testid=customer-list] table tbody tr").first().getByRole("link");
    const id = (await first.innerText()).replace(/^Customer /, "");
    expect(id).toMatch(/^[1-9]\d*$/);
    const documents: string[] = [];
    page.on("request", (request) => {
      if (request.resourceType() === "document") documents.push(request.url());
    });
    await first.click();
    await page.getByRole("heading", { name: `Customer ${id}`, exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/app/customers/${id}`);
    // Client-side: the view's data came as a fetch, not as a new page.
    expect(documents).toEqual([]);

    const { customerPage } = await import("#app/dashboard/customer-page.server");
    const engine = await customerPage(stack.shop, id, new Date());
    const { standing, timeline } = engine;
    expect(standing.atRisk).toBe(true);
    expect(standing.orders).toBeGreaterThan(0);

    expect(await card(page, "Orders")).toEqual({ value: String(standing.orders), help: `First on ${day(standing.firstOrderDay!)}` });
    expect((await card(page, "Net spend")).value).toBe(usd(standing.netSpend));
    expect((await card(page, "Cohort")).value).toBe(month(standing.cohort!));
    expect(await card(page, "Since the last order")).toEqual({
      value: `${standing.daysSinceLastOrder} days`,
      help: `Last on ${day(standing.lastOrderDay!)}; lapse point ${new Intl.NumberFormat("en", { maximumFractionDigits: 0 }).format(standing.lapsePointDays)} days`,
    });
    expect(standing.daysSinceLastOrder!).toBeGreaterThan(standing.lapsePointDays);
    // The title's badge.
    // (Polaris reads the tone out before the label: "Warning".)
    expect(await page.locator(".Polaris-Badge").first().innerText()).toMatch(/^(Warning\s+)?At risk$/);

    const rows = await page
      .locator(".Polaris-DataTable table tbody tr")
      .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("th,td")).map((cell) => cell.textContent?.trim() ?? "")));
    expect(rows).toHaveLength(timeline.length);
    expect(rows.map((row) => [row[0], row[1].replace(/(Test|Cancelled), not counted$/, ""), row[4]])).toEqual(
      timeline.map((order) => [day(order.day), order.name, usd(order.net)]),
    );
    // Each order by its name in the admin, linked to the order there (all read from Shopify here).
    expect(timeline.every((order) => order.inShopify && /^#\d+$/.test(order.name))).toBe(true);
    const links = await page
      .locator(".Polaris-DataTable table tbody tr a")
      .evaluateAll((anchors) => anchors.map((a) => [a.textContent?.trim() ?? "", a.getAttribute("href"), a.getAttribute("target")]));
    expect(links).toEqual(timeline.map((order) => [order.name, `shopify://admin/orders/${order.orderId}`, "_top"]));
    // The counted rows are the standing's orders, and their nets in the shop currency its net spend.
    const counted = timeline.filter((order) => order.counted);
    expect(counted).toHaveLength(standing.orders);
    expect(counted.filter((order) => order.currency === "USD").reduce((sum, order) => sum + order.net, 0)).toBe(standing.netSpend);

    // 200 customers are too few for predictions: the card says why there is none (or, before the
    // store's first fit, that it is on its way).
    const predictionNote = await page.locator("[data-testid=customer-prediction] p").first().innerText();
    expect(predictionNote).toMatch(/^(Predictions start once your store has at least 500 customers|Metryka fits who will come back after each sync)/);
    expect(["not_enough_history", "pending"]).toContain(engine.prediction.status);

    await screenshot(page, "customer-view");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("answers an id the store does not know with a 404 page", async () => {
    const { page, errors } = await openPage(browser);
    const response = await page.goto(stack.embeddedUrl("/app/customers/999999999999"));
    expect(response?.status()).toBe(404);
    await page.getByText("this store has no such customer").waitFor();
    // The way on is the customers list, not this address again.
    expect(await page.getByRole("alert").getByRole("link", { name: "Customers at risk", exact: true }).getAttribute("href")).toMatch(/^\/app\/customers(\?|$)/);
    await screenshot(page, "customer-view-unknown");
    expect(errors.filter((error) => !/status of 404/.test(error))).toEqual([]);
    await page.close();
  });
});
