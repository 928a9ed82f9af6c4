import { Badge, BlockStack, Card, InlineStack, Text } from "@shopify/polaris";
import type { SessionsImportStatus } from "#app/sync/sync-status.server";
import { formatDateTime } from "./format";

const BADGES: Record<SessionsImportStatus["status"], { tone?: "success" | "critical" | "info" | "attention" | "warning"; label: string }> = {
  waiting: { tone: "info", label: "Waiting to start" },
  running: { tone: "info", label: "Importing" },
  succeeded: { tone: "success", label: "Up to date" },
  not_granted: { tone: "attention", label: "Not granted" },
  throttled: { tone: "warning", label: "Paused by Shopify" },
  rejected: { tone: "critical", label: "Query not accepted" },
  failed: { tone: "critical", label: "Failed" },
};

function when(iso: string | null, timeZone: string) {
  return iso ? formatDateTime(iso, timeZone) : "never";
}

/** Where the import of Shopify's own session figures (ShopifyQL) stands, and what to do. */
export function SessionsImportCard({ sessions, timeZone }: { sessions: SessionsImportStatus; timeZone: string }) {
  const badge = BADGES[sessions.status];
  return (
    <Card>
      <BlockStack gap="200">
        <InlineStack gap="200" blockAlign="center">
          <Text as="h2" variant="headingMd">
            Shopify sessions
          </Text>
          <Badge tone={badge.tone}>{badge.label}</Badge>
        </InlineStack>
        <Text as="p" tone="subdued">
          Shopify&apos;s daily sessions and checkout funnel, by traffic source, device and landing page (ShopifyQL). Last import:{" "}
          {when(sessions.lastSuccessAt, timeZone)} · {sessions.days.toLocaleString("en")} days stored.
        </Text>
        {sessions.error ? (
          <Text as="p" tone={sessions.status === "throttled" ? undefined : "critical"}>
            {sessions.error}
          </Text>
        ) : null}
      </BlockStack>
    </Card>
  );
}
