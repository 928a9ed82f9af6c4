-- Orders brought in from a file are marked, so that the lost-deletion sweep leaves them alone.
-- The import wrote them with source_name 'import' and negative line item ids.
ALTER TABLE "orders" ADD COLUMN "imported" BOOLEAN NOT NULL DEFAULT false;
UPDATE "orders" o SET "imported" = true
WHERE o."source_name" = 'import'
  AND NOT EXISTS (SELECT 1 FROM "order_line_items" li WHERE li."shop" = o."shop" AND li."order_id" = o."id" AND li."id" > 0);
