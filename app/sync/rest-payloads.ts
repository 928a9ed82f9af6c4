// Webhook payloads (REST-shaped JSON, https://shopify.dev/docs/api/webhooks) → what each topic
// changes. Pure. A payload is checked against its topic's schema (zod), then an order or a refund
// is rewritten as the Admin GraphQL node it stands for and goes through order-rows.ts, so an
// order stored from a webhook has the very rows the paged sync and the bulk ingest would store:
//   REST                                   GraphQL
//   line_items[].price_set                 lineItems.originalUnitPriceSet (unit price before discounts)
//   total_discounts_set                    totalDiscountsSet
//   total_shipping_price_set               totalShippingPriceSet
//   total_tax_set / total_price_set        totalTaxSet / totalPriceSet
//   refunds[].transactions (refund, ok)    refunds.totalRefundedSet ("total across all transactions")
//   Σ refunds' totals                      totalRefundedSet
//   refund_line_items[].subtotal_set       refundLineItems.subtotalSet (and total_tax_set)
//   refund_shipping_lines[] (or the        refundShippingLines.subtotalAmountSet / taxAmountSet
//   shipping_refund order_adjustments)
// Amounts are always the `shop_money` of a `*_set` (the shop's currency), as in GraphQL.
import { z } from "zod";
import { BIGINT_MAX, INTEGER_MAX, isStorableIdText, isStorableInstant, textProblem } from "#app/db-values";
import { AmountRangeError, fromMinorUnits, toMinorUnits } from "#app/shopify/money";
import {
  customerRow,
  orderRows,
  refundDetailRows,
  refundRow,
  type CustomerRow,
  type Money,
  type OrderNode,
  type OrderRows,
  type RefundLineItemRow,
  type RefundNode,
  type RefundRow,
  type RefundShippingLineNode,
  type RefundShippingRow,
} from "./order-rows";
import { errorMessage } from "#app/error-message";

// ---------------------------------------------------------------------------------------------
// Schemas. Messages never quote the value: they end up in logs and in webhook_events.error.

// Values are also held to what the database's columns hold (db-values.ts): a payload the
// database would refuse is refused here, naming the field, instead of failing the batch it is
// written in.

/** A numeric Shopify id, as a JSON number or a string of digits; 1 to the largest bigint. */
const id = z
  .union([
    z.number().int().positive().safe(),
    z.string().regex(/^[1-9]\d{0,18}$/, "is not a numeric id").refine(isStorableIdText, `is not an id from 1 to ${BIGINT_MAX}`),
  ])
  .transform((value) => String(value));

const instant = z.string().superRefine((value, context) => {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) context.addIssue({ code: z.ZodIssueCode.custom, message: "is not a date-time" });
  else if (!isStorableInstant(date)) {
    context.addIssue({ code: z.ZodIssueCode.custom, message: "is not a date-time the database holds (years 1 to 9999)" });
  }
});

/** Text the database stores. */
const storedText = z.string().superRefine((value, context) => {
  const problem = textProblem(value);
  if (problem) context.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, "is not a decimal amount");

const currencyCode = z.string().regex(/^[A-Z]{3}$/, "is not a currency code");

const moneySet = z.object({
  shop_money: z
    .object({ amount: decimal, currency_code: currencyCode })
    .superRefine(({ amount, currency_code: code }, context) => {
      // Only the range: too many decimals for the currency is the row mapping's to say.
      if (amountOutOfRange(amount, code)) {
        context.addIssue({ code: z.ZodIssueCode.custom, path: ["amount"], message: `is out of range: at most ${BIGINT_MAX} minor units either way` });
      }
    }),
});
type MoneySet = z.infer<typeof moneySet>;

function amountOutOfRange(amount: string, code: string): boolean {
  try {
    toMinorUnits(amount, code);
    return false;
  } catch (error) {
    return error instanceof AmountRangeError;
  }
}

const gidOf = (type: string) =>
  z
    .string()
    .regex(new RegExp(`^gid://shopify/${type}/[1-9]\\d{0,18}$`), `is not a ${type} id`)
    .refine((gid) => isStorableIdText(gid.slice(gid.lastIndexOf("/") + 1)), `is not a ${type} id from 1 to ${BIGINT_MAX}`);

const quantity = z.number().int().nonnegative().max(INTEGER_MAX);

const lineItem = z.object({
  id,
  quantity,
  price_set: moneySet,
});

const refundLineItem = z.object({
  id,
  quantity,
  subtotal_set: moneySet,
  total_tax_set: moneySet,
});

const transaction = z.object({
  kind: z.string(),
  status: z.string().nullish(),
  amount: decimal,
  currency: currencyCode.nullish(),
  amount_set: moneySet.nullish(),
});

const refund = z.object({
  id,
  order_id: id,
  created_at: instant.nullish(),
  processed_at: instant.nullish(),
  refund_line_items: z.array(refundLineItem),
  refund_shipping_lines: z.array(z.object({ subtotal_amount_set: moneySet, tax_amount_set: moneySet.nullish() })).nullish(),
  // Refunded shipping is also (and in older API versions only) an adjustment of kind
  // "shipping_refund", with negative amounts.
  order_adjustments: z.array(z.object({ kind: z.string(), amount_set: moneySet, tax_amount_set: moneySet })).nullish(),
  transactions: z.array(transaction).nullish(),
});
type RestRefund = z.infer<typeof refund>;

const order = z.object({
  id,
  name: storedText,
  created_at: instant,
  updated_at: instant,
  processed_at: instant,
  cancelled_at: instant.nullish(),
  test: z.boolean(),
  taxes_included: z.boolean(),
  source_name: storedText.nullish(),
  customer: z.object({ id }).nullish(),
  total_discounts_set: moneySet,
  total_shipping_price_set: moneySet,
  total_tax_set: moneySet,
  total_price_set: moneySet,
  line_items: z.array(lineItem),
  refunds: z.array(refund).nullish(),
});
type RestOrder = z.infer<typeof order>;

const customer = z.object({ id, created_at: instant, updated_at: instant });

const COMPLIANCE_FIELDS = { shop_id: id, shop_domain: z.string() };

/** The customer of a privacy request as stored: the email is replaced by the key imports use (personal-data.ts). */
const privacyCustomer = z.object({
  id,
  imported_customer_id: z.string().regex(/^-[1-9]\d{0,18}$/, "is not an imported customer's key").nullish(),
});

const SCHEMAS = {
  orders: order,
  refund,
  orderEdited: z.object({ order_edit: z.object({ id, order_id: id }) }),
  orderDeleted: z.object({ id }),
  customer,
  customerDeleted: z.object({ id }),
  customersMerge: z.object({
    admin_graphql_api_customer_kept_id: gidOf("Customer"),
    admin_graphql_api_customer_deleted_id: gidOf("Customer"),
    status: z.string(),
  }),
  // The privacy topics' payloads have exactly these fields (strict): the HMAC signs the body but
  // not the X-Shopify-Topic header, so a signed body replayed under another topic (a
  // customers/data_request sent again as shop/redact) must not fit it.
  // https://shopify.dev/docs/apps/build/privacy-law-compliance
  customersRedact: z
    .object({
      ...COMPLIANCE_FIELDS,
      customer: privacyCustomer,
      orders_to_redact: z.array(id).nullish(),
    })
    .strict(),
  customersDataRequest: z
    .object({
      ...COMPLIANCE_FIELDS,
      customer: privacyCustomer,
      orders_requested: z.array(id).nullish(),
      data_request: z.object({ id }),
    })
    .strict(),
  shopRedact: z.object(COMPLIANCE_FIELDS).strict(),
  shopUpdate: z.object({
    name: storedText,
    iana_timezone: z.string().refine(isTimeZone, "is not an IANA time zone"),
    currency: currencyCode,
    updated_at: instant,
  }),
  scopesUpdate: z.object({ current: z.array(storedText), updated_at: instant.nullish() }),
  bulkOperationFinish: z.object({ admin_graphql_api_id: gidOf("BulkOperation"), status: z.string() }),
  any: z.object({}).passthrough(),
};

/**
 * The schema each topic's payload is read with, for the topics whose stored payload keeps only
 * what that schema reads (see fieldsRead). Not here: the privacy topics, whose strict schemas
 * must see every field as received (a signed body replayed under another topic must not fit
 * it), and app/uninstalled, which reads nothing.
 */
const STORED_AS_READ: Partial<Record<(typeof WEBHOOK_TOPICS)[number], z.ZodTypeAny>> = {
  "orders/create": SCHEMAS.orders,
  "orders/updated": SCHEMAS.orders,
  "orders/cancelled": SCHEMAS.orders,
  "orders/edited": SCHEMAS.orderEdited,
  "orders/delete": SCHEMAS.orderDeleted,
  "refunds/create": SCHEMAS.refund,
  "customers/create": SCHEMAS.customer,
  "customers/update": SCHEMAS.customer,
  "customers/delete": SCHEMAS.customerDeleted,
  "customers/merge": SCHEMAS.customersMerge,
  "shop/update": SCHEMAS.shopUpdate,
  "app/scopes_update": SCHEMAS.scopesUpdate,
  "bulk_operations/finish": SCHEMAS.bulkOperationFinish,
};

/**
 * The fields of `value` that `schema` reads, values untouched: an object keeps the keys its
 * schema names (zod drops the others when it parses, so reading the result gives what reading
 * the whole gives), an array each element's; a value of another shape than its schema's is
 * kept as it is, for parsing to refuse with the same reason.
 */
function fieldsRead(schema: z.ZodTypeAny, value: unknown): unknown {
  if (schema instanceof z.ZodEffects) return fieldsRead(schema.innerType(), value);
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) return fieldsRead(schema.unwrap(), value);
  if (schema instanceof z.ZodArray) return Array.isArray(value) ? value.map((item) => fieldsRead(schema.element, item)) : value;
  if (schema instanceof z.ZodObject && schema._def.unknownKeys === "strip") {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
    const shape = schema.shape as Record<string, z.ZodTypeAny>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(shape)) {
      if (Object.hasOwn(value, key)) out[key] = fieldsRead(shape[key], (value as Record<string, unknown>)[key]);
    }
    return out;
  }
  return value;
}

/**
 * What intake stores of a payload: for most topics only the fields applying it reads (an order
 * without its line items' titles, SKUs, tax lines or discounts), so that a stored event holds no
 * more than Metryka uses and costs a fraction of the whole to write; the privacy topics and the
 * others not in STORED_AS_READ as received. Personal fields are removed after this
 * (personal-data.ts), whatever the topic.
 */
export function payloadAsStored(topic: string, payload: unknown): unknown {
  const schema = STORED_AS_READ[topic as (typeof WEBHOOK_TOPICS)[number]];
  return schema ? fieldsRead(schema, payload) : payload;
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// REST → GraphQL nodes

/** A `*_set`'s shop money; every amount of one order is in the same (shop) currency. */
function money(set: MoneySet, currency: string): Money {
  const { amount, currency_code: code } = set.shop_money;
  if (code !== currency) throw new Error(`an amount is in ${code}, not the shop currency ${currency}`);
  return { shopMoney: { amount, currencyCode: code } };
}

/** The sum of amounts named `field`; the row mapping refuses a sum its column cannot hold. */
function sumMoney(amounts: Array<{ amount: string; currencyCode: string }>, currency: string, field: string): Money {
  let total = 0n;
  for (const { amount, currencyCode: code } of amounts) {
    if (code !== currency) throw new Error(`an amount is in ${code}, not the shop currency ${currency}`);
    try {
      total += toMinorUnits(amount, code);
    } catch (error) {
      throw new Error(`${field}: ${errorMessage(error)}`);
    }
  }
  return { shopMoney: { amount: fromMinorUnits(total, currency), currencyCode: currency } };
}

/**
 * A refund's total as Shopify's `Refund.totalRefundedSet` defines it: the money of its
 * successful refund transactions, in shop money. A transaction without `amount_set` whose
 * `currency` is not the shop's (a multi-currency order's presentment currency) cannot be read
 * as shop money: the refund is then valued from its parts, items' subtotal and tax plus
 * refunded shipping.
 */
function refundTotal(node: RestRefund, currency: string): Money {
  const refunds = (node.transactions ?? []).filter(
    (t) => t.kind.toLowerCase() === "refund" && (t.status ?? "success").toLowerCase() === "success",
  );
  const amounts = refunds.map((t) =>
    t.amount_set ? money(t.amount_set, currency).shopMoney : (t.currency ?? currency) === currency ? { amount: t.amount, currencyCode: currency } : null,
  );
  if (amounts.every((amount) => amount !== null)) return sumMoney(amounts, currency, "refund.transactions.amount");
  const parts = [
    ...node.refund_line_items.flatMap((item) => [money(item.subtotal_set, currency), money(item.total_tax_set, currency)]),
    ...shippingLines(node, currency).flatMap((line) => [line.subtotalAmountSet, ...(line.taxAmountSet ? [line.taxAmountSet] : [])]),
  ];
  return sumMoney(parts.map((part) => part.shopMoney), currency, "refund (its line items and shipping)");
}

const negated = (value: Money): Money => {
  const { amount, currencyCode: code } = value.shopMoney;
  return { shopMoney: { amount: amount.startsWith("-") ? amount.slice(1) : `-${amount}`, currencyCode: code } };
};

/**
 * The refund's shipping lines with their tax. Recent payloads list `refund_shipping_lines`; the
 * tax, when a line does not carry it, and everything in older payloads, is in the
 * "shipping_refund" order adjustments (negative amounts). Never both, so nothing counts twice.
 */
function shippingLines(node: RestRefund, currency: string): RefundShippingLineNode[] {
  const adjustments = (node.order_adjustments ?? []).filter((a) => a.kind.toLowerCase() === "shipping_refund");
  const lines = node.refund_shipping_lines ?? [];
  if (lines.length === 0) {
    return adjustments.map((a) => ({
      subtotalAmountSet: negated(money(a.amount_set, currency)),
      taxAmountSet: negated(money(a.tax_amount_set, currency)),
    }));
  }
  const nodes: RefundShippingLineNode[] = lines.map((line) => ({
    subtotalAmountSet: money(line.subtotal_amount_set, currency),
    ...(line.tax_amount_set ? { taxAmountSet: money(line.tax_amount_set, currency) } : {}),
  }));
  if (lines.every((line) => !line.tax_amount_set) && adjustments.length > 0) {
    nodes[0].taxAmountSet = sumMoney(
      adjustments.map((a) => negated(money(a.tax_amount_set, currency)).shopMoney),
      currency,
      "refund.order_adjustments.tax_amount_set",
    );
  }
  return nodes;
}

function refundNode(node: RestRefund, currency: string): RefundNode {
  const processedAt = node.processed_at ?? node.created_at;
  if (!processedAt) throw new Error("refund has neither processed_at nor created_at");
  return {
    id: `gid://shopify/Refund/${node.id}`,
    createdAt: node.created_at ?? null,
    processedAt,
    totalRefundedSet: refundTotal(node, currency),
    refundLineItems: {
      nodes: node.refund_line_items.map((item) => ({
        id: `gid://shopify/RefundLineItem/${item.id}`,
        quantity: item.quantity,
        subtotalSet: money(item.subtotal_set, currency),
        totalTaxSet: money(item.total_tax_set, currency),
      })),
    },
    refundShippingLines: { nodes: shippingLines(node, currency) },
  };
}

function orderNode(node: RestOrder): OrderNode {
  const currency = node.total_price_set.shop_money.currency_code;
  const refunds = (node.refunds ?? []).map((r) => {
    if (r.order_id !== node.id) throw new Error("a refund of the order names another order");
    return refundNode(r, currency);
  });
  return {
    id: `gid://shopify/Order/${node.id}`,
    name: node.name,
    createdAt: node.created_at,
    updatedAt: node.updated_at,
    processedAt: node.processed_at,
    cancelledAt: node.cancelled_at ?? null,
    test: node.test,
    currencyCode: currency,
    taxesIncluded: node.taxes_included,
    sourceName: node.source_name ?? null,
    customer: node.customer ? { id: `gid://shopify/Customer/${node.customer.id}` } : null,
    totalDiscountsSet: money(node.total_discounts_set, currency),
    totalShippingPriceSet: money(node.total_shipping_price_set, currency),
    totalTaxSet: money(node.total_tax_set, currency),
    totalPriceSet: money(node.total_price_set, currency),
    totalRefundedSet: sumMoney(refunds.map((r) => r.totalRefundedSet.shopMoney), currency, "refunds"),
    lineItems: {
      nodes: node.line_items.map((item) => ({
        id: `gid://shopify/LineItem/${item.id}`,
        quantity: item.quantity,
        originalUnitPriceSet: money(item.price_set, currency),
      })),
    },
    refunds,
  };
}

// ---------------------------------------------------------------------------------------------
// Rows

/** One refund with its line items and refunded shipping: what `refunds/create` carries. */
export interface RefundRows {
  refund: RefundRow;
  refundLineItems: RefundLineItemRow[];
  refundShipping: RefundShippingRow;
}

/** The rows of a REST order (orders/create, orders/updated, orders/cancelled). */
export function restOrderRows(shop: string, payload: unknown): OrderRows {
  return orderRows(shop, orderNode(order.parse(payload)));
}

/** The shop currency a lone refund is in: that of its amounts' `shop_money`. */
function refundCurrency(node: RestRefund): string {
  const code =
    node.refund_line_items[0]?.subtotal_set.shop_money.currency_code ??
    node.refund_shipping_lines?.[0]?.subtotal_amount_set.shop_money.currency_code ??
    node.order_adjustments?.[0]?.amount_set.shop_money.currency_code ??
    node.transactions?.find((t) => t.amount_set)?.amount_set?.shop_money.currency_code ??
    node.transactions?.find((t) => t.currency)?.currency;
  if (!code) throw new Error("the refund names no currency");
  return code;
}

/** The rows of a REST refund (refunds/create). */
export function restRefundRows(shop: string, payload: unknown): RefundRows {
  const parsed = refund.parse(payload);
  const node = refundNode(parsed, refundCurrency(parsed));
  const row = refundRow(shop, BigInt(parsed.order_id), node);
  return { refund: row, ...refundDetailRows(shop, row.id, node) };
}

// ---------------------------------------------------------------------------------------------
// Topics

/** What one webhook changes, ready to apply. */
export type WebhookChange =
  | { kind: "order"; rows: OrderRows }
  | { kind: "refund"; rows: RefundRows }
  | { kind: "orderEdited"; orderId: bigint }
  | { kind: "orderDeleted"; orderId: bigint }
  | { kind: "customer"; row: CustomerRow }
  | { kind: "customerDeleted"; customerId: bigint }
  | { kind: "customersMerged"; keptId: bigint; deletedId: bigint; completed: boolean }
  | { kind: "customerRedacted"; customerId: bigint; importedCustomerId: bigint | null; orderIds: bigint[] }
  | { kind: "dataRequested"; requestId: bigint; customerId: bigint; importedCustomerId: bigint | null; orderIds: bigint[] }
  | { kind: "shopUpdated"; name: string; timeZone: string; currencyCode: string; updatedAt: Date }
  | { kind: "scopesUpdated"; scopes: string; updatedAt: Date | null }
  | { kind: "appUninstalled" }
  | { kind: "shopRedacted" }
  | { kind: "bulkOperationFinished"; operationId: string; status: string }
  | { kind: "unhandled"; topic: string };

export type ParsedWebhook = { ok: true; change: WebhookChange } | { ok: false; problems: string[] };

/** Topics Metryka subscribes to (shopify.app.toml), compliance topics included. */
export const WEBHOOK_TOPICS = [
  "orders/create",
  "orders/updated",
  "orders/cancelled",
  "orders/edited",
  "orders/delete",
  "refunds/create",
  "customers/create",
  "customers/update",
  "customers/delete",
  "customers/merge",
  "app/uninstalled",
  "app/scopes_update",
  "shop/update",
  "bulk_operations/finish",
  "customers/data_request",
  "customers/redact",
  "shop/redact",
] as const;

const gidNumber = (gid: string) => BigInt(gid.slice(gid.lastIndexOf("/") + 1));

function change(shop: string, topic: string, payload: unknown): WebhookChange {
  switch (topic) {
    case "orders/create":
    case "orders/updated":
    case "orders/cancelled":
      return { kind: "order", rows: restOrderRows(shop, payload) };
    case "refunds/create":
      return { kind: "refund", rows: restRefundRows(shop, payload) };
    case "orders/edited":
      return { kind: "orderEdited", orderId: BigInt(SCHEMAS.orderEdited.parse(payload).order_edit.order_id) };
    case "orders/delete":
      return { kind: "orderDeleted", orderId: BigInt(SCHEMAS.orderDeleted.parse(payload).id) };
    case "customers/create":
    case "customers/update": {
      const parsed = SCHEMAS.customer.parse(payload);
      return {
        kind: "customer",
        row: customerRow(shop, { id: `gid://shopify/Customer/${parsed.id}`, createdAt: parsed.created_at, updatedAt: parsed.updated_at }),
      };
    }
    case "customers/delete":
      return { kind: "customerDeleted", customerId: BigInt(SCHEMAS.customerDeleted.parse(payload).id) };
    case "customers/merge": {
      const parsed = SCHEMAS.customersMerge.parse(payload);
      return {
        kind: "customersMerged",
        keptId: gidNumber(parsed.admin_graphql_api_customer_kept_id),
        deletedId: gidNumber(parsed.admin_graphql_api_customer_deleted_id),
        completed: parsed.status.toLowerCase() === "completed",
      };
    }
    case "customers/redact": {
      const parsed = SCHEMAS.customersRedact.parse(payload);
      return {
        kind: "customerRedacted",
        customerId: BigInt(parsed.customer.id),
        importedCustomerId: parsed.customer.imported_customer_id ? BigInt(parsed.customer.imported_customer_id) : null,
        orderIds: (parsed.orders_to_redact ?? []).map((value) => BigInt(value)),
      };
    }
    case "customers/data_request": {
      const parsed = SCHEMAS.customersDataRequest.parse(payload);
      return {
        kind: "dataRequested",
        requestId: BigInt(parsed.data_request.id),
        customerId: BigInt(parsed.customer.id),
        importedCustomerId: parsed.customer.imported_customer_id ? BigInt(parsed.customer.imported_customer_id) : null,
        orderIds: (parsed.orders_requested ?? []).map((value) => BigInt(value)),
      };
    }
    case "shop/update": {
      const parsed = SCHEMAS.shopUpdate.parse(payload);
      return {
        kind: "shopUpdated",
        name: parsed.name,
        timeZone: parsed.iana_timezone,
        currencyCode: parsed.currency,
        updatedAt: new Date(parsed.updated_at),
      };
    }
    case "app/scopes_update": {
      const parsed = SCHEMAS.scopesUpdate.parse(payload);
      return {
        kind: "scopesUpdated",
        scopes: parsed.current.join(","),
        updatedAt: parsed.updated_at ? new Date(parsed.updated_at) : null,
      };
    }
    case "bulk_operations/finish": {
      const parsed = SCHEMAS.bulkOperationFinish.parse(payload);
      return { kind: "bulkOperationFinished", operationId: parsed.admin_graphql_api_id, status: parsed.status.toLowerCase() };
    }
    case "app/uninstalled":
      SCHEMAS.any.parse(payload);
      return { kind: "appUninstalled" };
    case "shop/redact":
      SCHEMAS.shopRedact.parse(payload);
      return { kind: "shopRedacted" };
    default:
      return { kind: "unhandled", topic };
  }
}

/** Where a payload does not fit its topic: "path: message", without the offending values. */
function problemsOf(error: unknown): string[] {
  if (error instanceof z.ZodError) {
    return error.issues.map((issue) => `${issue.path.join(".") || "(payload)"}: ${issue.message}`);
  }
  // Row mapping (order-rows.ts, money.ts) refuses what zod let through, e.g. an amount with
  // more decimals than its currency has. Those messages hold amounts and ids, never a person.
  return [errorMessage(error)];
}

/** Reads a recorded webhook: what it changes, or why it cannot be applied. */
export function parseWebhook(shop: string, topic: string, payload: unknown): ParsedWebhook {
  try {
    return { ok: true, change: change(shop, topic, payload) };
  } catch (error) {
    return { ok: false, problems: problemsOf(error) };
  }
}
