import { Text } from "@shopify/polaris";
import type { CSSProperties } from "react";
import type { Cohort, CohortCell, CohortGranularity } from "#app/metrics/retention";
import { useTranslation } from "react-i18next";
import { useFormat, type Format } from "./format";

/** The views of the grid; their names and what their cells say are under `cohorts.` in the messages. */
export const COHORT_VIEWS = ["retention", "customers", "revenue", "ltv"] as const;
export type CohortView = (typeof COHORT_VIEWS)[number];

// Polaris data-visualization blue, as the charts; cells darken with their value.
const SHADE = "44, 110, 203";

const shadeAlpha = (share: number) => 0.06 + 0.84 * share;

/** A cell's background for a share (0–1) of the scale. */
const shade = (share: number) => `rgba(${SHADE}, ${shadeAlpha(share).toFixed(3)})`;

/**
 * The cell's figures in black or white, whichever stands out more from its shade on the white
 * page (WCAG's relative luminance): at least 4.6:1 everywhere on the scale, as AA asks of text.
 */
function textOn(share: number): string {
  const alpha = shadeAlpha(share);
  const channel = (value: number) => {
    const c = (alpha * value + (1 - alpha) * 255) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const [r, g, b] = SHADE.split(",").map((v) => channel(Number(v)));
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return 1.05 / (luminance + 0.05) > (luminance + 0.05) / 0.05 ? "#fff" : "#000";
}

const styles = {
  // No padding on the left: the fixed column sits on the scroller's edge, nothing shows beside it.
  scroller: { overflowX: "auto", padding: "0 var(--p-space-400) var(--p-space-200) 0" },
  // The cohort's name stays in view while the periods scroll under it (the shadows cover the
  // table's cell spacing on both sides of it).
  sticky: {
    position: "sticky",
    left: 0,
    zIndex: 1,
    paddingLeft: "var(--p-space-400)",
    background: "var(--p-color-bg-surface, #fff)",
    boxShadow:
      "-3px 0 0 var(--p-color-bg-surface, #fff), 3px 0 0 var(--p-color-bg-surface, #fff), 4px 0 0 var(--p-color-border-secondary, #ebebeb)",
  },
  legend: { display: "flex", alignItems: "center", gap: 8, flexWrap: "wrap", paddingTop: 8 },
  legendBar: {
    width: 160,
    height: 10,
    borderRadius: 3,
    background: `linear-gradient(to right, ${shade(0)}, ${shade(0.5)}, ${shade(1)})`,
  },
  table: {
    borderCollapse: "separate",
    borderSpacing: 3,
    fontSize: 12,
    fontVariantNumeric: "tabular-nums",
    minWidth: "100%",
  },
  head: {
    padding: "4px 5px",
    fontWeight: 600,
    color: "var(--p-color-text-secondary, #616161)",
    whiteSpace: "nowrap",
    textAlign: "right",
  },
  label: { padding: "6px 6px", whiteSpace: "nowrap", textAlign: "left", fontWeight: 500 },
  size: { padding: "6px 10px 6px 6px", textAlign: "right", whiteSpace: "nowrap" },
  cell: { padding: "6px 5px", minWidth: 44, textAlign: "right", borderRadius: 4, whiteSpace: "nowrap" },
} satisfies Record<string, CSSProperties>;

function cellText(f: Format, cell: CohortCell, view: CohortView, currency: string): string {
  switch (view) {
    case "retention":
      return f.percent(cell.retention, { short: true });
    case "customers":
      return f.count(cell.customers);
    case "revenue":
      // Compact ("$1.2K"): a month's revenue is wide; the cell's tooltip has the exact amount.
      return f.money(cell.netSales, currency, { compact: true });
    case "ltv":
      return cell.lifetimeValue === null ? "—" : f.money(cell.lifetimeValue, currency);
  }
}

function cellValue(cell: CohortCell, view: CohortView): number {
  switch (view) {
    case "retention":
    case "customers":
      return cell.retention ?? 0;
    case "revenue":
      return cell.netSales;
    case "ltv":
      return cell.lifetimeValue ?? 0;
  }
}

/**
 * The cohort triangle: one row per month (or week) of first orders, one column per period since.
 * Cells are shaded by their value (retention as it is; money relative to the largest cell, the
 * scale in the legend), the period still in progress is outlined and starred, and periods after
 * today are left out. The cohort column stays put while the grid scrolls sideways, so many
 * cohorts (three years of months, a year of weeks) stay readable.
 */
export function CohortTable({
  cohorts,
  view,
  currency,
  granularity = "month",
}: {
  cohorts: Cohort[];
  view: CohortView;
  currency: string;
  granularity?: CohortGranularity;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const columns = Math.max(0, ...cohorts.map((cohort) => cohort.cells.length));
  const largest = Math.max(0, ...cohorts.flatMap((cohort) => cohort.cells.map((cell) => cellValue(cell, view))));
  const share = (cell: CohortCell) => {
    const value = cellValue(cell, view);
    if (view === "retention" || view === "customers") return Math.min(1, Math.max(0, value));
    return largest > 0 ? Math.min(1, Math.max(0, value / largest)) : 0;
  };
  return (
    <div>
      <div style={styles.scroller}>
        <table
          style={styles.table}
          data-testid="cohort-table"
          data-granularity={granularity}
          aria-label={granularity === "week" ? t("retentionViews.tableLabel.week") : t("cohorts.tableLabel")}
        >
          <thead>
            <tr>
              <th scope="col" rowSpan={2} style={{ ...styles.head, ...styles.sticky, textAlign: "left", verticalAlign: "bottom" }}>
                {t("cohorts.cohort")}
              </th>
              <th scope="col" rowSpan={2} style={{ ...styles.head, verticalAlign: "bottom" }}>
                {t("cohorts.customers")}
              </th>
              {columns > 0 && (
                <th scope="colgroup" colSpan={columns} style={{ ...styles.head, textAlign: "left", fontWeight: 500 }}>
                  {granularity === "week" ? t("retentionViews.weeksAfter") : t("cohorts.monthsAfter")}
                </th>
              )}
            </tr>
            <tr>
              {Array.from({ length: columns }, (_, k) => (
                <th
                  key={k}
                  scope="col"
                  style={styles.head}
                  aria-label={granularity === "week" ? t("retentionViews.week", { k }) : t("cohorts.month", { k })}
                >
                  {k}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {cohorts.map((cohort) => (
              <tr key={cohort.cohort} data-cohort={cohort.cohort}>
                <th scope="row" style={{ ...styles.label, ...styles.sticky }}>
                  {f.period(cohort.cohort)}
                </th>
                <td style={styles.size} data-testid="cohort-size">
                  {f.count(cohort.size)}
                </td>
                {Array.from({ length: columns }, (_, k) => {
                  const cell = cohort.cells[k];
                  // A period after now: absent, not zero.
                  if (!cell) return <td key={k} aria-hidden />;
                  if (cohort.size === 0) {
                    return (
                      <td key={k} style={{ ...styles.cell, color: "var(--p-color-text-secondary, #616161)" }}>
                        —
                      </td>
                    );
                  }
                  const intensity = share(cell);
                  const style: CSSProperties = {
                    ...styles.cell,
                    background: shade(intensity),
                    color: textOn(intensity),
                    ...(cell.partial ? { outline: "1.5px dashed rgba(48, 48, 48, 0.45)", outlineOffset: -2 } : {}),
                  };
                  const title = t(cell.partial ? "cohorts.cellTitlePartial" : "cohorts.cellTitle", {
                    cohort: f.period(cohort.cohort),
                    period: f.period(cell.period),
                    customers: f.count(cell.customers),
                    size: f.count(cohort.size),
                    count: cohort.size,
                    retention: f.percent(cell.retention),
                    netSales: f.money(cell.netSales, currency),
                  });
                  return (
                    <td key={k} style={style} title={title} data-k={k} data-partial={cell.partial || undefined}>
                      {cellText(f, cell, view, currency)}
                      {cell.partial ? "*" : ""}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div style={{ ...styles.legend, padding: "8px var(--p-space-400) 0" }} data-testid="cohort-legend">
        <Text as="span" variant="bodySm" tone="subdued">
          {t("retentionViews.legend.label")}
        </Text>
        <Text as="span" variant="bodySm">
          {view === "retention" || view === "customers" ? f.percent(0, { short: true }) : f.money(0, currency, { compact: true })}
        </Text>
        <span style={styles.legendBar} aria-hidden />
        <Text as="span" variant="bodySm">
          {view === "retention" || view === "customers" ? f.percent(1, { short: true }) : f.money(largest, currency, { compact: true })}
        </Text>
        <Text as="span" variant="bodySm" tone="subdued">
          ({view === "retention" || view === "customers" ? t("retentionViews.legend.share") : t("retentionViews.legend.amount")})
        </Text>
      </div>
      <div style={{ padding: "8px var(--p-space-400) var(--p-space-200)" }}>
        <Text as="p" variant="bodySm" tone="subdued">
          {granularity === "week" ? t("retentionViews.weekFootnote") : t("cohorts.footnote")}
        </Text>
      </div>
    </div>
  );
}
