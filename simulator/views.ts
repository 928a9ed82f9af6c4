/**
 * GraphQL-shaped views of a `SimStore`. Each view is a plain object whose properties are named like
 * the schema's fields; a property is either a value or a function `(args, context, info)` that
 * computes it (graphql-js's default field resolver calls it). `__typename` lets the default type
 * resolver answer interfaces (`Node`). A field that a view does not define is not implemented by
 * the simulator and fails loudly (see `simulatorFieldResolver`).
 */
import { GraphQLError, type GraphQLFieldResolver, type GraphQLResolveInfo } from "graphql";
import { DateTime } from "luxon";
import { listConnection, paginate, type ConnectionArgs, type Keyed, type SortValue } from "./connection";
import { formatMinor } from "./money";
import { compileSearch, type SearchFields } from "./search-query";
import { shopifyqlField } from "./shopifyql";
import { tagFields } from "./tags";
import { webPixelFields } from "./web-pixels";
import {
  customerAmountSpent,
  customerNumberOfOrders,
  gid,
  lineCurrentQuantity,
  lineDiscountedTotal,
  lineNetTotal,
  lineOriginalTotal,
  orderCurrentDiscounts,
  orderCurrentShipping,
  orderCurrentSubtotal,
  orderCurrentTax,
  orderCurrentTotal,
  orderDiscounts,
  orderFinancialStatus,
  orderRefunded,
  orderShipping,
  orderSubtotal,
  orderTax,
  orderTotal,
  parseGid,
  refundTotal,
} from "./truth";
import type { Minor, SimCustomer, SimLineItem, SimOrder, SimRefund, SimRefundLineItem, SimStore } from "./types";

/** Any GraphQL-shaped object. */
export interface GqlObject {
  readonly __typename?: string;
  readonly [field: string]: unknown;
}

export type FieldArgs = Record<string, unknown>;

export interface SearchExtension {
  path: Array<string | number>;
  query: string;
  parsed: Array<Array<{ field: string; operator: string; value: string; negated: boolean }>>;
  warnings: Array<{ field: string; message: string }>;
}

/** Bulk operations, implemented in bulk.ts; views only call through this interface. */
export interface BulkApi {
  run(ctx: ViewContext, query: string, groupObjects: boolean): GqlObject;
  cancel(ctx: ViewContext, id: string): GqlObject;
  get(ctx: ViewContext, id: string): GqlObject | null;
  list(ctx: ViewContext, args: FieldArgs): GqlObject;
}

export interface ViewContext {
  store: SimStore;
  nowMs: number;
  /** Access scopes granted to the calling token. */
  scopes: ReadonlySet<string>;
  /** Bulk operation inner query: connections return everything. */
  unbounded: boolean;
  searchWarnings: SearchExtension[];
  bulk: BulkApi | null;
  app: { apiKey: string; title: string; installationId: number };
  /** Lazily built indexes, valid for one request. */
  cache: {
    visibleOrders?: SimOrder[];
    visibleOrderSet?: Set<SimOrder>;
    ordersByCustomer?: Map<number, SimOrder[]>;
    orderById?: Map<number, SimOrder>;
    customerById?: Map<number, SimCustomer>;
  };
}

/** How far back orders are readable without `read_all_orders` (https://shopify.dev/docs/api/usage/access-scopes#orders-permissions). */
export const ORDERS_WITHOUT_READ_ALL_DAYS = 60;

/**
 * The field resolver used for every request: reads the property named like the field, calls it
 * when it is a function, and fails with NOT_IMPLEMENTED when the view has no such property.
 */
export const simulatorFieldResolver: GraphQLFieldResolver<unknown, ViewContext, FieldArgs> = (source, args, context, info) => {
  if (typeof source === "object" && source !== null && info.fieldName in source) {
    const value: unknown = (source as Record<string, unknown>)[info.fieldName];
    if (typeof value === "function") return (value as (a: FieldArgs, c: ViewContext, i: GraphQLResolveInfo) => unknown).call(source, args, context, info);
    return value;
  }
  throw new GraphQLError(`${info.parentType.name}.${info.fieldName} is not implemented by the Shopify simulator`, {
    extensions: { code: "NOT_IMPLEMENTED" },
  });
};

// ---------------------------------------------------------------------------------------------
// Argument helpers

function numberArg(args: FieldArgs, name: string): number | null {
  const v = args[name];
  return typeof v === "number" ? v : null;
}
function stringArg(args: FieldArgs, name: string): string | null {
  const v = args[name];
  return typeof v === "string" ? v : null;
}
function connectionArgs(args: FieldArgs): ConnectionArgs {
  return {
    first: numberArg(args, "first"),
    last: numberArg(args, "last"),
    after: stringArg(args, "after"),
    before: stringArg(args, "before"),
    reverse: args.reverse === true,
  };
}

function responsePath(info: GraphQLResolveInfo): Array<string | number> {
  const out: Array<string | number> = [];
  for (let p: GraphQLResolveInfo["path"] | undefined = info.path; p; p = p.prev) out.unshift(p.key);
  return out;
}

function accessDenied(field: string, scope: string): GraphQLError {
  return new GraphQLError(`Access denied for ${field} field. Required access: \`${scope}\` access scope.`, {
    extensions: {
      code: "ACCESS_DENIED",
      documentation: "https://shopify.dev/api/usage/access-scopes",
      requiredAccess: `\`${scope}\` access scope.`,
    },
  });
}

function hasScope(ctx: ViewContext, resource: "orders" | "customers"): boolean {
  return ctx.scopes.has(`read_${resource}`) || ctx.scopes.has(`write_${resource}`);
}

function requireScope(ctx: ViewContext, field: string, resource: "orders" | "customers"): void {
  if (!hasScope(ctx, resource)) throw accessDenied(field, `read_${resource}`);
}

// ---------------------------------------------------------------------------------------------
// Store access

/** Orders the token may read: everything with `read_all_orders`, else the last 60 days (by createdAt). */
export function visibleOrders(ctx: ViewContext): SimOrder[] {
  if (ctx.cache.visibleOrders) return ctx.cache.visibleOrders;
  let orders = ctx.store.orders;
  if (!ctx.scopes.has("read_all_orders")) {
    const cutoff = ctx.nowMs - ORDERS_WITHOUT_READ_ALL_DAYS * 86_400_000;
    orders = orders.filter((o) => Date.parse(o.createdAt) >= cutoff);
  }
  ctx.cache.visibleOrders = orders;
  return orders;
}

function orderById(ctx: ViewContext, id: number): SimOrder | undefined {
  if (!ctx.cache.orderById) ctx.cache.orderById = new Map(visibleOrders(ctx).map((o) => [o.id, o]));
  return ctx.cache.orderById.get(id);
}

function customerById(ctx: ViewContext, id: number): SimCustomer | undefined {
  if (!ctx.cache.customerById) ctx.cache.customerById = new Map(ctx.store.customers.map((c) => [c.id, c]));
  return ctx.cache.customerById.get(id);
}

/** Every order of each customer (visibility ignored: lifetime figures), oldest processedAt first. */
function ordersByCustomer(ctx: ViewContext): Map<number, SimOrder[]> {
  if (ctx.cache.ordersByCustomer) return ctx.cache.ordersByCustomer;
  const map = new Map<number, SimOrder[]>();
  for (const o of ctx.store.orders) {
    if (o.customerId === null) continue;
    const list = map.get(o.customerId);
    if (list) list.push(o);
    else map.set(o.customerId, [o]);
  }
  for (const list of map.values()) list.sort((a, b) => a.processedAt.localeCompare(b.processedAt) || a.id - b.id);
  ctx.cache.ordersByCustomer = map;
  return map;
}

// ---------------------------------------------------------------------------------------------
// Money

export function moneyV2(amount: Minor, currencyCode: string): GqlObject {
  return { __typename: "MoneyV2", amount: formatMinor(amount, currencyCode), currencyCode };
}

/** Shop and presentment money; the simulator's orders are presented in the shop currency. */
export function moneyBag(amount: Minor, currencyCode: string): GqlObject {
  const money = moneyV2(amount, currencyCode);
  return { __typename: "MoneyBag", shopMoney: money, presentmentMoney: money };
}

// ---------------------------------------------------------------------------------------------
// Search fields

function orderSearchFields(): SearchFields<SimOrder> {
  return {
    updated_at: { kind: "date", get: (o) => o.updatedAt },
    created_at: { kind: "date", get: (o) => o.createdAt },
    processed_at: { kind: "date", get: (o) => o.processedAt },
    id: { kind: "number", get: (o) => o.id },
    customer_id: { kind: "number", get: (o) => o.customerId },
    test: { kind: "boolean", get: (o) => o.test },
    name: { kind: "string", get: (o) => o.name.replace(/^#/, "") },
    financial_status: { kind: "string", get: (o) => orderFinancialStatus(o).toLowerCase() },
    source_name: { kind: "string", get: (o) => o.sourceName },
  };
}

function customerSearchFields(): SearchFields<SimCustomer> {
  return {
    updated_at: { kind: "date", get: (c) => c.updatedAt },
    created_at: { kind: "date", get: (c) => c.createdAt },
    id: { kind: "number", get: (c) => c.id },
    state: { kind: "string", get: (c) => c.state },
  };
}

function applySearch<T>(ctx: ViewContext, info: GraphQLResolveInfo, items: readonly T[], query: string | null, fields: SearchFields<T>): T[] {
  if (!query) return items.slice();
  const compiled = compileSearch(query, fields, ctx.store.shop.ianaTimezone);
  if (compiled.warnings.length > 0) {
    ctx.searchWarnings.push({ path: responsePath(info), query, parsed: compiled.parsed, warnings: compiled.warnings });
  }
  return items.filter(compiled.predicate);
}

function orderSortValue(sortKey: string, o: SimOrder): SortValue {
  switch (sortKey) {
    case "PROCESSED_AT":
      return o.processedAt;
    case "UPDATED_AT":
      return o.updatedAt;
    case "CREATED_AT":
      return o.createdAt;
    case "TOTAL_PRICE":
    case "CURRENT_TOTAL_PRICE":
      return sortKey === "TOTAL_PRICE" ? orderTotal(o) : orderCurrentTotal(o);
    case "ORDER_NUMBER":
      return o.number;
    case "FINANCIAL_STATUS":
      return orderFinancialStatus(o);
    default:
      return o.id;
  }
}

function customerSortValue(sortKey: string, c: SimCustomer): SortValue {
  switch (sortKey) {
    case "CREATED_AT":
      return c.createdAt;
    case "UPDATED_AT":
      return c.updatedAt;
    case "NAME":
      return `${c.lastName} ${c.firstName}`;
    default:
      return c.id;
  }
}

function ordersConnection(ctx: ViewContext, info: GraphQLResolveInfo, args: FieldArgs, base: readonly SimOrder[], defaultSort: string): GqlObject {
  const filtered = applySearch(ctx, info, base, stringArg(args, "query"), orderSearchFields());
  const sortKey = stringArg(args, "sortKey") ?? defaultSort;
  const keyed: Array<Keyed<SimOrder>> = filtered.map((o) => ({ item: o, id: o.id, value: orderSortValue(sortKey, o) }));
  return { __typename: "OrderConnection", ...paginate(keyed, connectionArgs(args), (o) => orderView(ctx, o), ctx.unbounded) };
}

// ---------------------------------------------------------------------------------------------
// Views

export function shopView(ctx: ViewContext): GqlObject {
  const shop = ctx.store.shop;
  const local = DateTime.fromMillis(ctx.nowMs, { zone: shop.ianaTimezone }).setLocale("en-US");
  const url = `https://${shop.domain}`;
  return {
    __typename: "Shop",
    id: gid("Shop", shop.id),
    name: shop.name,
    myshopifyDomain: shop.domain,
    email: shop.email,
    contactEmail: shop.email,
    shopOwnerName: "Sim Owner",
    ianaTimezone: shop.ianaTimezone,
    timezoneAbbreviation: local.toFormat("ZZZZ"),
    timezoneOffset: local.toFormat("ZZZ"),
    timezoneOffsetMinutes: local.offset,
    currencyCode: shop.currencyCode,
    enabledPresentmentCurrencies: [shop.currencyCode],
    taxesIncluded: shop.taxesIncluded,
    weightUnit: "KILOGRAMS",
    createdAt: shop.createdAt,
    updatedAt: shop.updatedAt,
    url,
    primaryDomain: { __typename: "Domain", id: gid("Domain", shop.id), host: shop.domain, url, sslEnabled: true },
    plan: { __typename: "ShopPlan", ...shop.plan },
  };
}

export function customerView(ctx: ViewContext, c: SimCustomer): GqlObject {
  const orders = (): SimOrder[] => ordersByCustomer(ctx).get(c.id) ?? [];
  return {
    __typename: "Customer",
    id: gid("Customer", c.id),
    legacyResourceId: String(c.id),
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    firstName: c.firstName,
    lastName: c.lastName,
    displayName: `${c.firstName} ${c.lastName}`,
    state: c.state,
    tags: c.tags,
    note: null,
    locale: "en",
    verifiedEmail: true,
    taxExempt: false,
    canDelete: false,
    lifetimeDuration: () => DateTime.fromISO(c.createdAt).toRelative({ base: DateTime.fromMillis(ctx.nowMs) }) ?? "",
    defaultEmailAddress: {
      __typename: "CustomerEmailAddress",
      emailAddress: c.email,
      marketingState: "NOT_SUBSCRIBED",
    },
    defaultPhoneNumber: c.phone === null ? null : { __typename: "CustomerPhoneNumber", phoneNumber: c.phone },
    numberOfOrders: () => String(customerNumberOfOrders(orders())),
    amountSpent: () => moneyV2(customerAmountSpent(orders(), ctx.store.shop.currencyCode), ctx.store.shop.currencyCode),
    lastOrder: () => {
      const list = orders().filter((o) => !o.test);
      return list.length > 0 && hasScope(ctx, "orders") ? orderView(ctx, list[list.length - 1]) : null;
    },
    orders: (args: FieldArgs, _ctx: ViewContext, info: GraphQLResolveInfo) => {
      requireScope(ctx, "orders", "orders");
      const visible = (ctx.cache.visibleOrderSet ??= new Set(visibleOrders(ctx)));
      return ordersConnection(ctx, info, args, orders().filter((o) => visible.has(o)), "ID");
    },
  };
}

export function lineItemView(_ctx: ViewContext, order: SimOrder, line: SimLineItem): GqlObject {
  const cc = order.currencyCode;
  const current = (): number => lineCurrentQuantity(order, line);
  return {
    __typename: "LineItem",
    id: gid("LineItem", line.id),
    name: line.title,
    title: line.title,
    sku: line.sku,
    vendor: "Metryka Sim Goods",
    quantity: line.quantity,
    currentQuantity: current,
    refundableQuantity: current,
    unfulfilledQuantity: 0,
    nonFulfillableQuantity: 0,
    fulfillableQuantity: 0,
    requiresShipping: order.shippingLine !== null,
    taxable: true,
    isGiftCard: line.title === "Gift Card",
    restockable: true,
    originalUnitPriceSet: moneyBag(line.unitPrice, cc),
    originalTotalSet: moneyBag(lineOriginalTotal(line), cc),
    discountedTotalSet: moneyBag(lineDiscountedTotal(line), cc),
    discountedUnitPriceSet: moneyBag(Math.round(lineDiscountedTotal(line) / line.quantity), cc),
    discountedUnitPriceAfterAllDiscountsSet: moneyBag(Math.round(lineNetTotal(line) / line.quantity), cc),
    totalDiscountSet: moneyBag(line.lineDiscount, cc),
    taxLines: () =>
      line.tax === 0 && order.taxRate === 0
        ? []
        : [taxLineView(order.taxRate, line.tax, cc)],
    product: { __typename: "Product", id: gid("Product", line.productId), title: line.title, handle: line.title.toLowerCase().replace(/[^a-z0-9]+/g, "-") },
    variant: { __typename: "ProductVariant", id: gid("ProductVariant", line.variantId), title: "Default Title", sku: line.sku },
  };
}

function taxLineView(rate: number, amount: Minor, currencyCode: string): GqlObject {
  return {
    __typename: "TaxLine",
    title: "Sales tax",
    rate,
    ratePercentage: Math.round(rate * 10000) / 100,
    priceSet: moneyBag(amount, currencyCode),
    channelLiable: false,
    source: "Shopify",
  };
}

export function refundLineItemView(ctx: ViewContext, order: SimOrder, rli: SimRefundLineItem): GqlObject {
  const cc = order.currencyCode;
  const line = order.lineItems.find((l) => l.id === rli.lineItemId);
  return {
    __typename: "RefundLineItem",
    id: gid("RefundLineItem", rli.id),
    quantity: rli.quantity,
    restockType: rli.restockType,
    restocked: rli.restockType !== "NO_RESTOCK",
    location: null,
    subtotalSet: moneyBag(rli.subtotal, cc),
    totalTaxSet: moneyBag(rli.tax, cc),
    priceSet: moneyBag(rli.quantity > 0 ? Math.round(rli.subtotal / rli.quantity) : 0, cc),
    lineItem: () => {
      if (!line) throw new GraphQLError(`Refund line item ${rli.id} points at a missing line item ${rli.lineItemId}`);
      return lineItemView(ctx, order, line);
    },
  };
}

export function refundView(ctx: ViewContext, order: SimOrder, refund: SimRefund): GqlObject {
  const cc = order.currencyCode;
  return {
    __typename: "Refund",
    id: gid("Refund", refund.id),
    legacyResourceId: String(refund.id),
    createdAt: refund.createdAt,
    updatedAt: refund.updatedAt,
    processedAt: refund.processedAt,
    note: refund.note,
    duties: [],
    return: null,
    staffMember: null,
    totalRefundedSet: moneyBag(refundTotal(refund), cc),
    order: () => orderView(ctx, order),
    refundLineItems: (args: FieldArgs) =>
      ({ __typename: "RefundLineItemConnection", ...listConnection(refund.refundLineItems, (r) => r.id, connectionArgs(args), (r) => refundLineItemView(ctx, order, r), ctx.unbounded) }),
    refundShippingLines: (args: FieldArgs) =>
      ({
        __typename: "RefundShippingLineConnection",
        ...listConnection(refund.shipping ? [refund.shipping] : [], (s) => s.id, connectionArgs(args), (s) => ({
          __typename: "RefundShippingLine",
          id: gid("RefundShippingLine", s.id),
          subtotalAmountSet: moneyBag(s.subtotal, cc),
          taxAmountSet: moneyBag(s.tax, cc),
          shippingLine: order.shippingLine ? shippingLineView(order) : null,
        }), ctx.unbounded),
      }),
  };
}

function shippingLineView(order: SimOrder): GqlObject | null {
  const line = order.shippingLine;
  if (!line) return null;
  const cc = order.currencyCode;
  return {
    __typename: "ShippingLine",
    id: gid("ShippingLine", line.id),
    title: line.title,
    code: line.code,
    source: "shopify",
    carrierIdentifier: null,
    originalPriceSet: moneyBag(line.price, cc),
    discountedPriceSet: moneyBag(line.price, cc),
    currentDiscountedPriceSet: moneyBag(line.price, cc),
    taxLines: line.tax > 0 ? [taxLineView(order.taxRate, line.tax, cc)] : [],
  };
}

export function orderView(ctx: ViewContext, o: SimOrder): GqlObject {
  const cc = o.currencyCode;
  const bag = (amount: Minor): GqlObject => moneyBag(amount, cc);
  const lineQuantity = o.lineItems.reduce((sum, l) => sum + l.quantity, 0);
  return {
    __typename: "Order",
    id: gid("Order", o.id),
    legacyResourceId: String(o.id),
    name: o.name,
    number: o.number,
    confirmationNumber: `SIM${o.number}`,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
    processedAt: o.processedAt,
    cancelledAt: o.cancelledAt,
    cancelReason: o.cancelReason,
    cancellation: o.cancelledAt ? { __typename: "OrderCancellation", staffNote: null } : null,
    closedAt: o.closedAt,
    closed: o.closedAt !== null,
    confirmed: true,
    test: o.test,
    edited: false,
    currencyCode: cc,
    presentmentCurrencyCode: o.presentmentCurrencyCode,
    taxesIncluded: o.taxesIncluded,
    dutiesIncluded: false,
    taxExempt: false,
    estimatedTaxes: false,
    sourceName: o.sourceName,
    sourceIdentifier: null,
    tags: o.tags,
    note: null,
    email: () => (o.customerId !== null ? customerById(ctx, o.customerId)?.email ?? null : null),
    phone: null,
    discountCode: o.discountCode,
    discountCodes: o.discountCode ? [o.discountCode] : [],
    displayFinancialStatus: () => orderFinancialStatus(o),
    displayFulfillmentStatus: o.sourceName === "pos" || o.closedAt !== null ? "FULFILLED" : "UNFULFILLED",
    fullyPaid: true,
    unpaid: false,
    capturable: false,
    refundable: () => orderCurrentTotal(o) > 0,
    requiresShipping: o.shippingLine !== null,
    subtotalLineItemsQuantity: lineQuantity,
    currentSubtotalLineItemsQuantity: () => o.lineItems.reduce((sum, l) => sum + lineCurrentQuantity(o, l), 0),
    customer: () => {
      if (o.customerId === null) return null;
      const customer = customerById(ctx, o.customerId);
      return customer ? customerView(ctx, customer) : null;
    },
    subtotalPriceSet: () => bag(orderSubtotal(o)),
    currentSubtotalPriceSet: () => bag(orderCurrentSubtotal(o)),
    totalDiscountsSet: () => bag(orderDiscounts(o)),
    currentTotalDiscountsSet: () => bag(orderCurrentDiscounts(o)),
    cartDiscountAmountSet: () => (o.orderDiscount > 0 ? bag(o.orderDiscount) : null),
    totalTaxSet: () => bag(orderTax(o)),
    currentTotalTaxSet: () => bag(orderCurrentTax(o)),
    totalShippingPriceSet: () => bag(orderShipping(o)),
    currentShippingPriceSet: () => bag(orderCurrentShipping(o)),
    totalPriceSet: () => bag(orderTotal(o)),
    originalTotalPriceSet: () => bag(orderTotal(o)),
    currentTotalPriceSet: () => bag(orderCurrentTotal(o)),
    totalRefundedSet: () => bag(orderRefunded(o)),
    totalRefundedShippingSet: () => bag(orderShipping(o) - orderCurrentShipping(o)),
    totalReceivedSet: () => bag(o.cancelledAt !== null && o.refunds.length === 0 ? 0 : orderTotal(o)),
    netPaymentSet: () => bag(o.cancelledAt !== null && o.refunds.length === 0 ? 0 : orderTotal(o) - orderRefunded(o)),
    totalOutstandingSet: () => bag(0),
    totalCapturableSet: () => bag(0),
    totalTipReceivedSet: () => bag(0),
    currentTotalDutiesSet: null,
    originalTotalDutiesSet: null,
    taxLines: () => (o.taxRate === 0 ? [] : [taxLineView(o.taxRate, orderTax(o), cc)]),
    refunds: (args: FieldArgs) => {
      const first = numberArg(args, "first");
      const list = first === null || ctx.unbounded ? o.refunds : o.refunds.slice(0, first);
      return list.map((r) => refundView(ctx, o, r));
    },
    lineItems: (args: FieldArgs) =>
      ({ __typename: "LineItemConnection", ...listConnection(o.lineItems, (l) => l.id, connectionArgs(args), (l) => lineItemView(ctx, o, l), ctx.unbounded) }),
    shippingLine: () => shippingLineView(o),
    shippingLines: (args: FieldArgs) =>
      ({
        __typename: "ShippingLineConnection",
        ...listConnection(o.shippingLine ? [o.shippingLine] : [], (s) => s.id, connectionArgs(args), () => shippingLineView(o), ctx.unbounded),
      }),
    customerJourneySummary: () => journeyView(ctx, o),
  };
}

function journeyView(ctx: ViewContext, o: SimOrder): GqlObject {
  let customerOrderIndex: number | null = null;
  if (o.customerId !== null) {
    const list = ordersByCustomer(ctx).get(o.customerId) ?? [];
    customerOrderIndex = list.indexOf(o) + 1;
  }
  const visit = o.firstVisit;
  const firstVisit: GqlObject | null = visit
    ? {
        __typename: "CustomerVisit",
        id: gid("CustomerVisit", visit.id),
        occurredAt: visit.occurredAt,
        source: visit.source,
        sourceType: visit.sourceType,
        sourceDescription: null,
        landingPage: visit.landingPage,
        landingPageHtml: null,
        referrerUrl: visit.referrerUrl,
        referralCode: null,
        referralInfoHtml: visit.referrerUrl ? `<a href="${visit.referrerUrl}">${visit.source}</a>` : visit.source,
        marketingEvent: null,
        utmParameters: visit.utm
          ? { __typename: "UTMParameters", source: visit.utm.source, medium: visit.utm.medium, campaign: visit.utm.campaign, content: null, term: null }
          : null,
      }
    : null;
  return {
    __typename: "CustomerJourneySummary",
    ready: true,
    customerOrderIndex,
    daysToConversion: visit ? Math.max(0, Math.floor((Date.parse(o.processedAt) - Date.parse(visit.occurredAt)) / 86_400_000)) : null,
    firstVisit,
    lastVisit: firstVisit,
  };
}

function nodeById(ctx: ViewContext, id: string): GqlObject | null {
  const parsed = parseGid(id);
  if (!parsed) return null;
  switch (parsed.type) {
    case "Order": {
      if (!hasScope(ctx, "orders")) return null;
      const order = orderById(ctx, parsed.id);
      return order ? orderView(ctx, order) : null;
    }
    case "Customer": {
      if (!hasScope(ctx, "customers")) return null;
      const customer = customerById(ctx, parsed.id);
      return customer ? customerView(ctx, customer) : null;
    }
    case "Refund":
    case "LineItem": {
      if (!hasScope(ctx, "orders")) return null;
      for (const order of visibleOrders(ctx)) {
        if (parsed.type === "Refund") {
          const refund = order.refunds.find((r) => r.id === parsed.id);
          if (refund) return refundView(ctx, order, refund);
        } else {
          const line = order.lineItems.find((l) => l.id === parsed.id);
          if (line) return lineItemView(ctx, order, line);
        }
      }
      return null;
    }
    case "Shop":
      return parsed.id === ctx.store.shop.id ? shopView(ctx) : null;
    case "BulkOperation":
      return ctx.bulk?.get(ctx, id) ?? null;
    default:
      return null;
  }
}

function invalidIdError(id: string): GraphQLError {
  return new GraphQLError(`Invalid global id '${id}'`, { extensions: { code: "argumentLiteralsIncompatible" } });
}

/** The object passed as `rootValue`: QueryRoot and Mutation fields the simulator implements. */
export function rootView(ctx: ViewContext): GqlObject {
  const shop = ctx.store.shop;
  return {
    shop: () => shopView(ctx),
    orders: (args: FieldArgs, _c: ViewContext, info: GraphQLResolveInfo) => {
      requireScope(ctx, "orders", "orders");
      return ordersConnection(ctx, info, args, visibleOrders(ctx), "PROCESSED_AT");
    },
    order: (args: FieldArgs) => {
      requireScope(ctx, "order", "orders");
      const id = stringArg(args, "id") ?? "";
      const parsed = parseGid(id);
      if (!parsed) throw invalidIdError(id);
      const order = parsed.type === "Order" ? orderById(ctx, parsed.id) : undefined;
      return order ? orderView(ctx, order) : null;
    },
    refund: (args: FieldArgs) => {
      requireScope(ctx, "refund", "orders");
      const id = stringArg(args, "id") ?? "";
      const parsed = parseGid(id);
      if (!parsed) throw invalidIdError(id);
      return parsed.type === "Refund" ? nodeById(ctx, id) : null;
    },
    ordersCount: (args: FieldArgs, _c: ViewContext, info: GraphQLResolveInfo) => {
      requireScope(ctx, "ordersCount", "orders");
      const count = applySearch(ctx, info, visibleOrders(ctx), stringArg(args, "query"), orderSearchFields()).length;
      return countView(count, args);
    },
    customers: (args: FieldArgs, _c: ViewContext, info: GraphQLResolveInfo) => {
      requireScope(ctx, "customers", "customers");
      const filtered = applySearch(ctx, info, ctx.store.customers, stringArg(args, "query"), customerSearchFields());
      const sortKey = stringArg(args, "sortKey") ?? "ID";
      const keyed = filtered.map((c) => ({ item: c, id: c.id, value: customerSortValue(sortKey, c) }));
      return { __typename: "CustomerConnection", ...paginate(keyed, connectionArgs(args), (c) => customerView(ctx, c), ctx.unbounded) };
    },
    customer: (args: FieldArgs) => {
      requireScope(ctx, "customer", "customers");
      const id = stringArg(args, "id") ?? "";
      const parsed = parseGid(id);
      if (!parsed) throw invalidIdError(id);
      const customer = parsed.type === "Customer" ? customerById(ctx, parsed.id) : undefined;
      return customer ? customerView(ctx, customer) : null;
    },
    customersCount: (args: FieldArgs, _c: ViewContext, info: GraphQLResolveInfo) => {
      requireScope(ctx, "customersCount", "customers");
      const count = applySearch(ctx, info, ctx.store.customers, stringArg(args, "query"), customerSearchFields()).length;
      return countView(count, args);
    },
    node: (args: FieldArgs) => {
      const id = stringArg(args, "id") ?? "";
      if (!parseGid(id)) throw invalidIdError(id);
      return nodeById(ctx, id);
    },
    nodes: (args: FieldArgs) => {
      const ids = Array.isArray(args.ids) ? args.ids.filter((v): v is string => typeof v === "string") : [];
      if (ids.length > 250) throw new GraphQLError("The maximum number of ids is 250", { extensions: { code: "BAD_REQUEST" } });
      return ids.map((id) => nodeById(ctx, id));
    },
    currentAppInstallation: () => ({
      __typename: "AppInstallation",
      id: gid("AppInstallation", ctx.app.installationId),
      launchUrl: `https://admin.shopify.com/store/${shop.domain.replace(/\.myshopify\.com$/, "")}/apps/${ctx.app.apiKey}`,
      uninstallUrl: null,
      activeSubscriptions: [],
      accessScopes: [...ctx.scopes].sort().map((handle) => ({ __typename: "AccessScope", handle, description: handle.replace(/_/g, " ") })),
      app: { __typename: "App", id: gid("App", 1), title: ctx.app.title, apiKey: ctx.app.apiKey, handle: "metryka" },
    }),
    ...webPixelFields(ctx.store, ctx.scopes),
    ...tagFields(ctx.store, ctx.scopes, ctx.nowMs, (customer) => customerView(ctx, customer)),
    shopifyqlQuery: (args: FieldArgs) => shopifyqlField(ctx.store, ctx.scopes, ctx.nowMs, stringArg(args, "query") ?? ""),
    bulkOperation: (args: FieldArgs) => ctx.bulk?.get(ctx, stringArg(args, "id") ?? "") ?? null,
    bulkOperations: (args: FieldArgs) => {
      if (!ctx.bulk) throw new GraphQLError("Bulk operations are not available here", { extensions: { code: "NOT_IMPLEMENTED" } });
      return ctx.bulk.list(ctx, args);
    },
    bulkOperationRunQuery: (args: FieldArgs) => {
      if (!ctx.bulk) throw new GraphQLError("Bulk operations are not available here", { extensions: { code: "NOT_IMPLEMENTED" } });
      return ctx.bulk.run(ctx, stringArg(args, "query") ?? "", args.groupObjects === true);
    },
    bulkOperationCancel: (args: FieldArgs) => {
      if (!ctx.bulk) throw new GraphQLError("Bulk operations are not available here", { extensions: { code: "NOT_IMPLEMENTED" } });
      return ctx.bulk.cancel(ctx, stringArg(args, "id") ?? "");
    },
  };
}

function countView(count: number, args: FieldArgs): GqlObject {
  const limit = "limit" in args ? numberArg(args, "limit") : 10000;
  if (limit !== null && count > limit) return { __typename: "Count", count: limit, precision: "AT_LEAST" };
  return { __typename: "Count", count, precision: "EXACT" };
}
