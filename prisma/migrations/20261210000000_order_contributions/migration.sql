-- Each order's contribution to `daily_sales` replaces the list of days it touched: a refresh
-- then takes the old contribution out and puts the new one in, instead of recomputing whole days.
-- The rows are rebuilt with the rollups, so the old ones go first.
DELETE FROM "daily_sales_sources";

-- AlterTable
ALTER TABLE "daily_sales_sources" DROP COLUMN "days",
ADD COLUMN     "day" DATE NOT NULL,
ADD COLUMN     "currency_code" TEXT NOT NULL,
ADD COLUMN     "cancelled" BOOLEAN NOT NULL,
ADD COLUMN     "first_order" BOOLEAN NOT NULL,
ADD COLUMN     "first_uncancelled_order" BOOLEAN NOT NULL,
ADD COLUMN     "gross_sales" BIGINT NOT NULL,
ADD COLUMN     "discounts" BIGINT NOT NULL,
ADD COLUMN     "shipping" BIGINT NOT NULL,
ADD COLUMN     "tax" BIGINT NOT NULL,
ADD COLUMN     "returns" BIGINT NOT NULL,
ADD COLUMN     "shipping_refunded" BIGINT NOT NULL,
ADD COLUMN     "tax_refunded" BIGINT NOT NULL,
ADD COLUMN     "refund_days" DATE[],
ADD COLUMN     "refund_returns" BIGINT[],
ADD COLUMN     "refund_shipping" BIGINT[],
ADD COLUMN     "refund_tax" BIGINT[];

-- Rollups built before this change lack these columns: every shop is rebuilt at its next refresh or report.
DELETE FROM "daily_sales_state";
