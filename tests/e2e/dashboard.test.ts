// GIVEN a generated store in the simulator and the app built for production, WHEN the app is
// installed (token exchange), synced, and its embedded dashboard opened in Chromium with an
// id_token, THEN the page shows each month's net sales as derived here from the store's ground
// truth, and client-side navigation (data requests authorized with a Bearer session token)
// reaches the second page; there, Sync now shows the run's progress, the comparison with
// Shopify's counts and the order lost from the copy that it copied back, and then, once Shopify
// refuses the store's token, the failure and what fixes it.
import { DateTime } from "luxon";
import pg from "pg";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orderDiscounts, orderGrossSales, placeOrder, refundReturns, type SimStore } from "#simulator/index";
import type { LocalStack } from "../../scripts/lib/stack";
import { openPage, screenshot, startBrowserStack } from "./browser";

/** Net sales per shop-local month, straight from the simulator's orders (the definition). */
function netSalesByMonth(store: SimStore): Map<string, { netSales: number; orders: number }> {
  const zone = store.shop.ianaTimezone;
  const month = (iso: string) => DateTime.fromISO(iso, { zone: "utc" }).setZone(zone).toFormat("yyyy-MM");
  const months = new Map<string, { netSales: number; orders: number }>();
  const at = (key: string) => months.get(key) ?? months.set(key, { netSales: 0, orders: 0 }).get(key)!;
  for (const order of store.orders) {
    if (order.test || order.currencyCode !== store.shop.currencyCode) continue;
    const bucket = at(month(order.processedAt));
    bucket.orders += 1;
    bucket.netSales += orderGrossSales(order) - orderDiscounts(order);
    for (const refund of order.refunds) at(month(refund.processedAt)).netSales -= refundReturns(refund);
  }
  return months;
}

/** "$1,514.55" → 151455; "-$0.50" → -50. */
function centsOf(text: string): number {
  const negative = text.includes("-");
  const cents = Number(text.replace(/[^0-9]/g, ""));
  return negative ? -cents : cents;
}

const MONTH_LABEL = /^([A-Z][a-z]{2}) (\d{4})/;

/**
 * The badge of the store's copy on the Data sync page, within its own card: Shopify's session
 * figures have a card below whose badge uses the same words ("Up to date" while the store's runs).
 */
const storeBadge = (page: Page, text: string) =>
  page.getByRole("region", { name: "Store data" }).getByText(text, { exact: true });

describe("embedded dashboard in Chromium", () => {
  let stack: LocalStack;
  let browser: Browser;
  let stop = async () => {};

  beforeAll(async () => {
    ({ stack, browser, stop } = await startBrowserStack({
      seed: 7,
      customers: 150,
    }));
  }, 300_000);

  afterAll(() => stop());

  it("shows the store's monthly net sales and navigates client-side to the sync page", async () => {
    const { page, errors } = await openPage(browser);
    const dataRequests: Array<{ url: string; authorization: string | undefined }> = [];
    page.on("request", (request) => {
      if (request.url().includes("_data=")) {
        dataRequests.push({ url: request.url(), authorization: request.headers()["authorization"] });
      }
    });

    await page.goto(stack.embeddedUrl("/app"));
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    const table = page.locator(".Polaris-DataTable table");
    await table.waitFor();
    // The chart draws after hydration: one bar per month.
    await expect.poll(() => page.getByTestId("net-sales-chart").locator(".recharts-bar-rectangle").count()).toBe(12);
    await screenshot(page, "overview");

    const expected = netSalesByMonth(stack.store);
    const rows = await table.locator("tbody tr").evaluateAll((trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll("th,td")).map((cell) => cell.textContent?.trim() ?? "")),
    );
    expect(rows).toHaveLength(12);
    let checked = 0;
    for (const [period, orders, , , , netSales] of rows) {
      const match = MONTH_LABEL.exec(period);
      expect(match, `a month label, got ${period}`).not.toBeNull();
      const key = DateTime.fromFormat(`${match![1]} ${match![2]}`, "LLL yyyy", { zone: "utc" }).toFormat("yyyy-MM");
      const truth = expected.get(key) ?? { netSales: 0, orders: 0 };
      expect({ key, netSales: centsOf(netSales), orders: Number(orders.replace(/,/g, "")) }).toEqual({
        key,
        netSales: truth.netSales,
        orders: truth.orders,
      });
      checked += truth.orders;
    }
    expect(checked).toBeGreaterThan(0);

    // A client-side data request: a longer range through the Date range select.
    await page.getByLabel("Date range").selectOption({ label: "Last 24 months" });
    await expect.poll(() => table.locator("tbody tr").count()).toBe(24);

    // Client-side navigation: the window survives, the loader is fetched with a session token.
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    await page.getByRole("link", { name: "Data sync" }).first().click();
    await page.getByRole("heading", { name: "Data sync" }).waitFor();
    await storeBadge(page, "Up to date").waitFor();
    expect(new URL(page.url()).pathname).toBe("/app/sync");
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await screenshot(page, "data-sync");

    expect(dataRequests.length).toBeGreaterThanOrEqual(2);
    for (const request of dataRequests) expect(request.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(errors).toEqual([]);
  });

  it("shows a sync's progress after Sync now, then its failure with what to do", async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(stack.embeddedUrl("/app/sync"));
    await storeBadge(page, "Up to date").waitFor();
    const copied = async () => Number(/([\d,]+) orders and/.exec(await page.getByText(/orders and .* customers copied/).innerText())![1].replace(/,/g, ""));
    const before = await copied();

    // An old order lost from the copy itself (as a restore of an older database would lose it):
    // no catch-up reads it again, the comparison after it does.
    const db = new pg.Client({ connectionString: process.env.DATABASE_URL! });
    await db.connect();
    try {
      const lost = await db.query("DELETE FROM orders WHERE shop = $1 AND id = $2", [stack.shop, stack.store.orders[5].id]);
      expect(lost.rowCount).toBe(1);
    } finally {
      await db.end();
    }

    // New orders in the store, and Shopify answering slowly: the catch-up takes a while.
    const at = new Date(Date.now() + 1000).toISOString();
    for (let i = 0; i < 12; i++) placeOrder(stack.store, { at, customerId: stack.store.customers[i].id, seed: 500 + i });
    stack.simulator.faults.set({ slowMs: 400 });
    await page.getByRole("button", { name: "Sync now" }).click();
    await page.getByText(/of [\d,]+ changed orders read/).waitFor({ timeout: 30_000 });
    await screenshot(page, "data-sync-running");
    // The page follows the run by itself to its end.
    await storeBadge(page, "Up to date").waitFor({ timeout: 60_000 });
    expect(await copied()).toBe(before + 12);
    stack.simulator.faults.clear();
    // The run compared the copy with Shopify's own counts, new orders included, and says so.
    const count = (n: number) => n.toLocaleString("en-US");
    const compared = await page.getByText(/^Compared with Shopify's own counts on /).innerText();
    expect(compared).toContain(`: the same ${count(stack.store.orders.length)} orders and ${count(stack.store.customers.length)} customers on both sides.`);
    expect(compared).toContain("Before counting, Metryka copied back 1 order missing from its copy.");
    await screenshot(page, "data-sync-compared");

    // The store's token is revoked: Shopify refuses, and the page says what fixes it.
    stack.simulator.installations.revokeShop(stack.shop);
    await page.getByRole("button", { name: "Sync now" }).click();
    // The sync fails; Shopify's session figures, imported with the same token, may fail beside it.
    await storeBadge(page, "Failed").waitFor({ timeout: 30_000 });
    await page.getByText(/Shopify refused the request .* Reinstalling the app/).waitFor();
    await screenshot(page, "data-sync-failed");
    expect(errors).toEqual([]);
  }, 120_000);

  it("lists the store changes that could not be applied, with why, and tries them again", async () => {
    const { page, errors } = await openPage(browser);
    // Shopify sends an order update the app cannot read: acknowledged, kept, parked with why.
    const order = stack.store.orders[0];
    const report = await stack.simulator.deliverEvents(stack.shop, [
      { topic: "orders/updated", payload: { id: order.id, name: "#broken", updated_at: "2026-11-20T00:00:00Z" }, triggeredAt: new Date().toISOString() },
    ]);
    expect(report.attempts.map((a) => a.status)).toEqual([200]);
    await page.goto(stack.embeddedUrl("/app/sync"));
    await expect.poll(async () => {
      await page.reload();
      return page.getByText("1 store change could not be applied").count();
    }, { timeout: 30_000 }).toBe(1);
    await page.getByText("Order updated", { exact: true }).waitFor();
    await page.getByText(/^invalid orders\/updated payload: /).waitFor();
    await screenshot(page, "data-sync-parked");
    // Tried again, it is parked again (the payload has not changed), and the page says so.
    await page.getByRole("button", { name: "Try again" }).click();
    await expect.poll(async () => {
      await page.reload();
      return page.getByText("1 store change could not be applied").count();
    }, { timeout: 30_000 }).toBe(1);
    expect(errors).toEqual([]);
  }, 120_000);
});
