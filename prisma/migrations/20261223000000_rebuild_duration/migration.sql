-- How long the shop's last full rebuild of its rollups took, in milliseconds: while the next one
-- runs (after a change of time zone or currency), the pages show how far along it likely is.
-- Null until the next rebuild.
ALTER TABLE "daily_sales_state" ADD COLUMN "rebuild_ms" INTEGER;
