// The app's view of one customer: their standing (customerStanding, from the rollups), their
// orders as a timeline (one customer's rows, read by the orders' customer index, each with the
// order's name as the admin shows it) and their prediction from the shop's cached fit, or why
// there is none. Ids, order names, dates and amounts only: the customer's name stays in Shopify.
import { customerTimeline, type TimelineOrder } from "#app/metrics/customer-timeline";
import type { CustomerStanding } from "#app/metrics/retention";
import { customerPrediction, type CustomerPredictionResult } from "#app/metrics/prediction.server";
import type { MetricSettings } from "#app/metrics/settings";
import { customerRows, customerStanding, parseCustomerId } from "#app/metrics/retention.server";
import { RefusedQueryError } from "#app/metrics/periods";
import { readyShopContext } from "./page-query.server";

// Neither refusal repeats the id: a page never echoes what it was asked about another store.
export class CustomerNotFoundError extends RefusedQueryError {
  constructor() {
    super("No such customer in this store", 404, { key: "noSuchCustomer" });
    this.name = "CustomerNotFoundError";
  }
}

export class MalformedCustomerIdError extends RefusedQueryError {
  constructor() {
    super("A customer id is a positive whole number", 400, { key: "notACustomerId" });
    this.name = "MalformedCustomerIdError";
  }
}

export interface CustomerPageData {
  standing: CustomerStanding;
  /**
   * `name`: the order's name in the admin ("#1001"); `inShopify`: whether the order was read from
   * Shopify, so the admin has it (not only imported from a file).
   */
  timeline: Array<TimelineOrder & { name: string; inShopify: boolean }>;
  /** The customer's prediction from the shop's cached fit (never fitted here), or why there is none. */
  prediction: CustomerPredictionResult;
  /** The rules the figures follow, said under them. */
  settings: MetricSettings;
  timeZone: string;
}

/**
 * Throws MalformedCustomerIdError (400), CustomerNotFoundError (404), UnknownShopError (404) and
 * RecomputingError (503: the store's numbers are being recomputed in a new zone or currency).
 */
export async function customerPage(shop: string, rawId: string, now: Date): Promise<CustomerPageData> {
  const id = parseCustomerId(rawId);
  if (id === null) throw new MalformedCustomerIdError();
  const context = await readyShopContext(shop);
  const standing = await customerStanding(shop, id, { now }, context);
  if (!standing) throw new CustomerNotFoundError();
  const [rows, prediction] = await Promise.all([customerRows(shop, id, now), customerPrediction(shop, id)]);
  const timeline = customerTimeline(rows, standing.customerId, { timeZone: context.timeZone, now, settings: context.settings }).map((order) => {
    const { name, imported } = rows.orderNames.get(order.orderId)!;
    return { ...order, name, inShopify: !imported };
  });
  return { standing, timeline, prediction, settings: context.settings, timeZone: context.timeZone };
}
