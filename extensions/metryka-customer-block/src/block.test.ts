// @vitest-environment happy-dom
// GIVEN the block built by Shopify's CLI (`shopify app build`, as CI builds it) and run in a DOM
// whose global `shopify` is a stub of the admin's block API and whose `fetch` plays the app,
// WHEN the admin renders it on a customer's page, THEN it asks the app for that customer only,
// shows loading, then the figures, the at-risk badge and the link into the app, or "no counted
// orders yet", or an error with a retry that asks again; a prediction section appears only when
// the app's answer carries one. The pure part (block.ts) is tested on its own as well.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { blockState, blockView, customerIdOf, formatMoney, type CustomerBlockData } from "./block";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const BUNDLE = path.join(ROOT, "extensions/metryka-customer-block/dist/metryka-customer-block.js");
let bundle: string;

beforeAll(async () => {
  // The CLI builds every extension of the app offline (no login, no network): see extensions/README.md.
  await promisify(execFile)(process.execPath, [path.join(ROOT, "node_modules/@shopify/cli/bin/run.js"), "app", "build", "--path", ROOT], {
    cwd: ROOT,
    env: { ...process.env, CI: "1", SHOPIFY_CLI_NO_ANALYTICS: "1", NODE_ENV: "production" },
    timeout: 120_000,
  });
  bundle = fs.readFileSync(BUNDLE, "utf8");
}, 150_000);

const DATA: CustomerBlockData = {
  customerId: "7001",
  currency: "USD",
  orders: 4,
  netSpend: 123_456,
  firstOrderDay: "2025-03-09",
  lastOrderDay: "2026-06-30",
  cohort: "2025-03",
  daysSinceLastOrder: 155,
  lapsePointDays: 96.5,
  atRisk: true,
  appPath: "/app/customers/7001",
};

interface Answer {
  status: number;
  body: unknown;
}

/** Runs the built block for a customer; `answers` are what the app says, one per request. */
function mount(gid: string | undefined, answers: Array<Answer | Error>) {
  // A fresh <body>: the previous block's Preact keeps its tree on the old one.
  document.documentElement.replaceChild(document.createElement("body"), document.body);
  const requests: Array<{ url: string; headers: Record<string, string> }> = [];
  const pending: Array<() => void> = [];
  let render: (() => Promise<void>) | undefined;
  Object.assign(globalThis, {
    shopify: {
      data: { selected: gid ? [{ id: gid }] : [] },
      extend: (target: string, callback: () => Promise<void>) => {
        expect(target).toBe("admin.customer-details.block.render");
        render = callback;
      },
    },
    fetch: (url: string, init: { headers: Record<string, string> }) => {
      requests.push({ url, headers: init.headers });
      const answer = answers.shift();
      if (!answer) throw new Error("the block asked more often than expected");
      // Answers wait until the test lets them through, so the loading state can be seen.
      return new Promise((resolve, reject) =>
        pending.push(() =>
          answer instanceof Error
            ? reject(answer)
            : resolve(
                new Response(JSON.stringify(answer.body), { status: answer.status, headers: { "content-type": "application/json" } }),
              ),
        ),
      );
    },
  });
  new Function(bundle)();
  expect(render).toBeDefined();
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
  return {
    requests,
    start: async () => {
      await render!();
      await settle();
    },
    answer: async () => {
      pending.splice(0).forEach((go) => go());
      await settle();
    },
    block: () => document.body.querySelector("s-admin-block"),
    text: () => (document.body.textContent ?? "").replace(/\s+/g, " "),
  };
}

describe("the built block", () => {
  it("asks the app for the page's customer, shows loading, then the figures, badge and link", async () => {
    const view = mount("gid://shopify/Customer/7001", [{ status: 200, body: DATA }]);
    await view.start();
    expect(view.requests.map((r) => r.url)).toEqual(["/api/customer-block/7001"]);
    expect(view.text()).toContain("Loading the customer's figures");
    expect(view.block()?.querySelector("s-spinner")).not.toBeNull();
    await view.answer();
    const text = view.text();
    for (const value of ["Orders", "4", "$1,234.56", "Mar 9, 2025", "Jun 30, 2026", "March 2025", "155 days (lapse point 97 days)", "At risk"]) {
      expect(text).toContain(value);
    }
    expect(view.block()?.getAttribute("heading")).toBe("Repeat buyer");
    expect(view.block()?.getAttribute("collapsedSummary") ?? view.block()?.getAttribute("collapsedsummary")).toBe(
      "4 orders · $1,234.56 · 155 days since the last",
    );
    expect(view.block()?.querySelector("s-badge")?.getAttribute("tone")).toBe("warning");
    expect(view.block()?.querySelector("s-link")?.getAttribute("href")).toBe("app:app/customers/7001");
    expect(view.block()?.querySelector("s-section")).toBeNull();
    expect(text).not.toContain("Expected orders");
    expect(text).not.toContain("Loading");
  });

  it("shows the prediction section only when the answer carries one", async () => {
    const prediction = { probabilityAlive: 0.42, group: "at_risk" as const, expectedOrders: { days30: 0.1, days90: 0.34, days365: 1.2 }, expectedSpend365: 5_000 };
    const view = mount("gid://shopify/Customer/7001", [{ status: 200, body: { ...DATA, atRisk: false, prediction } }]);
    await view.start();
    await view.answer();
    const text = view.text();
    expect(view.block()?.querySelector("s-section")?.getAttribute("heading")).toBe("Prediction");
    expect(text).toContain("42%");
    expect(text).toContain("0.3");
    expect(text).toContain("$50.00");
    expect(view.block()?.querySelector("s-badge")?.getAttribute("tone")).toBe("success");
  });

  it("says so when the customer has no counted orders yet", async () => {
    const view = mount("gid://shopify/Customer/7002", [
      { status: 200, body: { ...DATA, customerId: "7002", orders: 0, netSpend: 0, firstOrderDay: null, lastOrderDay: null, cohort: null, daysSinceLastOrder: null, atRisk: false, appPath: "/app/customers/7002" } },
    ]);
    await view.start();
    await view.answer();
    expect(view.text()).toContain("No counted orders yet");
    expect(view.block()?.querySelector("s-badge")).toBeNull();
    expect(view.block()?.querySelector("s-link")?.getAttribute("href")).toBe("app:app/customers/7002");
  });

  it("shows an error with a retry that asks again, and then the figures", async () => {
    const view = mount("gid://shopify/Customer/7001", [new TypeError("network"), { status: 500, body: {} }, { status: 200, body: DATA }]);
    await view.start();
    await view.answer();
    expect(view.text()).toContain("Metryka could not be reached");
    const retry = () => view.block()?.querySelector("s-button") as HTMLElement | null;
    expect(retry()?.textContent).toBe("Try again");
    retry()!.click();
    await view.answer();
    expect(view.text()).toContain("could not be loaded");
    retry()!.click();
    await view.answer();
    expect(view.text()).toContain("$1,234.56");
    expect(view.requests).toHaveLength(3);
  });

  it("shows a 404 as not known yet, without a retry, and asks nothing for a page without a customer", async () => {
    const unknown = mount("gid://shopify/Customer/7003", [{ status: 404, body: { error: "No such customer" } }]);
    await unknown.start();
    await unknown.answer();
    expect(unknown.text()).toContain("no record of this customer yet");
    expect(unknown.block()?.querySelector("s-button")).toBeNull();
    const none = mount(undefined, []);
    await none.start();
    expect(none.requests).toEqual([]);
    expect(none.text()).toContain("no customer Metryka can read");
  });
});

describe("the block's logic", () => {
  it.each([
    ["gid://shopify/Customer/123", "123"],
    ["gid://shopify/Customer/9223372036854775807", "9223372036854775807"],
    ["gid://shopify/Order/123", null],
    ["gid://shopify/Customer/0123", null],
    ["gid://shopify/Customer/12/34", null],
    ["123", null],
    [undefined, null],
  ])("reads %j as the customer id %j", (gid, id) => {
    expect(customerIdOf(gid)).toBe(id);
  });

  it("formats money in the currency's own minor units", () => {
    expect(formatMoney(123_456, "USD")).toBe("$1,234.56");
    expect(formatMoney(123_456, "JPY")).toBe("¥123,456");
    expect(formatMoney(-500, "EUR")).toBe("-€5.00");
  });

  it("turns the app's answer into the whole view", () => {
    expect(blockView({ ...DATA, orders: 1, daysSinceLastOrder: 1, atRisk: false })).toEqual({
      summary: "1 order · $1,234.56 · 1 day since the last",
      rows: [
        { label: "Orders", value: "1" },
        { label: "Net spend", value: "$1,234.56" },
        { label: "First order", value: "Mar 9, 2025" },
        { label: "Last order", value: "Jun 30, 2026" },
        { label: "Cohort", value: "March 2025" },
        { label: "Since the last order", value: "1 day (lapse point 97 days)" },
      ],
      badge: { tone: "success", label: "Active" },
      link: { href: "app:app/customers/7001", label: "Open in Metryka" },
      prediction: null,
    });
  });

  it("treats a malformed answer as an error, not as figures", () => {
    expect(blockState(200, { ...DATA, orders: "4" }).status).toBe("error");
    expect(blockState(200, null).status).toBe("error");
    expect(blockState(401, null)).toMatchObject({ status: "error", retry: true });
    expect(blockState(200, DATA).status).toBe("ready");
  });
});
