-- The customer as the last column of the index on a month's customers: the reads that pick some
-- of a month's customers (an order at or after an instant, or before one) and then search them
-- in `customer_totals` by key find their ids in the index instead of reading each row.
-- DropIndex
DROP INDEX "customer_months_shop_month_idx";

-- CreateIndex
CREATE INDEX "customer_months_shop_month_idx" ON "customer_months"("shop", "month", "orders", "uncancelled_orders", "first_order_at", "last_order_at", "first_uncancelled_order_at", "last_uncancelled_order_at", "previous_order_at", "previous_uncancelled_order_at", "next_month", "next_uncancelled_month", "customer_id");
