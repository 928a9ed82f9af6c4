import { DateTime } from "luxon";

export interface PresetRange {
  value: string;
  label: string;
  from: string;
  to: string;
}

/**
 * Ranges the date select offers, as shop-local dates, `to` exclusive. The first is the default
 * range of every page; the day-based ones end with today, as the monthly ones hold this month.
 */
export function presetRanges(nowIso: string, timeZone: string): PresetRange[] {
  const today = DateTime.fromISO(nowIso, { zone: timeZone });
  const date = today.startOf("day");
  const month = today.startOf("month");
  const day = (d: DateTime) => d.toISODate() as string;
  const year = today.startOf("year");
  return [
    { value: "12m", label: "Last 12 months", from: day(month.minus({ months: 11 })), to: day(month.plus({ months: 1 })) },
    { value: "24m", label: "Last 24 months", from: day(month.minus({ months: 23 })), to: day(month.plus({ months: 1 })) },
    { value: "ytd", label: "This year", from: day(year), to: day(year.plus({ years: 1 })) },
    { value: "last-year", label: "Last year", from: day(year.minus({ years: 1 })), to: day(year) },
    { value: "today", label: "Today", from: day(date), to: day(date.plus({ days: 1 })) },
    { value: "yesterday", label: "Yesterday", from: day(date.minus({ days: 1 })), to: day(date) },
    { value: "7d", label: "Last 7 days", from: day(date.minus({ days: 6 })), to: day(date.plus({ days: 1 })) },
    { value: "30d", label: "Last 30 days", from: day(date.minus({ days: 29 })), to: day(date.plus({ days: 1 })) },
    { value: "90d", label: "Last 90 days", from: day(date.minus({ days: 89 })), to: day(date.plus({ days: 1 })) },
    { value: "last-month", label: "Last month", from: day(month.minus({ months: 1 })), to: day(month) },
  ];
}
