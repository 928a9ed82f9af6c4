/**
 * Webhook deliveries the way Shopify makes them (https://shopify.dev/docs/apps/build/webhooks):
 * a POST of REST-shaped JSON, signed with base64 HMAC-SHA256 of the raw body with the app secret,
 * with every `X-Shopify-*` header. Payload builders produce the REST shapes (numeric ids, money as
 * strings, timestamps in the shop's zone with offset) for the topics Metryka subscribes to and the
 * three mandatory compliance topics. `deliverWebhooks` adds what real delivery does on its own:
 * duplicates, reordering and losses, seeded.
 */
import { createHmac, randomUUID } from "node:crypto";
import { DateTime } from "luxon";
import { formatMinor } from "./money";
import { createRandom } from "./random";
import {
  gid,
  lineCurrentQuantity,
  orderCurrentDiscounts,
  orderCurrentSubtotal,
  orderCurrentTax,
  orderCurrentTotal,
  orderDiscounts,
  orderFinancialStatus,
  orderGrossSales,
  orderShipping,
  orderSubtotal,
  orderTax,
  orderTotal,
  refundTotal,
} from "./truth";
import type { Minor, SimCustomer, SimOrder, SimRefund, SimShop } from "./types";

export const DEFAULT_WEBHOOK_API_VERSION = "2026-10";

/** JSON value (payloads are plain JSON). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Base64 HMAC-SHA256 of the raw body (a string is its UTF-8 bytes): the `X-Shopify-Hmac-Sha256` header. */
export function signWebhook(body: string | Uint8Array, secret: string): string {
  return createHmac("sha256", secret).update(body).digest("base64");
}

export interface WebhookDelivery {
  url: string;
  topic: string;
  shopDomain: string;
  payload: Json;
  secret: string;
  apiVersion?: string;
  /** Same across duplicate deliveries of one event. Default: a new UUID. */
  eventId?: string;
  /** Identifies one delivery (kept on retries). Default: a new UUID. */
  webhookId?: string;
  /** ISO instant; default now. */
  triggeredAt?: string;
  /** Overrides (e.g. a wrong HMAC to test rejection). */
  headers?: Record<string, string>;
  /** Abort after this many ms (Shopify waits 5 s). Default 5000. */
  timeoutMs?: number;
}

export interface WebhookResult {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/** Builds the headers of a delivery (exported so tests can inspect them without a network). */
export function webhookHeaders(delivery: WebhookDelivery, rawBody: string | Uint8Array): Record<string, string> {
  return {
    "Content-Type": "application/json",
    "X-Shopify-Topic": delivery.topic,
    "X-Shopify-Shop-Domain": delivery.shopDomain,
    "X-Shopify-Hmac-Sha256": signWebhook(rawBody, delivery.secret),
    "X-Shopify-Webhook-Id": delivery.webhookId ?? randomUUID(),
    "X-Shopify-Event-Id": delivery.eventId ?? randomUUID(),
    "X-Shopify-Triggered-At": delivery.triggeredAt ?? new Date().toISOString(),
    "X-Shopify-API-Version": delivery.apiVersion ?? DEFAULT_WEBHOOK_API_VERSION,
    "User-Agent": "Shopify-Captain-Hook",
    ...delivery.headers,
  };
}

/** POSTs one webhook. Network failures and timeouts come back as status 0. */
export async function deliverWebhook(delivery: WebhookDelivery): Promise<WebhookResult> {
  const rawBody = JSON.stringify(delivery.payload);
  const headers = webhookHeaders(delivery, rawBody);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), delivery.timeoutMs ?? 5000);
  try {
    const response = await fetch(delivery.url, { method: "POST", headers, body: rawBody, signal: controller.signal });
    return { status: response.status, body: await response.text(), headers };
  } catch (error) {
    return { status: 0, body: error instanceof Error ? error.message : String(error), headers };
  } finally {
    clearTimeout(timer);
  }
}

export interface ChaosOptions {
  /** Seed for the choices below. */
  seed: number;
  /** Probability that an event is delivered twice (same event id and webhook id). */
  duplicateRate?: number;
  /** Probability that an event is never delivered. */
  dropRate?: number;
  /** Deliver in a shuffled order. */
  shuffle?: boolean;
  /** Retry a non-2xx answer this many times (immediately; Shopify spaces 8 retries over 4 h). */
  retries?: number;
}

export interface ChaosReport {
  attempts: Array<{ index: number; topic: string; eventId: string; status: number }>;
  dropped: number[];
  duplicated: number[];
}

/**
 * Delivers events the way at-least-once, unordered delivery can: some twice, some never, out of
 * order. Events are delivered one at a time so the order is the one reported.
 */
export async function deliverWebhooks(deliveries: readonly WebhookDelivery[], chaos: ChaosOptions): Promise<ChaosReport> {
  const rng = createRandom(chaos.seed);
  const report: ChaosReport = { attempts: [], dropped: [], duplicated: [] };
  const queue: Array<{ index: number; delivery: WebhookDelivery }> = [];
  deliveries.forEach((d, index) => {
    const delivery: WebhookDelivery = { ...d, eventId: d.eventId ?? randomUUID(), webhookId: d.webhookId ?? randomUUID() };
    if (rng.chance(chaos.dropRate ?? 0)) {
      report.dropped.push(index);
      return;
    }
    queue.push({ index, delivery });
    if (rng.chance(chaos.duplicateRate ?? 0)) {
      report.duplicated.push(index);
      queue.push({ index, delivery });
    }
  });
  const ordered = chaos.shuffle ? rng.shuffle(queue) : queue;
  for (const { index, delivery } of ordered) {
    let result = await deliverWebhook(delivery);
    report.attempts.push({ index, topic: delivery.topic, eventId: delivery.eventId as string, status: result.status });
    for (let retry = 0; retry < (chaos.retries ?? 0) && (result.status < 200 || result.status >= 300); retry++) {
      result = await deliverWebhook(delivery);
      report.attempts.push({ index, topic: delivery.topic, eventId: delivery.eventId as string, status: result.status });
    }
  }
  return report;
}

// ---------------------------------------------------------------------------------------------
// REST payloads

/** A UTC instant as Shopify's REST payloads write it: shop-local time with offset. */
export function restTime(iso: string | null, zone: string): string | null {
  if (iso === null) return null;
  return DateTime.fromISO(iso, { zone: "utc" }).setZone(zone).toISO({ suppressMilliseconds: true });
}

function priceSet(amount: Minor, currency: string): JsonObject {
  const money = { amount: formatMinor(amount, currency), currency_code: currency };
  return { shop_money: money, presentment_money: money };
}

function customerStub(customer: SimCustomer | null | undefined, customerId: number | null, shop: SimShop): Json {
  if (customerId === null) return null;
  const stub: JsonObject = { id: customerId, admin_graphql_api_id: gid("Customer", customerId) };
  if (customer) {
    stub.created_at = restTime(customer.createdAt, shop.ianaTimezone);
    stub.updated_at = restTime(customer.updatedAt, shop.ianaTimezone);
    stub.state = customer.state.toLowerCase();
    stub.currency = shop.currencyCode;
  }
  return stub;
}

function lineItemPayload(order: SimOrder, lineId: number): JsonObject {
  const line = order.lineItems.find((l) => l.id === lineId);
  if (!line) throw new Error(`Order ${order.id} has no line item ${lineId}`);
  const cc = order.currencyCode;
  const allocations: Json[] = [];
  if (line.lineDiscount > 0) allocations.push({ amount: formatMinor(line.lineDiscount, cc), amount_set: priceSet(line.lineDiscount, cc), discount_application_index: 0 });
  if (line.orderDiscountAllocation > 0) {
    allocations.push({
      amount: formatMinor(line.orderDiscountAllocation, cc),
      amount_set: priceSet(line.orderDiscountAllocation, cc),
      discount_application_index: line.lineDiscount > 0 ? 1 : 0,
    });
  }
  return {
    id: line.id,
    admin_graphql_api_id: gid("LineItem", line.id),
    title: line.title,
    name: line.title,
    sku: line.sku,
    vendor: "Metryka Sim Goods",
    product_id: line.productId,
    variant_id: line.variantId,
    quantity: line.quantity,
    current_quantity: lineCurrentQuantity(order, line),
    fulfillable_quantity: 0,
    price: formatMinor(line.unitPrice, cc),
    price_set: priceSet(line.unitPrice, cc),
    total_discount: formatMinor(line.lineDiscount, cc),
    total_discount_set: priceSet(line.lineDiscount, cc),
    taxable: true,
    gift_card: line.title === "Gift Card",
    requires_shipping: order.shippingLine !== null,
    tax_lines: order.taxRate > 0 ? [{ title: "Sales tax", rate: order.taxRate, price: formatMinor(line.tax, cc), price_set: priceSet(line.tax, cc), channel_liable: false }] : [],
    discount_allocations: allocations,
  };
}

/** The REST refund object (also the `refunds/create` payload). */
export function refundWebhookPayload(refund: SimRefund, order: SimOrder, shop: SimShop): JsonObject {
  const cc = order.currencyCode;
  const zone = shop.ianaTimezone;
  return {
    id: refund.id,
    admin_graphql_api_id: gid("Refund", refund.id),
    order_id: order.id,
    created_at: restTime(refund.createdAt, zone),
    processed_at: restTime(refund.processedAt, zone),
    note: refund.note,
    restock: refund.refundLineItems.some((r) => r.restockType !== "NO_RESTOCK"),
    user_id: null,
    total_duties_set: priceSet(0, cc),
    refund_line_items: refund.refundLineItems.map((rli) => ({
      id: rli.id,
      line_item_id: rli.lineItemId,
      quantity: rli.quantity,
      restock_type: rli.restockType.toLowerCase(),
      location_id: null,
      subtotal: Number(formatMinor(rli.subtotal, cc)),
      subtotal_set: priceSet(rli.subtotal, cc),
      total_tax: Number(formatMinor(rli.tax, cc)),
      total_tax_set: priceSet(rli.tax, cc),
      line_item: lineItemPayload(order, rli.lineItemId),
    })),
    refund_shipping_lines: refund.shipping
      ? [
          {
            id: refund.shipping.id,
            shipping_line_id: order.shippingLine?.id ?? null,
            subtotal_amount_set: priceSet(refund.shipping.subtotal, cc),
          },
        ]
      : [],
    order_adjustments: refund.shipping
      ? [
          {
            id: refund.shipping.id,
            order_id: order.id,
            refund_id: refund.id,
            kind: "shipping_refund",
            reason: "Shipping refund",
            amount: formatMinor(-refund.shipping.subtotal, cc),
            amount_set: priceSet(-refund.shipping.subtotal, cc),
            tax_amount: formatMinor(-refund.shipping.tax, cc),
            tax_amount_set: priceSet(-refund.shipping.tax, cc),
          },
        ]
      : [],
    transactions: [
      {
        id: refund.id + 1,
        admin_graphql_api_id: gid("OrderTransaction", refund.id + 1),
        order_id: order.id,
        kind: "refund",
        status: "success",
        amount: formatMinor(refundTotal(refund), cc),
        currency: cc,
        gateway: "bogus",
        created_at: restTime(refund.createdAt, zone),
        processed_at: restTime(refund.processedAt, zone),
        test: order.test,
      },
    ],
  };
}

/**
 * The REST order (payload of orders/create, orders/updated, orders/cancelled, orders/edited…).
 * Pass the customer record to include its timestamps; the id alone is what Metryka needs.
 */
export function orderWebhookPayload(order: SimOrder, shop: SimShop, customer?: SimCustomer | null): JsonObject {
  const cc = order.currencyCode;
  const zone = shop.ianaTimezone;
  const status = orderFinancialStatus(order).toLowerCase();
  return {
    id: order.id,
    admin_graphql_api_id: gid("Order", order.id),
    name: order.name,
    order_number: order.number,
    number: order.number - 1000,
    confirmation_number: `SIM${order.number}`,
    created_at: restTime(order.createdAt, zone),
    updated_at: restTime(order.updatedAt, zone),
    processed_at: restTime(order.processedAt, zone),
    cancelled_at: restTime(order.cancelledAt, zone),
    cancel_reason: order.cancelReason ? order.cancelReason.toLowerCase() : null,
    closed_at: restTime(order.closedAt, zone),
    test: order.test,
    currency: cc,
    presentment_currency: order.presentmentCurrencyCode,
    taxes_included: order.taxesIncluded,
    source_name: order.sourceName,
    financial_status: status,
    fulfillment_status: order.closedAt !== null || order.sourceName === "pos" ? "fulfilled" : null,
    tags: order.tags.join(", "),
    total_line_items_price: formatMinor(orderGrossSales(order), cc),
    total_line_items_price_set: priceSet(orderGrossSales(order), cc),
    subtotal_price: formatMinor(orderSubtotal(order), cc),
    subtotal_price_set: priceSet(orderSubtotal(order), cc),
    total_discounts: formatMinor(orderDiscounts(order), cc),
    total_discounts_set: priceSet(orderDiscounts(order), cc),
    total_tax: formatMinor(orderTax(order), cc),
    total_tax_set: priceSet(orderTax(order), cc),
    total_shipping_price_set: priceSet(orderShipping(order), cc),
    total_price: formatMinor(orderTotal(order), cc),
    total_price_set: priceSet(orderTotal(order), cc),
    current_subtotal_price: formatMinor(orderCurrentSubtotal(order), cc),
    current_subtotal_price_set: priceSet(orderCurrentSubtotal(order), cc),
    current_total_discounts: formatMinor(orderCurrentDiscounts(order), cc),
    current_total_discounts_set: priceSet(orderCurrentDiscounts(order), cc),
    current_total_tax: formatMinor(orderCurrentTax(order), cc),
    current_total_tax_set: priceSet(orderCurrentTax(order), cc),
    current_total_price: formatMinor(orderCurrentTotal(order), cc),
    current_total_price_set: priceSet(orderCurrentTotal(order), cc),
    discount_codes: order.discountCode ? [{ code: order.discountCode, amount: formatMinor(order.orderDiscount, cc), type: "percentage" }] : [],
    customer: customerStub(customer, order.customerId, shop),
    line_items: order.lineItems.map((l) => lineItemPayload(order, l.id)),
    shipping_lines: order.shippingLine
      ? [
          {
            id: order.shippingLine.id,
            title: order.shippingLine.title,
            code: order.shippingLine.code,
            source: "shopify",
            price: formatMinor(order.shippingLine.price, cc),
            price_set: priceSet(order.shippingLine.price, cc),
            discounted_price: formatMinor(order.shippingLine.price, cc),
            discounted_price_set: priceSet(order.shippingLine.price, cc),
            tax_lines:
              order.shippingLine.tax > 0
                ? [{ title: "Sales tax", rate: order.taxRate, price: formatMinor(order.shippingLine.tax, cc), price_set: priceSet(order.shippingLine.tax, cc) }]
                : [],
          },
        ]
      : [],
    refunds: order.refunds.map((r) => refundWebhookPayload(r, order, shop)),
  };
}

/**
 * `orders/edited`: the edit's lines added and removed, not the order's new totals (the shape of
 * https://shopify.dev/docs/api/webhooks?reference=toml#list-of-topics-orders/edited).
 */
export function orderEditedPayload(orderId: number): JsonObject {
  return {
    order_edit: {
      id: 78912328,
      app_id: null,
      created_at: "2026-11-16T10:00:00-05:00",
      notify_customer: false,
      order_id: orderId,
      staff_note: "",
      user_id: null,
      line_items: { additions: [{ id: 466157049, delta: 1 }], removals: [] },
    },
  };
}

/** `orders/delete`: only the id. */
export function orderDeletePayload(orderId: number): JsonObject {
  return { id: orderId };
}

/** `customers/create` and `customers/update` (Level 1 fields plus the fake contact data). */
export function customerWebhookPayload(customer: SimCustomer, shop: SimShop): JsonObject {
  return {
    id: customer.id,
    admin_graphql_api_id: gid("Customer", customer.id),
    created_at: restTime(customer.createdAt, shop.ianaTimezone),
    updated_at: restTime(customer.updatedAt, shop.ianaTimezone),
    first_name: customer.firstName,
    last_name: customer.lastName,
    email: customer.email,
    phone: customer.phone,
    state: customer.state.toLowerCase(),
    verified_email: true,
    tags: customer.tags.join(", "),
    currency: shop.currencyCode,
    tax_exempt: false,
    addresses: [],
  };
}

/** `customers/delete`. */
export function customerDeletePayload(customerId: number): JsonObject {
  return {
    id: customerId,
    admin_graphql_api_id: gid("Customer", customerId),
    phone: null,
    addresses: [],
    tax_exemptions: [],
    email_marketing_consent: null,
    sms_marketing_consent: null,
  };
}

/** `customers/merge`: the kept and the deleted customer. */
export function customersMergePayload(keptId: number, deletedId: number): JsonObject {
  return {
    admin_graphql_api_customer_kept_id: gid("Customer", keptId),
    admin_graphql_api_customer_deleted_id: gid("Customer", deletedId),
    admin_graphql_api_job_id: null,
    status: "completed",
    errors: [],
  };
}

/** The REST shop object: payload of `shop/update` and `app/uninstalled`. */
export function shopWebhookPayload(shop: SimShop): JsonObject {
  return {
    id: shop.id,
    name: shop.name,
    email: shop.email,
    domain: shop.domain,
    myshopify_domain: shop.domain,
    iana_timezone: shop.ianaTimezone,
    currency: shop.currencyCode,
    plan_display_name: shop.plan.publicDisplayName,
    plan_name: shop.plan.shopifyPlus ? "shopify_plus" : "basic",
    taxes_included: shop.taxesIncluded,
    created_at: restTime(shop.createdAt, shop.ianaTimezone),
    updated_at: restTime(shop.updatedAt, shop.ianaTimezone),
  };
}

/** `bulk_operations/finish`. */
export function bulkOperationFinishPayload(params: {
  id: number;
  status: string;
  errorCode: string | null;
  createdAt: string;
  completedAt: string | null;
  zone: string;
}): JsonObject {
  return {
    admin_graphql_api_id: gid("BulkOperation", params.id),
    completed_at: restTime(params.completedAt, params.zone),
    created_at: restTime(params.createdAt, params.zone),
    error_code: params.errorCode ? params.errorCode.toLowerCase() : null,
    status: params.status.toLowerCase(),
    type: "query",
  };
}

// Compliance topics (https://shopify.dev/docs/apps/build/privacy-law-compliance)

/** `customers/data_request`. */
export function customersDataRequestPayload(params: {
  shop: SimShop;
  customer: Pick<SimCustomer, "id" | "email" | "phone">;
  ordersRequested: readonly number[];
  dataRequestId: number;
}): JsonObject {
  return {
    shop_id: params.shop.id,
    shop_domain: params.shop.domain,
    orders_requested: [...params.ordersRequested],
    customer: { id: params.customer.id, email: params.customer.email, phone: params.customer.phone },
    data_request: { id: params.dataRequestId },
  };
}

/** `customers/redact`. */
export function customersRedactPayload(params: {
  shop: SimShop;
  customer: Pick<SimCustomer, "id" | "email" | "phone">;
  ordersToRedact: readonly number[];
}): JsonObject {
  return {
    shop_id: params.shop.id,
    shop_domain: params.shop.domain,
    customer: { id: params.customer.id, email: params.customer.email, phone: params.customer.phone },
    orders_to_redact: [...params.ordersToRedact],
  };
}

/** `shop/redact` (sent 48 hours after uninstall). */
export function shopRedactPayload(shop: SimShop): JsonObject {
  return { shop_id: shop.id, shop_domain: shop.domain };
}
