-- The web pixel of each shop: the key its events must carry, the storefront origins allowed to
-- send them, and where its activation with Shopify stands.
CREATE TABLE "pixel_settings" (
    "shop" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "origins" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "web_pixel_id" TEXT,
    "status" TEXT NOT NULL DEFAULT 'inactive',
    "error" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pixel_settings_pkey" PRIMARY KEY ("shop")
);

-- The salt of a shop's visitor ids for one UTC day; deleted once the day is over, so that a
-- visitor cannot be followed from one day to the next.
CREATE TABLE "pixel_salts" (
    "shop" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "salt" BYTEA NOT NULL,

    CONSTRAINT "pixel_salts_pkey" PRIMARY KEY ("shop","day")
);

-- What the breakdowns need of an event, and nothing that names a person.
ALTER TABLE "pixel_events"
    ADD COLUMN "landing_path" TEXT,
    ADD COLUMN "referrer_host" TEXT,
    ADD COLUMN "utm_source" TEXT,
    ADD COLUMN "utm_medium" TEXT,
    ADD COLUMN "utm_campaign" TEXT,
    ADD COLUMN "device" TEXT;

-- Events past their retention are deleted by the day they were received.
CREATE INDEX "pixel_events_received_at_idx" ON "pixel_events"("received_at");
