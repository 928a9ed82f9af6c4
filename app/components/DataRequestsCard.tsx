import { BlockStack, Button, Card, DataTable, Text } from "@shopify/polaris";
import type { DataRequestSummary } from "#app/sync/privacy.server";
import { useDownload } from "./download";
import { DownloadFailedBanner } from "./DownloadFailedBanner";
import { useTranslation } from "react-i18next";
import { useFormat } from "./format";

/**
 * The customers' data requests Shopify forwarded (customers/data_request), each with what
 * Metryka holds on the customer as a JSON file to send on. docs/privacy.md says what is in it.
 */
export function DataRequestsCard({ requests, timeZone }: { requests: DataRequestSummary[]; timeZone: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const downloads = useDownload();
  const when = (iso: string) => f.dateTime(iso, timeZone);
  const download = (request: DataRequestSummary) =>
    downloads.start(`/app/data-requests/${request.requestId}`, {
      filename: `metryka-data-request-${request.requestId}.json`,
      key: request.requestId,
    });
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          {t("dataRequests.title")}
        </Text>
        <Text as="p" tone="subdued">
          {t("dataRequests.intro")}
        </Text>
        <DownloadFailedBanner downloads={downloads} />
        {requests.length === 0 ? (
          <Text as="p">{t("dataRequests.none")}</Text>
        ) : (
          <DataTable
            columnContentTypes={["text", "text", "numeric", "text"]}
            headings={[t("dataRequests.received"), t("dataRequests.customer"), t("dataRequests.orders"), ""]}
            rows={requests.map((request) => [
              when(request.createdAt),
              request.customerId,
              f.count(request.orders),
              <Button key={request.requestId} size="slim" loading={downloads.busy === request.requestId} onClick={() => void download(request)}>
                {t("dataRequests.download")}
              </Button>,
            ])}
          />
        )}
      </BlockStack>
    </Card>
  );
}
