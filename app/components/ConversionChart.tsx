import { Bar, CartesianGrid, ComposedChart, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useTranslation } from "react-i18next";
import { useFormat } from "./format";
import { AXIS_PROPS, CHART_BLUE, CHART_LIGHT_BLUE, GRID_PROPS } from "./chart-style";

export interface ConversionPoint {
  period: string;
  partial: boolean;
  sessions: number | null;
  conversionRate: number | null;
}


/** Sessions per period (bars) and the conversion rate (line, right axis). */
export function ConversionChart({ series }: { series: ConversionPoint[] }) {
  const { t } = useTranslation();
  const f = useFormat();
  const data = series.map((point) => ({
    ...point,
    label: `${f.period(point.period)}${point.partial ? "*" : ""}`,
  }));
  return (
    <div style={{ width: "100%", height: 260 }} data-testid="conversion-chart">
      <ResponsiveContainer>
        <ComposedChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
          <CartesianGrid {...GRID_PROPS} />
          <XAxis dataKey="label" {...AXIS_PROPS} />
          <YAxis yAxisId="sessions" {...AXIS_PROPS} width={48} allowDecimals={false} />
          <YAxis
            yAxisId="rate"
            orientation="right"
            {...AXIS_PROPS}
            width={48}
            tickFormatter={(value: number) => f.percent(value)}
          />
          <Tooltip
            formatter={(value, name) =>
              name === "conversionRate"
                ? [f.percent(value === null ? null : Number(value)), t("conversion.chart.rate")]
                : [f.count(Number(value)), t("conversion.chart.sessions")]
            }
          />
          <Bar yAxisId="sessions" dataKey="sessions" fill={CHART_LIGHT_BLUE} radius={[4, 4, 0, 0]} isAnimationActive={false} />
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
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
