import { DateTime } from "luxon";

export interface PresetRange {
  value: string;
  label: string;
  from: string;
  to: string;
}

/** Ranges the Overview offers, as shop-local dates, `to` exclusive. */
export function presetRanges(nowIso: string, timeZone: string): PresetRange[] {
  const today = DateTime.fromISO(nowIso, { zone: timeZone });
  const month = today.startOf("month");
  const day = (d: DateTime) => d.toISODate() as string;
  const year = today.startOf("year");
  return [
    { value: "12m", label: "Last 12 months", from: day(month.minus({ months: 11 })), to: day(month.plus({ months: 1 })) },
    { value: "24m", label: "Last 24 months", from: day(month.minus({ months: 23 })), to: day(month.plus({ months: 1 })) },
    { value: "ytd", label: "This year", from: day(year), to: day(year.plus({ years: 1 })) },
    { value: "last-year", label: "Last year", from: day(year.minus({ years: 1 })), to: day(year) },
  ];
}
