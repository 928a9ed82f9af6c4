// Net sales split by who bought: customers on their first counted order, returning customers,
// and orders without a customer (definitions in docs/metrics.md), each with its share of net
// sales as a bar and its change against the comparison range.
import { BlockStack, InlineGrid, ProgressBar, Text } from "@shopify/polaris";
import { useTranslation } from "react-i18next";
import { fromNegativeBase, useFormat } from "./format";
import { NegativeBaseNote } from "./NegativeBaseNote";

export interface CustomerTypeRow {
  key: "new" | "returning" | "guest";
  netSales: number;
  share: number | null;
  /** Absent without a comparison range. */
  growth?: number | null;
  /** The comparison range's net sales of the same kind, which `growth` is measured against. */
  growthBase?: number | null;
}

export function CustomerTypeTable({ rows, currency }: { rows: CustomerTypeRow[]; currency: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const compared = rows.some((row) => row.growth !== undefined);
  const columns = compared ? "2fr 1fr 2fr 1fr" : "2fr 1fr 2fr";
  return (
    <BlockStack gap="300">
      <InlineGrid columns={columns} gap="400">
        <Text as="span" variant="bodySm" tone="subdued">
          {t("overviewPage.customerTypes.kind")}
        </Text>
        <Text as="span" variant="bodySm" tone="subdued" alignment="end">
          {t("sales.netSales")}
        </Text>
        <Text as="span" variant="bodySm" tone="subdued">
          {t("overviewPage.customerTypes.share")}
        </Text>
        {compared && (
          <Text as="span" variant="bodySm" tone="subdued" alignment="end">
            {t("overviewPage.customerTypes.change")}
          </Text>
        )}
      </InlineGrid>
      {rows.map((row) => (
        <div key={row.key} data-kind={row.key}>
          <InlineGrid columns={columns} gap="400" alignItems="center">
            <Text as="span">{t(`overviewPage.customerTypes.${row.key}`)}</Text>
            <Text as="span" alignment="end" numeric>
              <span data-testid="net-sales">{f.money(row.netSales, currency)}</span>
            </Text>
            <InlineGrid columns="1fr 56px" gap="200" alignItems="center">
              <ProgressBar progress={Math.max(0, Math.min(100, (row.share ?? 0) * 100))} size="small" tone="highlight" />
              <Text as="span" variant="bodySm" alignment="end" numeric>
                {f.percent(row.share)}
              </Text>
            </InlineGrid>
            {compared && (
              <Text as="span" alignment="end" numeric>
                {f.growth(row.growth ?? null, row.growthBase)}
              </Text>
            )}
          </InlineGrid>
        </div>
      ))}
      {rows.some((row) => fromNegativeBase(row.growth ?? null, row.growthBase)) && <NegativeBaseNote />}
    </BlockStack>
  );
}
