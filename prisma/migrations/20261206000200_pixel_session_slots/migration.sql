-- Pixel sessions rolled up by the quarter hour of their start (UTC): every time zone's local
-- midnight falls on a quarter hour, so any local day, week or month is an exact sum of slots.
CREATE TABLE "pixel_session_slots" (
    "shop" TEXT NOT NULL,
    "slot" TIMESTAMPTZ(3) NOT NULL,
    "sessions" INTEGER NOT NULL,
    "sessions_with_cart_additions" INTEGER NOT NULL,
    "sessions_reached_checkout" INTEGER NOT NULL,
    "sessions_completed_checkout" INTEGER NOT NULL,
    "orders" INTEGER NOT NULL,
    "sign_ups" INTEGER NOT NULL,

    CONSTRAINT "pixel_session_slots_pkey" PRIMARY KEY ("shop","slot")
);

-- Up to which arrival of events a shop's slots are built.
CREATE TABLE "pixel_rollup_state" (
    "shop" TEXT NOT NULL,
    "received_through" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "pixel_rollup_state_pkey" PRIMARY KEY ("shop")
);

DROP INDEX "pixel_events_received_at_idx";
CREATE INDEX "pixel_events_shop_received_at_idx" ON "pixel_events"("shop", "received_at");

-- The same sessions split by their first event's context: where the visit came from (UTM source,
-- else the referrer's host, else direct), the device class and the landing page's path.
CREATE TABLE "pixel_session_values" (
    "shop" TEXT NOT NULL,
    "slot" TIMESTAMPTZ(3) NOT NULL,
    "dimension" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "sessions" INTEGER NOT NULL,
    "sessions_with_cart_additions" INTEGER NOT NULL,
    "sessions_reached_checkout" INTEGER NOT NULL,
    "sessions_completed_checkout" INTEGER NOT NULL,

    CONSTRAINT "pixel_session_values_pkey" PRIMARY KEY ("shop","dimension","slot","value")
);
