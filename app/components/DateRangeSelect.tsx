import { Select } from "@shopify/polaris";
import { useTranslation } from "react-i18next";
import { useFormat } from "./format";

export interface RangePreset {
  value: string;
  label: string;
  from: string;
  to: string;
}

/** The date range select of a report: the presets, and the URL's own range when it is none of them. */
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
  return (
    <Select
      label={t("controls.dateRange")}
      options={[
        ...presets.map((p) => ({ label: t(`controls.ranges.${p.value}`, { defaultValue: p.label }), value: p.value })),
        ...(selected === "custom" ? [{ label: `${f.day(range.from)} – ${f.day(lastDay)}`, value: "custom" }] : []),
      ]}
      value={selected}
      onChange={(value) => {
        const preset = presets.find((p) => p.value === value);
        if (preset) onChange({ from: preset.from, to: preset.to });
      }}
    />
  );
}
