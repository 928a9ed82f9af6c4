-- CreateTable
CREATE TABLE "pixel_events" (
    "shop" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "visitor_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "source" TEXT NOT NULL DEFAULT 'pixel',
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pixel_events_pkey" PRIMARY KEY ("shop","id")
);

-- CreateTable
CREATE TABLE "shopify_session_days" (
    "shop" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "sessions" INTEGER NOT NULL,
    "sessions_with_cart_additions" INTEGER NOT NULL,
    "sessions_reached_checkout" INTEGER NOT NULL,
    "sessions_completed_checkout" INTEGER NOT NULL,
    "fetched_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "shopify_session_days_pkey" PRIMARY KEY ("shop","day")
);

-- CreateIndex
CREATE INDEX "pixel_events_shop_occurred_at_idx" ON "pixel_events"("shop", "occurred_at");

