import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useTranslation } from "react-i18next";
import { useFormat } from "./format";
import { AXIS_PROPS, CHART_BLUE, CHART_LIGHT_BLUE, GRID_PROPS } from "./chart-style";

export interface SalesPoint {
  period: string;
  netSales: number;
  partial: boolean;
}

export function NetSalesChart({ series, currency }: { series: SalesPoint[]; currency: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const data = series.map((point) => ({ ...point, label: f.period(point.period) }));
  // Room for the longest tick: compact amounts are wider in some languages ("2,4 tys. zł").
  const widest = Math.max(0, ...series.map((point) => Math.abs(point.netSales)));
  const axisWidth = Math.max(64, 7 * f.money(-widest, currency, { compact: true }).length + 8);
  return (
    <div style={{ width: "100%", height: 280 }} data-testid="net-sales-chart">
      <ResponsiveContainer>
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
          <CartesianGrid {...GRID_PROPS} />
          <XAxis dataKey="label" {...AXIS_PROPS} />
          <YAxis
            {...AXIS_PROPS}
            width={axisWidth}
            tickFormatter={(value: number) => f.money(value, currency, { compact: true })}
          />
          <Tooltip
            cursor={{ fill: "#f1f1f1" }}
            formatter={(value) => [f.money(Number(value), currency), t("overview.netSales")]}
          />
          <Bar
            dataKey="netSales"
            radius={[4, 4, 0, 0]}
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
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
