-- Events arrive in received_at order, so the table's blocks are in that order too: a BRIN index
-- serves "received since" (the sessions' refresh) and "received before" (the deletion of old
-- events) as well as the B-tree did, and is all but free to keep up as the collector inserts.
DROP INDEX "pixel_events_shop_received_at_idx";
CREATE INDEX "pixel_events_received_at_idx" ON "pixel_events" USING BRIN ("received_at");
