-- CreateTable
CREATE TABLE "customer_weeks" (
    "shop" TEXT NOT NULL,
    "customer_id" BIGINT NOT NULL,
    "week" DATE NOT NULL,
    "orders" INTEGER NOT NULL,
    "uncancelled_orders" INTEGER NOT NULL,
    "cohort" DATE,
    "uncancelled_cohort" DATE,
    "paid_cohort" DATE,
    "paid_uncancelled_cohort" DATE,
    "net_sales_by_refund_date" BIGINT NOT NULL,
    "net_sales_by_order_date" BIGINT NOT NULL,
    "cancelled_net_sales_by_refund_date" BIGINT NOT NULL,
    "cancelled_net_sales_by_order_date" BIGINT NOT NULL,

    CONSTRAINT "customer_weeks_pkey" PRIMARY KEY ("shop","customer_id","week")
);

-- CreateTable
CREATE TABLE "cohort_weeks" (
    "shop" TEXT NOT NULL,
    "retention_include_cancelled" BOOLEAN NOT NULL,
    "cohort_include_zero_value" BOOLEAN NOT NULL,
    "cohort" DATE NOT NULL,
    "week" DATE NOT NULL,
    "customers" INTEGER NOT NULL,
    "net_sales_by_refund_date" BIGINT NOT NULL,
    "net_sales_by_order_date" BIGINT NOT NULL,

    CONSTRAINT "cohort_weeks_pkey" PRIMARY KEY ("shop","retention_include_cancelled","cohort_include_zero_value","cohort","week")
);


-- Rollups built before these tables lack them: every shop is rebuilt at its next refresh or report.
DELETE FROM "daily_sales_state";
