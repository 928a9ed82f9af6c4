-- Each customer's first counted order beside the last one in their index: the customers active
-- in two windows far apart (a retention rate over a range longer than its activity window) are
-- those who ordered before the earlier window ended and since the later one began, found in the
-- index rather than by searching the orders of everyone who ordered since the later window began.
-- AlterTable
ALTER TABLE "customer_totals" ADD COLUMN "first_order_at" TIMESTAMPTZ(3);
UPDATE "customer_totals" SET "first_order_at" = "order_at"[1];
ALTER TABLE "customer_totals" ALTER COLUMN "first_order_at" SET NOT NULL;

-- DropIndex
DROP INDEX "customer_totals_last_order_idx";

-- CreateIndex
CREATE INDEX "customer_totals_last_order_idx" ON "customer_totals"("shop", "retention_include_cancelled", "last_order_at", "last_activity_at", "first_order_at");
