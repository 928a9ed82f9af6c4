-- The weekly cohort grid is summed from each customer's weeks as computed from their orders'
-- contributions (`daily_sales_sources`), which now record whether each order is paid: the
-- 774k rows of `customer_weeks` at a million orders were a second copy of what the contributions
-- hold, written by every rebuild and every refresh and read by nothing else.
DROP TABLE "customer_weeks";

-- The contributions are rebuilt with the rollups, so the old ones go first.
DELETE FROM "daily_sales_sources";
ALTER TABLE "daily_sales_sources" ADD COLUMN "paid" BOOLEAN NOT NULL;

-- Rollups built before this change lack the column: every shop is rebuilt at its next refresh or report.
DELETE FROM "daily_sales_state";
