-- What kind of failure ended the last run (retrying, refused, failed), so that pages can say it
-- in the admin's language; `error` keeps Shopify's or the system's own words, the detail.
ALTER TABLE "sync_state" ADD COLUMN "error_kind" TEXT;
