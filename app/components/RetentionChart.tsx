import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useTranslation } from "react-i18next";
import { useFormat } from "./format";
import { AXIS_PROPS, CHART_BLUE, GRID_PROPS, shareTicks } from "./chart-style";

export interface RetentionCurvePoint {
  k: number;
  retention: number;
  cohorts: number;
  customers: number;
}


/**
 * The average retention curve, from month (or week) 1 on: period 0 is 100 % by definition and
 * would only flatten the periods that say something.
 */
export function RetentionChart({ curve, granularity = "month" }: { curve: RetentionCurvePoint[]; granularity?: "month" | "week" }) {
  const { t } = useTranslation();
  const f = useFormat();
  const data = curve.filter((point) => point.k > 0).map((point) => ({ ...point, label: granularity === "week" ? t("retentionViews.week", { k: point.k }) : t("cohorts.month", { k: point.k }) }));
  const ticks = shareTicks(Math.max(0, ...data.map((point) => point.retention)));
  return (
    <div style={{ width: "100%", height: 240 }} data-testid="retention-chart">
      <ResponsiveContainer>
        <LineChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
          <CartesianGrid {...GRID_PROPS} />
          <XAxis dataKey="label" {...AXIS_PROPS} />
          <YAxis
            {...AXIS_PROPS}
            width={48}
            domain={[0, ticks[ticks.length - 1]]}
            ticks={ticks}
            tickFormatter={(value: number) => f.axisPercent(value)}
          />
          <Tooltip
            formatter={(value, _name, item) => {
              const point = item.payload as RetentionCurvePoint;
              return [
                t("retention.chart.value", {
                  share: f.percent(Number(value)),
                  cohorts: t("retention.chart.cohorts", { count: point.cohorts, formatted: f.count(point.cohorts) }),
                  customers: t("retention.chart.customers", { count: point.customers, formatted: f.count(point.customers) }),
                }),
                t("retention.chart.cameBack"),
              ];
            }}
          />
          <Line
            type="linear"
            dataKey="retention"
            stroke={CHART_BLUE}
            strokeWidth={2}
            dot={{ r: 3 }}
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
