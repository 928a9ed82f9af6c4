-- AlterTable
ALTER TABLE "webhook_events" ADD COLUMN     "error" TEXT;

-- CreateTable
CREATE TABLE "deleted_records" (
    "shop" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "id" BIGINT NOT NULL,
    "deleted_at" TIMESTAMPTZ(3) NOT NULL,
    "merged_into" BIGINT,

    CONSTRAINT "deleted_records_pkey" PRIMARY KEY ("shop","resource","id")
);

-- CreateTable
CREATE TABLE "data_request_exports" (
    "shop" TEXT NOT NULL,
    "id" BIGINT NOT NULL,
    "customer_id" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "export" JSONB NOT NULL,

    CONSTRAINT "data_request_exports_pkey" PRIMARY KEY ("shop","id")
);

-- CreateIndex
CREATE INDEX "data_request_exports_shop_customer_id_idx" ON "data_request_exports"("shop", "customer_id");

