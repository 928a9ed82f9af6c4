// The message files: every message in both languages, with each language's plural forms and the
// same placeholders, every key the code names in them; and the language and formats a request gets.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { NAMED_VALUES } from "#app/components/BreakdownTable";
import { COHORT_VIEWS } from "#app/components/CohortTable";
import { formatter } from "#app/components/format";
import { funnelSteps } from "#app/dashboard/conversion-page.server";
import { presetRanges } from "#app/dashboard/ranges";
import { SESSION_SOURCES } from "#app/metrics/conversion";
import { QUERY_REFUSAL_KEYS } from "#app/metrics/periods";
import { PREDICTION_GROUPS, SHORTFALL_KINDS } from "#app/metrics/prediction";
import { LOCALES, MESSAGES, resolveLocale, translator, type Locale } from "#app/i18n";
import { TAG_REFUSAL_KEYS } from "#app/shopify/customer-tags";

const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;

/** "a.b_one" → message text, for every leaf of a message file. */
function flatten(messages: Record<string, unknown>, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(messages)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string") out.set(name, value);
    else for (const [k, v] of flatten(value as Record<string, unknown>, name)) out.set(k, v);
  }
  return out;
}

/** Each message by its key without a plural suffix, with the plural forms it has. */
function messagesByBase(locale: Locale) {
  const bases = new Map<string, { forms: string[]; texts: string[] }>();
  for (const [key, text] of flatten(MESSAGES[locale])) {
    const form = PLURAL_SUFFIX.exec(key)?.[1];
    const base = form ? key.replace(PLURAL_SUFFIX, "") : key;
    const entry = bases.get(base) ?? { forms: [], texts: [] };
    if (form) entry.forms.push(form);
    entry.texts.push(text);
    bases.set(base, entry);
  }
  return bases;
}

/** The {{placeholders}} and <tags> of a message's forms. */
function slots(texts: string[]): string[] {
  const found = new Set<string>();
  for (const text of texts) for (const match of text.matchAll(/\{\{\s*(\w+)\s*\}\}|<\/?(\w+)>/g)) found.add(match[1] ?? `<${match[2]}>`);
  return [...found].sort();
}

describe("message files", () => {
  const byLocale = Object.fromEntries(LOCALES.map((locale) => [locale, messagesByBase(locale)])) as Record<Locale, ReturnType<typeof messagesByBase>>;

  it.each(LOCALES.flatMap((a) => LOCALES.filter((b) => b !== a).map((b) => [a, b] as const)))("every %s message is in %s", (a, b) => {
    const missing = [...byLocale[a].keys()].filter((key) => !byLocale[b].has(key));
    expect(missing).toEqual([]);
  });

  it.each(LOCALES)("a counted %s message has every plural form of the language", (locale) => {
    const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories.slice().sort();
    const wrong = [...byLocale[locale]]
      .filter(([, entry]) => entry.forms.length > 0 && entry.forms.slice().sort().join() !== categories.join())
      .map(([key, entry]) => `${key}: ${entry.forms.join(", ")}`);
    expect(wrong).toEqual([]);
  });

  it("a message has the same placeholders in every language", () => {
    const differing = [...byLocale.en].flatMap(([key, entry]) =>
      LOCALES.filter((locale) => byLocale[locale].has(key) && slots(byLocale[locale].get(key)!.texts).join() !== slots(entry.texts).join()).map(
        (locale) => `${key} (${locale}): ${slots(byLocale[locale].get(key)!.texts).join()} ≠ ${slots(entry.texts).join()}`,
      ),
    );
    expect(differing).toEqual([]);
  });

  it("every key the pages name literally is in the messages", () => {
    const files = ["app/routes", "app/components"].flatMap((dir) =>
      fs.readdirSync(dir).filter((name) => /\.tsx?$/.test(name) && !name.includes(".test.")).map((name) => path.join(dir, name)),
    );
    const named = new Set<string>();
    for (const file of files) {
      const source = fs.readFileSync(file, "utf8");
      for (const match of source.matchAll(/\bt\(\s*"([\w.-]+)"|i18nKey="([\w.-]+)"|\?\s*"([a-z][\w]*\.[\w.]+)"\s*:\s*"([a-z][\w]*\.[\w.]+)"/g)) {
        for (const key of match.slice(1)) if (key) named.add(key);
      }
    }
    expect(named.size).toBeGreaterThan(100);
    expect([...named].filter((key) => !byLocale.en.has(key))).toEqual([]);
  });

  it("every value a page names a message after has one", () => {
    // Webhook topics as the app subscribes to them: a change that could not be applied is named by its topic.
    const toml = fs.readFileSync("shopify.app.toml", "utf8");
    const topics = [...toml.matchAll(/^\s*(?:compliance_)?topics\s*=\s*\[([^\]]*)\]/gm)].flatMap((m) => [...m[1].matchAll(/"([^"]+)"/g)].map((t) => t[1]));
    expect(topics.length).toBeGreaterThan(10);
    const steps = funnelSteps({ sessions: 1, sessionsWithCartAdditions: 1, sessionsReachedCheckout: 1, sessionsCompletedCheckout: 1 } as never);
    const keys = [
      ...topics.map((topic) => `parked.topics.${topic.replace("/", ".")}`),
      ...PREDICTION_GROUPS.flatMap((group) => [`predictions.groups.${group}`, `predictions.groupHelp.${group}`]),
      ...SHORTFALL_KINDS.map((kind) => `predictions.shortfall.${kind}`),
      ...COHORT_VIEWS.flatMap((view) => [`cohorts.views.${view}`, `cohorts.help.${view}`]),
      ...presetRanges("2026-12-03T08:00:00Z", "UTC").map((preset) => `controls.ranges.${preset.value}`),
      ...steps.map((step) => `conversion.funnel.${step.key}`),
      ...QUERY_REFUSAL_KEYS.map((key) => `rangeErrors.${key}`),
      ...TAG_REFUSAL_KEYS.map((key) => `customerActions.tag.refusals.${key}`),
      ...Object.entries(NAMED_VALUES).flatMap(([dimension, values]) => values.map((value) => `breakdown.values.${dimension}.${value}`)),
      ...SESSION_SOURCES.flatMap((source) => [`conversion.sources.${source}.badge`, `conversion.sources.${source}.note`, `portfolio.sources.${source}`]),
      ...["never", "queued", "running", "succeeded", "failed"].flatMap((status) => [`syncStatus.status.${status}`, `portfolio.syncState.${status}`]),
    ];
    expect(steps).toHaveLength(4);
    expect(keys.filter((key) => !byLocale.en.has(key))).toEqual([]);
  });
});

describe("the admin's locale", () => {
  it("picks Polish for any Polish tag and English for anything else", () => {
    expect(["pl", "pl-PL", "PL_pl"].map(resolveLocale)).toEqual(["pl", "pl", "pl"]);
    expect(["en", "en-GB", "de-DE", "", null, undefined].map(resolveLocale)).toEqual(["en", "en", "en", "en", "en", "en"]);
  });

  it("counts in Polish with the language's own plural forms", () => {
    const t = translator("pl");
    const days = (count: number) => t("units.days", { count, formatted: formatter("pl").decimal(count, 1) });
    expect([1, 2, 4, 5, 12, 22, 25, 1.5].map(days)).toEqual(["1 dzień", "2 dni", "4 dni", "5 dni", "12 dni", "22 dni", "25 dni", "1,5 dnia"]);
    expect(translator("en")("units.days", { count: 1, formatted: "1" })).toBe("1 day");
    // What a shop lacks for predictions, counted likewise.
    const customers = (count: number) => t("predictions.shortfall.customers", { count, have: String(count), need: "500" });
    expect([1, 3, 120].map(customers)).toEqual([
      "1 klient do tej pory; prognozy ruszają od 500",
      "3 klientów do tej pory; prognozy ruszają od 500",
      "120 klientów do tej pory; prognozy ruszają od 500",
    ]);
  });

  it("formats money, percentages and dates in the language, with the shop's currency and time zone", () => {
    const pl = formatter("pl");
    const en = formatter("en");
    expect(pl.money(123456, "PLN")).toBe(new Intl.NumberFormat("pl", { style: "currency", currency: "PLN" }).format(1234.56));
    expect(pl.money(123456, "PLN")).toMatch(/^1\s?234,56\s?zł$/);
    expect(en.money(123456, "USD")).toBe("$1,234.56");
    // Yen has no minor unit: 1234 minor units are ¥1,234.
    expect(en.money(1234, "JPY")).toBe("¥1,234");
    expect(pl.percent(0.123)).toMatch(/^12,3\s?%$/);
    // Figures side by side line up: a whole percentage keeps its decimal, but not in a heat map's cells.
    expect([en.percent(0.21), en.percent(0.362), en.growth(-0.62), en.growth(0)]).toEqual(["21.0%", "36.2%", "-62.0%", "0.0%"]);
    expect([en.percent(1, { short: true }), en.percent(0.143, { short: true })]).toEqual(["100%", "14.3%"]);
    // An axis in steps of a quarter of a percent reads as such, not as 0.3, 0.5, 0.8 %.
    expect([0.0025, 0.005, 0.0075, 0.01].map(en.axisPercent)).toEqual(["0.25%", "0.5%", "0.75%", "1%"]);
    expect(pl.axisPercent(0.0025)).toMatch(/^0,25\s?%$/);
    expect(pl.period("2026-03")).toBe("mar 2026");
    expect(en.period("2026-03")).toBe("Mar 2026");
    // 23:30 UTC is already the next day in Warsaw.
    expect(pl.dateTime("2026-12-02T23:30:00Z", "Europe/Warsaw")).toMatch(/^3 gru 2026, 00:30$/);
    expect(en.dateTime("2026-12-02T23:30:00Z", "America/New_York")).toMatch(/^Dec 2, 2026, 6:30\s?PM$/);
  });
});
