-- Each shop's customer activity per local day, summed from `customer_totals` (the Overview by
-- day reads a day's row instead of every order of the range).
-- CreateTable
CREATE TABLE "activity_days" (
    "shop" TEXT NOT NULL,
    "retention_include_cancelled" BOOLEAN NOT NULL,
    "day" DATE NOT NULL,
    "customers" INTEGER NOT NULL,
    "orders" INTEGER NOT NULL,
    "repeat_customers" INTEGER NOT NULL,
    "returning_by_end" INTEGER NOT NULL,
    "first_customers" INTEGER NOT NULL,
    "returning_customers" INTEGER NOT NULL,
    "first_paid_customers" INTEGER NOT NULL,
    "returning_paid_customers" INTEGER NOT NULL,

    CONSTRAINT "activity_days_pkey" PRIMARY KEY ("shop","retention_include_cancelled","day")
);

-- Existing rollups' days, as a rebuild writes them (app/metrics/rollups.server.ts, activityDayCells).
INSERT INTO "activity_days"
SELECT u.shop, u.retention_include_cancelled, DATE '1970-01-01' + u.day,
  sum(CASE WHEN u.day IS DISTINCT FROM u.previous_day THEN 1 ELSE 0 END)::int,
  count(*)::int,
  sum(CASE WHEN u.day IS DISTINCT FROM u.previous_day AND u.day = u.next_day THEN 1 ELSE 0 END)::int,
  sum(CASE WHEN u.day IS DISTINCT FROM u.next_day AND u.i >= 2 THEN 1 ELSE 0 END)::int,
  sum(CASE WHEN u.day IS DISTINCT FROM u.previous_day AND u.day = u.first_day THEN 1 ELSE 0 END)::int,
  sum(CASE WHEN u.day IS DISTINCT FROM u.previous_day AND u.day > u.first_day THEN 1 ELSE 0 END)::int,
  sum(CASE WHEN u.day IS DISTINCT FROM u.previous_day AND u.day = u.first_paid_day THEN 1 ELSE 0 END)::int,
  sum(CASE WHEN u.day IS DISTINCT FROM u.previous_day AND u.day > u.first_paid_day THEN 1 ELSE 0 END)::int
FROM (
  SELECT r.shop, r.retention_include_cancelled, r.first_day, r.first_paid_day,
    unnest(r.order_day) AS day, unnest(array_prepend(NULL::int, r.order_day)) AS previous_day,
    unnest(r.order_day[2:]) AS next_day, generate_series(1, cardinality(r.order_day)) AS i
  FROM (
    SELECT t.shop, t.retention_include_cancelled, t.order_day, t.order_day[1] AS first_day,
      (t.first_paid_order_at AT TIME ZONE s.time_zone)::date - DATE '1970-01-01' AS first_paid_day
    FROM "customer_totals" t
    JOIN "daily_sales_state" s ON s.shop = t.shop
    OFFSET 0
  ) r
) u
WHERE u.day IS NOT NULL
GROUP BY u.shop, u.retention_include_cancelled, u.day;
