import { DataTable } from "@shopify/polaris";
import { formatCount, formatGrowth, formatMoney, formatPeriod } from "./format";

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
  const money = (minor: number) => formatMoney(minor, currency);
  // Deductions read as negative amounts, but nothing deducted is just zero.
  const less = (minor: number) => money(minor === 0 ? 0 : -minor);
  return (
    <DataTable
      columnContentTypes={["text", "numeric", "numeric", "numeric", "numeric", "numeric", "numeric"]}
      headings={["Period", "Orders", "Gross sales", "Discounts", "Returns", "Net sales", "Growth"]}
      rows={[...rows].reverse().map((row) => [
        `${formatPeriod(row.period)}${row.partial ? " (so far)" : ""}`,
        formatCount(row.orders),
        money(row.grossSales),
        less(row.discounts),
        less(row.returns),
        money(row.netSales),
        formatGrowth(row.growth),
      ])}
      totals={["", formatCount(totals.orders), money(totals.grossSales), less(totals.discounts), less(totals.returns), money(totals.netSales), ""]}
      showTotalsInFooter
      totalsName={{ singular: "Total", plural: "Total" }}
      increasedTableDensity
    />
  );
}
