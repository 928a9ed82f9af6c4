-- CreateTable
CREATE TABLE "customer_order_gaps" (
    "shop" TEXT NOT NULL,
    "retention_include_cancelled" BOOLEAN NOT NULL,
    "customer_id" BIGINT NOT NULL,
    "order_id" BIGINT NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL,
    "gap_ms" BIGINT NOT NULL,
    "second" BOOLEAN NOT NULL,
    "bucket" SMALLINT NOT NULL,

    CONSTRAINT "customer_order_gaps_pkey" PRIMARY KEY ("shop","customer_id","retention_include_cancelled","order_id")
);

-- CreateTable
CREATE TABLE "gap_months" (
    "shop" TEXT NOT NULL,
    "retention_include_cancelled" BOOLEAN NOT NULL,
    "month" DATE NOT NULL,
    "bucket" SMALLINT NOT NULL,
    "gaps" INTEGER NOT NULL,
    "second_gaps" INTEGER NOT NULL,

    CONSTRAINT "gap_months_pkey" PRIMARY KEY ("shop","retention_include_cancelled","month","bucket")
);

-- CreateTable
CREATE TABLE "customer_totals" (
    "shop" TEXT NOT NULL,
    "retention_include_cancelled" BOOLEAN NOT NULL,
    "customer_id" BIGINT NOT NULL,
    "orders" INTEGER NOT NULL,
    "last_order_at" TIMESTAMPTZ(3) NOT NULL,
    "net_spend" BIGINT NOT NULL,
    "last_activity_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "customer_totals_pkey" PRIMARY KEY ("shop","retention_include_cancelled","customer_id")
);

-- CreateIndex
CREATE INDEX "customer_order_gaps_time_idx" ON "customer_order_gaps"("shop", "retention_include_cancelled", "processed_at", "bucket", "second");

-- CreateIndex
CREATE INDEX "customer_order_gaps_rank_idx" ON "customer_order_gaps"("shop", "retention_include_cancelled", "bucket", "gap_ms", "processed_at", "second");

-- CreateIndex
CREATE INDEX "customer_totals_spend_idx" ON "customer_totals"("shop", "retention_include_cancelled", "net_spend" DESC, "last_order_at" DESC, "customer_id");

-- CreateIndex
CREATE INDEX "customer_totals_last_order_idx" ON "customer_totals"("shop", "retention_include_cancelled", "last_order_at", "last_activity_at");


-- CreateIndex
CREATE INDEX "customer_totals_activity_idx" ON "customer_totals"("shop", "retention_include_cancelled", "last_activity_at");

-- Rollups built before these tables lack them: every shop is rebuilt at its next refresh or report.
DELETE FROM "daily_sales_state";
