// Accessibility checks for the browser tests: axe-core run in a page, the WCAG 2.0/2.1 A and AA
// rules and axe's best practices, and what it finds serious or critical as readable lines.
import axe from "axe-core";
import type { Page } from "playwright-core";

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

/** A violation as a few readable lines: rule, impact, help, link, and where (up to five elements). */
function describeViolation(violation: Violation): string {
  const where = violation.nodes
    .slice(0, 5)
    .map((node) => `    at ${node.target.map(String).join(" ")}\n      ${(node.failureSummary ?? "").replace(/\n/g, "\n      ")}`);
  const more = violation.nodes.length > 5 ? [`    … and ${violation.nodes.length - 5} more`] : [];
  return [`  ${violation.id} (${violation.impact}): ${violation.help}\n    ${violation.helpUrl}`, ...where, ...more].join("\n");
}

/** axe-core's serious and critical violations of the page as it is now (once its data has arrived), described. */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.waitForLoadState("networkidle");
  await page.addScriptTag({ content: axe.source });
  const violations: Violation[] = await page.evaluate(async () => {
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
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map(describeViolation);
}
