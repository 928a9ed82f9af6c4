// The app's languages. The Shopify admin opens the app with its user's `locale` (`pl-PL`, `en`…);
// the messages of that language (app/locales/, English when the admin's is not one of ours)
// render on the server and in the browser alike, and Polaris gets its own translations for the
// same language. Messages use i18next's plural keys (`_one`, `_few`, `_many`, `_other`), chosen by
// Intl.PluralRules, so Polish counts read right.
import { createInstance, type i18n as I18n, type TFunction } from "i18next";
import polarisEn from "@shopify/polaris/locales/en.json";
import polarisPl from "@shopify/polaris/locales/pl.json";
import en from "./locales/en.json";
import pl from "./locales/pl.json";

export const LOCALES = ["en", "pl"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "en";

/** Each language's messages, as i18next resources. */
export const MESSAGES: Record<Locale, Record<string, unknown>> = { en, pl };

/** Polaris's own strings (pagination, sorting, empty states…) in each language. */
export const POLARIS_TRANSLATIONS: Record<Locale, typeof polarisEn> = { en: polarisEn, pl: polarisPl };

/** "pl-PL", "pl", "PL" → "pl"; anything that is not one of ours (or nothing) → English. */
export function resolveLocale(tag: string | null | undefined): Locale {
  const language = (tag ?? "").trim().toLowerCase().split(/[-_]/)[0];
  return LOCALES.find((locale) => locale === language) ?? DEFAULT_LOCALE;
}

/** The language a request asks for: the admin's `locale` query parameter. */
export function requestLocale(request: Request): Locale {
  return resolveLocale(new URL(request.url).searchParams.get("locale"));
}

/**
 * An i18next instance in `locale`, ready at once (the messages are bundled, nothing is fetched),
 * so the server's HTML is already in the admin's language.
 */
export function createI18n(locale: Locale): I18n {
  const instance = createInstance();
  void instance.init({
    lng: locale,
    fallbackLng: DEFAULT_LOCALE,
    supportedLngs: [...LOCALES],
    resources: Object.fromEntries(LOCALES.map((each) => [each, { translation: MESSAGES[each] }])),
    initAsync: false,
    // React escapes what it renders; escaping here would show "&amp;" in the page.
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  return instance;
}

const translators = new Map<Locale, TFunction>();

/** The messages of `locale` outside React: the command line (English), the downloads' headers. */
export function translator(locale: Locale = DEFAULT_LOCALE): TFunction {
  let t = translators.get(locale);
  if (!t) {
    t = createI18n(locale).t;
    translators.set(locale, t);
  }
  return t;
}
