// CDNOW's purchases (tests/fixtures/cdnow) as the metric references read orders: each line one
// USD order at midnight UTC of its day, numbered from 1 in the file's order.
import type { MetricOrder } from "#app/metrics/rows";

export function cdnowOrders(purchases: ReadonlyArray<{ customer: string | number; day: string; cents: number }>): MetricOrder[] {
  return purchases.map((p, i) => ({
    id: String(i + 1),
    customerId: String(p.customer),
    processedAt: new Date(`${p.day}T00:00:00Z`),
    cancelledAt: null,
    deletedAt: null,
    test: false,
    currencyCode: "USD",
    grossSales: p.cents,
    discounts: 0,
    shipping: 0,
    tax: 0,
    totalPrice: p.cents,
  }));
}
