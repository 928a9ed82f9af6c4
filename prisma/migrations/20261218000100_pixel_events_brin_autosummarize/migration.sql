-- A BRIN index answers "received since" from the summaries of its block ranges; a range the
-- index has not summarized yet is read whole. Without this, new ranges were summarized only by
-- VACUUM, and autovacuum leaves up to a fifth of an insert-only table behind it: the sessions'
-- refresh (every Conversion page load) then read that much of pixel_events. With it, autovacuum
-- summarizes each range as soon as the drain has filled it.
ALTER INDEX "pixel_events_received_at_idx" SET (autosummarize = on);
