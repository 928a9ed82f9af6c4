import { Badge, BlockStack, Card, InlineStack, Text } from "@shopify/polaris";
import { useFormat } from "./format";

export function MetricCard({
  title,
  value,
  growth,
  comparisonLabel,
  help,
}: {
  title: string;
  value: string;
  growth?: number | null;
  comparisonLabel?: string;
  help?: string;
}) {
  const f = useFormat();
  const tone = growth === undefined || growth === null ? undefined : growth >= 0 ? "success" : "critical";
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h3" variant="headingSm" tone="subdued">
          {title}
        </Text>
        <InlineStack gap="200" blockAlign="center">
          <Text as="p" variant="heading2xl">
            {value}
          </Text>
          {growth !== undefined && <Badge tone={tone}>{f.growth(growth)}</Badge>}
        </InlineStack>
        {(comparisonLabel || help) && (
          <Text as="p" variant="bodySm" tone="subdued">
            {comparisonLabel ?? help}
          </Text>
        )}
      </BlockStack>
    </Card>
  );
}
