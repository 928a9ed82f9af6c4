// Said beside growth figures when one of them is measured against an amount below zero (marked
// by `f.growth(value, base)`): why its sign reads against the change.
import { Text } from "@shopify/polaris";
import { useTranslation } from "react-i18next";
import { NEGATIVE_BASE_MARK } from "./format";

export function NegativeBaseNote() {
  const { t } = useTranslation();
  return (
    <Text as="p" variant="bodySm" tone="subdued">
      <span data-testid="negative-base-note">
        {t("sales.negativeBase", { mark: NEGATIVE_BASE_MARK })}
      </span>
    </Text>
  );
}
