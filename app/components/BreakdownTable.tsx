import { BlockStack, Card, DataTable, Text } from "@shopify/polaris";
import { useTranslation } from "react-i18next";
import type { BreakdownRow } from "#app/metrics/conversion-breakdowns.server";
import { useFormat } from "./format";

/** One breakdown of sessions and conversion (top values, then "Other"), labelled with its source. */
export function BreakdownTable({ title, rows, sourceLabel, testId }: { title: string; rows: BreakdownRow[]; sourceLabel: string; testId: string }) {
  const { t } = useTranslation();
  const f = useFormat();
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
          <div data-testid={testId}>
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
