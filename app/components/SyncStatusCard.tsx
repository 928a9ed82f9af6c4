import { Badge, BlockStack, Box, Button, Card, InlineStack, ProgressBar, Text } from "@shopify/polaris";
import type { SyncStatus } from "#app/sync/sync-status.server";

const BADGES: Record<SyncStatus["status"], { tone?: "success" | "critical" | "info" | "attention"; label: string }> = {
  never: { tone: "attention", label: "Not synced yet" },
  idle: { label: "Idle" },
  running: { tone: "info", label: "Syncing" },
  succeeded: { tone: "success", label: "Up to date" },
  failed: { tone: "critical", label: "Failed" },
};

function when(iso: string | null, timeZone: string) {
  if (!iso) return "never";
  return new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone }).format(new Date(iso));
}

export function SyncStatusCard({
  sync,
  timeZone,
  onResync,
  resyncing,
}: {
  sync: SyncStatus;
  timeZone: string;
  onResync?: () => void;
  resyncing?: boolean;
}) {
  const badge = BADGES[sync.status];
  const fraction = sync.total ? Math.min(1, sync.done / sync.total) : 0;
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center">
          <InlineStack gap="200" blockAlign="center">
            <Text as="h2" variant="headingMd">
              Store data
            </Text>
            <Badge tone={badge.tone}>{badge.label}</Badge>
          </InlineStack>
          {onResync && (
            <Button onClick={onResync} loading={resyncing} disabled={sync.status === "running"}>
              Sync now
            </Button>
          )}
        </InlineStack>
        {sync.status === "running" && (
          <BlockStack gap="100">
            <ProgressBar progress={fraction * 100} size="small" />
            <Text as="p" tone="subdued">
              {sync.phase === "customers"
                ? "Reading customers…"
                : `${sync.done.toLocaleString("en")} of ${sync.total?.toLocaleString("en") ?? "?"} orders read`}
            </Text>
          </BlockStack>
        )}
        {sync.status === "failed" && sync.error && (
          <Box>
            <Text as="p" tone="critical">
              {sync.error}
            </Text>
          </Box>
        )}
        <Text as="p" tone="subdued">
          {sync.orders.toLocaleString("en")} orders and {sync.customers.toLocaleString("en")} customers copied. Last
          successful sync: {when(sync.lastSuccessAt, timeZone)}.
        </Text>
      </BlockStack>
    </Card>
  );
}
