import { BlockStack, Text } from "@shopify/polaris";
import type { CSSProperties } from "react";
import { useTranslation } from "react-i18next";
import type { GapHistogram as Histogram, HistogramBin } from "#app/metrics/retention";
import { CHART_BLUE } from "./chart-style";
import { useFormat } from "./format";

const SECOND_COLOR = "#9bb9e8";

const styles = {
  table: { width: "100%", borderCollapse: "collapse", fontSize: 12, fontVariantNumeric: "tabular-nums" },
  label: { padding: "3px 8px 3px 0", whiteSpace: "nowrap", textAlign: "left", fontWeight: 500, width: 1 },
  bars: { padding: "3px 0", width: "100%" },
  bar: { display: "flex", alignItems: "center", gap: 6, height: 12 },
  key: { display: "inline-block", width: 10, height: 10, borderRadius: 2, marginRight: 4, verticalAlign: "middle" },
} satisfies Record<string, CSSProperties>;

/**
 * How long after the order before each later order in the range came: one row per bin (under a
 * day, a week, two weeks, a month, …), a bar each for second orders and for any repeat order,
 * as long as its share of the largest bin, with its count.
 */
export function GapHistogram({ histogram }: { histogram: Histogram }) {
  const { t } = useTranslation();
  const f = useFormat();
  const largest = Math.max(1, ...histogram.betweenOrders.map((bin) => bin.count), ...histogram.firstToSecond.map((bin) => bin.count));
  const label = (bin: HistogramBin) =>
    bin.toDays === null
      ? t("retentionViews.histogram.openBin", { from: f.count(bin.fromDays) })
      : t("retentionViews.histogram.bin", { from: f.count(bin.fromDays), to: f.count(bin.toDays) });
  const bar = (count: number, color: string, series: string) => (
    <div style={styles.bar} data-series={series} data-count={count}>
      {/* An empty bin keeps a faint stub of its series' colour, so that its "0" reads as that series' count. */}
      <span style={{ display: "block", height: "100%", width: `${(count / largest) * 85}%`, minWidth: 2, background: color, opacity: count > 0 ? 1 : 0.35, borderRadius: 2 }} />
      <span>{f.count(count)}</span>
    </div>
  );
  if (histogram.betweenOrders.every((bin) => bin.count === 0)) {
    return (
      <Text as="p" tone="subdued">
        {t("retentionViews.histogram.empty")}
      </Text>
    );
  }
  return (
    <BlockStack gap="200">
      <Text as="h3" variant="headingSm" tone="subdued">
        {t("retentionViews.histogram.title")}
      </Text>
      <table style={styles.table} data-testid="gap-histogram" aria-label={t("retentionViews.histogram.label")}>
        <tbody>
          {histogram.betweenOrders.map((bin, i) => (
            <tr key={bin.fromDays} data-from={bin.fromDays}>
              <th scope="row" style={styles.label}>
                {label(bin)}
              </th>
              <td style={styles.bars}>
                {bar(histogram.firstToSecond[i].count, SECOND_COLOR, "firstToSecond")}
                {bar(bin.count, CHART_BLUE, "betweenOrders")}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Text as="p" variant="bodySm" tone="subdued">
        <span style={{ ...styles.key, background: SECOND_COLOR }} aria-hidden />
        {t("retentionViews.histogram.firstToSecond")}
        {"  "}
        <span style={{ ...styles.key, background: CHART_BLUE, marginLeft: 12 }} aria-hidden />
        {t("retentionViews.histogram.betweenOrders")}
      </Text>
    </BlockStack>
  );
}
