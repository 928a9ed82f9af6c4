-- Customers are grouped by their chance of an order in the next 365 days rather than by P(alive)
-- (docs/decisions/031-groups-by-the-chance-of-an-order.md). The fits made by the old rule are
-- dropped rather than shown with a column they lack: the predictions job refits every shop
-- after its next sync or reconciliation (every 15 minutes), and the pages say until then that
-- the fit is on its way.
DELETE FROM "customer_predictions";
DELETE FROM "prediction_fits";

ALTER TABLE "customer_predictions" ADD COLUMN "return_probability" DOUBLE PRECISION NOT NULL;
