-- The customers acquired on each local day carry their orders to date, how many of them have two
-- or more and how many a non-zero one: the activity of a range of days that is not whole months
-- reads the customers first seen in it from these sums, and searches only the order instants of
-- those who ordered before it began (or again after it ended).
-- AlterTable
ALTER TABLE "customer_first_orders" ADD COLUMN "orders" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "uncancelled_orders" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "customer_first_orders" ALTER COLUMN "orders" DROP DEFAULT,
ALTER COLUMN "uncancelled_orders" DROP DEFAULT;

-- AlterTable
ALTER TABLE "cohort_days" ADD COLUMN "orders" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "paid_customers" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "repeat_customers" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "cohort_days" ALTER COLUMN "orders" DROP DEFAULT,
ALTER COLUMN "paid_customers" DROP DEFAULT,
ALTER COLUMN "repeat_customers" DROP DEFAULT;

-- Existing rollups brought up to date as a refresh would write them (the orders as the rollups
-- last counted them: every write of orders refreshes them in its own transaction).
UPDATE "customer_first_orders" f SET "orders" = c.orders, "uncancelled_orders" = c.uncancelled_orders
FROM (
  SELECT shop, customer_id, count(*)::int AS orders, (count(*) FILTER (WHERE cancelled_at IS NULL))::int AS uncancelled_orders
  FROM "orders"
  WHERE customer_id IS NOT NULL AND NOT test AND deleted_at IS NULL
  GROUP BY shop, customer_id
) c
WHERE f.shop = c.shop AND f.customer_id = c.customer_id;

UPDATE "cohort_days" d SET "orders" = x.orders, "repeat_customers" = x.repeat_customers, "paid_customers" = x.paid_customers
FROM (
  SELECT f.shop, v.cancelled, v.zero_value, (v.at AT TIME ZONE s.time_zone)::date AS day,
    sum(v.orders)::int AS orders, (count(*) FILTER (WHERE v.orders >= 2))::int AS repeat_customers,
    (count(*) FILTER (WHERE v.paid))::int AS paid_customers
  FROM "customer_first_orders" f
  JOIN "daily_sales_state" s ON s.shop = f.shop
  CROSS JOIN LATERAL (VALUES
    (true, true, f.first_order_at, f.orders, f.first_paid_order_at IS NOT NULL),
    (true, false, f.first_paid_order_at, f.orders, true),
    (false, true, f.first_uncancelled_order_at, f.uncancelled_orders, f.first_paid_uncancelled_order_at IS NOT NULL),
    (false, false, f.first_paid_uncancelled_order_at, f.uncancelled_orders, true)
  ) v(cancelled, zero_value, at, orders, paid)
  WHERE v.at IS NOT NULL
  GROUP BY 1, 2, 3, 4
) x
WHERE d.shop = x.shop AND d.retention_include_cancelled = x.cancelled AND d.cohort_include_zero_value = x.zero_value AND d.day = x.day;
