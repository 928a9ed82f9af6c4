-- The collector's intake (app/collector/intake.server.ts): each write's accepted events of one
-- shop as the JSON the collector checked, kept as text (stored as it is: no parsing, no
-- compression) until a drain moves them into pixel_events, where each event id is stored once.
CREATE TABLE "pixel_intake" (
    "shop" TEXT NOT NULL,
    "id" BIGSERIAL NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "events" TEXT NOT NULL,

    CONSTRAINT "pixel_intake_pkey" PRIMARY KEY ("shop","id")
);

ALTER TABLE "pixel_intake" ALTER COLUMN "events" SET STORAGE EXTERNAL;
