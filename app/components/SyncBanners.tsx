import { Banner, BlockStack, ProgressBar, Text } from "@shopify/polaris";
import type { SyncStatus } from "#app/sync/sync-status.server";
import { formatCount } from "./format";

/** How fresh the page's numbers are: a sync under way, a failed one, or a limited history. */
export function SyncBanners({ sync, historyLimited }: { sync: SyncStatus; historyLimited: boolean }) {
  return (
    <>
      {sync.status === "running" && (
        <Banner tone="info" title="Copying your store's orders">
          <BlockStack gap="200">
            <Text as="p">
              {sync.total
                ? `${formatCount(sync.done)} of ${formatCount(sync.total)} orders read. Figures fill in as they arrive.`
                : "Counting orders…"}
            </Text>
            <ProgressBar progress={sync.total ? (100 * sync.done) / sync.total : 0} size="small" />
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
