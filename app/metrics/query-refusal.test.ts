// A refused query says why in both languages: each refusal, raised where the app raises it, has
// its message with every value filled in, in English and in Polish. Range errors are 400s; a
// customer the store does not know is a 404.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { customerListQuery, predictionGroupsQuery } from "#app/dashboard/customers-page.server";
import { parsePageQuery } from "#app/dashboard/page-query.server";
import { LOCALES, translator } from "#app/i18n";
import { CustomerNotFoundError, customerPage } from "#app/dashboard/customer-page.server";
import { assertTimeZone, comparisonRange, QUERY_REFUSAL_KEYS, RefusedQueryError, validateRange, type Comparison, type QueryRefusal } from "./periods";
import { invalidParameter } from "./query-refusal";
import { atRiskLimit, retentionPlan } from "./retention";
import { DEFAULT_METRIC_SETTINGS } from "./settings";

async function refused(work: () => unknown): Promise<RefusedQueryError> {
  try {
    await work();
  } catch (error) {
    expect(error).toBeInstanceOf(RefusedQueryError);
    return error as RefusedQueryError;
  }
  throw new Error("not refused");
}

const query = (text: string) => new URLSearchParams(text);
const parse = (schema: z.ZodTypeAny, input: Record<string, unknown>) => () => {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw invalidParameter(parsed.error, input);
};

const CASES: Array<[string, () => unknown, QueryRefusal, status?: number]> = [
  ["a date written otherwise", () => parsePageQuery(query("from=2026-3-1&to=2026-04-01"), {}), { key: "notADate", values: { parameter: "from", value: "2026-3-1" } }],
  ["one end of a range", () => parsePageQuery(query("from=2026-01-01"), {}), { key: "bothOrNeither" }],
  ["a date not in the calendar", () => validateRange({ from: "2026-02-30", to: "2026-03-01" }), { key: "notACalendarDate", values: { parameter: "from", value: "2026-02-30" } }],
  ["a range ending before it starts", () => validateRange({ from: "2026-05-01", to: "2026-01-01" }), { key: "endBeforeStart", values: { from: "2026-05-01", to: "2026-01-01" } }],
  ["a range before 1900", () => validateRange({ from: "1800-01-01", to: "2026-01-01" }), { key: "outsideYears", values: { from: "1800-01-01", to: "2026-01-01" } }],
  ["too many days", () => validateRange({ from: "2000-01-01", to: "2020-01-01" }, "day"), { key: "tooManyBuckets", values: { from: "2000-01-01", to: "2020-01-01", max: 5000 } }],
  ["an unknown comparison", () => comparisonRange({ from: "2026-01-01", to: "2026-02-01" }, "lastDecade" as Comparison, { timeZone: "UTC", now: new Date("2030-01-01T00:00:00Z") }), { key: "notOneOf", values: { parameter: "compareTo", value: "lastDecade", allowed: "previous_period, previous_year" } }],
  ["an unknown time zone", () => assertTimeZone("Mars/Olympus"), { key: "unknownTimeZone", values: { value: "Mars/Olympus" } }],
  ["an unknown sort", () => customerListQuery(query("sort=mood"), "USD"), { key: "notOneOf", values: { parameter: "sort", value: "mood", allowed: "net_spend, orders, last_order" } }],
  ["a count that is not a number", () => customerListQuery(query("minOrders=many"), "USD"), { key: "notAWholeNumber", values: { parameter: "minOrders" } }],
  ["a negative count", () => customerListQuery(query("minOrders=-2"), "USD"), { key: "atLeast", values: { parameter: "minOrders", limit: 0 } }],
  ["an amount that is not one", () => customerListQuery(query("minSpend=12%24"), "USD"), { key: "notAnAmount", values: { parameter: "minSpend", value: "12$" } }],
  ["an amount finer than the currency", () => customerListQuery(query("minSpend=1.001"), "USD"), { key: "notAnAmount", values: { parameter: "minSpend", value: "1.001" } }],
  ["a minimum above its maximum", () => customerListQuery(query("minOrders=5&maxOrders=2"), "USD"), { key: "minAboveMax", values: { min: "minOrders", max: "maxOrders" } }],
  ["a page past the list", () => predictionGroupsQuery(query("groupPage=999999999")), { key: "beyondList", values: { parameter: "groupPage", value: "999999999" } }],
  ["a limit out of bounds", () => atRiskLimit({ limit: 5000 }), { key: "wholeNumber", values: { parameter: "limit", low: 0, high: 1000 } }],
  [
    "a weekly cohort grid too large",
    () => retentionPlan({ range: { from: "2012-01-01", to: "2026-01-01" }, cohortGranularity: "week" }, { timeZone: "UTC", now: new Date("2026-01-01T00:00:00Z"), settings: DEFAULT_METRIC_SETTINGS }),
    { key: "tooManyCohortCells", values: { from: "2012-01-01", cells: expect.any(Number) as unknown as number, max: 100_000 } },
  ],
  ["a number too large", parse(z.object({ limit: z.number().max(10) }), { limit: 11 }), { key: "atMost", values: { parameter: "limit", limit: 10 } }],
  ["a text too long", parse(z.object({ tag: z.string().max(3) }), { tag: "four" }), { key: "tooLong", values: { parameter: "tag", limit: 3 } }],
  ["a parameter left out", parse(z.object({ tag: z.string() }), {}), { key: "missing", values: { parameter: "tag" } }],
  ["a parameter of the wrong kind", parse(z.object({ tag: z.string() }), { tag: true }), { key: "invalid", values: { parameter: "tag" } }],
  ["a customer id that is not one", () => customerPage("refusals.myshopify.com", "me", new Date()), { key: "notACustomerId" }],
  // Raised by the customer page for an id the store does not know (the browser test opens one).
  [
    "a customer the store does not know",
    () => {
      throw new CustomerNotFoundError();
    },
    { key: "noSuchCustomer" },
    404,
  ],
];

describe("refused queries", () => {
  it("cover every refusal there is", () => {
    expect(new Set(CASES.map(([, , refusal]) => refusal.key))).toEqual(new Set(QUERY_REFUSAL_KEYS));
  });

  it.each(CASES)("%s: a 4xx that says why in every language", async (_name, work, expected, status = 400) => {
    const error = await refused(work);
    expect(error.status).toBe(status);
    expect(error.refusal).toEqual(expected);
    const values = "values" in error.refusal ? (error.refusal.values as Record<string, string | number>) : {};
    const texts = LOCALES.map((locale) => translator(locale)(`rangeErrors.${error.refusal.key}`, values));
    for (const text of texts) {
      expect(text).not.toMatch(/\{\{|rangeErrors\./);
      for (const value of Object.values(values)) expect(text).toContain(String(value));
    }
    expect(new Set(texts).size).toBe(LOCALES.length);
  });
});
