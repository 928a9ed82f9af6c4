-- Customers acquired per local day, summed from `customer_first_orders` for each setting
-- combination: new customers over any days are a sum of a few hundred rows, and the four
-- indexes of first-order instants, a quarter of a rebuild's index entries for that table, go.
-- DropIndex
DROP INDEX "customer_first_orders_shop_first_order_at_idx";

-- DropIndex
DROP INDEX "customer_first_orders_shop_first_uncancelled_order_at_idx";

-- DropIndex
DROP INDEX "customer_first_orders_shop_first_paid_order_at_idx";

-- DropIndex
DROP INDEX "customer_first_orders_shop_first_paid_uncancelled_order_at_idx";

-- CreateTable
CREATE TABLE "cohort_days" (
    "shop" TEXT NOT NULL,
    "retention_include_cancelled" BOOLEAN NOT NULL,
    "cohort_include_zero_value" BOOLEAN NOT NULL,
    "day" DATE NOT NULL,
    "customers" INTEGER NOT NULL,

    CONSTRAINT "cohort_days_pkey" PRIMARY KEY ("shop","retention_include_cancelled","cohort_include_zero_value","day")
);

-- Rollups built before this table lack it: every shop is rebuilt at its next refresh or report.
DELETE FROM "daily_sales_state";
