// Metryka keeps Level 1 data only (ids, dates, amounts). Webhook payloads are stored for
// replay and audit, so personal fields are removed before anything is written (docs/privacy.md).
import { createHash } from "node:crypto";

const PERSONAL_KEYS = new Set([
  "email",
  "contact_email",
  "phone",
  "first_name",
  "last_name",
  "name_of_customer",
  "billing_address",
  "shipping_address",
  "default_address",
  "addresses",
  "address1",
  "address2",
  "city",
  "zip",
  "province",
  "company",
  "latitude",
  "longitude",
  "browser_ip",
  "client_details",
  "customer_locale",
  "note",
  "note_attributes",
  "multipass_identifier",
  "tax_exemptions",
  // What says where a buyer came from or lets anyone open their order or cart.
  "order_status_url",
  "landing_site",
  "landing_site_ref",
  "referring_site",
  "cart_token",
  "checkout_token",
  "token",
  // Free text a merchant or a buyer wrote: line item properties (an engraving, a name), tags.
  "properties",
  "tags",
]);

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A copy of `value` without the fields that identify a person. */
export function withoutPersonalData(value: Json): Json {
  if (Array.isArray(value)) return value.map(withoutPersonalData);
  if (value !== null && typeof value === "object") {
    const out: { [key: string]: Json } = {};
    for (const [key, child] of Object.entries(value)) {
      if (!PERSONAL_KEYS.has(key)) out[key] = withoutPersonalData(child);
    }
    return out;
  }
  return value;
}

// PostgreSQL's text and jsonb cannot hold U+0000, nor a UTF-16 surrogate without its pair
// (JSON.parse accepts both in "\u" escapes).
/** A \u escape of U+0000 or of a surrogate, in JSON text (any case). */
const MAY_BE_UNSTORABLE = /\\u(?:0000|[dD][89a-fA-F])/;
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * The customer id under which `metryka import-orders` keeps the orders of Shopify's export that
 * carry this email (the export has no customer id): negative (no Shopify id is), 52 bits of
 * SHA-256 of the trimmed, lower-cased email. The email itself is never stored.
 */
export function customerIdForEmail(email: string): bigint {
  const digest = createHash("sha256").update(email.trim().toLowerCase()).digest();
  return -(digest.readBigUInt64BE(0) >> 12n) - 1n;
}

/** Topics naming a customer whose imported orders must be found: the key of their email is kept. */
const KEEP_EMAIL_KEY = new Set(["customers/redact", "customers/data_request"]);

/**
 * A payload as it is stored: without the fields that identify a person, and with text that
 * PostgreSQL cannot hold replaced by U+FFFD. `unstorable` lists where such text was (paths,
 * never values): an event carrying it cannot be applied as sent. A privacy request about a
 * customer keeps, in place of their email, `customer.imported_customer_id`: the key their
 * imported orders are stored under (customerIdForEmail). `json`, when given, is the text `value`
 * was parsed from (as received).
 */
export function storablePayload(value: Json, topic?: string, json?: string): { payload: Json; unstorable: string[] } {
  if (topic && KEEP_EMAIL_KEY.has(topic)) value = withEmailKey(value);
  // Parsed JSON holds U+0000 or a surrogate only through a \u escape (JSON has no raw control
  // characters, and valid UTF-8 no surrogates): text without one needs no second walk.
  if (json !== undefined && !MAY_BE_UNSTORABLE.test(json)) return { payload: withoutPersonalData(value), unstorable: [] };
  const unstorable: string[] = [];
  const clean = (text: string, path: string): string => {
    UNSTORABLE.lastIndex = 0;
    if (!UNSTORABLE.test(text)) return text;
    unstorable.push(path || "(payload)");
    return text.replace(UNSTORABLE, "\ufffd");
  };
  const walk = (node: Json, path: string): Json => {
    if (typeof node === "string") return clean(node, path);
    if (Array.isArray(node)) return node.map((child, i) => walk(child, `${path}[${i}]`));
    if (node !== null && typeof node === "object") {
      const out: { [key: string]: Json } = {};
      for (const [key, child] of Object.entries(node)) {
        const name = clean(key, path ? `${path}.(key)` : "(key)");
        out[name] = walk(child, path ? `${path}.${name}` : name);
      }
      return out;
    }
    return node;
  };
  return { payload: walk(withoutPersonalData(value), ""), unstorable };
}

function withEmailKey(value: Json): Json {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const customer = value.customer;
  if (customer === null || typeof customer !== "object" || Array.isArray(customer)) return value;
  const email = customer.email;
  if (typeof email !== "string" || !email.includes("@")) return value;
  return { ...value, customer: { ...customer, imported_customer_id: String(customerIdForEmail(email)) } };
}
