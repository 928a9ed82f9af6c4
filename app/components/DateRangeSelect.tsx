import { Select } from "@shopify/polaris";
import { useTranslation } from "react-i18next";
import { DateRangePicker } from "./DateRangePicker";
import { useFormat } from "./format";

export interface RangePreset {
  value: string;
  label: string;
  from: string;
  to: string;
}

/**
 * The date range choice of a report: a select of the presets (and the URL's own range when it is
 * none of them), and a custom range picked on a calendar. Dates are the shop's local dates.
 */
export function DateRangeSelect({
  presets,
  range,
  lastDay,
  onChange,
}: {
  presets: RangePreset[];
  range: { from: string; to: string };
  lastDay: string;
  onChange: (range: { from: string; to: string }) => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const selected = presets.find((p) => p.from === range.from && p.to === range.to)?.value ?? "custom";
  // The shop's today, as the "Today" preset holds it: the last day a range may end on.
  const today = presets.find((p) => p.value === "today")?.from;
  return (
    <div style={{ display: "flex", gap: "var(--p-space-200)", alignItems: "flex-end" }}>
      <div style={{ flex: "1 1 auto", minWidth: 0 }}>
        <Select
          label={t("controls.dateRange")}
          options={[
            ...presets.map((p) => ({ label: t(`controls.ranges.${p.value}`, { defaultValue: p.label }), value: p.value })),
            ...(selected === "custom" ? [{ label: f.days(range.from, lastDay), value: "custom" }] : []),
          ]}
          value={selected}
          onChange={(value) => {
            const preset = presets.find((p) => p.value === value);
            if (preset) onChange({ from: preset.from, to: preset.to });
          }}
        />
      </div>
      <DateRangePicker from={range.from} lastDay={lastDay} today={today} onApply={onChange} />
    </div>
  );
}
