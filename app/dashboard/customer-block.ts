// What the customer page's admin block (extensions/metryka-customer-block) receives from
// /api/customer-block/<id>: the customer's standing and where their view in the app is. The
// block imports these types only (erased when it is built), so the two cannot drift apart.
import type { CustomerPrediction } from "../metrics/prediction";
import type { CustomerStanding } from "../metrics/retention";

export interface CustomerBlockData {
  customerId: string;
  currency: string;
  orders: number;
  /** Minor units of the shop currency. */
  netSpend: number;
  firstOrderDay: string | null;
  lastOrderDay: string | null;
  /** `YYYY-MM` of the order that acquired the customer. */
  cohort: string | null;
  daysSinceLastOrder: number | null;
  lapsePointDays: number;
  atRisk: boolean;
  /** The customer's view in the app, a path under the app's URL. */
  appPath: string;
  /**
   * The customer's prediction, once the shop's predictions are computed; absent until then
   * (the block shows that section only when it is here). The block shows the chance of an order
   * (`returnProbability`); `probabilityAlive` is still sent for the block of the app version
   * released before it, which showed that and which stores run until this version is released.
   */
  prediction?: Pick<CustomerPrediction, "probabilityAlive" | "returnProbability" | "group" | "expectedOrders" | "expectedSpend365"> | null;
}

/** The path of a customer's view in the app. */
export function customerViewPath(customerId: string): string {
  return `/app/customers/${customerId}`;
}

export function customerBlockData(standing: CustomerStanding, prediction: CustomerBlockData["prediction"] = null): CustomerBlockData {
  return {
    prediction,
    customerId: standing.customerId,
    currency: standing.currency,
    orders: standing.orders,
    netSpend: standing.netSpend,
    firstOrderDay: standing.firstOrderDay,
    lastOrderDay: standing.lastOrderDay,
    cohort: standing.cohort,
    daysSinceLastOrder: standing.daysSinceLastOrder,
    lapsePointDays: standing.lapsePointDays,
    atRisk: standing.atRisk,
    appPath: customerViewPath(standing.customerId),
  };
}
