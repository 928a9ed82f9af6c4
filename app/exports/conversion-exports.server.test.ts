// GIVEN a store with Shopify's session figures, WHEN the Conversion page's funnel, series and
// breakdowns are exported, THEN each file's rows are the engine's figures for the same query,
// named with the range and source; a visitor's landing page that a spreadsheet would run as a
// formula is written as text; and a bad query is refused.
import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, it } from "vitest";
import prisma from "#app/db.server";
import { BREAKDOWN_TOP, funnelSteps } from "#app/dashboard/conversion-page.server";
import { conversionBreakdowns } from "#app/metrics/conversion-breakdowns.server";
import { conversionOverview } from "#app/metrics/conversion.server";
import { InvalidRangeError } from "#app/metrics/periods";
import { fixtureShop, writeSessions } from "#app/metrics/test-helpers/fixtures";
import { csvText, neutralise } from "./csv.server";
import { conversionBreakdownsExport, conversionFunnelExport, conversionSeriesExport } from "./conversion-exports.server";

const NOW = new Date("2026-05-20T12:00:00Z");
const RANGE = { from: "2026-04-01", to: "2026-06-01" };
const HOSTILE = "=HYPERLINK(\"http://evil.example\",\"x\")";
const text = (value: number | null) => (value === null ? "" : String(value));
const cells = async (file: { header: string[]; rows: Iterable<unknown[]> | AsyncIterable<unknown[]> }) =>
  parse(await csvText(file.header, file.rows as Iterable<never[]>), { bom: true }) as string[][];

describe("conversion exports", () => {
  let shop: string;

  beforeAll(async () => {
    shop = await fixtureShop({ orders: [] }, { timeZone: "Europe/Berlin", currency: "EUR" });
    const days = ["2026-04-03", "2026-04-17", "2026-05-02", "2026-05-19"].map((day, i) => ({
      day,
      sessions: 100 + 37 * i,
      sessionsWithCartAdditions: 20 + 3 * i,
      sessionsReachedCheckout: 9 + i,
      sessionsCompletedCheckout: 4 + i,
    }));
    await writeSessions(shop, { days });
    const row = (dimension: string, day: string, value: string, sessions: number, completed: number) => ({
      shop,
      dimension,
      day: new Date(`${day}T00:00:00Z`),
      value,
      sessions,
      sessionsWithCartAdditions: completed,
      sessionsReachedCheckout: completed,
      sessionsCompletedCheckout: completed,
    });
    await prisma.shopifySessionBreakdown.createMany({
      data: [
        row("device", "2026-04-03", "mobile", 80, 3),
        row("device", "2026-05-02", "desktop", 60, 4),
        row("source", "2026-04-03", "google", 70, 2),
        row("source", "2026-04-17", "-2+3", 5, 1),
        ...["a", "b", "c", "d", "e", "f"].map((page, i) => row("landingPage", "2026-04-17", `/${page}`, 10 + i, i % 2)),
        row("landingPage", "2026-05-02", HOSTILE, 50, 5),
      ],
    });
  });

  it("writes the funnel as the page shows it", async () => {
    const file = await conversionFunnelExport(shop, new URLSearchParams(RANGE), NOW);
    expect(file.fileName).toBe("metryka-conversion-funnel-2026-04-01_2026-05-31-EUR-shopify-sessions.csv");
    const [header, ...rows] = await cells(file);
    expect(header).toEqual(["Step", "Sessions", "Share of sessions", "Share of the step before"]);
    const report = await conversionOverview(shop, { range: RANGE, granularity: "month" }, { now: NOW });
    const steps = funnelSteps(report.totals);
    expect(steps.length).toBe(4);
    expect(rows).toEqual(
      steps.map((step) => [
        { sessions: "Sessions", cart: "Added to cart", checkout: "Reached checkout", completed: "Completed checkout" }[step.key],
        String(step.sessions),
        text(step.shareOfSessions),
        text(step.shareOfPrevious),
      ]),
    );
  });

  it.each(["week", "month"] as const)("writes the series by %s as the engine has it", async (granularity) => {
    const file = await conversionSeriesExport(shop, new URLSearchParams({ ...RANGE, granularity }), NOW);
    expect(file.fileName).toBe(`metryka-conversion-by-${granularity}-2026-04-01_2026-05-31-EUR-shopify-sessions.csv`);
    const [, ...rows] = await cells(file);
    const report = await conversionOverview(shop, { range: RANGE, granularity }, { now: NOW });
    expect(rows.map((row) => row[0])).toEqual(report.series.map((point) => point.period));
    expect(rows.map((row) => row.slice(4))).toEqual(
      report.series.map((point) =>
        [
          point.sessions,
          point.sessionsWithCartAdditions,
          point.sessionsReachedCheckout,
          point.sessionsCompletedCheckout,
          point.conversionRate,
          point.orders,
          point.ordersPerSession,
          point.signUps,
          point.signUpRate,
        ].map(text),
      ),
    );
    expect(rows.some((row) => Number(row[4]) > 0)).toBe(true);
  });

  it("writes the breakdowns, a visitor's formula as text", async () => {
    const file = await conversionBreakdownsExport(shop, new URLSearchParams(RANGE), NOW);
    const raw = await csvText(file.header, file.rows);
    // The formula starts with an apostrophe: a spreadsheet shows it, never runs it.
    expect(raw).toContain(`'=HYPERLINK(`);
    expect(raw).not.toMatch(/(^|,)"?=HYPERLINK/m);
    const [, ...rows] = parse(raw, { bom: true }) as string[][];
    const breakdowns = await conversionBreakdowns(shop, { range: RANGE, source: "shopify", top: BREAKDOWN_TOP }, "Europe/Berlin");
    const label = { source: "By traffic source", device: "By device", landingPage: "By landing page" } as const;
    const expected = (["source", "device", "landingPage"] as const).flatMap((dimension) =>
      breakdowns.dimensions[dimension].map((row) => [
        label[dimension],
        String(neutralise(row.value)),
        String(row.sessions),
        String(row.sessionsCompletedCheckout),
        text(row.conversionRate),
      ]),
    );
    expect(rows).toEqual(expected);
    // The hostile values are among them, as text; and "Other" sums what is past the top five.
    expect(rows.some((row) => row[1] === `'${HOSTILE}`)).toBe(true);
    expect(rows.some((row) => row[1] === "'-2+3")).toBe(true);
    expect(rows.some((row) => row[1] === "Other")).toBe(true);
  });

  it("refuses a bad query with the reason", async () => {
    await expect(conversionSeriesExport(shop, new URLSearchParams({ ...RANGE, granularity: "year" }), NOW)).rejects.toThrow(InvalidRangeError);
    await expect(conversionFunnelExport(shop, new URLSearchParams({ ...RANGE, source: "guess" }), NOW)).rejects.toThrow(InvalidRangeError);
    await expect(conversionBreakdownsExport(shop, new URLSearchParams({ from: "2026-06-01", to: "2026-05-01" }), NOW)).rejects.toThrow(InvalidRangeError);
  });
});
