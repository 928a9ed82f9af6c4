-- CreateTable
CREATE TABLE "daily_sales" (
    "shop" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "currency_code" TEXT NOT NULL,
    "cancelled" BOOLEAN NOT NULL,
    "guest" BOOLEAN NOT NULL,
    "first_order" BOOLEAN NOT NULL,
    "first_uncancelled_order" BOOLEAN NOT NULL,
    "orders" INTEGER NOT NULL,
    "gross_sales" BIGINT NOT NULL,
    "discounts" BIGINT NOT NULL,
    "shipping" BIGINT NOT NULL,
    "tax" BIGINT NOT NULL,
    "returns_by_refund_date" BIGINT NOT NULL,
    "shipping_refunded_by_refund_date" BIGINT NOT NULL,
    "tax_refunded_by_refund_date" BIGINT NOT NULL,
    "returns_by_order_date" BIGINT NOT NULL,
    "shipping_refunded_by_order_date" BIGINT NOT NULL,
    "tax_refunded_by_order_date" BIGINT NOT NULL,

    CONSTRAINT "daily_sales_pkey" PRIMARY KEY ("shop","day","currency_code","cancelled","guest","first_order","first_uncancelled_order")
);

-- CreateTable
CREATE TABLE "daily_sales_sources" (
    "shop" TEXT NOT NULL,
    "order_id" BIGINT NOT NULL,
    "customer_id" BIGINT,
    "days" DATE[],

    CONSTRAINT "daily_sales_sources_pkey" PRIMARY KEY ("shop","order_id")
);

-- CreateTable
CREATE TABLE "daily_sales_state" (
    "shop" TEXT NOT NULL,
    "time_zone" TEXT NOT NULL,
    "refreshed_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "daily_sales_state_pkey" PRIMARY KEY ("shop")
);

-- CreateIndex
CREATE INDEX "daily_sales_sources_shop_customer_id_idx" ON "daily_sales_sources"("shop", "customer_id");

