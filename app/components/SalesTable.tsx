import { DataTable } from "@shopify/polaris";
import { useTranslation } from "react-i18next";
import { useFormat } from "./format";

export interface SalesRow {
  period: string;
  partial: boolean;
  orders: number;
  grossSales: number;
  discounts: number;
  returns: number;
  netSales: number;
  growth: number | null;
}

export function SalesTable({ rows, currency, totals }: { rows: SalesRow[]; currency: string; totals: Omit<SalesRow, "period" | "partial" | "growth"> }) {
  const { t } = useTranslation();
  const f = useFormat();
  const money = (minor: number) => f.money(minor, currency);
  // Deductions read as negative amounts, but nothing deducted is just zero.
  const less = (minor: number) => money(minor === 0 ? 0 : -minor);
  return (
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
        f.growth(row.growth),
      ])}
      totals={["", f.count(totals.orders), money(totals.grossSales), less(totals.discounts), less(totals.returns), money(totals.netSales), ""]}
      showTotalsInFooter
      totalsName={{ singular: t("sales.total"), plural: t("sales.total") }}
      increasedTableDensity
    />
  );
}
