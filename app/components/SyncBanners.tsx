import { Banner, BlockStack, ProgressBar, Text } from "@shopify/polaris";
import type { SyncStatus } from "#app/sync/sync-status.server";
import { useTranslation } from "react-i18next";
import { useFormat } from "./format";
import { isFullCopy, syncErrorText, syncProgressFraction, syncProgressText } from "./sync-progress";

/** How fresh the page's numbers are: a sync under way, a failed one, or a limited history. */
export function SyncBanners({ sync, historyLimited }: { sync: SyncStatus; historyLimited: boolean }) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <>
      {/* Only the full copy: a catch-up on a copied store changes a few figures at most. */}
      {sync.status === "running" && isFullCopy(sync) && (
        <Banner tone="info" title={t("syncBanners.copying")}>
          <BlockStack gap="200">
            <Text as="p">{syncProgressText(sync, t, f.count)}</Text>
            <Text as="p" tone="subdued">
              {t("syncBanners.fillIn")}
            </Text>
            <ProgressBar progress={syncProgressFraction(sync) * 100} size="small" />
          </BlockStack>
        </Banner>
      )}
      {sync.status === "failed" && (
        <Banner
          tone="critical"
          title={t("syncBanners.failed")}
          action={{ content: t("syncBanners.openSync"), url: "/app/sync" }}
        >
          <Text as="p">{syncErrorText(sync, t)}</Text>
        </Banner>
      )}
      {historyLimited && (
        <Banner tone="warning" title={t("syncBanners.historyLimited")}>
          <Text as="p">
            {t("syncBanners.historyLimitedHelp")}
          </Text>
        </Banner>
      )}
    </>
  );
}
