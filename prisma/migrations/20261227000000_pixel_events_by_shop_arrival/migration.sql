-- A shop's events by arrival: a sessions refresh reads what its own shop received since its
-- watermark, not every shop's arrivals since then (ADR 035).
CREATE INDEX "pixel_events_shop_received_at_idx" ON "pixel_events"("shop", "received_at");
