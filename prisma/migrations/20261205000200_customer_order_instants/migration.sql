-- AlterTable
ALTER TABLE "customer_totals" ADD COLUMN     "first_paid_order_at" TIMESTAMPTZ(3),
ADD COLUMN     "order_at" TIMESTAMPTZ(3)[];


-- Rollups built before these columns lack them: every shop is rebuilt at its next refresh or report.
DELETE FROM "daily_sales_state";
