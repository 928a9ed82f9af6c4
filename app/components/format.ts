// Display formatting shared by the components, through Intl in the admin's language (the
// formats follow the language; the currency and time zone are always the shop's). Amounts arrive
// in integer minor units.
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { durationInUnits } from "#app/metrics/rebuild-progress";
import { currencyDigits } from "#app/shopify/money";

export type Format = ReturnType<typeof formatter>;

/**
 * Marks a growth measured against an amount below zero (more returned than sold). Growth stays
 * (this − that) ÷ that (docs/metrics.md), as in the exports, but its sign is then the opposite
 * of the change's: a rise from −$15 to $30 is −300 %.
 */
export const NEGATIVE_BASE_MARK = "†";

/** Whether a growth figure is measured against a base below zero. */
export function fromNegativeBase(growth: number | null, base: number | null | undefined): boolean {
  return growth !== null && base !== null && base !== undefined && base < 0;
}

export function formatter(locale: string) {
  const number = (options: Intl.NumberFormatOptions = {}) => new Intl.NumberFormat(locale, options);
  const count = number();
  // One decimal always, so that a column or a row of figures lines up ("21.0%" beside "36.2%").
  const percent = number({ style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const growth = number({ style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: "exceptZero" });
  // A heat map's cells and scale: no trailing zero ("100%", "0%", "14.3%").
  const shortPercent = number({ style: "percent", maximumFractionDigits: 1 });
  // A chart axis's ticks: the decimals its steps have, up to two ("0.25%", "0.5%", "1%"), so
  // that steps of a quarter of a percent do not read as 0.3, 0.5, 0.8 %.
  const axisPercent = number({ style: "percent", maximumFractionDigits: 2 });
  const month = new Intl.DateTimeFormat(locale, { month: "short", year: "numeric", timeZone: "UTC" });
  const day = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" });
  /** A shop-local date ("2026-12-02") as "Dec 2, 2026" ("2 gru 2026"). */
  const localDate = (localDay: string) => day.format(new Date(`${localDay}T00:00:00Z`));
  const conjunction = new Intl.ListFormat(locale, { type: "conjunction" });
  return {
    locale,
    /** Items as one phrase: "2 orders and 1 customer" ("2 zamówienia i 1 klient"). */
    list(items: string[]): string {
      return conjunction.format(items);
    },
    money(minor: number, currency: string, { compact = false } = {}): string {
      const value = minor / 10 ** currencyDigits(currency);
      return number({ style: "currency", currency, ...(compact ? { notation: "compact", maximumFractionDigits: 1 } : {}) }).format(value);
    },
    /**
     * A growth fraction as "+12.3%" ("+12.0%"); null (no base to compare with) as an em dash.
     * Measured against `base` below zero, marked with NEGATIVE_BASE_MARK: the formula's sign then
     * reads against the change, and the figure needs the NegativeBaseNote beside it.
     */
    growth(value: number | null, base?: number | null): string {
      if (value === null) return "—";
      return fromNegativeBase(value, base) ? `${growth.format(value)} ${NEGATIVE_BASE_MARK}` : growth.format(value);
    },
    /** A fraction as "21.0%" ("21,0%"); `short`: without a trailing zero ("21%"), for a heat map's cells. */
    percent(value: number | null, { short = false } = {}): string {
      return value === null ? "—" : (short ? shortPercent : percent).format(value);
    },
    /** A tick of a chart's axis of shares: "0.25%", "1%". */
    axisPercent(value: number): string {
      return axisPercent.format(value);
    },
    count(value: number): string {
      return count.format(value);
    },
    /** A running time: whole seconds under two minutes ("45 seconds", at least "1 second"), whole minutes from there ("3 minutes"). */
    duration(seconds: number): string {
      const { value, unit } = durationInUnits(seconds);
      return number({ style: "unit", unit, unitDisplay: "long" }).format(value);
    },
    /** A number with at most `digits` decimals (exactly `digits` with `fixed`); null as an em dash. */
    decimal(value: number | null, digits: number, { fixed = false } = {}): string {
      if (value === null) return "—";
      return number({ maximumFractionDigits: digits, ...(fixed ? { minimumFractionDigits: digits } : {}) }).format(value);
    },
    /**
     * A period's key as a reader says it: "2026-03" → "Mar 2026" ("mar 2026"); a day "2026-03-09"
     * and an ISO week "2026-W11" (by its Monday) → "Mar 9, 2026"; other keys as they are.
     */
    period(period: string): string {
      const monthKey = /^(\d{4})-(\d{2})$/.exec(period);
      if (monthKey) return month.format(new Date(Date.UTC(Number(monthKey[1]), Number(monthKey[2]) - 1, 1)));
      if (/^\d{4}-\d{2}-\d{2}$/.test(period)) return localDate(period);
      const weekKey = /^(\d{4})-W(\d{2})$/.exec(period);
      if (weekKey) {
        // ISO week 1 holds January 4th; its Monday is that day's week's first.
        const jan4 = Date.UTC(Number(weekKey[1]), 0, 4);
        const monday = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * 86_400_000 + (Number(weekKey[2]) - 1) * 7 * 86_400_000;
        return day.format(new Date(monday));
      }
      return period;
    },
    /** A shop-local date ("2026-12-02") as "Dec 2, 2026" ("2 gru 2026"). */
    day: localDate,
    /** Shop-local dates from `from` to `lastDay`, both included ("Oct 16, 2026 – Nov 2, 2026"), or the one day. */
    days(from: string, lastDay: string): string {
      return from === lastDay ? localDate(from) : `${localDate(from)} – ${localDate(lastDay)}`;
    },
    /** An instant as a date and time in the shop's time zone ("Dec 2, 2026, 7:41 PM"). */
    dateTime(iso: string, timeZone: string): string {
      return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone }).format(new Date(iso));
    },
  };
}

/** The formats of the language the page is rendered in. */
export function useFormat(): Format {
  const { i18n } = useTranslation();
  return useMemo(() => formatter(i18n.language), [i18n.language]);
}
