import { Badge, BlockStack, Card, InlineStack, Text } from "@shopify/polaris";
import { formatDateTime } from "./format";

interface PixelStatus {
  status: "inactive" | "active" | "not_granted" | "failed";
  error: string | null;
  updatedAt: string | null;
}

const BADGES: Record<PixelStatus["status"], { tone?: "success" | "critical" | "attention"; label: string }> = {
  active: { tone: "success", label: "Active" },
  inactive: { tone: "attention", label: "Not active yet" },
  not_granted: { tone: "attention", label: "Not granted" },
  failed: { tone: "critical", label: "Failed" },
};

/** Whether Metryka's web pixel runs on the store (the conversion source that works everywhere). */
export function PixelStatusCard({ pixel, timeZone }: { pixel: PixelStatus; timeZone: string }) {
  const badge = BADGES[pixel.status];
  const when = pixel.updatedAt ? formatDateTime(pixel.updatedAt, timeZone) : null;
  return (
    <Card>
      <BlockStack gap="200">
        <InlineStack gap="200" blockAlign="center">
          <Text as="h2" variant="headingMd">
            Web pixel
          </Text>
          <Badge tone={badge.tone}>{badge.label}</Badge>
        </InlineStack>
        <Text as="p" tone="subdued">
          Counts sessions and the checkout funnel of visitors who allow analytics, for conversion on any plan.
          {when ? ` Last change: ${when}.` : ""}
        </Text>
        {pixel.error ? (
          <Text as="p" tone="critical">
            {pixel.error}
          </Text>
        ) : null}
      </BlockStack>
    </Card>
  );
}
