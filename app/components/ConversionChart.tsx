import { Bar, CartesianGrid, ComposedChart, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatCount, formatPercent, formatPeriod } from "./format";

export interface ConversionPoint {
  period: string;
  partial: boolean;
  sessions: number | null;
  conversionRate: number | null;
}

const BAR = "#a4c3ef";
const LINE = "#2c6ecb";

/** Sessions per period (bars) and the conversion rate (line, right axis). */
export function ConversionChart({ series }: { series: ConversionPoint[] }) {
  const data = series.map((point) => ({
    ...point,
    label: `${formatPeriod(point.period)}${point.partial ? "*" : ""}`,
  }));
  return (
    <div style={{ width: "100%", height: 260 }} data-testid="conversion-chart">
      <ResponsiveContainer>
        <ComposedChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
          <CartesianGrid vertical={false} stroke="#e3e3e3" />
          <XAxis dataKey="label" tickLine={false} axisLine={false} fontSize={12} />
          <YAxis yAxisId="sessions" tickLine={false} axisLine={false} fontSize={12} width={48} allowDecimals={false} />
          <YAxis
            yAxisId="rate"
            orientation="right"
            tickLine={false}
            axisLine={false}
            fontSize={12}
            width={48}
            tickFormatter={(value: number) => formatPercent(value)}
          />
          <Tooltip
            formatter={(value, name) =>
              name === "conversionRate"
                ? [formatPercent(value === null ? null : Number(value)), "Conversion rate"]
                : [formatCount(Number(value)), "Sessions"]
            }
          />
          <Bar yAxisId="sessions" dataKey="sessions" fill={BAR} radius={[4, 4, 0, 0]} isAnimationActive={false} />
          <Line
            yAxisId="rate"
            type="monotone"
            dataKey="conversionRate"
            stroke={LINE}
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
