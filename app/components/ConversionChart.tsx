import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useTranslation } from "react-i18next";
import { useFormat } from "./format";
import { AXIS_PROPS, CHART_BLUE, CHART_LIGHT_BLUE, COMPARISON_COLOR, GRID_PROPS, MAX_BAR_SIZE } from "./chart-style";

export interface ConversionPoint {
  period: string;
  partial: boolean;
  sessions: number | null;
  conversionRate: number | null;
}

/**
 * Sessions per period (bars) and the conversion rate (line, right axis); with `comparison` (per
 * period, the comparison range's rate over as many days), that rate as a dashed line, when there
 * is one.
 */
export function ConversionChart({
  series,
  comparison,
  comparisonName,
}: {
  series: ConversionPoint[];
  comparison?: Array<{ from: string; lastDay: string; conversionRate: number | null }> | null;
  comparisonName?: string;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const data = series.map((point, index) => ({
    ...point,
    label: `${f.period(point.period)}${point.partial ? "*" : ""}`,
    comparisonRate: comparison?.[index]?.conversionRate ?? null,
    comparisonDays: comparison?.[index] ? f.days(comparison[index].from, comparison[index].lastDay) : null,
  }));
  // A comparison range without sessions from this source has no rate: no line, and no legend
  // entry naming a line that is not there.
  const compared = comparison?.some((part) => part.conversionRate !== null) ?? false;
  const names: Record<string, string> = {
    sessions: t("conversion.chart.sessions"),
    conversionRate: t("conversion.chart.rate"),
    comparisonRate: comparisonName ?? "",
  };
  return (
    <div style={{ width: "100%", height: 260 }} data-testid="conversion-chart">
      <ResponsiveContainer>
        <ComposedChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
          <CartesianGrid {...GRID_PROPS} />
          <XAxis dataKey="label" {...AXIS_PROPS} />
          {/* Two scales side by side: both on round steps (0, 10, 20… and 0 %, 10 %, 20 %…). */}
          <YAxis yAxisId="sessions" {...AXIS_PROPS} width={48} allowDecimals={false} domain={[0, "auto"]} niceTicks="snap125" tickFormatter={(value: number) => f.count(value)} />
          <YAxis
            yAxisId="rate"
            orientation="right"
            {...AXIS_PROPS}
            width={48}
            domain={[0, "auto"]}
            niceTicks="snap125"
            tickFormatter={(value: number) => f.axisPercent(value)}
          />
          <Tooltip
            formatter={(value, name, item) => {
              if (name === "sessions") return [f.count(Number(value)), names.sessions];
              const rate = f.percent(value === null ? null : Number(value));
              if (name === "comparisonRate") return [rate, (item?.payload as { comparisonDays: string | null } | undefined)?.comparisonDays ?? names.comparisonRate];
              return [rate, names.conversionRate];
            }}
          />
          {compared && <Legend verticalAlign="top" height={28} formatter={(value: string) => names[value] ?? value} />}
          <Bar yAxisId="sessions" dataKey="sessions" fill={CHART_LIGHT_BLUE} radius={[4, 4, 0, 0]} maxBarSize={MAX_BAR_SIZE} isAnimationActive={false} />
          <Line
            yAxisId="rate"
            type="monotone"
            dataKey="conversionRate"
            stroke={CHART_BLUE}
            strokeWidth={2}
            dot={{ r: 3 }}
            connectNulls={false}
            isAnimationActive={false}
          />
          {compared && (
            <Line
              yAxisId="rate"
              type="monotone"
              dataKey="comparisonRate"
              stroke={COMPARISON_COLOR}
              strokeWidth={2}
              strokeDasharray="5 4"
              dot={{ r: 3, fill: COMPARISON_COLOR }}
              connectNulls={false}
              isAnimationActive={false}
            />
          )}
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
