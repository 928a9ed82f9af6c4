-- Each pixel session the slots count, so that a refresh rebuilds only the sessions of the
-- visitors with new events and moves the slots by difference (ADR 035). Days built before this
-- have no stored sessions: a refresh that finds new events on such a day rebuilds it whole, as
-- before, and stores its sessions.
CREATE TABLE "pixel_sessions" (
    "shop" TEXT NOT NULL,
    "visitor_id" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "cart" BOOLEAN NOT NULL,
    "checkout" BOOLEAN NOT NULL,
    "completed" BOOLEAN NOT NULL,
    "orders" INTEGER NOT NULL,
    "signed_up" BOOLEAN NOT NULL,
    "source" TEXT NOT NULL,
    "device" TEXT NOT NULL,
    "landing" TEXT NOT NULL,

    CONSTRAINT "pixel_sessions_pkey" PRIMARY KEY ("shop","started_at","visitor_id")
);

-- One visitor's sessions, searched by the visitor alone, as the events are.
CREATE INDEX "pixel_sessions_visitor_id_idx" ON "pixel_sessions" USING HASH ("visitor_id");

-- A visitor's events (a visitor id is one shop's and one UTC day's). Not led by the shop: a search
-- by visitor cannot become a scan of the shop's events, whatever the planner believes of their
-- number. Hash: equality is all it serves, and it costs the drain less than a B-tree.
CREATE INDEX "pixel_events_visitor_id_idx" ON "pixel_events" USING HASH ("visitor_id");
