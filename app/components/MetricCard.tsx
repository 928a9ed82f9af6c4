import { Badge, Card, InlineStack, SkeletonBodyText, SkeletonDisplayText, Text } from "@shopify/polaris";
import type { ReactNode } from "react";
import { fromNegativeBase, useFormat } from "./format";
import { NegativeBaseNote } from "./NegativeBaseNote";
import { Sparkline, SPARKLINE_HEIGHT } from "./Sparkline";

/** The value's line, whether it shows the value or its skeleton: no shift when data arrives. */
const VALUE_HEIGHT = 40;

export function MetricCard({
  title,
  value,
  growth,
  growthBase,
  comparisonLabel,
  help,
  trend,
  loading = false,
  testId,
  children,
}: {
  title: string;
  value: string;
  growth?: number | null;
  /**
   * What `growth` is measured against, where it can be below zero (amounts): the badge then
   * takes no tone, as its sign reads against the change, and the card says so.
   */
  growthBase?: number | null;
  comparisonLabel?: string;
  help?: string;
  /**
   * The metric per period of the range, drawn as a small line under the value; a range of one
   * period has no line to draw (the card then keeps its note under the value).
   */
  trend?: { values: Array<number | null>; label: string };
  /** While a new range loads: the card's shape without its numbers. */
  loading?: boolean;
  testId?: string;
  /** Said under the value instead of the trend line (an empty state). */
  children?: ReactNode;
}) {
  const f = useFormat();
  const line = trend && trend.values.length > 1 ? trend : undefined;
  const againstNegative = growth !== undefined && fromNegativeBase(growth, growthBase);
  const tone = growth === undefined || growth === null || againstNegative ? undefined : growth >= 0 ? "success" : "critical";
  return (
    <Card>
      {/* Laid out by app/styles/metric-card.css: the trend lines of a row's cards at one height. */}
      <div className="metryka-metric-card" data-testid={testId} data-value={loading ? undefined : value}>
        <Text as="h3" variant="headingSm" tone="subdued">
          {title}
        </Text>
        {loading ? (
          <>
            <div style={{ minHeight: VALUE_HEIGHT, display: "flex", alignItems: "center" }}>
              <SkeletonDisplayText size="medium" />
            </div>
            <div className={line ? "metryka-metric-card__foot" : undefined}>
              {line && <div style={{ height: SPARKLINE_HEIGHT }} />}
              {(comparisonLabel || help) && (
                <div className="metryka-metric-card__note">
                  <SkeletonBodyText lines={1} />
                </div>
              )}
            </div>
          </>
        ) : (
          <>
            <div style={{ minHeight: VALUE_HEIGHT, display: "flex", alignItems: "center" }}>
              <InlineStack gap="200" blockAlign="center">
                {/* Four cards to a row at 1280 px: an amount and its change still fit on one line. */}
                <Text as="p" variant="headingXl">
                  {value}
                </Text>
                {growth !== undefined && (
                  <span data-testid="growth" data-growth={f.growth(growth, growthBase)}>
                    <Badge tone={tone}>{f.growth(growth, growthBase)}</Badge>
                  </span>
                )}
              </InlineStack>
            </div>
            {children}
            <div className={line ? "metryka-metric-card__foot" : undefined}>
              {line && <Sparkline values={line.values} label={line.label} />}
              {(comparisonLabel || help) && (
                <div className="metryka-metric-card__note">
                  <Text as="p" variant="bodySm" tone="subdued">
                    {comparisonLabel ?? help}
                  </Text>
                  {againstNegative && <NegativeBaseNote />}
                </div>
              )}
            </div>
          </>
        )}
      </div>
    </Card>
  );
}
