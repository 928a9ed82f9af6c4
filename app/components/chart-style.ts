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
