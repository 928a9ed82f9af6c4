import { BlockStack, Card, DataTable, Text } from "@shopify/polaris";
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import type { BreakdownRow } from "#app/metrics/conversion-breakdowns.server";
import { useFormat } from "./format";

/** One breakdown of sessions and conversion (top values, then "Other"), labelled with its source. */
export function BreakdownTable({ title, rows, sourceLabel, testId }: { title: string; rows: BreakdownRow[]; sourceLabel: string; testId: string }) {
  const { t } = useTranslation();
  const f = useFormat();
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
                    {row.value}
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
