/** The granularities the Overview offers (a trend line of quarters or years says little). */
export const OVERVIEW_GRANULARITIES = ["day", "week", "month"] as const;
