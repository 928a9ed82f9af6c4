import { InlineStack, Spinner, Text } from "@shopify/polaris";
import { useTranslation } from "react-i18next";
import { EmptyCard } from "./EmptyCard";
import { useRevalidateWhile } from "./page-hooks";

/**
 * The store's figures are being recomputed in its time zone and currency (a minute or two for a
 * large store): after a change of either, and whenever its rollups are not built, as after a
 * rebuild that failed. Says so, and looks again every few seconds until the page's figures are
 * ready (its loader's `recomputing`).
 */
export function RecomputingCard({ timeZone, currency }: { timeZone: string; currency: string }) {
  const { t } = useTranslation();
  useRevalidateWhile(true, 3000);
  return (
    <EmptyCard heading={t("common.recomputing")}>
      <InlineStack gap="300" blockAlign="center" wrap={false}>
        <Spinner size="small" accessibilityLabel={t("common.recomputing")} />
        <Text as="p">{t("common.recomputingText", { timeZone, currency })}</Text>
      </InlineStack>
    </EmptyCard>
  );
}
