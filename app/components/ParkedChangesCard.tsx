import { BlockStack, Box, Button, Card, Divider, InlineStack, Text } from "@shopify/polaris";
import type { ParkedEvent } from "#app/sync/webhook-events.server";
import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import { useFormat } from "./format";

/**
 * "orders/updated" → "Order updated", "customers/redact" → "Customer data erasure": every topic
 * the app subscribes to has its name in the messages; another one is shown as Shopify names it.
 */
export function changeLabel(topic: string, t: TFunction): string {
  return t(`parked.topics.${topic.replace("/", ".")}`, { defaultValue: topic });
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
  const { t } = useTranslation();
  const f = useFormat();
  if (count === 0) return null;
  const when = (iso: string) => f.dateTime(iso, timeZone);
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center">
          <Text as="h2" variant="headingMd">
            {t("parked.title", { count, formatted: f.count(count) })}
          </Text>
          {onRetry && (
            <Button onClick={onRetry} loading={retrying}>
              {t("parked.retry")}
            </Button>
          )}
        </InlineStack>
        <Text as="p" tone="subdued">
          {t("parked.intro")}
        </Text>
        <BlockStack gap="200" as="ul">
          {latest.map((event, i) => (
            <Box as="li" key={`${event.parkedAt}-${i}`}>
              <BlockStack gap="100">
                {i > 0 && <Divider />}
                <InlineStack gap="200" blockAlign="baseline">
                  <Text as="span" fontWeight="semibold">
                    {changeLabel(event.topic, t)}
                  </Text>
                  <Text as="span" tone="subdued">
                    {t("parked.received", { when: when(event.receivedAt) })}
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
            {t("parked.latest", { shown: f.count(latest.length), total: f.count(count), count })}
          </Text>
        )}
      </BlockStack>
    </Card>
  );
}
