import { BlockStack, InlineGrid, Text } from "@shopify/polaris";
import type { Distribution, GapHistogram as Histogram, TimeBetweenOrders as Gaps } from "#app/metrics/retention";
import { useTranslation } from "react-i18next";
import { Figure } from "./Figure";
import { useFormat } from "./format";
import { GapHistogram } from "./GapHistogram";

function Gap({ title, distribution, counted }: { title: string; distribution: Distribution; counted: "secondOrders" | "repeatOrders" }) {
  const { t } = useTranslation();
  const f = useFormat();
  const days = (value: number | null) => (value === null ? "—" : t("units.days", { count: value, formatted: f.decimal(value, 1) }));
  return (
    <Figure title={title} value={days(distribution.median)} size="headingXl">
      <Text as="p" variant="bodySm">
        {t("timeBetween.median", { p25: days(distribution.p25), p75: days(distribution.p75) })}
      </Text>
      <Text as="p" variant="bodySm" tone="subdued">
        {t(`timeBetween.${counted}`, { count: distribution.count, formatted: f.count(distribution.count) })}
      </Text>
    </Figure>
  );
}

/**
 * Days between a customer's orders: first to second, and any two in a row (median and
 * quartiles), then how they spread (the histogram) when it is given.
 */
export function TimeBetweenOrders({ gaps, histogram }: { gaps: Gaps; histogram?: Histogram | null }) {
  const { t } = useTranslation();
  return (
    <BlockStack gap="400">
      <InlineGrid columns={{ xs: 1, sm: 2 }} gap="400">
        <Gap title={t("timeBetween.firstToSecond")} distribution={gaps.firstToSecond} counted="secondOrders" />
        <Gap title={t("timeBetween.consecutive")} distribution={gaps.betweenOrders} counted="repeatOrders" />
      </InlineGrid>
      {histogram && <GapHistogram histogram={histogram} />}
    </BlockStack>
  );
}
