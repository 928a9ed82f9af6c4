// A custom date range, as in Shopify's admin: a calendar (Polaris DatePicker, range selection)
// and the two dates as text, in a popover, applied or cancelled. Dates are the shop's local
// dates (YYYY-MM-DD); the calendar shows them as plain days, whatever the browser's time zone.
// A range that ends before it starts, or a date that is not one, cannot be applied.
import { BlockStack, Box, Button, DatePicker, InlineStack, Popover, TextField } from "@shopify/polaris";
import { useState } from "react";
import { useTranslation } from "react-i18next";

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

// Plain calendar arithmetic, without a date library in the browser bundle of every page.
function parts(day: string): [number, number, number] {
  const [y, m, d] = day.split("-").map(Number);
  return [y, m, d];
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** A YYYY-MM-DD day as the calendar's Date (local midnight of that day in the browser). */
function calendarDate(day: string): Date {
  const [y, m, d] = parts(day);
  return new Date(y, m - 1, d);
}

/** The calendar's Date as the YYYY-MM-DD day it shows. */
function dayOf(date: Date): string {
  return `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Written YYYY-MM-DD and a day of the calendar (no 30 February). */
function validDay(value: string): boolean {
  if (!LOCAL_DATE.test(value)) return false;
  const [y, m, d] = parts(value);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function nextDay(day: string): string {
  const [y, m, d] = parts(day);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

export function DateRangePicker({
  from,
  lastDay,
  today,
  onApply,
}: {
  /** The range shown now: first and last day. */
  from: string;
  lastDay: string;
  /** The shop's today; no later day can be picked. */
  today?: string;
  /** The chosen range, `to` exclusive (the day after the last). */
  onApply: (range: { from: string; to: string }) => void;
}) {
  const { t } = useTranslation();
  const [active, setActive] = useState(false);
  const [start, setStart] = useState(from);
  const [end, setEnd] = useState(lastDay);
  const [shown, setShown] = useState(() => ({ month: calendarDate(lastDay).getMonth(), year: calendarDate(lastDay).getFullYear() }));

  const open = () => {
    setStart(from);
    setEnd(lastDay);
    const last = calendarDate(lastDay);
    // Two months side by side, the range's last day in the second.
    const first = new Date(last.getFullYear(), last.getMonth() - 1, 1);
    setShown({ month: first.getMonth(), year: first.getFullYear() });
    setActive(true);
  };
  const startError = validDay(start) ? undefined : t("overviewPage.picker.invalidDate");
  const endError = !validDay(end)
    ? t("overviewPage.picker.invalidDate")
    : validDay(start) && end < start
      ? t("overviewPage.picker.endBeforeStart")
      : undefined;
  const canApply = !startError && !endError;

  const activator = (
    <Button onClick={() => (active ? setActive(false) : open())} disclosure={active ? "up" : "down"}>
      {t("overviewPage.picker.custom")}
    </Button>
  );
  return (
    <Popover active={active} activator={activator} onClose={() => setActive(false)} preferredAlignment="left" fluidContent autofocusTarget="first-node">
      <Box padding="400" maxWidth="620px">
        <BlockStack gap="400">
          <InlineStack gap="300" wrap={false}>
            <TextField
              label={t("overviewPage.picker.start")}
              value={start}
              onChange={setStart}
              autoComplete="off"
              placeholder="YYYY-MM-DD"
              error={startError}
            />
            <TextField
              label={t("overviewPage.picker.end")}
              value={end}
              onChange={setEnd}
              autoComplete="off"
              placeholder="YYYY-MM-DD"
              error={endError}
            />
          </InlineStack>
          <DatePicker
            month={shown.month}
            year={shown.year}
            onMonthChange={(month, year) => setShown({ month, year })}
            selected={validDay(start) && validDay(end) && end >= start ? { start: calendarDate(start), end: calendarDate(end) } : undefined}
            onChange={({ start: picked, end: pickedEnd }) => {
              setStart(dayOf(picked));
              setEnd(dayOf(pickedEnd ?? picked));
            }}
            disableDatesAfter={today ? calendarDate(today) : undefined}
            allowRange
            multiMonth
          />
          <InlineStack align="end" gap="200">
            <Button onClick={() => setActive(false)}>{t("overviewPage.picker.cancel")}</Button>
            <Button
              variant="primary"
              disabled={!canApply}
              onClick={() => {
                setActive(false);
                onApply({ from: start, to: nextDay(end) });
              }}
            >
              {t("overviewPage.picker.apply")}
            </Button>
          </InlineStack>
        </BlockStack>
      </Box>
    </Popover>
  );
}
