import { BlockStack, Card, DataTable, Text } from "@shopify/polaris";
import type { BreakdownRow } from "#app/metrics/conversion-breakdowns.server";
import { formatCount, formatPercent } from "./format";

/** One breakdown of sessions and conversion (top values, then "Other"), labelled with its source. */
export function BreakdownTable({ title, rows, sourceLabel, testId }: { title: string; rows: BreakdownRow[]; sourceLabel: string; testId: string }) {
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingMd">
          {title}
        </Text>
        <Text as="p" variant="bodySm" tone="subdued">
          {`Source: ${sourceLabel}`}
        </Text>
        {rows.length === 0 ? (
          <Text as="p" tone="subdued">
            No sessions in this range.
          </Text>
        ) : (
          <div data-testid={testId}>
            <DataTable
              columnContentTypes={["text", "numeric", "numeric", "numeric"]}
              headings={["", "Sessions", "Completed checkout", "Conversion rate"]}
              rows={rows.map((row) => [
                row.other ? <em key="o">{row.value}</em> : row.value,
                formatCount(row.sessions),
                formatCount(row.sessionsCompletedCheckout),
                formatPercent(row.conversionRate),
              ])}
            />
          </div>
        )}
      </BlockStack>
    </Card>
  );
}
