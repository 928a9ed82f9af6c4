-- The index on a month's customers keys on (shop, month) and carries the rest of what the reads
-- need as included columns. The reads range over a month or a few and filter the rest, so they
-- scan the same entries as before; a row written is placed by two columns instead of thirteen,
-- after the entries of its month already there (ADR 026).
-- Prisma's schema cannot declare included columns, and its comparison of schema and migrations
-- reads them as key columns: schema.prisma lists all thirteen, in this order.
-- DropIndex
DROP INDEX "customer_months_shop_month_idx";

-- CreateIndex
CREATE INDEX "customer_months_shop_month_idx" ON "customer_months"("shop", "month") INCLUDE ("orders", "uncancelled_orders", "first_order_at", "last_order_at", "first_uncancelled_order_at", "last_uncancelled_order_at", "previous_order_at", "previous_uncancelled_order_at", "next_month", "next_uncancelled_month", "customer_id");
