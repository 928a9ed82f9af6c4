-- The last comparison of the copy with Shopify's own counts, which the Data sync page shows.
ALTER TABLE "sync_state" ADD COLUMN "checked_at" TIMESTAMPTZ(3),
ADD COLUMN "checked_since" TIMESTAMPTZ(3),
ADD COLUMN "copied_customers" INTEGER,
ADD COLUMN "copied_orders" INTEGER,
ADD COLUMN "shopify_customers" INTEGER,
ADD COLUMN "shopify_orders" INTEGER;
