-- A rebuild's time is mostly index entries written one row at a time. One index of the gaps by
-- bucket and then time serves both the gaps of a span (each bucket's range of it) and the gap at a
-- rank (one bucket's rows of a range, sorted: a few thousand at most), where two indexes did.
-- DropIndex
DROP INDEX "customer_order_gaps_time_idx";

-- DropIndex
DROP INDEX "customer_order_gaps_rank_idx";

-- CreateIndex
CREATE INDEX "customer_order_gaps_bucket_idx" ON "customer_order_gaps"("shop", "retention_include_cancelled", "bucket", "processed_at", "gap_ms", "second");

-- The customers with activity after a given instant are found from their last order and from the
-- refunds after it, so their own index goes.
-- DropIndex
DROP INDEX "customer_totals_activity_idx";
