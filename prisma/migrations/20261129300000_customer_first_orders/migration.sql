-- CreateTable
CREATE TABLE "customer_first_orders" (
    "shop" TEXT NOT NULL,
    "customer_id" BIGINT NOT NULL,
    "first_order_at" TIMESTAMPTZ(3),
    "first_uncancelled_order_at" TIMESTAMPTZ(3),
    "first_paid_order_at" TIMESTAMPTZ(3),
    "first_paid_uncancelled_order_at" TIMESTAMPTZ(3),

    CONSTRAINT "customer_first_orders_pkey" PRIMARY KEY ("shop","customer_id")
);

