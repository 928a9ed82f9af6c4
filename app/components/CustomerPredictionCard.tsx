// One customer's prediction on their view in the app, from the shop's cached fit: their chance of
// an order in the next 365 days with their group, their expected orders in the next 90 days and
// their expected spend in the next 365; or why there is none yet (no fit yet, too little
// history, or a customer whose first order came after the fit).
import { Badge, BlockStack, Card, InlineGrid, Text } from "@shopify/polaris";
import { useTranslation } from "react-i18next";
import type { PredictionGroup } from "#app/metrics/prediction";
import type { CustomerPredictionResult } from "#app/metrics/prediction.server";
import { Figure } from "./Figure";
import { useFormat } from "./format";

const GROUP_TONES: Record<PredictionGroup, "success" | "warning" | "critical"> = {
  likely_to_return: "success",
  at_risk: "warning",
  probably_lost: "critical",
};

export function CustomerPredictionCard({ prediction, timeZone }: { prediction: CustomerPredictionResult; timeZone: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <Card>
      <div data-testid="customer-prediction">
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            {t("customer.prediction.title")}
          </Text>
          {prediction.status === "ready" ? (
            <>
              <InlineGrid columns={{ xs: 1, sm: 3 }} gap="400">
                <Figure
                  title={t("customer.prediction.returnProbability")}
                  value={f.percent(prediction.prediction.returnProbability)}
                  beside={<Badge tone={GROUP_TONES[prediction.prediction.group]}>{t(`predictions.groups.${prediction.prediction.group}`)}</Badge>}
                />
                <Figure title={t("customer.prediction.orders90")} value={f.decimal(prediction.prediction.expectedOrders.days90, 1)} />
                <Figure title={t("customer.prediction.spend365")} value={f.money(prediction.prediction.expectedSpend365, prediction.currency)} />
              </InlineGrid>
              <Text as="p" tone="subdued" variant="bodySm">
                {t("customer.prediction.fitted", { fittedAt: f.dateTime(prediction.fittedAt, timeZone) })}
              </Text>
            </>
          ) : (
            <Text as="p" tone="subdued">
              {t(`customer.prediction.${prediction.status}`)}
            </Text>
          )}
        </BlockStack>
      </div>
    </Card>
  );
}
