-- What a sessions refresh read of the last minute's arrivals, which the next one would read again
-- in case a batch of them was still committing: the last arrival it saw, and how many it saw from
-- its watermark to that one. While that count is unchanged, nothing arrived late there, and the
-- next refresh reads only what arrived after (ADR 035).
ALTER TABLE "pixel_rollup_state" ADD COLUMN "seen_through" TIMESTAMPTZ(3),
ADD COLUMN "seen_count" INTEGER;
