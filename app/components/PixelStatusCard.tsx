import { Badge, BlockStack, Card, InlineStack, Text } from "@shopify/polaris";
import { useTranslation } from "react-i18next";
import { useFormat } from "./format";

interface PixelStatus {
  status: "inactive" | "active" | "not_granted" | "failed";
  error: string | null;
  updatedAt: string | null;
}

/** Each status's badge; its words are `pixel.status.<status>` in the messages. */
const BADGE_TONES: Record<PixelStatus["status"], "success" | "critical" | "attention"> = {
  active: "success",
  inactive: "attention",
  not_granted: "attention",
  failed: "critical",
};

/** Whether Metryka's web pixel runs on the store (the conversion source that works everywhere). */
export function PixelStatusCard({ pixel, timeZone }: { pixel: PixelStatus; timeZone: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const when = pixel.updatedAt ? f.dateTime(pixel.updatedAt, timeZone) : null;
  return (
    <Card>
      <BlockStack gap="200">
        <InlineStack gap="200" blockAlign="center">
          <Text as="h2" variant="headingMd">
            {t("pixel.title")}
          </Text>
          <Badge tone={BADGE_TONES[pixel.status]}>{t(`pixel.status.${pixel.status}`)}</Badge>
        </InlineStack>
        <Text as="p" tone="subdued">
          {t("pixel.intro")}
          {when ? ` ${t("pixel.lastChange", { when })}` : ""}
        </Text>
        {pixel.error ? (
          <Text as="p" tone="critical">
            {pixel.error}
          </Text>
        ) : null}
      </BlockStack>
    </Card>
  );
}
