-- AlterTable
ALTER TABLE "daily_sales_state" ADD COLUMN     "currency_code" TEXT;

-- CreateTable
CREATE TABLE "customer_months" (
    "shop" TEXT NOT NULL,
    "customer_id" BIGINT NOT NULL,
    "month" DATE NOT NULL,
    "orders" INTEGER NOT NULL,
    "uncancelled_orders" INTEGER NOT NULL,
    "first_order_at" TIMESTAMPTZ(3),
    "last_order_at" TIMESTAMPTZ(3),
    "first_uncancelled_order_at" TIMESTAMPTZ(3),
    "last_uncancelled_order_at" TIMESTAMPTZ(3),
    "previous_order_at" TIMESTAMPTZ(3),
    "previous_uncancelled_order_at" TIMESTAMPTZ(3),
    "previous_month" DATE,
    "previous_uncancelled_month" DATE,
    "next_month" DATE,
    "next_uncancelled_month" DATE,
    "cohort" DATE,
    "uncancelled_cohort" DATE,
    "paid_cohort" DATE,
    "paid_uncancelled_cohort" DATE,
    "net_sales_by_refund_date" BIGINT NOT NULL,
    "net_sales_by_order_date" BIGINT NOT NULL,
    "cancelled_net_sales_by_refund_date" BIGINT NOT NULL,
    "cancelled_net_sales_by_order_date" BIGINT NOT NULL,

    CONSTRAINT "customer_months_pkey" PRIMARY KEY ("shop","customer_id","month")
);

-- CreateTable
CREATE TABLE "customer_month_counts" (
    "shop" TEXT NOT NULL,
    "retention_include_cancelled" BOOLEAN NOT NULL,
    "month" DATE NOT NULL,
    "previous_month" DATE NOT NULL,
    "next_month" DATE NOT NULL,
    "paid_before" BOOLEAN NOT NULL,
    "repeat" BOOLEAN NOT NULL,
    "customers" INTEGER NOT NULL,
    "orders" INTEGER NOT NULL,

    CONSTRAINT "customer_month_counts_pkey" PRIMARY KEY ("shop","retention_include_cancelled","month","previous_month","next_month","paid_before","repeat")
);

-- CreateTable
CREATE TABLE "cohort_months" (
    "shop" TEXT NOT NULL,
    "retention_include_cancelled" BOOLEAN NOT NULL,
    "cohort_include_zero_value" BOOLEAN NOT NULL,
    "cohort" DATE NOT NULL,
    "month" DATE NOT NULL,
    "customers" INTEGER NOT NULL,
    "net_sales_by_refund_date" BIGINT NOT NULL,
    "net_sales_by_order_date" BIGINT NOT NULL,

    CONSTRAINT "cohort_months_pkey" PRIMARY KEY ("shop","retention_include_cancelled","cohort_include_zero_value","cohort","month")
);

-- CreateIndex
CREATE INDEX "customer_months_shop_month_idx" ON "customer_months"("shop", "month", "orders", "uncancelled_orders", "first_order_at", "last_order_at", "first_uncancelled_order_at", "last_uncancelled_order_at", "previous_order_at", "previous_uncancelled_order_at", "next_month", "next_uncancelled_month");

-- CreateIndex
CREATE INDEX "customer_first_orders_shop_first_order_at_idx" ON "customer_first_orders"("shop", "first_order_at");

-- CreateIndex
CREATE INDEX "customer_first_orders_shop_first_uncancelled_order_at_idx" ON "customer_first_orders"("shop", "first_uncancelled_order_at");

-- CreateIndex
CREATE INDEX "customer_first_orders_shop_first_paid_order_at_idx" ON "customer_first_orders"("shop", "first_paid_order_at");

-- CreateIndex
CREATE INDEX "customer_first_orders_shop_first_paid_uncancelled_order_at_idx" ON "customer_first_orders"("shop", "first_paid_uncancelled_order_at");
