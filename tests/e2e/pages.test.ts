// GIVEN a generated store in the simulator, the app built for production, installed and synced,
// WHEN each page of the embedded app is opened in Chromium with an id_token, THEN:
// - Retention shows a cohort table whose first cohort holds as many customers as the store's
//   orders say, and the customer counts of the range;
// - Customers lists as many customers past the lapse point as the store's order gaps give, the
//   biggest spender first, and says that the store is too small (or not yet fitted) for predictions;
// - Conversion shows Shopify's session figures the install imported, with the breakdowns, then on
//   request the funnel the pixel events written here add up to, each labelled with its source,
//   and without either source says what to grant or enable;
// - an impossible date range in the URL is a Polaris error banner (400), not a crash;
// - Settings rejects an out-of-range window on its field and saves nothing, then saves a valid
//   change with a toast, and the Overview states the changed rule;
// - after the store's time zone changed, while its figures are recomputed, the Overview and a
//   customer's view say so (the view as a 503 with Retry-After), each with how long the rebuild
//   has run against the store's last one, and so does an export asked for on a page opened
//   before the change (a warning, not the server's text); the Overview fills in by itself once
//   they are.
// A full-page screenshot of every page goes to test-results/screenshots/.
import fs from "node:fs";
import { DateTime } from "luxon";
import pg from "pg";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customersDataRequestPayload, orderDiscounts, orderGrossSales, refundReturns, type SimOrder, type SimStore } from "#simulator/index";
import { buildApp } from "../../scripts/lib/app-server";
import { startLocalStack, type LocalStack } from "../../scripts/lib/stack";
import { launchBrowser, openPage, refusedDownload, screenshot } from "./browser";
import { freePort } from "../../scripts/lib/free-port";
import { holdShopLock } from "../support/rollup-lock";

const DAY_MS = 86_400_000;

/**
 * Each customer's orders that count for retention by default (not test, not cancelled; the
 * store's deleted orders are already gone), oldest first.
 */
function retentionOrders(store: SimStore, before = Infinity): Map<number, SimOrder[]> {
  const byCustomer = new Map<number, SimOrder[]>();
  for (const order of store.orders) {
    if (order.test || order.cancelledAt !== null || order.customerId === null) continue;
    if (Date.parse(order.processedAt) >= before) continue;
    const list = byCustomer.get(order.customerId) ?? [];
    list.push(order);
    byCustomer.set(order.customerId, list);
  }
  for (const list of byCustomer.values()) {
    list.sort((a, b) => (a.processedAt < b.processedAt ? -1 : a.processedAt > b.processedAt ? 1 : a.id - b.id));
  }
  return byCustomer;
}

/** The default range (last twelve shop-local months, the current one included) as instants. */
function lastTwelveMonths(store: SimStore, now: Date) {
  const zone = store.shop.ianaTimezone;
  const month = DateTime.fromJSDate(now, { zone }).startOf("month");
  const first = month.minus({ months: 11 });
  return { firstMonth: first.toFormat("yyyy-MM"), start: first.toMillis(), end: month.plus({ months: 1 }).toMillis() };
}

/** The first cohort's size and the range's customer counts, straight from the store. */
function retentionTruth(store: SimStore, now: Date) {
  const zone = store.shop.ianaTimezone;
  const { firstMonth, start, end } = lastTwelveMonths(store, now);
  const month = (iso: string) => DateTime.fromISO(iso, { zone: "utc" }).setZone(zone).toFormat("yyyy-MM");
  const currentMonth = DateTime.fromJSDate(now, { zone }).toFormat("yyyy-MM");
  let firstCohort = 0;
  let currentCohort = 0;
  let customers = 0;
  let newCustomers = 0;
  for (const orders of retentionOrders(store).values()) {
    const acquired = orders[0].processedAt;
    if (month(acquired) === firstMonth) firstCohort += 1;
    if (month(acquired) === currentMonth && Date.parse(acquired) <= now.getTime()) currentCohort += 1;
    const inRange = (iso: string) => Date.parse(iso) >= start && Date.parse(iso) < end;
    if (orders.some((order) => inRange(order.processedAt))) customers += 1;
    if (inRange(acquired)) newCustomers += 1;
  }
  return { firstMonth, firstCohort, currentCohort, customers, newCustomers };
}

/** p-th quantile by linear interpolation between closest ranks (PostgreSQL's percentile_cont). */
function quantile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const h = p * (sorted.length - 1);
  return sorted[Math.floor(h)] + (sorted[Math.ceil(h)] - sorted[Math.floor(h)]) * (h - Math.floor(h));
}

/** Customers past the lapse point (p90 of consecutive-order gaps, at least 30 days), biggest spender first. */
function atRiskTruth(store: SimStore, now: Date) {
  const history = retentionOrders(store, now.getTime());
  const gaps: number[] = [];
  for (const orders of history.values()) {
    for (let i = 1; i < orders.length; i++)
      gaps.push(Date.parse(orders[i].processedAt) - Date.parse(orders[i - 1].processedAt));
  }
  gaps.sort((a, b) => a - b);
  const lapseMs = Math.max(30 * DAY_MS, quantile(gaps, 0.9) ?? 0);
  const lapsed = [...history]
    .filter(([, orders]) => now.getTime() - Date.parse(orders[orders.length - 1].processedAt) > lapseMs)
    .map(([customerId, orders]) => {
      let netSpend = 0;
      for (const order of orders) {
        if (order.currencyCode !== store.shop.currencyCode) continue;
        netSpend += orderGrossSales(order) - orderDiscounts(order);
        for (const refund of order.refunds)
          if (Date.parse(refund.processedAt) < now.getTime()) netSpend -= refundReturns(refund);
      }
      return { customerId, orders: orders.length, netSpend, lastOrderAt: orders[orders.length - 1].processedAt };
    })
    .sort((a, b) => b.netSpend - a.netSpend || (a.lastOrderAt < b.lastOrderAt ? 1 : -1) || a.customerId - b.customerId);
  // The report keeps the lapse point in days to 2 decimals; the page shows whole days.
  return {
    lapsePointDays: Math.round(Math.round((lapseMs / DAY_MS) * 100) / 100),
    total: lapsed.length,
    top: lapsed[0],
  };
}

interface PixelRow {
  id: string;
  visitorId: string;
  name: string;
  occurredAt: Date;
}

/**
 * Pixel events for 48 visitors, one visit each, minutes apart within a UTC day (so one session
 * per visitor), spread over the last six weeks: every 2nd adds to cart, every 4th starts a
 * checkout, every 8th completes it; every 12th signs up for the newsletter.
 */
function pixelEvents(now: Date): PixelRow[] {
  const rows: PixelRow[] = [];
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  for (let visitor = 0; visitor < 48; visitor++) {
    const start = today - (2 + (visitor % 40)) * DAY_MS + 12 * 3_600_000;
    const event = (name: string, minutes: number) =>
      rows.push({
        id: `e2e-${visitor}-${name}`,
        visitorId: `visitor-${visitor}`,
        name,
        occurredAt: new Date(start + minutes * 60_000),
      });
    event("page_viewed", 0);
    if (visitor % 2 === 0) event("product_added_to_cart", 2);
    if (visitor % 4 === 0) event("checkout_started", 5);
    if (visitor % 8 === 0) event("checkout_completed", 9);
    if (visitor % 12 === 5) event("email_subscribed", 1);
  }
  return rows;
}

/** The funnel those events make: sessions are (visitor, UTC day) groups, as the events are minutes apart. */
function funnelOf(rows: PixelRow[]) {
  const sessions = new Map<string, Set<string>>();
  for (const row of rows) {
    const key = `${row.visitorId}/${row.occurredAt.toISOString().slice(0, 10)}`;
    sessions.set(key, (sessions.get(key) ?? new Set()).add(row.name));
  }
  const count = (names: string[]) => [...sessions.values()].filter((set) => names.some((name) => set.has(name))).length;
  return {
    sessions: sessions.size,
    cart: count(["product_added_to_cart"]),
    checkout: count(["checkout_started", "checkout_completed"]),
    completed: count(["checkout_completed"]),
    signUps: count(["email_subscribed"]),
  };
}

const count = (text: string) => Number(text.replace(/[^0-9]/g, ""));

/** The value a MetricCard shows under its title. */
async function metric(page: Page, title: string): Promise<string> {
  return page.getByRole("heading", { name: title, exact: true }).locator("xpath=following::p[1]").innerText();
}
/** The change a card shows against the comparison range. */
async function growthOf(page: Page, title: string): Promise<string | null> {
  return page.getByRole("heading", { name: title, exact: true }).locator("xpath=following::*[@data-testid='growth'][1]").getAttribute("data-growth");
}
const money = (cents: number) =>
  new Intl.NumberFormat("en", { style: "currency", currency: "USD" }).format(cents / 100);

describe("every page of the embedded app in Chromium", () => {
  let stack: LocalStack;
  let browser: Browser;
  let db: pg.Client;

  beforeAll(async () => {
    await buildApp();
    stack = await startLocalStack({
      databaseUrl: process.env.DATABASE_URL!,
      appPort: await freePort(),
      mode: "production",
      seed: 11,
      customers: 300,
    });
    browser = await launchBrowser();
    db = new pg.Client({ connectionString: process.env.DATABASE_URL! });
    await db.connect();
  }, 300_000);

  afterAll(async () => {
    await db?.end();
    await browser?.close();
    await stack?.stop();
  });

  /** Opens a page of the app as the admin would, and waits for its title. */
  async function open(path: string, heading: string): Promise<{ page: Page; errors: string[] }> {
    const opened = await openPage(browser);
    await opened.page.goto(stack.embeddedUrl(path));
    await opened.page.getByRole("heading", { name: heading, exact: true }).first().waitFor();
    return opened;
  }

  it("Retention: the first cohort's size and the range's customers match the store", async () => {
    const truth = retentionTruth(stack.store, new Date());
    expect(truth.firstCohort).toBeGreaterThan(0);
    const { page, errors } = await open("/app/retention", "Retention");
    const table = page.getByTestId("cohort-table");
    await table.waitFor();

    const rows = table.locator("tbody tr");
    expect(await rows.count()).toBe(12);
    const first = rows.first();
    expect(await first.getAttribute("data-cohort")).toBe(truth.firstMonth);
    expect(count(await first.getByTestId("cohort-size").innerText())).toBe(truth.firstCohort);
    // k = 0 is 100 %; the first cohort reaches the current month (12 cells, the last one partial).
    expect(await first.locator("td[data-k]").first().innerText()).toBe("100%");
    expect(await first.locator("td[data-k]").count()).toBe(12);
    expect(await first.locator("td[data-partial]").count()).toBe(1);
    // The current month's cohort has only its own, unfinished month: later months are absent
    // (and no cell at all while nobody was acquired yet this month, its first days).
    const cells = truth.currentCohort > 0 ? 1 : 0;
    expect(await rows.last().locator("td[data-k]").count()).toBe(cells);
    expect(await rows.last().locator("td[data-partial]").count()).toBe(cells);

    expect(count(await metric(page, "Customers"))).toBe(truth.customers);
    expect(count(await metric(page, "New customers"))).toBe(truth.newCustomers);
    await expect
      .poll(() => page.getByTestId("retention-chart").locator(".recharts-line-dot").count())
      .toBeGreaterThan(0);
    await screenshot(page, "retention");

    // The revenue toggle turns the same grid into money.
    await page.getByRole("button", { name: "Lifetime value" }).click();
    await expect.poll(() => first.locator("td[data-k]").first().innerText()).toMatch(/^\$/);
    await screenshot(page, "retention-lifetime-value");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("Retention: an impossible date range in the URL is a 400 error banner", async () => {
    const { page, errors } = await openPage(browser);
    const response = await page.goto(
      stack.embeddedUrl("/app/retention").replace("?", "?from=2026-05-01&to=2026-01-01&")
    );
    expect(response?.status()).toBe(400);
    await page.getByText("This view cannot be shown").waitFor();
    await page.getByText("the range must end after it starts").waitFor();
    await screenshot(page, "retention-invalid-range");
    // The browser reports the 400 itself; nothing else may go wrong.
    expect(errors.filter((error) => !/status of 400/.test(error))).toEqual([]);
    await page.close();
  });

  it("Customers: the customers past the lapse point, biggest spender first", async () => {
    const truth = atRiskTruth(stack.store, new Date());
    expect(truth.total).toBeGreaterThan(0);
    const { page, errors } = await open("/app/customers", "Customers at risk");
    expect(count(await metric(page, "Customers past it"))).toBe(truth.total);
    expect(await metric(page, "Lapse point")).toBe(`${truth.lapsePointDays} days`);

    const rows = await page
      .locator("[data-testid=customer-list] table tbody tr")
      .evaluateAll((trs) =>
        trs.map((tr) => Array.from(tr.querySelectorAll("th,td")).map((cell) => cell.textContent?.trim() ?? ""))
      );
    expect(rows).toHaveLength(Math.min(50, truth.total));
    // The first cell is the row's selection checkbox.
    const [, customer, , , orders, netSpend] = rows[0];
    expect({ customer, orders: Number(orders), netSpend }).toEqual({
      customer: `Customer ${truth.top.customerId}`,
      orders: truth.top.orders,
      netSpend: money(truth.top.netSpend),
    });
    // Who will come back: 300 customers are too few for predictions, which the page says, or
    // that the first fit is still queued; never a number.
    await page.getByRole("heading", { name: /^(Not enough history yet for predictions|Predictions not fitted yet)$/ }).waitFor();
    await screenshot(page, "customers");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("Conversion: Shopify's sessions by default, the pixel's on request, each labelled; without either, what to grant", async () => {
    // The install imported Shopify's session figures (the simulator grants read_reports).
    await expect
      .poll(async () => (await db.query("SELECT sessions_status FROM sync_state WHERE shop = $1", [stack.shop])).rows[0]?.sessions_status, {
        timeout: 120_000,
        interval: 500,
      })
      .toBe("succeeded");
    // …and activated the web pixel (the simulator grants write_pixels and read_customer_events).
    await expect
      .poll(async () => (await db.query("SELECT status FROM pixel_settings WHERE shop = $1", [stack.shop])).rows[0]?.status, {
        timeout: 120_000,
        interval: 500,
      })
      .toBe("active");
    const { rows: zone } = await db.query<{ iana_timezone: string }>("SELECT iana_timezone FROM shops WHERE domain = $1", [stack.shop]);
    const today = DateTime.now().setZone(zone[0].iana_timezone);
    const from = today.minus({ days: 60 }).toISODate()!;
    const to = today.plus({ days: 1 }).toISODate()!;
    const { rows: stored } = await db.query<{ s: string; c: string; k: string; p: string }>(
      `SELECT sum(sessions) AS s, sum(sessions_with_cart_additions) AS c, sum(sessions_reached_checkout) AS k,
         sum(sessions_completed_checkout) AS p FROM shopify_session_days WHERE shop = $1 AND day >= $2::date AND day < $3::date`,
      [stack.shop, from, to],
    );
    const conversionUrl = (params: string) => stack.embeddedUrl("/app/conversion").replace("?", `?${params}&`);
    const { page, errors } = await open("/app/conversion", "Conversion");
    await page.goto(conversionUrl(`from=${from}&to=${to}`));
    await page.getByText("Source: Shopify sessions").first().waitFor();
    const step = async (key: string) =>
      count(await page.getByTestId(`funnel-${key}`).getByTestId("funnel-count").innerText());
    const funnel = async () => ({
      sessions: await step("sessions"),
      cart: await step("cart"),
      checkout: await step("checkout"),
      completed: await step("completed"),
    });
    expect(await funnel()).toEqual({ sessions: Number(stored[0].s), cart: Number(stored[0].c), checkout: Number(stored[0].k), completed: Number(stored[0].p) });
    expect(Number(stored[0].s)).toBeGreaterThan(0);
    // Where visits come from, from the same source.
    expect(await page.getByTestId("breakdown-device").locator("tbody tr").count()).toBeGreaterThan(1);
    expect(await page.getByText("Source: Shopify sessions").count()).toBe(4);
    // Against the previous period (the default), from the same source: the Sessions card's change
    // is that of the stored days' sums, and the chart draws the previous period's rate beside.
    const length = DateTime.fromISO(to).diff(DateTime.fromISO(from), "days").days;
    const { rows: before } = await db.query<{ s: string | null }>(
      "SELECT sum(sessions) AS s FROM shopify_session_days WHERE shop = $1 AND day >= $2::date AND day < $3::date",
      [stack.shop, DateTime.fromISO(from).minus({ days: length }).toISODate(), from],
    );
    const base = Number(before[0].s ?? 0);
    expect(base).toBeGreaterThan(0);
    const change = new Intl.NumberFormat("en", { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: "exceptZero" });
    expect(await growthOf(page, "Sessions")).toBe(change.format(Math.round(((Number(stored[0].s) - base) / base) * 10_000) / 10_000));
    await expect.poll(() => page.getByTestId("conversion-chart").locator(".recharts-line").count()).toBe(2);
    await screenshot(page, "conversion-shopify");

    const events = pixelEvents(new Date());
    for (const event of events) {
      await db.query("INSERT INTO pixel_events (shop, id, visitor_id, name, occurred_at, device) VALUES ($1, $2, $3, $4, $5, 'mobile')", [
        stack.shop,
        event.id,
        event.visitorId,
        event.name,
        event.occurredAt,
      ]);
    }
    const { signUps, ...expected } = funnelOf(events);
    await page.goto(conversionUrl(`from=${from}&to=${to}&source=pixel`));
    await page.getByText("Source: Metryka web pixel").first().waitFor();
    expect(await funnel()).toEqual(expected);
    const percent = (value: number) =>
      new Intl.NumberFormat("en", { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(value);
    expect(await metric(page, "Conversion rate")).toBe(percent(expected.completed / expected.sessions));
    expect(await metric(page, "Sign-up rate")).toBe(percent(signUps / expected.sessions));
    await expect
      .poll(() => page.getByTestId("conversion-chart").locator(".recharts-bar-rectangle").count())
      .toBeGreaterThan(0);
    // The pixel's device table: every session was on mobile.
    expect(await page.getByTestId("breakdown-device").locator("tbody tr").allInnerTexts()).toEqual([expect.stringMatching(/^Mobile\s+48\b/)]);
    // The pixel has no sessions in the previous period: its line, and the legend naming it, are
    // not drawn, and the page says why the changes are blank.
    await page.getByText(/^Nothing to compare with: Metryka web pixel has no sessions from /).waitFor();
    expect(await page.getByTestId("conversion-chart").locator(".recharts-line").count()).toBe(1);
    expect(await page.getByTestId("conversion-chart").locator(".recharts-legend-wrapper").count()).toBe(0);
    await screenshot(page, "conversion");
    // Back to Shopify's sessions through the choice beside the source: the previous period's line.
    await page.getByLabel("Sessions from").selectOption({ label: "Shopify sessions" });
    await page.getByText("Source: Shopify sessions").first().waitFor();
    expect(new URL(page.url()).searchParams.get("source")).toBe("shopify");
    await expect.poll(() => page.getByTestId("conversion-chart").locator(".recharts-line").count()).toBe(2);
    // No comparison: no changes, one line.
    await page.getByLabel("Compare with").selectOption({ label: "No comparison" });
    await expect.poll(() => page.getByTestId("conversion-chart").locator(".recharts-line").count()).toBe(1);
    expect(await page.locator("[data-testid=growth]").count()).toBe(0);

    // Without either source: what to grant or enable for each.
    for (const table of ["shopify_session_days", "shopify_session_breakdowns", "pixel_events", "pixel_session_slots", "pixel_session_values", "pixel_session_days", "pixel_session_value_days", "pixel_sessions", "pixel_rollup_state"]) {
      await db.query(`DELETE FROM ${table} WHERE shop = $1`, [stack.shop]);
    }
    await page.goto(stack.embeddedUrl("/app/conversion"));
    await page.getByText("No session data yet").waitFor();
    await page.getByText("read_reports").first().waitFor();
    await page.getByText("It is active: sessions appear here as consented visitors arrive.").waitFor();
    await screenshot(page, "conversion-empty");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("Settings: rejects a bad window without saving, saves a valid change, and the Overview states it", async () => {
    const { page, errors } = await open("/app/settings", "Metric settings");
    const saved = () =>
      db.query("SELECT refund_dating, activity_window_days FROM shop_settings WHERE shop = $1", [stack.shop]);
    const saveButton = page.getByRole("button", { name: "Save" }).first();

    await page.getByLabel("Activity window").fill("0");
    await saveButton.click();
    await page.getByText("Enter a whole number of days from 1 to 3660.").waitFor();
    await page.getByRole("heading", { name: "Nothing was saved" }).waitFor();
    expect((await saved()).rows).toEqual([]);
    await screenshot(page, "settings-invalid");

    await page.getByLabel("Activity window").fill("180");
    await page.getByText("The original order date", { exact: true }).click();
    expect(await page.getByLabel("The original order date").isChecked()).toBe(true);
    await saveButton.click();
    await page.getByRole("status").filter({ hasText: "Settings saved" }).waitFor();
    expect((await saved()).rows).toEqual([{ refund_dating: "order_date", activity_window_days: 180 }]);
    await expect.poll(() => page.getByText("Enter a whole number of days").count()).toBe(0);
    await screenshot(page, "settings");

    await page.getByRole("link", { name: "Overview" }).first().click();
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await page.getByText("Returns are dated on the order date").waitFor();
    await page.getByRole("status").filter({ hasText: "Settings saved" }).waitFor({ state: "detached" });
    await screenshot(page, "overview-after-settings");
    await page.getByRole("link", { name: "Retention" }).first().click();
    await page.getByText("“active” means an order in the last 180 days").waitFor();
    // The rejected save answered 400, which the browser reports itself; nothing else may go wrong.
    expect(errors).toEqual(["Failed to load resource: the server responded with a status of 400 (Bad Request)"]);
    await page.close();
  });

  it("Settings: a customer's data request, forwarded by Shopify, downloads as the file to send on", async () => {
    const customer = stack.store.customers.find((c) => stack.store.orders.some((o) => o.customerId === c.id))!;
    const theirs = stack.store.orders.filter((o) => o.customerId === customer.id).map((o) => String(o.id)).sort();
    const report = await stack.simulator.deliverEvents(stack.shop, [
      {
        topic: "customers/data_request",
        payload: customersDataRequestPayload({ shop: stack.store.shop, customer, ordersRequested: [], dataRequestId: 4242 }),
        triggeredAt: new Date().toISOString(),
      },
    ]);
    expect(report.attempts.map((a) => a.status)).toEqual([200]);
    await expect.poll(async () => (await db.query("SELECT 1 FROM data_request_exports WHERE shop = $1 AND id = 4242", [stack.shop])).rowCount, { timeout: 30_000 }).toBe(1);

    const { page, errors } = await open("/app/settings", "Metric settings");
    await page.getByRole("heading", { name: "Customer data requests" }).waitFor();
    const row = page.locator("tr", { hasText: String(customer.id) });
    await row.waitFor();
    await screenshot(page, "settings-data-requests");
    const [download] = await Promise.all([page.waitForEvent("download"), row.getByRole("button", { name: "Download" }).click()]);
    expect(download.suggestedFilename()).toBe("metryka-data-request-4242.json");
    const contents = JSON.parse(await fs.promises.readFile((await download.path())!, "utf8")) as { customerId: string; orders: Array<{ id: string }> };
    expect(contents.customerId).toBe(String(customer.id));
    expect(contents.orders.map((o) => o.id).sort()).toEqual(theirs);
    expect(JSON.stringify(contents)).not.toContain(customer.email);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("Overview: Export CSV saves the range's sales by month, each month's orders as the database counts them", async () => {
    const { page, errors } = await open("/app", "Overview");
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export CSV" }).click()]);
    const currency = stack.store.shop.currencyCode;
    const name = /^metryka-sales-by-month-(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})-([A-Z]{3})-.+\.csv$/.exec(download.suggestedFilename());
    expect(name?.[3]).toBe(currency);
    const [, from, lastDay] = name!;
    const lines = (await fs.promises.readFile((await download.path())!, "utf8")).replace(/^\uFEFF/, "").trim().split("\r\n");
    expect(lines[0]).toMatch(/^Period,First day,Last day,Partial,Gross sales/);
    const orders = lines.slice(1).map((line) => {
      const cells = line.split(",");
      return [cells[0], Number(cells[11])] as const;
    });
    const counted = await db.query<{ month: string; orders: string }>(
      `SELECT to_char(processed_at AT TIME ZONE $2, 'YYYY-MM') AS month, count(*) AS orders FROM orders
       WHERE shop = $1 AND NOT test AND deleted_at IS NULL
         AND (processed_at AT TIME ZONE $2)::date BETWEEN $3::date AND $4::date
         AND (cancelled_at IS NULL OR (SELECT sales_include_cancelled FROM shop_settings WHERE shop = $1) IS NOT FALSE)
       GROUP BY 1 ORDER BY 1`,
      [stack.shop, stack.store.shop.ianaTimezone, from, lastDay],
    );
    const expected = new Map(counted.rows.map((row) => [row.month, Number(row.orders)]));
    // One row a month, from the range's first month to its last.
    expect(orders[0][0]).toBe(from.slice(0, 7));
    expect(orders.at(-1)![0]).toBe(lastDay.slice(0, 7));
    expect(orders.every(([month, count]) => count === (expected.get(month) ?? 0))).toBe(true);
    expect(orders.reduce((sum, [, count]) => sum + count, 0)).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  // Last: it leaves the rollups built in another time zone (the next page load rebuilds them).
  it("Overview: after the store's time zone changed, says its numbers are being recomputed, then fills in by itself", async () => {
    const zone = stack.store.shop.ianaTimezone;
    const other = zone === "Asia/Tokyo" ? "America/Chicago" : "Asia/Tokyo";
    // Another process rebuilding the shop's rollups (the shop update's job) holds its lock.
    const rebuilder = new pg.Client({ connectionString: process.env.DATABASE_URL! });
    await rebuilder.connect();
    // A page the merchant opened before the change, its figures on screen.
    const before = await open("/app", "Overview");
    try {
      // The zone changes in Shopify too (the simulator's store), as the merchant changes it there:
      // a sync meanwhile (a job the page's load queues) then reads the new zone, not the old one.
      stack.store.shop.ianaTimezone = other;
      await db.query("UPDATE shops SET iana_timezone = $2 WHERE domain = $1", [stack.shop, other]);
      await rebuilder.query("BEGIN");
      await holdShopLock(rebuilder, stack.shop);
      const { page, errors } = await open("/app", "Overview");
      await page.getByRole("heading", { name: "Recomputing your numbers" }).waitFor();
      expect(await page.getByText(`every number in ${other} and ${stack.store.shop.currencyCode}`).count()).toBe(1);
      expect(await page.getByTestId("card-net-sales").count()).toBe(0);
      // How long the rebuild has run (since the rebuilder's transaction began), against the last
      // one's recorded time; the card looks again every few seconds, and the time grows.
      const [{ rebuild_ms }] = (await db.query<{ rebuild_ms: number | null }>("SELECT rebuild_ms FROM daily_sales_state WHERE shop = $1", [stack.shop])).rows;
      expect(rebuild_ms).not.toBeNull();
      const last = Math.max(1, Math.round(rebuild_ms! / 1000));
      const progress = page.getByText(new RegExp(`^Running for (\\d+) seconds?\\. The last recompute of this store took ${last} seconds?\\.$`));
      const running = async () => Number(/Running for (\d+)/.exec(await progress.innerText())![1]);
      await progress.waitFor();
      const first = await running();
      // Once past the last rebuild's time (a small store's: a second or so), the bar stops just short of its end.
      await expect.poll(() => page.locator("progress").getAttribute("value"), { timeout: 15_000 }).toBe("95");
      await expect.poll(running, { timeout: 15_000 }).toBeGreaterThan(first);
      await screenshot(page, "overview-recomputing");
      // A customer's view, which has no state of its own for it, says the same through its error boundary.
      const customerId = stack.store.orders.find((o) => o.customerId !== null)!.customerId!;
      const view = await openPage(browser);
      const response = await view.page.goto(stack.embeddedUrl(`/app/customers/${customerId}`));
      expect(response?.status()).toBe(503);
      expect(response?.headers()["retry-after"]).toBe("15");
      await view.page.getByRole("heading", { name: "Recomputing your numbers" }).waitFor();
      await view.page.getByText(new RegExp(`^Running for \\d+ seconds?\\. The last recompute of this store took ${last} seconds?\\.$`)).waitFor();
      await screenshot(view.page, "customer-recomputing");
      // The browser reports the 503 itself; nothing else may go wrong.
      expect(view.errors.filter((error) => !/status of 503/.test(error))).toEqual([]);
      await view.page.close();
      // An export from the page opened before: no file, and the page says why and for how long.
      const { status, banner } = await refusedDownload(before.page, "/app/export/sales", "Export CSV");
      expect(status).toBe(503);
      await banner.getByText(`Metryka is recomputing this store's numbers in ${other} and ${stack.store.shop.currencyCode}`).waitFor();
      await banner.getByText(new RegExp(`^Running for \\d+ seconds?\\. The last recompute of this store took ${last} seconds?\\.$`)).waitFor();
      await screenshot(before.page, "export-recomputing");
      expect(before.errors.filter((error) => !/status of 503/.test(error))).toEqual([]);
      await rebuilder.query("COMMIT");
      await page.getByTestId("card-net-sales").waitFor({ timeout: 60_000 });
      expect(await page.getByRole("heading", { name: "Recomputing your numbers" }).count()).toBe(0);
      const [{ time_zone }] = (await db.query<{ time_zone: string }>("SELECT time_zone FROM daily_sales_state WHERE shop = $1", [stack.shop])).rows;
      expect(time_zone).toBe(other);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await before.page.close();
      await rebuilder.end();
      stack.store.shop.ianaTimezone = zone;
      await db.query("UPDATE shops SET iana_timezone = $2 WHERE domain = $1", [stack.shop, zone]);
    }
  });
});
