import { Badge, BlockStack, Box, Button, Card, InlineStack, ProgressBar, Text } from "@shopify/polaris";
import type { SyncDetails, SyncStatus } from "#app/sync/sync-status.server";
import { syncProgressFraction, syncProgressText } from "./sync-progress";
import { formatDateTime } from "./format";

const BADGES: Record<SyncStatus["status"], { tone?: "success" | "critical" | "info" | "attention"; label: string }> = {
  never: { tone: "attention", label: "Not synced yet" },
  queued: { tone: "info", label: "Waiting to start" },
  running: { tone: "info", label: "Syncing" },
  succeeded: { tone: "success", label: "Up to date" },
  failed: { tone: "critical", label: "Failed" },
};

function when(iso: string | null, timeZone: string) {
  return iso ? formatDateTime(iso, timeZone) : "never";
}

export function SyncStatusCard({
  sync,
  timeZone,
  onResync,
  resyncing,
}: {
  sync: SyncDetails;
  timeZone: string;
  onResync?: () => void;
  resyncing?: boolean;
}) {
  const badge = BADGES[sync.status];
  const busy = sync.status === "running" || sync.status === "queued";
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
            <Button onClick={onResync} loading={resyncing} disabled={busy}>
              Sync now
            </Button>
          )}
        </InlineStack>
        {sync.status === "running" && (
          <BlockStack gap="100">
            <ProgressBar progress={syncProgressFraction(sync) * 100} size="small" />
            <Text as="p" tone="subdued">
              {syncProgressText(sync)}
            </Text>
          </BlockStack>
        )}
        {sync.status === "queued" && (
          <Text as="p" tone="subdued">
            Waiting for a worker to start the sync.
          </Text>
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
          successful sync: {when(sync.lastSuccessAt, timeZone)}. Metryka also checks every 15 minutes for changes
          that did not reach it.
        </Text>
        {sync.pendingEvents > 0 && (
          <Text as="p" tone="subdued">
            {sync.pendingEvents === 1
              ? "1 recent store change is being applied."
              : `${sync.pendingEvents.toLocaleString("en")} recent store changes are being applied.`}
          </Text>
        )}
        {sync.parkedJobs > 0 && (
          <Text as="p" tone="critical">
            {sync.parkedJobs === 1
              ? "1 background task failed after every retry"
              : `${sync.parkedJobs.toLocaleString("en")} background tasks failed after every retry`}
            . Use Sync now to start again; if it fails too, the error above says what to do.
          </Text>
        )}
      </BlockStack>
    </Card>
  );
}
