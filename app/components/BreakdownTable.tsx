import { BlockStack, Card, DataTable, Text } from "@shopify/polaris";
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import type { BreakdownRow } from "#app/metrics/conversion-breakdowns.server";
import { useFormat } from "./format";

/**
 * The values of a dimension that Metryka names in the admin's language (`breakdown.values.*`):
 * Shopify's traffic sources and device types, the pixel's device classes and its "direct". Any
 * other value (a UTM source, a referrer's host, a landing page) is shown as it was recorded.
 */
export const NAMED_VALUES = {
  source: ["direct", "search", "social", "email", "referral", "paid", "unknown"],
  device: ["desktop", "mobile", "tablet", "other", "unknown"],
} as const;

type Dimension = "source" | "device" | "landingPage";

/** A value's name in a message key: Shopify's may come capitalised; a pixel session without a device class is "(none)". */
function namedValue(dimension: Dimension, value: string): string | null {
  if (dimension === "landingPage") return null;
  const key = value === "(none)" ? "unknown" : value.toLowerCase();
  return (NAMED_VALUES[dimension] as readonly string[]).includes(key) ? `breakdown.values.${dimension}.${key}` : null;
}

/** One breakdown of sessions and conversion (top values, then "Other"), labelled with its source. */
export function BreakdownTable({
  title,
  dimension,
  rows,
  sourceLabel,
  testId,
}: {
  title: string;
  dimension: Dimension;
  rows: BreakdownRow[];
  sourceLabel: string;
  testId: string;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const label = (value: string) => {
    const key = namedValue(dimension, value);
    return key ? t(key) : value;
  };
  // A narrow card (or a longer language) makes Polaris's table scroll sideways: its scroller is
  // then a named region that takes keyboard focus, so it can be scrolled without a mouse.
  const wrapper = useRef<HTMLDivElement>(null);
  useEffect(() => {
    for (const scroller of wrapper.current?.querySelectorAll<HTMLElement>(".Polaris-DataTable__ScrollContainer") ?? []) {
      scroller.tabIndex = 0;
      scroller.setAttribute("role", "region");
      scroller.setAttribute("aria-label", title);
    }
  });
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingMd">
          {title}
        </Text>
        <Text as="p" variant="bodySm" tone="subdued">
          {t("conversion.source", { source: sourceLabel })}
        </Text>
        {rows.length === 0 ? (
          <Text as="p" tone="subdued">
            {t("breakdown.empty")}
          </Text>
        ) : (
          <div data-testid={testId} ref={wrapper}>
            {/* Long landing pages are cut short (whole on hover), so the table never scrolls sideways. */}
            <DataTable
              truncate
              columnContentTypes={["text", "numeric", "numeric", "numeric"]}
              headings={["", t("breakdown.sessions"), t("breakdown.completed"), t("breakdown.conversionRate")]}
              rows={rows.map((row) => [
                row.other ? (
                  <em key="o">{t("breakdown.other")}</em>
                ) : (
                  <span key="v" title={row.value}>
                    {label(row.value)}
                  </span>
                ),
                f.count(row.sessions),
                f.count(row.sessionsCompletedCheckout),
                f.percent(row.conversionRate),
              ])}
            />
          </div>
        )}
      </BlockStack>
    </Card>
  );
}
