import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useTranslation } from "react-i18next";
import { useFormat } from "./format";
import { AXIS_PROPS, CHART_BLUE, CHART_LIGHT_BLUE, COMPARISON_COLOR, GRID_PROPS, MAX_BAR_SIZE } from "./chart-style";

export interface SalesPoint {
  period: string;
  netSales: number;
  partial: boolean;
}

/**
 * Net sales per period as bars; with `comparison` (for each period, the net sales of the
 * comparison range's days it is compared with), that range drawn over them as a dashed line, or
 * as a bar beside the one period when there is a single one (a line of one point is not drawn).
 */
export function NetSalesChart({
  series,
  currency,
  comparison,
  comparisonName,
}: {
  series: SalesPoint[];
  currency: string;
  /** Per period of `series`: the comparison range's days it is compared with (first and last) and their net sales. */
  comparison?: Array<{ from: string; lastDay: string; netSales: number }> | null;
  comparisonName?: string;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const data = series.map((point, index) => ({
    ...point,
    label: f.period(point.period),
    comparison: comparison?.[index]?.netSales ?? null,
    comparisonDays: comparison?.[index] ? f.days(comparison[index].from, comparison[index].lastDay) : null,
  }));
  // Room for the longest tick: compact amounts are wider in some languages ("2,4 tys. zł").
  const widest = Math.max(0, ...series.map((point) => Math.abs(point.netSales)), ...(comparison ?? []).map((point) => Math.abs(point.netSales)));
  const axisWidth = Math.max(64, 7 * f.money(-widest, currency, { compact: true }).length + 8);
  const current = t("overview.netSales");
  const comparisonBars = comparison && data.length === 1;
  return (
    <div style={{ width: "100%", height: 300 }} data-testid="net-sales-chart">
      <ResponsiveContainer>
        <ComposedChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
          <CartesianGrid {...GRID_PROPS} />
          <XAxis dataKey="label" {...AXIS_PROPS} />
          <YAxis
            {...AXIS_PROPS}
            width={axisWidth}
            tickFormatter={(value: number) => f.money(value, currency, { compact: true })}
          />
          <Tooltip
            cursor={{ fill: "#f1f1f1" }}
            formatter={(value, name, item) => {
              const payload = item?.payload as { comparisonDays: string | null } | undefined;
              if (name === "comparison") return [f.money(Number(value), currency), payload?.comparisonDays ?? comparisonName ?? ""];
              return [f.money(Number(value), currency), current];
            }}
          />
          {comparison && (
            <Legend
              verticalAlign="top"
              height={28}
              formatter={(value: string) => (value === "comparison" ? comparisonName : current)}
            />
          )}
          <Bar
            dataKey="netSales"
            name="netSales"
            fill={CHART_BLUE}
            radius={[4, 4, 0, 0]}
            maxBarSize={MAX_BAR_SIZE}
            isAnimationActive={false}
            shape={(props: { x?: number; y?: number; width?: number; height?: number; payload?: SalesPoint }) => {
              const { x = 0, y = 0, width = 0, height = 0, payload } = props;
              const top = height < 0 ? y + height : y;
              return (
                <rect
                  x={x}
                  y={top}
                  width={width}
                  height={Math.abs(height)}
                  rx={3}
                  // The unfinished bucket is drawn lighter.
                  fill={payload?.partial ? CHART_LIGHT_BLUE : CHART_BLUE}
                />
              );
            }}
          />
          {comparisonBars && (
            <Bar dataKey="comparison" name="comparison" fill={COMPARISON_COLOR} radius={[4, 4, 0, 0]} maxBarSize={MAX_BAR_SIZE} isAnimationActive={false} />
          )}
          {comparison && !comparisonBars && (
            <Line
              dataKey="comparison"
              name="comparison"
              stroke={COMPARISON_COLOR}
              strokeWidth={2}
              strokeDasharray="5 4"
              dot={false}
              isAnimationActive={false}
            />
          )}
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
