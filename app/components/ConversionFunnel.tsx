import { BlockStack, InlineStack, Text } from "@shopify/polaris";
import { useTranslation } from "react-i18next";
import { useFormat } from "./format";
import { CHART_BLUE } from "./chart-style";

export interface FunnelStepView {
  key: string;
  label: string;
  sessions: number;
  shareOfSessions: number | null;
  shareOfPrevious: number | null;
}


/** Sessions → added to cart → reached checkout → completed, as bars scaled to sessions. */
export function ConversionFunnel({ steps }: { steps: FunnelStepView[] }) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <BlockStack gap="300">
      {steps.map((step) => (
        <div key={step.key} data-testid={`funnel-${step.key}`}>
          <BlockStack gap="100">
            <InlineStack align="space-between" blockAlign="baseline">
              <Text as="span" fontWeight="medium">
                {t(`conversion.funnel.${step.key}`, { defaultValue: step.label })}
              </Text>
              <InlineStack gap="200" blockAlign="baseline">
                {step.shareOfPrevious !== null && (
                  <Text as="span" variant="bodySm" tone="subdued">
                    {t("conversion.funnel.ofPrevious", { share: f.percent(step.shareOfPrevious) })}
                  </Text>
                )}
                <Text as="span" fontWeight="semibold" numeric>
                  <span data-testid="funnel-count">{f.count(step.sessions)}</span>
                </Text>
              </InlineStack>
            </InlineStack>
            <div style={{ background: "#f1f1f1", borderRadius: 4, height: 20, overflow: "hidden" }}>
              <div
                style={{
                  width: `${Math.max(0, Math.min(1, step.shareOfSessions ?? 0)) * 100}%`,
                  minWidth: step.sessions > 0 ? 2 : 0,
                  height: "100%",
                  background: CHART_BLUE,
                  borderRadius: 4,
                }}
              />
            </div>
            <Text as="span" variant="bodySm" tone="subdued">
              {t("conversion.funnel.ofSessions", { share: f.percent(step.shareOfSessions) })}
            </Text>
          </BlockStack>
        </div>
      ))}
    </BlockStack>
  );
}
