-- The gap between a customer's consecutive counted orders is recorded with the later order's
-- contribution (`daily_sales_sources`), computed in the same pass over the orders in customer
-- order, under each value of the cancelled setting: since the previous counted order, and, of an
-- uncancelled order, since the previous uncancelled one. `customer_order_gaps` held the same
-- gaps a second time, a row per order and setting (1.02M rows at a million orders), with a key
-- of its own.
DROP TABLE "customer_order_gaps";

-- The contributions are rebuilt with the rollups, so the old ones go first.
DELETE FROM "daily_sales_sources";
ALTER TABLE "daily_sales_sources"
ADD COLUMN "processed_at" TIMESTAMPTZ(3) NOT NULL,
ADD COLUMN "gap_ms" BIGINT,
ADD COLUMN "gap_bucket" SMALLINT,
ADD COLUMN "second_order" BOOLEAN NOT NULL,
ADD COLUMN "uncancelled_gap_ms" BIGINT,
ADD COLUMN "uncancelled_gap_bucket" SMALLINT,
ADD COLUMN "second_uncancelled_order" BOOLEAN NOT NULL;

-- Each setting's gaps of a span of time by bucket (the parts of a range that are not whole
-- months: one range per bucket), and one bucket's gaps of a range, sorted for the one at a given
-- rank: only the orders that have a gap under that setting.
CREATE INDEX "daily_sales_sources_gaps_idx" ON "daily_sales_sources"("shop", "gap_bucket", "processed_at", "gap_ms", "second_order")
WHERE "gap_bucket" IS NOT NULL;
CREATE INDEX "daily_sales_sources_uncancelled_gaps_idx" ON "daily_sales_sources"("shop", "uncancelled_gap_bucket", "processed_at", "uncancelled_gap_ms", "second_uncancelled_order")
WHERE "uncancelled_gap_bucket" IS NOT NULL;

-- Rollups built before this change lack the gaps: every shop is rebuilt at its next refresh or report.
DELETE FROM "daily_sales_state";
