-- Each cell of the weekly cohort grid sums its customers' orders in the week and counts those
-- with two or more, so that the activity of whole weeks (the Overview's trend lines by week) is
-- read from the week's cells instead of every order of the range.
-- AlterTable
ALTER TABLE "cohort_weeks" ADD COLUMN "orders" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "repeat_customers" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "cohort_weeks" ALTER COLUMN "orders" DROP DEFAULT,
ALTER COLUMN "repeat_customers" DROP DEFAULT;

-- Existing cells brought up to date from `customer_weeks` as a refresh sums them (the cohort
-- and the order count of each setting combination).
UPDATE "cohort_weeks" c SET "orders" = x.orders, "repeat_customers" = x.repeat_customers
FROM (
  SELECT m.shop, v.cancelled, v.zero_value, v.cohort, m.week,
    sum(v.orders)::int AS orders, (count(*) FILTER (WHERE v.orders >= 2))::int AS repeat_customers
  FROM "customer_weeks" m
  CROSS JOIN LATERAL (VALUES
    (true, true, m.cohort, m.orders),
    (true, false, m.paid_cohort, m.orders),
    (false, true, m.uncancelled_cohort, m.uncancelled_orders),
    (false, false, m.paid_uncancelled_cohort, m.uncancelled_orders)
  ) v(cancelled, zero_value, cohort, orders)
  WHERE v.cohort IS NOT NULL AND v.orders > 0
  GROUP BY 1, 2, 3, 4, 5
) x
WHERE c.shop = x.shop AND c.retention_include_cancelled = x.cancelled AND c.cohort_include_zero_value = x.zero_value
  AND c.cohort = x.cohort AND c.week = x.week;
