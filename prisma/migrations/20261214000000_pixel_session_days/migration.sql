-- Pixel sessions summed by the UTC day of their start, from the quarter-hour slots: a range of
-- local days reads its whole UTC days here and only the quarter hours at its two edges from the
-- slots (a year is 365 rows and a few hundred slots, not 35,000 slots).
CREATE TABLE "pixel_session_days" (
    "shop" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "sessions" INTEGER NOT NULL,
    "sessions_with_cart_additions" INTEGER NOT NULL,
    "sessions_reached_checkout" INTEGER NOT NULL,
    "sessions_completed_checkout" INTEGER NOT NULL,
    "orders" INTEGER NOT NULL,
    "sign_ups" INTEGER NOT NULL,

    CONSTRAINT "pixel_session_days_pkey" PRIMARY KEY ("shop","day")
);

CREATE TABLE "pixel_session_value_days" (
    "shop" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "dimension" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "sessions" INTEGER NOT NULL,
    "sessions_with_cart_additions" INTEGER NOT NULL,
    "sessions_reached_checkout" INTEGER NOT NULL,
    "sessions_completed_checkout" INTEGER NOT NULL,

    CONSTRAINT "pixel_session_value_days_pkey" PRIMARY KEY ("shop","dimension","day","value")
);

-- The days of the slots already built.
INSERT INTO "pixel_session_days"
SELECT shop, (slot AT TIME ZONE 'UTC')::date, sum(sessions), sum(sessions_with_cart_additions), sum(sessions_reached_checkout),
  sum(sessions_completed_checkout), sum(orders), sum(sign_ups)
FROM "pixel_session_slots" GROUP BY 1, 2;

INSERT INTO "pixel_session_value_days"
SELECT shop, (slot AT TIME ZONE 'UTC')::date, dimension, value, sum(sessions), sum(sessions_with_cart_additions),
  sum(sessions_reached_checkout), sum(sessions_completed_checkout)
FROM "pixel_session_values" GROUP BY 1, 2, 3, 4;
