// Metryka keeps Level 1 data only (ids, dates, amounts). Webhook payloads are stored for
// replay and audit, so personal fields are removed before anything is written.
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
