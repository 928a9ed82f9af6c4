import { Banner, BlockStack, Button, Card, DataTable, Text } from "@shopify/polaris";
import type { DataRequestSummary } from "#app/sync/privacy.server";
import { useDownload } from "./download";
import { formatCount, formatDateTime } from "./format";

/**
 * The customers' data requests Shopify forwarded (customers/data_request), each with what
 * Metryka holds on the customer as a JSON file to send on. docs/privacy.md says what is in it.
 */
export function DataRequestsCard({ requests, timeZone }: { requests: DataRequestSummary[]; timeZone: string }) {
  const downloads = useDownload();
  const when = (iso: string) => formatDateTime(iso, timeZone);
  const download = (request: DataRequestSummary) =>
    downloads.start(`/app/data-requests/${request.requestId}`, {
      filename: `metryka-data-request-${request.requestId}.json`,
      key: request.requestId,
    });
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Customer data requests
        </Text>
        <Text as="p" tone="subdued">
          When a customer asks your store for their data, Shopify forwards the request to Metryka, which prepares what
          it holds on them: their customer id and their orders with dates and amounts (no names or addresses; Metryka
          does not keep them). Send the file to the customer. Files are kept 90 days.
        </Text>
        {downloads.error && (
          <Banner tone="critical" onDismiss={downloads.dismiss}>
            <Text as="p">{downloads.error}</Text>
          </Banner>
        )}
        {requests.length === 0 ? (
          <Text as="p">No data requests so far.</Text>
        ) : (
          <DataTable
            columnContentTypes={["text", "text", "numeric", "text"]}
            headings={["Received", "Customer", "Orders", ""]}
            rows={requests.map((request) => [
              when(request.createdAt),
              request.customerId,
              formatCount(request.orders),
              <Button key={request.requestId} size="slim" loading={downloads.busy === request.requestId} onClick={() => void download(request)}>
                Download
              </Button>,
            ])}
          />
        )}
      </BlockStack>
    </Card>
  );
}
