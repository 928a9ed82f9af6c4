// A headline card's trend line: the metric per period of the range, without axes. Periods
// without a value (a rate with no customers) leave a gap. Drawn in a box of fixed height, so the
// card keeps its size while the chart measures its width.
import { Line, LineChart, ResponsiveContainer } from "recharts";
import { CHART_BLUE, CHART_LIGHT_BLUE } from "./chart-style";

export const SPARKLINE_HEIGHT = 40;

export function Sparkline({ values, label }: { values: Array<number | null>; label: string }) {
  const data = values.map((value, index) => ({ index, value }));
  const drawable = values.filter((value) => value !== null).length > 1;
  return (
    <div style={{ width: "100%", height: SPARKLINE_HEIGHT }} role="img" aria-label={label} data-testid="sparkline">
      {drawable && (
        <ResponsiveContainer>
          <LineChart data={data} margin={{ top: 4, right: 2, bottom: 4, left: 2 }}>
            <Line
              type="monotone"
              dataKey="value"
              stroke={CHART_BLUE}
              strokeWidth={2}
              dot={false}
              connectNulls={false}
              isAnimationActive={false}
            />
          </LineChart>
        </ResponsiveContainer>
      )}
      {!drawable && <div style={{ height: 2, marginTop: SPARKLINE_HEIGHT / 2 - 1, background: CHART_LIGHT_BLUE }} />}
    </div>
  );
}
