import { Banner, BlockStack, ProgressBar, Text } from "@shopify/polaris";
import type { SyncStatus } from "#app/sync/sync-status.server";
import { isFullCopy, syncProgressFraction, syncProgressText } from "./sync-progress";

/** How fresh the page's numbers are: a sync under way, a failed one, or a limited history. */
export function SyncBanners({ sync, historyLimited }: { sync: SyncStatus; historyLimited: boolean }) {
  return (
    <>
      {/* Only the full copy: a catch-up on a copied store changes a few figures at most. */}
      {sync.status === "running" && isFullCopy(sync) && (
        <Banner tone="info" title="Copying your store's orders">
          <BlockStack gap="200">
            <Text as="p">{syncProgressText(sync)}</Text>
            <Text as="p" tone="subdued">
              Figures fill in as they arrive.
            </Text>
            <ProgressBar progress={syncProgressFraction(sync) * 100} size="small" />
          </BlockStack>
        </Banner>
      )}
      {sync.status === "failed" && (
        <Banner
          tone="critical"
          title="The last sync did not finish"
          action={{ content: "Open data sync", url: "/app/sync" }}
        >
          <Text as="p">{sync.error}</Text>
        </Banner>
      )}
      {historyLimited && (
        <Banner tone="warning" title="Only the last 60 days of orders are visible to Metryka">
          <Text as="p">
            Shopify shows apps older orders only with the “read all orders” permission, so customers&apos; earlier
            orders are missing and retention reads lower than it is.
          </Text>
        </Banner>
      )}
    </>
  );
}
