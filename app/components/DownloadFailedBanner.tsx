import { Banner, BlockStack, Text } from "@shopify/polaris";
import { useTranslation } from "react-i18next";
import { downloadFailureText, type Downloads } from "./download";
import { useFormat } from "./format";
import { recomputingOf } from "./refusal";

/**
 * Why the page's last download failed, in the admin's language (`downloadFailureText`), until
 * dismissed: a warning while the store's numbers are being recomputed (trying again later
 * works), else critical.
 */
export function DownloadFailedBanner({ downloads, title }: { downloads: Downloads; title?: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  if (!downloads.failure) return null;
  const lines = downloadFailureText(downloads.failure, t, f.duration);
  return (
    <Banner tone={recomputingOf(downloads.failure.status, downloads.failure.body) ? "warning" : "critical"} title={title} onDismiss={downloads.dismiss}>
      <BlockStack gap="100">
        {lines.map((line) => (
          <Text as="p" key={line}>
            {line}
          </Text>
        ))}
      </BlockStack>
    </Banner>
  );
}
