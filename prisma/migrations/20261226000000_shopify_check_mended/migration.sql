-- What the last comparison with Shopify's counts mended before it counted: the records it
-- removed (deleted in Shopify without a webhook saying so) and those it copied back (lost from
-- the copy itself). Null for a comparison recorded before these columns.
ALTER TABLE "sync_state" ADD COLUMN "removed_orders" INTEGER,
ADD COLUMN "removed_customers" INTEGER,
ADD COLUMN "restored_orders" INTEGER,
ADD COLUMN "restored_customers" INTEGER;
