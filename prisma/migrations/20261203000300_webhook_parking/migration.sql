-- An event that cannot be applied is parked (kept, with why, until a person retries it) rather
-- than marked processed: until now a payload that did not fit its topic was marked processed
-- with an error, and an event that failed in the database failed its whole batch.
ALTER TABLE "webhook_events" ADD COLUMN "parked_at" TIMESTAMPTZ(3),
                             ADD COLUMN "queued_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
UPDATE "webhook_events" SET "queued_at" = "received_at";

-- Payloads that did not fit their topic were processed with an error: they are parked events.
UPDATE "webhook_events" SET "parked_at" = "processed_at", "processed_at" = NULL
WHERE "error" LIKE 'invalid %';

CREATE INDEX "webhook_events_processed_at_parked_at_queued_at_idx" ON "webhook_events"("processed_at", "parked_at", "queued_at");
