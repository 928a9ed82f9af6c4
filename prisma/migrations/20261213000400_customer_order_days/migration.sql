-- AlterTable
ALTER TABLE "customer_totals" ADD COLUMN     "order_day" INTEGER[];

-- Rollups built before this column lack it: every shop is rebuilt at its next refresh or report.
DELETE FROM "daily_sales_state";
