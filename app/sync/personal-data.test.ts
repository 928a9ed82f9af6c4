// GIVEN webhook payloads as Shopify sends them, WHEN they are made ready to store, THEN no field
// that identifies a person or opens their order or cart is left, wherever it sits; a privacy
// request keeps the key of the customer's imported orders in place of the email; and text
// PostgreSQL cannot hold is replaced and reported by path.
import { describe, expect, it } from "vitest";
import { customerIdForEmail, storablePayload, type Json } from "./personal-data";

const order: Json = {
  id: 820982911946154500,
  email: "jon@example.com",
  phone: "+15550100",
  name: "#1001",
  order_status_url: "https://shop.example/1/orders/abc/authenticate?key=secret",
  landing_site: "/?utm_source=newsletter&email=jon@example.com",
  landing_site_ref: "abc",
  referring_site: "https://mail.example/inbox/jon",
  cart_token: "68778783ad298f1c80c3bafcddeea02f",
  checkout_token: "bd5a8aa1ecd019dd3520ff791ee3a24c",
  token: "b1946ac92492d2347c6235b4d2611184",
  tags: "vip, Jon's friend",
  note: "Leave at the door",
  browser_ip: "203.0.113.9",
  customer: { id: 115310627314723950, email: "jon@example.com", first_name: "Jon", tags: "vip", default_address: { city: "Ottawa" } },
  billing_address: { address1: "1 Main St", zip: "K1A" },
  line_items: [{ id: 1, quantity: 1, price: "10.00", properties: [{ name: "Engraving", value: "For Jon" }] }],
  total_price: "10.00",
};

describe("storablePayload", () => {
  it("keeps ids, dates and amounts, and drops every personal field at any depth", () => {
    const { payload, unstorable } = storablePayload(order, "orders/create");
    expect(unstorable).toEqual([]);
    expect(payload).toEqual({
      id: 820982911946154500,
      name: "#1001",
      customer: { id: 115310627314723950 },
      line_items: [{ id: 1, quantity: 1, price: "10.00" }],
      total_price: "10.00",
    });
    expect(JSON.stringify(payload)).not.toMatch(/jon|Jon|secret|Ottawa|203\.0/);
  });

  it("keeps, for a privacy request, the key the customer's imported orders are under instead of the email", () => {
    const request: Json = { shop_id: 1, shop_domain: "s.myshopify.com", customer: { id: 5, email: " Jon@Example.com ", phone: "+1555" }, orders_to_redact: [] };
    const { payload } = storablePayload(request, "customers/redact");
    expect(payload).toEqual({
      shop_id: 1,
      shop_domain: "s.myshopify.com",
      customer: { id: 5, imported_customer_id: String(customerIdForEmail("jon@example.com")) },
      orders_to_redact: [],
    });
    // Other topics keep no key.
    expect((storablePayload(order, "orders/updated").payload as { customer: object }).customer).toEqual({ id: 115310627314723950 });
  });

  it("replaces what PostgreSQL cannot store (a NUL, a surrogate without its pair) and says where", () => {
    const { payload, unstorable } = storablePayload({ name: "#10\u000001", line_items: [{ title: "a\ud800b" }, { title: "fine \ud83d\ude00" }] });
    expect(payload).toEqual({ name: "#10\ufffd01", line_items: [{ title: "a\ufffdb" }, { title: "fine \ud83d\ude00" }] });
    expect(unstorable).toEqual(["name", "line_items[0].title"]);
  });
});

describe("customerIdForEmail", () => {
  it("is the same for an email whatever its case and spaces, negative, and differs between emails", () => {
    expect(customerIdForEmail(" Ann@Example.com")).toBe(customerIdForEmail("ann@example.com"));
    expect(customerIdForEmail("ann@example.com")).toBeLessThan(0n);
    expect(customerIdForEmail("ann@example.com")).not.toBe(customerIdForEmail("ben@example.com"));
  });
});
