-- Nothing reads orders by updated_at (the sync asks Shopify what changed); every write paid for
-- the index.
-- DropIndex
DROP INDEX "orders_shop_updated_at_idx";
