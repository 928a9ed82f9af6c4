import { Banner, BlockStack, Text } from "@shopify/polaris";
import { useTranslation } from "react-i18next";
import { downloadFailureText, type Downloads } from "./download";
import { useFormat } from "./format";
import { recomputingOf, recomputingStoresOf } from "./refusal";

/**
 * Why the page's last download failed, in the admin's language (`downloadFailureText`), until
 * dismissed: a warning while the store's numbers, or some of the file's stores', are being
 * recomputed (trying again later works), else critical.
 */
export function DownloadFailedBanner({ downloads, title }: { downloads: Downloads; title?: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  if (!downloads.failure) return null;
  const { status, body } = downloads.failure;
  const lines = downloadFailureText(downloads.failure, t, f.duration);
  const recomputing = recomputingOf(status, body) ?? recomputingStoresOf(status, body);
  return (
    <Banner tone={recomputing ? "warning" : "critical"} title={title} onDismiss={downloads.dismiss}>
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
