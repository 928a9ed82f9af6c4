// Order history from CSV files, for `metryka import-orders` (pure: records in, rows out).
//
// Two formats, told apart by their header:
// - Shopify's own order export (Admin › Orders › Export): one row per line item, the order's
//   fields on its first row. It lets a merchant bring in history Shopify shows apps only with
//   the read_all_orders scope. The export has no customer id, only an email: the customer is
//   keyed by a one-way hash of it (the email itself is never stored), and it has no refund
//   date: the refunded amount is dated on the order.
// - A plain format: id,customer_id,processed_at,total with optional cancelled_at, refunded,
//   refunded_at, currency, test. `total` is the order's sales value (gross sales: no
//   discounts, shipping or tax); `refunded` is returned value dated on `refunded_at`.
//
// Rows made up here (a line item standing for the whole order, a refund standing for the
// refunded amount) get negative ids, which no Shopify object has, so they never collide: an
// order's line items are -(id × 1000 + n), n = 1…999, which is why an imported order has at most
// 999 line items and an id of at most 9223372036854774 (its line items' ids must fit a bigint too).
//
// Every value is held to what its column can store (db-values.ts), so that no line makes the
// database refuse the batch it is written in.
import { customerIdForEmail } from "#app/sync/personal-data";
import { DateTime, IANAZone } from "luxon";
import { BIGINT_MAX, INTEGER_MAX, isStorableInstant } from "#app/db-values";
import { AmountRangeError, toMinorUnits } from "#app/shopify/money";
import type { OrderRows } from "#app/sync/order-rows";
import { errorMessage } from "#app/error-message";

export type CsvRecord = Record<string, string | undefined>;
export type CsvFormat = "plain" | "shopify";

export interface Rejection {
  /** 1-based line number in the file (the header is line 1). */
  line: number;
  /** The last line rejected with it, when it is more than `line` alone. */
  lastLine?: number;
  reason: string;
}

/** At most this many line items per imported order (their ids are numbered from the order's). */
export const MAX_LINE_ITEMS = 999;
/** The largest id of an imported order: -(id × 1000 + 999) must still fit a bigint. */
export const MAX_ORDER_ID = (BIGINT_MAX + 1n - BigInt(MAX_LINE_ITEMS)) / 1000n;

export interface ImportOptions {
  shop: string;
  timeZone: string;
  currency: string;
}

const PLAIN_REQUIRED = ["id", "customer_id", "processed_at", "total"];
const SHOPIFY_REQUIRED = ["Name", "Id", "Created at", "Total", "Currency"];

/** Which format a header row is, or a message saying why it is neither. */
export function detectFormat(header: string[]): CsvFormat | { error: string } {
  const has = (columns: string[]) => columns.every((c) => header.includes(c));
  if (has(PLAIN_REQUIRED)) return "plain";
  if (has(SHOPIFY_REQUIRED)) return "shopify";
  return {
    error: `unrecognised header: expected the columns ${PLAIN_REQUIRED.join(",")} (plain format) or Shopify's order export (${SHOPIFY_REQUIRED.join(", ")}, …)`,
  };
}

class RowError extends Error {}

const CURRENCIES = new Set(Intl.supportedValuesOf("currency"));

function isCurrency(code: string): boolean {
  return CURRENCIES.has(code);
}

export function assertImportOptions(options: ImportOptions): void {
  if (!/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(options.shop)) {
    throw new Error(`--shop must be a shop domain like example.myshopify.com, got ${JSON.stringify(options.shop)}`);
  }
  if (!IANAZone.isValidZone(options.timeZone)) throw new Error(`--time-zone must be an IANA time zone, got ${JSON.stringify(options.timeZone)}`);
  if (!isCurrency(options.currency)) throw new Error(`--currency must be an ISO 4217 code, got ${JSON.stringify(options.currency)}`);
}

/** A date (YYYY-MM-DD: midnight in the shop's time zone) or an instant with an offset. */
function instant(value: string | undefined, field: string, timeZone: string): Date {
  const text = (value ?? "").trim();
  if (!text) throw new RowError(`${field} is empty`);
  let parsed = /^\d{4}-\d{2}-\d{2}$/.test(text)
    ? DateTime.fromISO(text, { zone: timeZone })
    : DateTime.fromISO(text, { setZone: true });
  // Shopify's export writes "2024-01-15 10:23:45 -0500".
  if (!parsed.isValid) parsed = DateTime.fromFormat(text, "yyyy-MM-dd HH:mm:ss ZZZ", { setZone: true });
  if (!parsed.isValid || (!/^\d{4}-\d{2}-\d{2}$/.test(text) && !/(Z|[+-]\d{2}:?\d{2})$/.test(text))) {
    throw new RowError(`${field} is not a date (YYYY-MM-DD) or an instant with its offset: ${JSON.stringify(text)}`);
  }
  const date = parsed.toJSDate();
  if (!isStorableInstant(date)) throw new RowError(`${field} is not between the years 1 and 9999 (in UTC): ${JSON.stringify(text)}`);
  return date;
}

function amount(value: string | undefined, field: string, currency: string, { optional = false } = {}): bigint {
  const text = (value ?? "").trim();
  if (!text) {
    if (optional) return 0n;
    throw new RowError(`${field} is empty`);
  }
  if (!/^\d+(\.\d+)?$/.test(text)) throw new RowError(`${field} is not a non-negative amount: ${JSON.stringify(text)}`);
  try {
    return toMinorUnits(text, currency);
  } catch (error) {
    if (error instanceof AmountRangeError) {
      throw new RowError(`${field} is more than the database can hold (${BIGINT_MAX} minor units of ${currency}): ${JSON.stringify(text)}`);
    }
    throw new RowError(`${field} has more decimals than ${currency} allows: ${JSON.stringify(text)}`);
  }
}

function positiveId(value: string | undefined, field: string, max = BIGINT_MAX): bigint {
  const text = (value ?? "").trim();
  if (!/^\d{1,19}$/.test(text) || BigInt(text) === 0n) throw new RowError(`${field} must be a positive whole number: ${JSON.stringify(text)}`);
  const id = BigInt(text);
  if (id > max) {
    throw new RowError(
      max === BIGINT_MAX
        ? `${field} is more than the largest id the database holds (${max}): ${JSON.stringify(text)}`
        : `${field} is more than ${max}, the largest id of an imported order (its line items' ids are made from it): ${JSON.stringify(text)}`,
    );
  }
  return id;
}

const orderId = (value: string | undefined, field: string) => positiveId(value, field, MAX_ORDER_ID);

/** A quantity: digits only (no sign, decimals, exponent or hex), at most what an integer column holds. */
function quantity(value: string | undefined, field: string): number {
  const text = (value ?? "").trim();
  if (!/^\d+$/.test(text)) throw new RowError(`${field} is not a whole number: ${JSON.stringify(value ?? "")}`);
  const significant = text.replace(/^0+(?=\d)/, "");
  if (significant.length > 10 || Number(significant) > INTEGER_MAX) {
    throw new RowError(`${field} is more than ${INTEGER_MAX}, the largest quantity the database holds: ${JSON.stringify(text)}`);
  }
  return Number(significant);
}

function bool(value: string | undefined, field: string): boolean {
  const text = (value ?? "").trim().toLowerCase();
  if (["", "false", "0", "no"].includes(text)) return false;
  if (["true", "1", "yes"].includes(text)) return true;
  throw new RowError(`${field} must be true or false: ${JSON.stringify(value)}`);
}


function orderRows(
  options: ImportOptions,
  order: {
    id: bigint;
    name: string;
    customerId: bigint | null;
    processedAt: Date;
    cancelledAt: Date | null;
    test: boolean;
    currency: string;
    lines: Array<{ quantity: number; unitPrice: bigint }>;
    discounts: bigint;
    shipping: bigint;
    tax: bigint;
    total: bigint;
    refunded: bigint;
    refundedAt: Date;
  },
): OrderRows {
  const { shop } = options;
  if (order.lines.length > MAX_LINE_ITEMS) throw new RowError(`has ${order.lines.length} line items; an imported order has at most ${MAX_LINE_ITEMS}`);
  // Gross sales: summed in SQL as a bigint.
  const gross = order.lines.reduce((sum, line) => sum + line.unitPrice * BigInt(line.quantity), 0n);
  if (gross > BIGINT_MAX) throw new RowError(`its line items' prices × quantities add up to more than the database holds (${BIGINT_MAX} minor units)`);
  // An imported order is dated as old as it is, so any version synced from Shopify wins.
  const updatedAt = order.processedAt;
  const refundId = -order.id;
  return {
    order: {
      shop,
      id: order.id,
      name: order.name,
      customerId: order.customerId,
      processedAt: order.processedAt,
      createdAt: order.processedAt,
      updatedAt,
      cancelledAt: order.cancelledAt,
      test: order.test,
      currencyCode: order.currency,
      taxesIncluded: false,
      sourceName: "import",
      discounts: order.discounts,
      shipping: order.shipping,
      tax: order.tax,
      totalPrice: order.total,
      totalRefunded: order.refunded,
    },
    lineItems: order.lines.map((line, index) => ({
      shop,
      id: -(order.id * 1000n + BigInt(index + 1)),
      orderId: order.id,
      quantity: line.quantity,
      originalUnitPrice: line.unitPrice,
    })),
    refunds:
      order.refunded > 0n
        ? [{ shop, id: refundId, orderId: order.id, processedAt: order.refundedAt, createdAt: order.refundedAt, currencyCode: order.currency, totalRefunded: order.refunded }]
        : [],
    refundLineItems:
      order.refunded > 0n ? [{ shop, id: refundId, refundId, quantity: 1, subtotal: order.refunded, tax: 0n }] : [],
    refundShipping: [],
  };
}

/** One plain-format record (line `line`) → an order's rows. */
export function plainOrder(record: CsvRecord, options: ImportOptions): OrderRows {
  const currency = (record.currency ?? "").trim() || options.currency;
  if (!isCurrency(currency)) throw new RowError(`currency is not an ISO 4217 code: ${JSON.stringify(currency)}`);
  const id = orderId(record.id, "id");
  const customerText = (record.customer_id ?? "").trim();
  const processedAt = instant(record.processed_at, "processed_at", options.timeZone);
  const total = amount(record.total, "total", currency);
  const refunded = amount(record.refunded, "refunded", currency, { optional: true });
  if (refunded > total) throw new RowError(`refunded (${record.refunded}) is more than total (${record.total})`);
  const refundedAt = (record.refunded_at ?? "").trim() ? instant(record.refunded_at, "refunded_at", options.timeZone) : processedAt;
  if (refundedAt < processedAt) throw new RowError("refunded_at is before processed_at");
  const cancelledAt = (record.cancelled_at ?? "").trim() ? instant(record.cancelled_at, "cancelled_at", options.timeZone) : null;
  if (cancelledAt && cancelledAt < processedAt) throw new RowError("cancelled_at is before processed_at");
  return orderRows(options, {
    id,
    name: `#${id}`,
    customerId: customerText ? positiveId(customerText, "customer_id") : null,
    processedAt,
    cancelledAt,
    test: bool(record.test, "test"),
    currency,
    lines: total > 0n ? [{ quantity: 1, unitPrice: total }] : [],
    discounts: 0n,
    shipping: 0n,
    tax: 0n,
    total,
    refunded,
    refundedAt,
  });
}

/**
 * One order of Shopify's export, read row by row: its first row holds the order's fields, and
 * every row is one of its line items. Only what the rows become is kept (the order's fields and
 * two numbers per line item), not the rows; the first problem found is the order's.
 */
export class ShopifyExportOrder {
  /** Rows given, the first included. */
  rows = 0;
  private problem: string | null = null;
  private header: Omit<Parameters<typeof orderRows>[1], "lines"> | null = null;
  private currency = "";
  private readonly lines: Array<{ quantity: number; unitPrice: bigint }> = [];

  constructor(private readonly options: ImportOptions) {}

  add(record: CsvRecord): void {
    this.rows += 1;
    if (this.problem) return;
    try {
      if (this.rows === 1) this.readOrder(record);
      if (this.rows > MAX_LINE_ITEMS) throw new RowError(`has more than ${MAX_LINE_ITEMS} line items; an imported order has at most ${MAX_LINE_ITEMS}`);
      this.lines.push({
        quantity: quantity(record["Lineitem quantity"], `Lineitem quantity of line item ${this.rows}`),
        unitPrice: amount(record["Lineitem price"], "Lineitem price", this.currency),
      });
    } catch (error) {
      this.refuse(rejectionReason(error));
    }
  }

  /** The order cannot be imported, for this reason (unless an earlier one was found). */
  refuse(reason: string): void {
    this.problem ??= reason;
    this.lines.length = 0;
  }

  /** The order's rows; throws a RowError with the first problem found. */
  build(): OrderRows {
    if (this.problem) throw new RowError(this.problem);
    if (!this.header) throw new RowError("the order has no rows");
    return orderRows(this.options, { ...this.header, lines: this.lines });
  }

  private readOrder(first: CsvRecord): void {
    const { options } = this;
    const currency = (first.Currency ?? "").trim();
    if (!isCurrency(currency)) throw new RowError(`Currency is not an ISO 4217 code: ${JSON.stringify(first.Currency)}`);
    this.currency = currency;
    const processedAt = instant(first["Paid at"]?.trim() ? first["Paid at"] : first["Created at"], "Created at", options.timeZone);
    const cancelledAt = first["Cancelled at"]?.trim() ? instant(first["Cancelled at"], "Cancelled at", options.timeZone) : null;
    const total = amount(first.Total, "Total", currency);
    const refunded = amount(first["Refunded Amount"], "Refunded Amount", currency, { optional: true });
    if (refunded > total) throw new RowError("Refunded Amount is more than Total");
    const email = (first.Email ?? "").trim();
    this.header = {
      id: orderId(first.Id, "Id"),
      name: (first.Name ?? "").trim() || `#${first.Id}`,
      customerId: email ? customerIdForEmail(email) : null,
      processedAt,
      cancelledAt,
      test: false,
      currency,
      discounts: amount(first["Discount Amount"], "Discount Amount", currency, { optional: true }),
      shipping: amount(first.Shipping, "Shipping", currency, { optional: true }),
      tax: amount(first.Taxes, "Taxes", currency, { optional: true }),
      total,
      refunded,
      // The export has no refund date.
      refundedAt: processedAt,
    };
  }
}

/**
 * Why a line is rejected. A RowError says it; anything else a line's values made a mapping
 * throw is still that line's problem, never the import's.
 */
export function rejectionReason(error: unknown): string {
  if (error instanceof RowError) return error.message;
  return `it could not be read (${errorMessage(error)})`;
}

export { RowError };
