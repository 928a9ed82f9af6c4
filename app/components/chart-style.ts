// The look every Metryka chart shares (Polaris data-visualization colours, quiet axes and grid),
// as props to spread on recharts' own components (recharts reads its children's types, so they
// cannot be wrapped).

/** Polaris data-visualization blue, and the lighter shade for secondary or unfinished values. */
export const CHART_BLUE = "#2c6ecb";
export const CHART_LIGHT_BLUE = "#a4c3ef";

export const AXIS_PROPS = { tickLine: false, axisLine: false, fontSize: 12 } as const;
export const GRID_PROPS = { vertical: false, stroke: "#e3e3e3" } as const;

/** A comparison range's series: Polaris data-visualization grey-violet, dashed like Shopify's. */
export const COMPARISON_COLOR = "#8c6fd1";

/** The widest a bar is drawn: a range of one or two periods keeps bars of a bar chart's width. */
export const MAX_BAR_SIZE = 96;

/**
 * Evenly spaced ticks from 0 for an axis of shares (0 to 1) whose highest value is `max`: steps
 * of 1, 2 or 5 times a power of ten, at most six of them, the last at or above `max` (at least
 * 5 %, at most 100 %). Recharts' own ticks over a fixed domain end on the domain's top, a step
 * out of line with the others (0, 4, 8, 12, 15 %).
 */
export function shareTicks(max: number): number[] {
  const top = Math.min(1, Math.max(0.05, max));
  const power = 10 ** Math.floor(Math.log10(top / 6));
  const step = [1, 2, 5, 10].map((multiple) => multiple * power).find((candidate) => candidate * 6 >= top - 1e-12)!;
  const steps = Math.ceil(top / step - 1e-9);
  // Rounded, so that 3 × 0.1 is 0.3 and not 0.30000000000000004.
  return Array.from({ length: steps + 1 }, (_, i) => Math.round(i * step * 1e9) / 1e9);
}
