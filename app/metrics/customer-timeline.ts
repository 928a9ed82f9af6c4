// One customer's orders as a timeline (pure): each order with its date, net sales, what was
// refunded of it and whether it counts in the customer metrics (not test, not deleted, not
// cancelled unless the setting counts cancelled orders). Amounts stay in the order's currency.
import { localDay } from "./periods";
import { compareOrders, countsInRetention, type MetricOrder, type MetricRefund } from "./rows";
import type { MetricSettings } from "./settings";

export interface TimelineOrder {
  orderId: string;
  processedAt: string;
  /** Local date of the order. */
  day: string;
  currency: string;
  /** Gross sales − discounts, minor units. */
  netSales: number;
  /** Returns refunded before now, minor units. */
  refunded: number;
  /** netSales − refunded. */
  net: number;
  /** Counts in orders, net spend and the cohort; otherwise why not. */
  counted: boolean;
  excluded: "test" | "cancelled" | null;
}

/** The customer's orders before now, newest first (deleted ones are left out). */
export function customerTimeline(
  rows: { orders: MetricOrder[]; refunds: MetricRefund[] },
  customerId: string,
  context: { timeZone: string; now: Date; settings: MetricSettings },
): TimelineOrder[] {
  const before = (instant: Date) => instant.getTime() < context.now.getTime();
  const refunded = new Map<string, number>();
  for (const refund of rows.refunds) {
    if (before(refund.processedAt)) refunded.set(refund.orderId, (refunded.get(refund.orderId) ?? 0) + refund.returns);
  }
  return rows.orders
    .filter((order) => order.customerId === customerId && order.deletedAt === null && before(order.processedAt))
    .sort((a, b) => compareOrders(b, a))
    .map((order) => {
      const netSales = order.grossSales - order.discounts;
      const returns = refunded.get(order.id) ?? 0;
      const counted = countsInRetention(order, context.settings);
      return {
        orderId: order.id,
        processedAt: order.processedAt.toISOString(),
        day: localDay(order.processedAt, context.timeZone),
        currency: order.currencyCode,
        netSales,
        refunded: returns,
        net: netSales - returns,
        counted,
        excluded: counted ? null : order.test ? "test" : "cancelled",
      };
    });
}
