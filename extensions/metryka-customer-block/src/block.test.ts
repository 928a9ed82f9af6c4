// @vitest-environment happy-dom
// GIVEN the block built by Shopify's CLI (`shopify app build`, as CI builds it) and run in a DOM
// whose global `shopify` is a stub of the admin's block API and whose `fetch` plays the app,
// WHEN the admin renders it on a customer's page, THEN it asks the app for that customer only,
// shows loading, then the figures, the at-risk badge and the link into the app, or "no counted
// orders yet", or an error with a retry that asks again; a prediction section appears only when
// the app's answer carries one; in a Polish admin the same block is in Polish, with Polish number,
// money and date formats. Both locale files hold the same messages, each with its language's
// plural forms. The pure part (block.ts) is tested on its own as well.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { blockState, blockView, customerIdOf, formatMoney, RECOMPUTE_RETRY_SECONDS, type BlockI18n, type CustomerBlockData } from "./block";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const BUNDLE = path.join(ROOT, "extensions/metryka-customer-block/dist/metryka-customer-block.js");
const LOCALES = path.join(ROOT, "extensions/metryka-customer-block/locales");

type Messages = { [key: string]: string | Messages };

/** A locale file of the block: `en.default.json` for English, `<locale>.json` for the others. */
function messages(locale: string): Messages {
  const file = fs.existsSync(path.join(LOCALES, `${locale}.default.json`)) ? `${locale}.default.json` : `${locale}.json`;
  return JSON.parse(fs.readFileSync(path.join(LOCALES, file), "utf8")) as Messages;
}

/**
 * The admin's `shopify.i18n` for a user in `locale`, as Shopify documents it: a dotted key into
 * the locale file (the default locale's message when the file lacks one), `count` choosing the
 * plural form by Intl.PluralRules, `{{name}}` replaced, and Intl formats in that language.
 */
function adminI18n(locale: string): BlockI18n {
  const own = messages(locale);
  const fallback = messages("en");
  const lookup = (source: Messages, key: string) =>
    key.split(".").reduce<string | Messages | undefined>((node, part) => (typeof node === "object" ? node[part] : undefined), source);
  return {
    translate(key, options = {}) {
      let message = lookup(own, key) ?? lookup(fallback, key);
      if (typeof message === "object" && typeof options.count === "number") {
        message = message[new Intl.PluralRules(locale).select(options.count)] ?? message.other;
      }
      if (typeof message !== "string") throw new Error(`no message ${key} in ${locale}`);
      return message.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => String(options[name]));
    },
    formatNumber: (value, options) => new Intl.NumberFormat(locale, options).format(value),
    formatCurrency: (value, options) => new Intl.NumberFormat(locale, { ...options, style: "currency" }).format(value),
    formatDate: (date, options) => new Intl.DateTimeFormat(locale, options).format(date),
  };
}
const en = adminI18n("en");
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
function mount(gid: string | undefined, answers: Array<Answer | Error>, locale = "en") {
  // A fresh <body>: the previous block's Preact keeps its tree on the old one.
  document.documentElement.replaceChild(document.createElement("body"), document.body);
  const requests: Array<{ url: string; headers: Record<string, string> }> = [];
  const pending: Array<() => void> = [];
  let render: (() => Promise<void>) | undefined;
  Object.assign(globalThis, {
    shopify: {
      data: { selected: gid ? [{ id: gid }] : [] },
      i18n: adminI18n(locale),
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
    const prediction = { probabilityAlive: 1, returnProbability: 0.42, group: "at_risk" as const, expectedOrders: { days30: 0.1, days90: 0.34, days365: 1.2 }, expectedSpend365: 5_000 };
    const view = mount("gid://shopify/Customer/7001", [{ status: 200, body: { ...DATA, atRisk: false, prediction } }]);
    await view.start();
    await view.answer();
    const text = view.text();
    expect(view.block()?.querySelector("s-section")?.getAttribute("heading")).toBe("Prediction");
    // The chance of an order, not P(still a customer), which blocks of older versions showed.
    expect(text).toContain("42.0%");
    expect(text).not.toContain("100.0%");
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

  it("says so, with a retry, while the store's figures are being recomputed", async () => {
    const view = mount("gid://shopify/Customer/7001", [{ status: 503, body: "recomputing" }, { status: 200, body: DATA }]);
    await view.start();
    await view.answer();
    expect(view.text()).toContain("recomputing this store's figures");
    (view.block()?.querySelector("s-button") as HTMLElement).click();
    await view.answer();
    expect(view.text()).toContain("$1,234.56");
  });

  it("asks again by itself while the store's figures are being recomputed, until they are back", async () => {
    const recomputing = (elapsedSeconds: number, lastSeconds: number) => ({
      status: 503,
      body: { message: "recomputing", refusal: null, recomputing: { timeZone: "UTC", currency: "USD", progress: { elapsedSeconds, lastSeconds } } },
    });
    // Fake timers that still run with the clock, so the block's own waits pass only when told.
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const view = mount("gid://shopify/Customer/7001", [recomputing(30, 50), recomputing(55, 50), { status: 200, body: DATA }]);
      await view.start();
      await view.answer();
      expect(view.text()).toContain("The figures appear here by themselves once it is done");
      // The last recompute took 50 s and this one has run 30: asked again 25 s later, not before.
      await vi.advanceTimersByTimeAsync(20_000);
      expect(view.requests).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(5_000);
      expect(view.requests).toHaveLength(2);
      // The banner stays while it asks: no spinner in between.
      expect(view.text()).toContain("for 30 seconds so far");
      expect(view.block()?.querySelector("s-spinner")).toBeNull();
      await view.answer();
      expect(view.text()).toContain("for 55 seconds so far");
      // Longer than the last one: asked again after the shortest wait.
      await vi.advanceTimersByTimeAsync(RECOMPUTE_RETRY_SECONDS.min * 1000);
      expect(view.requests).toHaveLength(3);
      await view.answer();
      expect(view.text()).toContain("$1,234.56");
      // Back: nothing more is asked.
      await vi.advanceTimersByTimeAsync(RECOMPUTE_RETRY_SECONDS.max * 1000);
      expect(view.requests).toHaveLength(3);
    } finally {
      vi.useRealTimers();
    }
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

describe("the block in Polish", () => {
  it("shows the figures, badge, summary and link in Polish, in Polish formats", async () => {
    const view = mount("gid://shopify/Customer/7001", [{ status: 200, body: DATA }], "pl");
    await view.start();
    expect(view.text()).toContain("Wczytywanie danych klienta");
    await view.answer();
    const text = view.text().replace(/\u00a0|\u202f/g, " ");
    for (const value of ["Zamówienia", "Wydatki netto", "1234,56 USD", "9 mar 2025", "30 cze 2026", "marzec 2025", "155 dni (próg odejścia 97 dni)", "Zagrożony", "Otwórz w Metryce"]) {
      expect(text).toContain(value);
    }
    expect(view.block()?.getAttribute("heading")).toBe("Powracający klient");
    const summary = view.block()?.getAttribute("collapsedSummary") ?? view.block()?.getAttribute("collapsedsummary");
    expect(summary?.replace(/\u00a0|\u202f/g, " ")).toBe("4 zamówienia · 1234,56 USD · 155 dni od ostatniego");
  });

  it("says why in Polish when the app cannot answer", async () => {
    const view = mount("gid://shopify/Customer/7001", [{ status: 500, body: {} }], "pl");
    await view.start();
    await view.answer();
    expect(view.text()).toContain("Nie udało się wczytać danych z Metryki.");
    expect(view.block()?.querySelector("s-button")?.textContent).toBe("Spróbuj ponownie");
  });

  it("counts days and orders with Polish plural forms", () => {
    const pl = adminI18n("pl");
    const summary = (orders: number, days: number) => blockView({ ...DATA, orders, daysSinceLastOrder: days }, pl).summary.replace(/\u00a0|\u202f/g, " ");
    expect(summary(1, 1)).toBe("1 zamówienie · 1234,56 USD · 1 dzień od ostatniego");
    expect(summary(3, 22)).toBe("3 zamówienia · 1234,56 USD · 22 dni od ostatniego");
    expect(summary(5, 12)).toBe("5 zamówień · 1234,56 USD · 12 dni od ostatniego");
  });
});

describe("the block's locale files", () => {
  const PLURAL = new Set(["zero", "one", "two", "few", "many", "other"]);
  /** Every message by its dotted key; a plural one as its key with the forms it has. */
  function entries(source: Messages, prefix = ""): Array<{ key: string; forms: string[]; texts: string[] }> {
    return Object.entries(source).flatMap(([key, value]) => {
      const name = `${prefix}${key}`;
      if (typeof value === "string") return [{ key: name, forms: [], texts: [value] }];
      const keys = Object.keys(value);
      if (keys.every((k) => PLURAL.has(k))) return [{ key: name, forms: keys.sort(), texts: Object.values(value) as string[] }];
      return entries(value, `${name}.`);
    });
  }
  const files = fs.readdirSync(LOCALES).map((file) => file.replace(/(\.default)?\.json$/, ""));
  const byLocale = new Map(files.map((locale) => [locale, entries(messages(locale))]));
  const slots = (texts: string[]) => [...new Set(texts.flatMap((text) => [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1])))].sort().join();

  it("are English (the default) and Polish", () => {
    expect(files.sort()).toEqual(["en", "pl"]);
  });

  it("hold the same messages, each with its language's plural forms and the same placeholders", () => {
    const english = new Map(byLocale.get("en")!.map((entry) => [entry.key, entry]));
    for (const [locale, list] of byLocale) {
      expect(list.map((entry) => entry.key).sort()).toEqual([...english.keys()].sort());
      const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories.slice().sort();
      for (const entry of list) {
        if (english.get(entry.key)!.forms.length > 0) expect({ key: entry.key, forms: entry.forms }).toEqual({ key: entry.key, forms: categories });
        expect({ key: entry.key, slots: slots(entry.texts) }).toEqual({ key: entry.key, slots: slots(english.get(entry.key)!.texts) });
      }
    }
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
    expect(formatMoney(en, 123_456, "USD")).toBe("$1,234.56");
    expect(formatMoney(en, 123_456, "JPY")).toBe("¥123,456");
    expect(formatMoney(en, -500, "EUR")).toBe("-€5.00");
    expect(formatMoney(adminI18n("pl"), 123_456, "PLN")).toMatch(/^1\s?234,56\s?zł$/);
  });

  it("turns the app's answer into the whole view", () => {
    expect(blockView({ ...DATA, orders: 1, daysSinceLastOrder: 1, atRisk: false }, en)).toEqual({
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

  it("says how long the recompute has run and the last one took, when the app's 503 says, in either language", () => {
    const refusal = (elapsedSeconds: unknown, lastSeconds: unknown) => ({
      message: "recomputing",
      refusal: null,
      recomputing: { timeZone: "Asia/Tokyo", currency: "JPY", progress: { elapsedSeconds, lastSeconds } },
    });
    expect(blockState(503, refusal(12.4, 95.6), en)).toEqual({
      status: "error",
      message: "Metryka is recomputing this store's figures in its time zone and currency, for 12 seconds so far; its last recompute took 96 seconds. The figures appear here by themselves once it is done.",
      retry: true,
      // Asked again 5 s after the recompute should end if as long as the last one (95.6 − 12.4 + 5 s), at most a minute.
      retryInSeconds: RECOMPUTE_RETRY_SECONDS.max,
    });
    expect(blockState(503, refusal(30, 50.4), en)).toMatchObject({ retryInSeconds: 25 });
    expect(blockState(503, refusal(80, 50), en)).toMatchObject({ retryInSeconds: RECOMPUTE_RETRY_SECONDS.min });
    expect(blockState(503, refusal(185, null), en)).toMatchObject({
      message: "Metryka is recomputing this store's figures in its time zone and currency, for 3 minutes so far. The figures appear here by themselves once it is done.",
      retryInSeconds: RECOMPUTE_RETRY_SECONDS.unknown,
    });
    expect(blockState(503, refusal(1, 150), adminI18n("pl"))).toMatchObject({
      message: "Metryka przelicza dane sklepu w jego strefie czasowej i walucie. Czas od rozpoczęcia: 1 sekunda; poprzednie przeliczenie: 3 minuty. Dane pojawią się tu same, gdy przeliczanie się zakończy.",
      // 150 − 1 + 5 s, at most a minute.
      retryInSeconds: RECOMPUTE_RETRY_SECONDS.max,
    });
    // Without a running time (the recompute waits its turn), a text body, or junk: the message alone.
    const plain = "Metryka is recomputing this store's figures in its time zone and currency. The figures appear here by themselves once it is done.";
    for (const body of [refusal(null, 30), "recomputing", null, { recomputing: { progress: { elapsedSeconds: "12" } } }, refusal(-3, 30)]) {
      expect(blockState(503, body, en)).toEqual({ status: "error", message: plain, retry: true, retryInSeconds: RECOMPUTE_RETRY_SECONDS.unknown });
    }
    // Other errors are not asked again by themselves.
    expect(blockState(500, null, en)).not.toHaveProperty("retryInSeconds");
  });

  it("treats a malformed answer as an error, not as figures", () => {
    expect(blockState(200, { ...DATA, orders: "4" }, en).status).toBe("error");
    expect(blockState(200, null, en).status).toBe("error");
    expect(blockState(401, null, en)).toMatchObject({ status: "error", retry: true });
    expect(blockState(200, DATA, en).status).toBe("ready");
  });
});
