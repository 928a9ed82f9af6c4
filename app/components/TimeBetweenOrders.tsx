import { BlockStack, InlineGrid, Text } from "@shopify/polaris";
import type { Distribution, TimeBetweenOrders as Gaps } from "#app/metrics/retention";
import { formatCount } from "./format";

function days(value: number | null): string {
  if (value === null) return "—";
  return `${new Intl.NumberFormat("en", { maximumFractionDigits: 1 }).format(value)} days`;
}

function Gap({ title, distribution, counted }: { title: string; distribution: Distribution; counted: string }) {
  return (
    <BlockStack gap="100">
      <Text as="h3" variant="headingSm" tone="subdued">
        {title}
      </Text>
      <Text as="p" variant="headingXl">
        {days(distribution.median)}
      </Text>
      <Text as="p" variant="bodySm">
        median; the middle half between {days(distribution.p25)} and {days(distribution.p75)}
      </Text>
      <Text as="p" variant="bodySm" tone="subdued">
        {formatCount(distribution.count)} {counted}
      </Text>
    </BlockStack>
  );
}

/** Days between a customer's orders: first to second, and any two in a row (median and quartiles). */
export function TimeBetweenOrders({ gaps }: { gaps: Gaps }) {
  return (
    <InlineGrid columns={{ xs: 1, sm: 2 }} gap="400">
      <Gap title="First to second order" distribution={gaps.firstToSecond} counted="second orders in the range" />
      <Gap title="Between consecutive orders" distribution={gaps.betweenOrders} counted="repeat orders in the range" />
    </InlineGrid>
  );
}
