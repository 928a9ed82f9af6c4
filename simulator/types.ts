/**
 * The simulated store: the ground truth that tests compare the app's database against.
 *
 * Conventions
 * - Every money field is an integer in the minor unit of the order's `currencyCode` (cents for USD,
 *   yen for JPY). Nothing is a float. The Admin API layer turns these into decimal strings.
 * - Every instant is a UTC ISO-8601 string with second precision, `YYYY-MM-DDTHH:mm:ssZ`, which is
 *   how Shopify's `DateTime` scalar looks. Such strings sort chronologically as plain strings.
 * - Ids are positive integers, unique per resource type and increasing with `createdAt`. GraphQL ids
 *   are `gid://shopify/<Type>/<id>` (see `gid()` in `truth.ts`).
 * - Prices are tax-exclusive (`taxesIncluded: false`), so for every order
 *   `total = subtotal + shipping + tax` and `subtotal = gross − discounts` (see `truth.ts`).
 */

/** Integer amount in the minor unit of a currency. */
export type Minor = number;

export interface SimShopPlan {
  /** e.g. "Basic", "Grow", "Advanced", "Plus". */
  publicDisplayName: string;
  partnerDevelopment: boolean;
  shopifyPlus: boolean;
}

/** A change of the shop's currency at an instant: orders processed before `at` are in `from`. */
export interface SimCurrencyChange {
  at: string;
  from: string;
  to: string;
}

export interface SimShop {
  /** Numeric id: `gid://shopify/Shop/<id>`. */
  id: number;
  /** The myshopify domain, e.g. "metryka-demo.myshopify.com"; the key of the store everywhere. */
  domain: string;
  name: string;
  /** Obviously fake shop e-mail (example.com). */
  email: string;
  /** IANA zone of the shop; every day/week/month bucket must be computed in it. */
  ianaTimezone: string;
  /** The shop currency now (after any `currencyChanges`). */
  currencyCode: string;
  plan: SimShopPlan;
  /** When the shop was created (the start of the generated history). */
  createdAt: string;
  updatedAt: string;
  /** Always false in generated stores: prices exclude tax. */
  taxesIncluded: boolean;
  /** Past currency changes, oldest first (empty for most stores). */
  currencyChanges: SimCurrencyChange[];
}

export interface SimCustomer {
  id: number;
  /** When the customer record was created: NOT necessarily the first order (sign-ups, imports). */
  createdAt: string;
  updatedAt: string;
  /** Obviously fake personal data (Level 2 fields; the app should not need them). */
  firstName: string;
  lastName: string;
  email: string;
  phone: string | null;
  state: "ENABLED" | "DISABLED" | "INVITED" | "DECLINED";
  tags: string[];
}

export interface SimLineItem {
  id: number;
  productId: number;
  variantId: number;
  title: string;
  sku: string;
  quantity: number;
  /** Price of one unit before any discount (tax-exclusive). */
  unitPrice: Minor;
  /** Line-level (automatic) discount on the whole line; Shopify's `LineItem.totalDiscountSet`. */
  lineDiscount: Minor;
  /** This line's share of the order-level discount (not part of `LineItem.totalDiscountSet`). */
  orderDiscountAllocation: Minor;
  /** Tax charged on this line: rate × (unitPrice × quantity − lineDiscount − orderDiscountAllocation). */
  tax: Minor;
}

export interface SimRefundLineItem {
  id: number;
  /** The `SimLineItem.id` of the order line this refunds. */
  lineItemId: number;
  quantity: number;
  /** Refunded value of the items, after their discounts, before tax (Shopify's `subtotalSet`). */
  subtotal: Minor;
  /** Tax refunded with these items. */
  tax: Minor;
  restockType: "RETURN" | "CANCEL" | "NO_RESTOCK";
}

export interface SimRefundShipping {
  /** Id of the refund shipping line record (`gid://shopify/RefundShippingLine/<id>`). */
  id: number;
  subtotal: Minor;
  tax: Minor;
}

export interface SimRefund {
  id: number;
  createdAt: string;
  /** When the refund took effect; returns are dated on it. Always after the order's processedAt. */
  processedAt: string;
  updatedAt: string;
  note: string | null;
  refundLineItems: SimRefundLineItem[];
  /** Refunded shipping, if any. */
  shipping: SimRefundShipping | null;
}

export interface SimShippingLine {
  id: number;
  title: string;
  code: string;
  price: Minor;
  tax: Minor;
}

/** What a first visit looked like (`Order.customerJourneySummary.firstVisit`). */
export interface SimVisit {
  id: number;
  occurredAt: string;
  source: string;
  sourceType: "AD" | "SEO" | "NEWSLETTER" | "POST" | "LINK" | "AFFILIATE" | null;
  landingPage: string;
  referrerUrl: string | null;
  utm: { source: string; medium: string; campaign: string } | null;
}

/**
 * Why the generator made an order the way it is. For tests that want "an order on a DST day" or
 * "a zero-value order"; never exposed through the Admin API.
 */
export type SimOrderTrait =
  | "guest"
  | "test"
  | "cancelled"
  | "refunded"
  | "partially-refunded"
  | "zero-value"
  | "free-product"
  | "full-discount"
  | "imported"
  | "dst-day"
  | "month-end"
  | "month-start"
  | "late-edit"
  | "repeat";

export interface SimOrder {
  id: number;
  /** Sequential order number; `name` is "#<number>". */
  number: number;
  name: string;
  createdAt: string;
  /** ≥ every other instant on the order (processing, closing, cancelling, refunds). */
  updatedAt: string;
  /** The order date (Shopify's reports use it). Imported orders have it long before createdAt. */
  processedAt: string;
  cancelledAt: string | null;
  cancelReason: "CUSTOMER" | "DECLINED" | "FRAUD" | "INVENTORY" | "OTHER" | "STAFF" | null;
  closedAt: string | null;
  test: boolean;
  /** Shop currency at the time of the order; all money fields of the order are in it. */
  currencyCode: string;
  presentmentCurrencyCode: string;
  taxesIncluded: boolean;
  sourceName: string;
  /** `SimCustomer.id`, or null for a guest checkout. */
  customerId: number | null;
  lineItems: SimLineItem[];
  /** Order-level (cart) discount; equals Σ lineItems.orderDiscountAllocation. */
  orderDiscount: Minor;
  discountCode: string | null;
  shippingLine: SimShippingLine | null;
  /** Tax rate used for the order (informational; the amounts are on the lines). */
  taxRate: number;
  refunds: SimRefund[];
  firstVisit: SimVisit | null;
  tags: string[];
  traits: SimOrderTrait[];
}

/** An order removed from the store (orders/delete): gone from `orders`, remembered here. */
export interface SimDeletedOrder {
  id: number;
  deletedAt: string;
}

/** Next ids to hand out, so mutations after generation keep ids unique and increasing. */
export interface SimSequences {
  order: number;
  orderNumber: number;
  customer: number;
  lineItem: number;
  refund: number;
  refundLineItem: number;
  shippingLine: number;
  visit: number;
}

export interface SimGenerationInfo {
  seed: number;
  start: string;
  now: string;
  customers: number;
}

/** One simulated Shopify store. */
export interface SimStore {
  shop: SimShop;
  customers: SimCustomer[];
  /** Every order (including test and cancelled ones), sorted by id (= creation order). */
  orders: SimOrder[];
  deletedOrders: SimDeletedOrder[];
  sequences: SimSequences;
  generatedWith: SimGenerationInfo | null;
  /** Until this instant, `shopifyqlQuery` answers THROTTLED (ShopifyQL's own allowance spent). */
  shopifyqlThrottledUntil?: string;
  /** The app's web pixel, once activated (webPixelCreate), with its settings. */
  webPixel?: { settings: Record<string, string> };
}
