import { BlockStack, Box, Button, Card, Divider, InlineStack, Text } from "@shopify/polaris";
import type { ParkedEvent } from "#app/sync/webhook-events.server";
import { formatCount, formatDateTime } from "./format";

/** "orders/updated" → "Order updated", "customers/redact" → "Customer data erasure". */
export function changeLabel(topic: string): string {
  const known: Record<string, string> = {
    "customers/redact": "Customer data erasure",
    "customers/data_request": "Customer data request",
    "shop/redact": "Store data erasure",
    "app/uninstalled": "App uninstalled",
    "app/scopes_update": "Access changed",
    "bulk_operations/finish": "Bulk copy finished",
  };
  if (known[topic]) return known[topic];
  const [resource, action = ""] = topic.split("/");
  const noun = resource.replace(/_/g, " ").replace(/s$/, "");
  const text = `${noun} ${action.replace(/_/g, " ")}`.trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Store changes Shopify sent that could not be applied (webhook events parked with why), and a
 * way to try them again once the cause is gone. Renders nothing when there are none.
 */
export function ParkedChangesCard({
  count,
  latest,
  timeZone,
  onRetry,
  retrying,
}: {
  count: number;
  latest: ParkedEvent[];
  timeZone: string;
  onRetry?: () => void;
  retrying?: boolean;
}) {
  if (count === 0) return null;
  const when = (iso: string) => formatDateTime(iso, timeZone);
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center">
          <Text as="h2" variant="headingMd">
            {count === 1 ? "1 store change could not be applied" : `${formatCount(count)} store changes could not be applied`}
          </Text>
          {onRetry && (
            <Button onClick={onRetry} loading={retrying}>
              Try again
            </Button>
          )}
        </InlineStack>
        <Text as="p" tone="subdued">
          Shopify sent them and Metryka kept them, but could not apply them; the other changes were applied. The
          reconciliation every 15 minutes re-reads the orders and customers they were about. If a change keeps failing,
          its reason below says why.
        </Text>
        <BlockStack gap="200" as="ul">
          {latest.map((event, i) => (
            <Box as="li" key={`${event.parkedAt}-${i}`}>
              <BlockStack gap="100">
                {i > 0 && <Divider />}
                <InlineStack gap="200" blockAlign="baseline">
                  <Text as="span" fontWeight="semibold">
                    {changeLabel(event.topic)}
                  </Text>
                  <Text as="span" tone="subdued">
                    received {when(event.receivedAt)}
                  </Text>
                </InlineStack>
                <Text as="p" tone="subdued" breakWord>
                  {event.reason}
                </Text>
              </BlockStack>
            </Box>
          ))}
        </BlockStack>
        {count > latest.length && (
          <Text as="p" tone="subdued">
            The latest {latest.length} of {formatCount(count)} are shown.
          </Text>
        )}
      </BlockStack>
    </Card>
  );
}
