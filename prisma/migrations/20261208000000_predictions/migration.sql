-- CreateTable
CREATE TABLE "prediction_data_versions" (
    "shop" TEXT NOT NULL,
    "version" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "prediction_data_versions_pkey" PRIMARY KEY ("shop")
);

-- CreateTable
CREATE TABLE "prediction_fits" (
    "shop" TEXT NOT NULL,
    "data_version" BIGINT NOT NULL,
    "inputs" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "report" TEXT NOT NULL,
    "fitted_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "prediction_fits_pkey" PRIMARY KEY ("shop")
);

-- CreateTable
CREATE TABLE "customer_predictions" (
    "shop" TEXT NOT NULL,
    "customer_id" BIGINT NOT NULL,
    "probability_alive" DOUBLE PRECISION NOT NULL,
    "group" TEXT NOT NULL,
    "expected_orders_30" DOUBLE PRECISION NOT NULL,
    "expected_orders_90" DOUBLE PRECISION NOT NULL,
    "expected_orders_365" DOUBLE PRECISION NOT NULL,
    "expected_spend_365" BIGINT NOT NULL,

    CONSTRAINT "customer_predictions_pkey" PRIMARY KEY ("shop","customer_id")
);

-- CreateIndex
CREATE INDEX "customer_predictions_group_idx" ON "customer_predictions"("shop", "group", "expected_spend_365" DESC, "customer_id");

-- The data version: every refresh and rebuild of a shop's rollups writes its
-- `daily_sales_state` row (app/metrics/rollups.server.ts `markBuilt`) in the transaction that
-- changes them, so a counter bumped with that write changes with every change of the rollups.
-- Not on DELETE: erasing a shop deletes this table's row too (in any order).
CREATE FUNCTION bump_prediction_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO prediction_data_versions (shop, version) VALUES (NEW.shop, 1)
  ON CONFLICT (shop) DO UPDATE SET version = prediction_data_versions.version + 1;
  RETURN NULL;
END
$$;

CREATE TRIGGER daily_sales_state_prediction_data_version
AFTER INSERT OR UPDATE ON "daily_sales_state"
FOR EACH ROW EXECUTE FUNCTION bump_prediction_data_version();

-- Shops whose rollups already exist start at version 1.
INSERT INTO prediction_data_versions (shop, version) SELECT shop, 1 FROM daily_sales_state;
