-- Shopify's own session figures (ShopifyQL), split by a session dimension: traffic source,
-- device type, landing page. One row per shop, dimension, local day and value.
CREATE TABLE "shopify_session_breakdowns" (
    "shop" TEXT NOT NULL,
    "dimension" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "value" TEXT NOT NULL,
    "sessions" INTEGER NOT NULL,
    "sessions_with_cart_additions" INTEGER NOT NULL,
    "sessions_reached_checkout" INTEGER NOT NULL,
    "sessions_completed_checkout" INTEGER NOT NULL,
    "fetched_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "shopify_session_breakdowns_pkey" PRIMARY KEY ("shop","dimension","day","value")
);

-- Where the import of Shopify's session figures stands for each shop (written by
-- app/sync/sync-state.server.ts only, like the rest of the row).
ALTER TABLE "sync_state"
    ADD COLUMN "sessions_status" TEXT,
    ADD COLUMN "sessions_error" TEXT,
    ADD COLUMN "sessions_attempted_at" TIMESTAMPTZ(3),
    ADD COLUMN "sessions_synced_at" TIMESTAMPTZ(3),
    ADD COLUMN "sessions_time_zone" TEXT;
