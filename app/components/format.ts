// Display formatting shared by the components. Amounts arrive in integer minor units.
import { currencyDigits } from "#app/shopify/money";

export function formatMoney(minor: number, currency: string, { compact = false } = {}): string {
  const value = minor / 10 ** currencyDigits(currency);
  return new Intl.NumberFormat("en", {
    style: "currency",
    currency,
    ...(compact ? { notation: "compact", maximumFractionDigits: 1 } : {}),
  }).format(value);
}

/** A growth fraction as "+12.3%"; null (no base to compare with) as an em dash. */
export function formatGrowth(growth: number | null): string {
  if (growth === null) return "—";
  const percent = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 1, signDisplay: "exceptZero" });
  return percent.format(growth);
}

export function formatPercent(value: number | null): string {
  if (value === null) return "—";
  return new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 1 }).format(value);
}

export function formatCount(value: number): string {
  return new Intl.NumberFormat("en").format(value);
}

/** "2026-03" → "Mar 2026"; other bucket keys are shown as they are. */
export function formatPeriod(period: string): string {
  const month = /^(\d{4})-(\d{2})$/.exec(period);
  if (!month) return period;
  const date = new Date(Date.UTC(Number(month[1]), Number(month[2]) - 1, 1));
  return new Intl.DateTimeFormat("en", { month: "short", year: "numeric", timeZone: "UTC" }).format(date);
}

/** An instant as a date and time in the shop's time zone ("Dec 2, 2026, 7:41 PM"). */
export function formatDateTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone }).format(new Date(iso));
}
