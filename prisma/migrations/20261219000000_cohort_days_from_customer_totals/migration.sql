-- `cohort_days` is summed from `customer_totals`, whose rows under each value of the cancelled
-- setting hold the same first order, first paid order and count of orders that
-- `customer_first_orders` held in its four columns: the table was a second copy of them, written
-- by every rebuild and every refresh. The cells it was summed into are the same, so they stay.
DROP TABLE "customer_first_orders";
