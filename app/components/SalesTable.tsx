import { Box, DataTable } from "@shopify/polaris";
import { useTranslation } from "react-i18next";
import { fromNegativeBase, useFormat } from "./format";
import { NegativeBaseNote } from "./NegativeBaseNote";

export interface SalesRow {
  period: string;
  partial: boolean;
  orders: number;
  grossSales: number;
  discounts: number;
  returns: number;
  netSales: number;
  growth: number | null;
  /** The net sales `growth` is measured against. */
  growthBase: number | null;
}

export function SalesTable({ rows, currency, totals }: { rows: SalesRow[]; currency: string; totals: Omit<SalesRow, "period" | "partial" | "growth" | "growthBase"> }) {
  const { t } = useTranslation();
  const f = useFormat();
  const money = (minor: number) => f.money(minor, currency);
  // Deductions read as negative amounts, but nothing deducted is just zero.
  const less = (minor: number) => money(minor === 0 ? 0 : -minor);
  return (
    <>
      <DataTable
        columnContentTypes={["text", "numeric", "numeric", "numeric", "numeric", "numeric", "numeric"]}
        headings={[t("sales.period"), t("sales.orders"), t("sales.grossSales"), t("sales.discounts"), t("sales.returns"), t("sales.netSales"), t("sales.growth")]}
        rows={[...rows].reverse().map((row) => [
          row.partial ? t("sales.soFar", { period: f.period(row.period) }) : f.period(row.period),
          f.count(row.orders),
          money(row.grossSales),
          less(row.discounts),
          less(row.returns),
          money(row.netSales),
          f.growth(row.growth, row.growthBase),
        ])}
        totals={["", f.count(totals.orders), money(totals.grossSales), less(totals.discounts), less(totals.returns), money(totals.netSales), ""]}
        showTotalsInFooter
        totalsName={{ singular: t("sales.total"), plural: t("sales.total") }}
        increasedTableDensity
      />
      {rows.some((row) => fromNegativeBase(row.growth, row.growthBase)) && (
        <Box padding="300">
          <NegativeBaseNote />
        </Box>
      )}
    </>
  );
}
