import { BlockStack, Box, Button, ProgressBar, Text } from "@shopify/polaris";
import type { ShopifyCheckStatus, SyncDetails, SyncStatus } from "#app/sync/sync-status.server";
import { useTranslation } from "react-i18next";
import { shopifyCheckText, syncErrorText, syncProgressFraction, syncProgressText } from "./sync-progress";
import { useFormat } from "./format";
import { StatusCard } from "./StatusCard";

/** Each status's badge; its words are `syncStatus.status.<status>` in the messages. */
const BADGE_TONES: Record<SyncStatus["status"], "success" | "critical" | "info" | "attention"> = {
  never: "attention",
  queued: "info",
  running: "info",
  succeeded: "success",
  failed: "critical",
};

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
  const { t } = useTranslation();
  const f = useFormat();
  const busy = sync.status === "running" || sync.status === "queued";
  return (
    <StatusCard
      title={t("syncStatus.title")}
      status={t(`syncStatus.status.${sync.status}`)}
      tone={BADGE_TONES[sync.status]}
      gap="300"
      action={
        onResync && (
          <Button onClick={onResync} loading={resyncing} disabled={busy}>
            {t("syncStatus.syncNow")}
          </Button>
        )
      }
    >
      {sync.status === "running" && (
        <BlockStack gap="100">
          <ProgressBar progress={syncProgressFraction(sync) * 100} size="small" />
          <Text as="p" tone="subdued">
            {syncProgressText(sync, t, f.count)}
          </Text>
        </BlockStack>
      )}
      {sync.status === "queued" && (
        <Text as="p" tone="subdued">
          {t("syncStatus.queued")}
        </Text>
      )}
      {sync.status === "failed" && sync.error && (
        <Box>
          <Text as="p" tone="critical">
            {syncErrorText(sync, t)}
          </Text>
        </Box>
      )}
      <Text as="p" tone="subdued">
        {t("syncStatus.copied", {
          orders: t("syncStatus.orders", { count: sync.orders, formatted: f.count(sync.orders) }),
          customers: t("syncStatus.customers", { count: sync.customers, formatted: f.count(sync.customers) }),
          when: sync.lastSuccessAt ? f.dateTime(sync.lastSuccessAt, timeZone) : t("common.never"),
        })}
      </Text>
      {sync.check && <ShopifyCheckText check={sync.check} timeZone={timeZone} />}
      {sync.pendingEvents > 0 && (
        <Text as="p" tone="subdued">
          {t("syncStatus.pending", { count: sync.pendingEvents, formatted: f.count(sync.pendingEvents) })}
        </Text>
      )}
      {sync.parkedJobs > 0 && (
        <Text as="p" tone="critical">
          {t("syncStatus.parkedJobs", { count: sync.parkedJobs, formatted: f.count(sync.parkedJobs) })}
        </Text>
      )}
    </StatusCard>
  );
}

/** The last comparison with Shopify's own counts; in the caution tone when the two differ. */
function ShopifyCheckText({ check, timeZone }: { check: ShopifyCheckStatus; timeZone: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const { text, same } = shopifyCheckText(check, timeZone, t, f);
  return (
    <Text as="p" tone={same ? "subdued" : "caution"}>
      {text}
    </Text>
  );
}
