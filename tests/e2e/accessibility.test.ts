// GIVEN a generated store in the simulator, the app built for production, installed and synced,
// and the store in a portfolio, WHEN its admin opens every page of the embedded app (Overview,
// Retention, Customers, a customer's view, Conversion, Portfolio, Settings, Data sync) in English
// and in Polish, THEN axe-core, run in the page once its heading shows, finds no serious or
// critical violation of WCAG 2.1 A/AA or of its best practices. A violation is printed with its
// rule, its help text and link, and the elements it was found on.
import axe from "axe-core";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { translator, type Locale } from "#app/i18n";
import type { LocalStack } from "../../scripts/lib/stack";
import { openPage, startBrowserStack } from "./browser";

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

/** Every page of the app, with the message of its heading; the customer's view gets its id later. */
const PAGES: Array<{ name: string; path: string; title: string }> = [
  { name: "overview", path: "/app", title: "overview.title" },
  { name: "retention", path: "/app/retention", title: "retention.title" },
  { name: "customers", path: "/app/customers", title: "customers.title" },
  { name: "customer", path: "/app/customers/:id", title: "common.customerId" },
  { name: "conversion", path: "/app/conversion", title: "conversion.title" },
  { name: "portfolio", path: "/app/portfolio", title: "portfolio.title" },
  { name: "settings", path: "/app/settings", title: "settings.title" },
  { name: "sync", path: "/app/sync", title: "nav.sync" },
];

/** A violation as a few readable lines: rule, impact, help, link, and where (up to five elements). */
function describeViolation(violation: Violation): string {
  const where = violation.nodes
    .slice(0, 5)
    .map((node) => `    at ${node.target.map(String).join(" ")}\n      ${(node.failureSummary ?? "").replace(/\n/g, "\n      ")}`);
  const more = violation.nodes.length > 5 ? [`    … and ${violation.nodes.length - 5} more`] : [];
  return [`  ${violation.id} (${violation.impact}): ${violation.help}\n    ${violation.helpUrl}`, ...where, ...more].join("\n");
}

/** axe-core's run of the whole document: violations only, WCAG 2.0/2.1 A and AA and best practices. */
async function runAxe(page: Page): Promise<Violation[]> {
  await page.addScriptTag({ content: axe.source });
  return page.evaluate(async () => {
    const run = (window as unknown as { axe: typeof axe }).axe.run;
    const results = await run(document, {
      resultTypes: ["violations"],
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((node) => ({ target: node.target as unknown[], failureSummary: node.failureSummary })),
    }));
  });
}

describe("every page passes axe-core in English and Polish", () => {
  let stack: LocalStack;
  let browser: Browser;
  let stop = async () => {};
  let customerId: number;

  beforeAll(async () => {
    ({ stack, browser, stop } = await startBrowserStack({ seed: 17, customers: 200 }));
    const { portfolioAction } = await import("#app/portfolios/portfolio-actions.server");
    const form = new FormData();
    form.set("intent", "create");
    form.set("name", "Agencja");
    await portfolioAction({ shop: stack.shop, userId: "1" }, form);
    // A customer with orders that count, so the view shows its cards and timeline.
    customerId = stack.store.orders.find((order) => order.customerId !== null && !order.test && order.cancelledAt === null)!.customerId!;
  }, 300_000);

  afterAll(() => stop());

  for (const locale of ["en", "pl"] as const satisfies Locale[]) {
    it(`${locale}: no serious or critical violation on any page`, async () => {
      const t = translator(locale);
      const failures: string[] = [];
      for (const { name, path, title } of PAGES) {
        const { page, errors } = await openPage(browser);
        try {
          const response = await page.goto(stack.embeddedUrl(path.replace(":id", String(customerId)), locale === "pl" ? "pl-PL" : "en"));
          expect(response?.status(), `${name} answered`).toBe(200);
          await page.getByRole("heading", { name: t(title, { id: customerId }), exact: true }).first().waitFor();
          await page.waitForLoadState("networkidle");
          const serious = (await runAxe(page)).filter((v) => v.impact === "serious" || v.impact === "critical");
          for (const violation of serious) failures.push(`${name} (${locale}):\n${describeViolation(violation)}`);
          expect(errors, `${name}: console errors`).toEqual([]);
        } finally {
          await page.close();
        }
      }
      expect(failures, `serious or critical axe-core violations:\n${failures.join("\n")}`).toEqual([]);
    }, 240_000);
  }
});
