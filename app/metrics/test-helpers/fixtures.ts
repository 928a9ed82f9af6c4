// Small hand-written stores: orders and refunds with defaults, written for a fresh shop.
import prisma from "#app/db.server";
import type { PixelEvent, ShopifySessionDay } from "../conversion";
import type { MetricOrder, MetricRefund } from "../rows";
import { updateMetricSettings } from "../settings.server";
import type { MetricSettings } from "../settings";
import { writeOrders } from "./store";

type OrderInput = Partial<Omit<MetricOrder, "processedAt" | "cancelledAt" | "deletedAt">> & {
  id: string;
  at: string;
  cancelledAt?: string | null;
  deletedAt?: string | null;
};

/** An order with the given fields; money defaults to 0, currency USD, customer none. */
export function order(input: OrderInput): MetricOrder {
  const { at, cancelledAt, deletedAt, ...rest } = input;
  const grossSales = rest.grossSales ?? 0;
  const discounts = rest.discounts ?? 0;
  const shipping = rest.shipping ?? 0;
  const tax = rest.tax ?? 0;
  return {
    customerId: null,
    test: false,
    currencyCode: "USD",
    ...rest,
    grossSales,
    discounts,
    shipping,
    tax,
    totalPrice: rest.totalPrice ?? grossSales - discounts + shipping + tax,
    processedAt: new Date(at),
    cancelledAt: cancelledAt ? new Date(cancelledAt) : null,
    deletedAt: deletedAt ? new Date(deletedAt) : null,
  };
}

export function refund(input: Partial<Omit<MetricRefund, "processedAt">> & { id: string; orderId: string; at: string }): MetricRefund {
  const { at, ...rest } = input;
  return { returns: 0, shipping: 0, tax: 0, ...rest, processedAt: new Date(at) };
}

let shops = 0;

/** Writes a new shop (unique domain) with the rows and settings; returns its domain. */
export async function fixtureShop(
  rows: { orders: MetricOrder[]; refunds?: MetricRefund[] },
  shop: { timeZone: string; currency?: string; settings?: Partial<MetricSettings> },
): Promise<string> {
  shops += 1;
  const domain = `fixture-${shops}-${process.pid}.myshopify.com`;
  await prisma.shop.create({ data: { domain, ianaTimezone: shop.timeZone, currencyCode: shop.currency ?? "USD" } });
  await writeOrders(domain, rows.orders, rows.refunds ?? []);
  if (shop.settings) await updateMetricSettings(domain, shop.settings);
  return domain;
}

/** Writes pixel events and Shopify's daily session figures for a shop. */
export async function writeSessions(
  shop: string,
  data: { events?: PixelEvent[]; days?: ShopifySessionDay[] },
): Promise<void> {
  if (data.events?.length) {
    await prisma.pixelEvent.createMany({
      data: data.events.map((event) => ({ shop, id: event.id, visitorId: event.visitorId, name: event.name, occurredAt: event.occurredAt })),
    });
  }
  if (data.days?.length) {
    await prisma.shopifySessionDay.createMany({
      data: data.days.map((day) => ({
        shop,
        day: new Date(`${day.day}T00:00:00Z`),
        sessions: day.sessions,
        sessionsWithCartAdditions: day.sessionsWithCartAdditions,
        sessionsReachedCheckout: day.sessionsReachedCheckout,
        sessionsCompletedCheckout: day.sessionsCompletedCheckout,
      })),
    });
  }
}
