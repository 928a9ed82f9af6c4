/**
 * Changes to a store after generation — what happens in a live shop — each returning the webhook
 * events Shopify would send for it. They keep the store's invariants: ids from `store.sequences`,
 * `updatedAt` ≥ every event on the record, refunds after their order.
 */
import { addCalendarTraits, addRefund, buildOrderDraft, isoSeconds } from "./seed";
import { createRandom } from "./random";
import type { SimCustomer, SimOrder, SimRefund, SimStore } from "./types";
import {
  customerDeletePayload,
  customersMergePayload,
  customerWebhookPayload,
  orderDeletePayload,
  orderWebhookPayload,
  refundWebhookPayload,
  type JsonObject,
} from "./webhooks";

/** A webhook Shopify would send after a change. */
export interface SimEvent {
  topic: string;
  payload: JsonObject;
  /** When it happened (ISO); the `X-Shopify-Triggered-At` of its delivery. */
  triggeredAt: string;
}

function findOrder(store: SimStore, orderId: number): SimOrder {
  const order = store.orders.find((o) => o.id === orderId);
  if (!order) throw new Error(`No order ${orderId} in ${store.shop.domain}`);
  return order;
}

function findCustomer(store: SimStore, customerId: number): SimCustomer {
  const customer = store.customers.find((c) => c.id === customerId);
  if (!customer) throw new Error(`No customer ${customerId} in ${store.shop.domain}`);
  return customer;
}

function customerOf(store: SimStore, order: SimOrder): SimCustomer | null {
  return order.customerId === null ? null : store.customers.find((c) => c.id === order.customerId) ?? null;
}

function later(a: string, b: string): string {
  return a > b ? a : b;
}

function orderEvent(store: SimStore, topic: string, order: SimOrder, at: string): SimEvent {
  return { topic, payload: orderWebhookPayload(order, store.shop, customerOf(store, order)), triggeredAt: at };
}

/** Creates a customer record. Events: customers/create. */
export function createCustomer(store: SimStore, params: { at: string }): { customer: SimCustomer; events: SimEvent[] } {
  const at = isoSeconds(Date.parse(params.at));
  const id = (store.sequences.customer += 101);
  const n = store.customers.length + 1;
  const customer: SimCustomer = {
    id,
    createdAt: at,
    updatedAt: at,
    firstName: "Sim",
    lastName: `Customer ${n}`,
    email: `sim.customer${n}.${id % 10000}@example.com`,
    phone: null,
    state: "ENABLED",
    tags: [],
  };
  store.customers.push(customer);
  return { customer, events: [{ topic: "customers/create", payload: customerWebhookPayload(customer, store.shop), triggeredAt: at }] };
}

/**
 * Places an order now (`at`): for an existing customer, a new one (`"new"`), or a guest (`null`).
 * Events: customers/create (new customer), orders/create, customers/update (the customer's
 * order count changed).
 */
export function placeOrder(
  store: SimStore,
  params: { at: string; customerId: number | "new" | null; seed: number; test?: boolean },
): { order: SimOrder; customer: SimCustomer | null; events: SimEvent[] } {
  const atMs = Date.parse(params.at);
  const at = isoSeconds(atMs);
  const events: SimEvent[] = [];
  let customer: SimCustomer | null = null;
  if (params.customerId === "new") {
    const created = createCustomer(store, { at: isoSeconds(atMs - 20_000) });
    customer = created.customer;
    events.push(...created.events);
  } else if (params.customerId !== null) {
    customer = findCustomer(store, params.customerId);
  }
  const firstOrder = customer !== null && !store.orders.some((o) => o.customerId === customer?.id && !o.test);
  const rng = createRandom(params.seed);
  const order = buildOrderDraft(
    {
      processedAt: atMs,
      createdAt: atMs,
      test: params.test ?? false,
      imported: false,
      guest: customer === null,
      firstOrder,
      zeroKind: null,
      traits: customer === null ? ["guest"] : firstOrder ? [] : ["repeat"],
    },
    rng,
    store.shop.currencyCode,
    store.shop.domain,
  );
  order.id = store.sequences.order += 211;
  order.number = store.sequences.orderNumber++;
  order.name = `#${order.number}`;
  for (const line of order.lineItems) line.id = store.sequences.lineItem += 3;
  if (order.shippingLine) order.shippingLine.id = store.sequences.shippingLine += 7;
  if (order.firstVisit) order.firstVisit.id = store.sequences.visit += 5;
  order.customerId = customer?.id ?? null;
  order.updatedAt = at;
  addCalendarTraits(order, store.shop.ianaTimezone);
  store.orders.push(order);
  events.push(orderEvent(store, "orders/create", order, at));
  if (customer) {
    customer.updatedAt = later(customer.updatedAt, at);
    events.push({ topic: "customers/update", payload: customerWebhookPayload(customer, store.shop), triggeredAt: at });
  }
  return { order, customer, events };
}

function assignRefundIds(store: SimStore, refund: SimRefund): void {
  refund.id = store.sequences.refund += 97;
  for (const rli of refund.refundLineItems) rli.id = store.sequences.refundLineItem += 5;
  if (refund.shipping) refund.shipping.id = store.sequences.refundLineItem += 5;
}

/**
 * Refunds part (one line, some units) or all of an order at `at` (must be after processedAt).
 * Events: refunds/create, orders/updated. Returns null refund when nothing is left to refund.
 */
export function refundOrder(
  store: SimStore,
  params: { orderId: number; at: string; kind: "full" | "partial"; seed: number; note?: string },
): { refund: SimRefund | null; events: SimEvent[] } {
  const order = findOrder(store, params.orderId);
  const atMs = Date.parse(params.at);
  if (atMs <= Date.parse(order.processedAt)) throw new Error("A refund must be processed after its order");
  const refund = addRefund(order, atMs, params.kind, createRandom(params.seed), params.note ?? null, "RETURN");
  if (!refund) return { refund: null, events: [] };
  assignRefundIds(store, refund);
  order.updatedAt = later(order.updatedAt, refund.updatedAt);
  return {
    refund,
    events: [
      { topic: "refunds/create", payload: refundWebhookPayload(refund, order, store.shop), triggeredAt: refund.processedAt },
      orderEvent(store, "orders/updated", order, refund.processedAt),
    ],
  };
}

/**
 * Cancels an order at `at`, by default refunding everything left. Events: orders/cancelled,
 * refunds/create (when refunded), orders/updated.
 */
export function cancelOrder(
  store: SimStore,
  params: { orderId: number; at: string; refund?: boolean; reason?: NonNullable<SimOrder["cancelReason"]> },
): { order: SimOrder; events: SimEvent[] } {
  const order = findOrder(store, params.orderId);
  if (order.cancelledAt) throw new Error(`Order ${order.id} is already cancelled`);
  const atMs = Date.parse(params.at);
  if (atMs <= Date.parse(order.processedAt)) throw new Error("An order is cancelled after it is processed");
  const at = isoSeconds(atMs);
  order.cancelledAt = at;
  order.cancelReason = params.reason ?? "CUSTOMER";
  order.closedAt = at;
  if (!order.traits.includes("cancelled")) order.traits.push("cancelled");
  const events: SimEvent[] = [];
  let refund: SimRefund | null = null;
  if (params.refund ?? true) {
    refund = addRefund(order, atMs + 1000, "full", createRandom(order.id), "Order cancelled", "CANCEL");
    if (refund) assignRefundIds(store, refund);
  }
  order.updatedAt = later(order.updatedAt, refund ? refund.updatedAt : at);
  events.push(orderEvent(store, "orders/cancelled", order, at));
  if (refund) events.push({ topic: "refunds/create", payload: refundWebhookPayload(refund, order, store.shop), triggeredAt: refund.processedAt });
  events.push(orderEvent(store, "orders/updated", order, order.updatedAt));
  return { order, events };
}

/** An edit that changes nothing Metryka counts (tags, note): only updatedAt moves. Events: orders/updated. */
export function touchOrder(store: SimStore, params: { orderId: number; at: string; tag?: string }): { order: SimOrder; events: SimEvent[] } {
  const order = findOrder(store, params.orderId);
  const at = isoSeconds(Date.parse(params.at));
  if (params.tag && !order.tags.includes(params.tag)) order.tags = [...order.tags, params.tag];
  order.updatedAt = later(order.updatedAt, at);
  return { order, events: [orderEvent(store, "orders/updated", order, at)] };
}

/** Deletes an order (it disappears from the API). Events: orders/delete. */
export function deleteOrder(store: SimStore, params: { orderId: number; at: string }): { events: SimEvent[] } {
  const index = store.orders.findIndex((o) => o.id === params.orderId);
  if (index < 0) throw new Error(`No order ${params.orderId} in ${store.shop.domain}`);
  store.orders.splice(index, 1);
  const at = isoSeconds(Date.parse(params.at));
  store.deletedOrders.push({ id: params.orderId, deletedAt: at });
  return { events: [{ topic: "orders/delete", payload: orderDeletePayload(params.orderId), triggeredAt: at }] };
}

/**
 * Merges `deletedId` into `keptId`: the deleted customer's orders now belong to the kept one.
 * Events: customers/merge, customers/delete, customers/update, orders/updated for each moved order.
 */
export function mergeCustomers(store: SimStore, params: { keptId: number; deletedId: number; at: string }): { events: SimEvent[] } {
  const kept = findCustomer(store, params.keptId);
  findCustomer(store, params.deletedId);
  const at = isoSeconds(Date.parse(params.at));
  const events: SimEvent[] = [{ topic: "customers/merge", payload: customersMergePayload(params.keptId, params.deletedId), triggeredAt: at }];
  for (const order of store.orders) {
    if (order.customerId !== params.deletedId) continue;
    order.customerId = params.keptId;
    order.updatedAt = later(order.updatedAt, at);
    events.push(orderEvent(store, "orders/updated", order, at));
  }
  store.customers = store.customers.filter((c) => c.id !== params.deletedId);
  kept.updatedAt = later(kept.updatedAt, at);
  events.push({ topic: "customers/delete", payload: customerDeletePayload(params.deletedId), triggeredAt: at });
  events.push({ topic: "customers/update", payload: customerWebhookPayload(kept, store.shop), triggeredAt: at });
  return { events };
}

/** Deletes a customer without orders (Shopify refuses to delete one with orders). Events: customers/delete. */
export function deleteCustomer(store: SimStore, params: { customerId: number; at: string }): { events: SimEvent[] } {
  findCustomer(store, params.customerId);
  if (store.orders.some((o) => o.customerId === params.customerId)) {
    throw new Error("Shopify does not delete a customer who has orders; redact or merge instead");
  }
  store.customers = store.customers.filter((c) => c.id !== params.customerId);
  const at = isoSeconds(Date.parse(params.at));
  return { events: [{ topic: "customers/delete", payload: customerDeletePayload(params.customerId), triggeredAt: at }] };
}

/**
 * Shopify's rules for a tag (`tagsAdd`, `tagsRemove`): each given string is a comma-separated
 * list of tags, each trimmed, empty ones dropped; a tag is at most 255 characters. Tags compare
 * without regard to case.
 */
export const MAX_TAG_LENGTH = 255;

export function splitTags(given: readonly string[]): string[] {
  return given.flatMap((value) => value.split(",")).map((tag) => tag.trim()).filter((tag) => tag.length > 0);
}

/**
 * Adds tags to a customer at `at` (tags it has already, in any case, stay as they are).
 * Events: customers/update when a tag was added.
 */
export function addCustomerTags(store: SimStore, params: { customerId: number; tags: readonly string[]; at: string }): { customer: SimCustomer; events: SimEvent[] } {
  const customer = findCustomer(store, params.customerId);
  const had = new Set(customer.tags.map((tag) => tag.toLowerCase()));
  const added = splitTags(params.tags).filter((tag) => {
    const key = tag.toLowerCase();
    if (had.has(key)) return false;
    had.add(key);
    return true;
  });
  if (added.length === 0) return { customer, events: [] };
  customer.tags = [...customer.tags, ...added];
  return { customer, events: touchCustomer(store, customer, params.at) };
}

/** Removes tags (each one tag, in any case) from a customer at `at`. Events: customers/update when one was removed. */
export function removeCustomerTags(store: SimStore, params: { customerId: number; tags: readonly string[]; at: string }): { customer: SimCustomer; events: SimEvent[] } {
  const customer = findCustomer(store, params.customerId);
  const removed = new Set(params.tags.map((tag) => tag.trim().toLowerCase()));
  const kept = customer.tags.filter((tag) => !removed.has(tag.toLowerCase()));
  if (kept.length === customer.tags.length) return { customer, events: [] };
  customer.tags = kept;
  return { customer, events: touchCustomer(store, customer, params.at) };
}

function touchCustomer(store: SimStore, customer: SimCustomer, atIso: string): SimEvent[] {
  const at = isoSeconds(Date.parse(atIso));
  customer.updatedAt = later(customer.updatedAt, at);
  return [{ topic: "customers/update", payload: customerWebhookPayload(customer, store.shop), triggeredAt: at }];
}
