// GIVEN generated stores in several time zones (orders around local midnights and DST changes,
// refunds, cancelled, test, deleted, zero-value, guest and foreign-currency orders), WHEN one
// customer's standing is read from the rollups, THEN it equals the reference for every customer
// and every setting that changes it, as of now and as of earlier instants (customers with later
// activity read from their orders), and a customer is at risk exactly when the at-risk list
// holds them; an id the shop does not know has no standing.
import { beforeAll, describe, expect, it } from "vitest";
import { atRiskReport, customerStandingReport } from "./retention";
import { customerStanding, parseCustomerId } from "./retention.server";
import type { MetricSettings } from "./settings";
import { getMetricSettings, updateMetricSettings } from "./settings.server";
import { generateStore, writeStore, type GeneratedStore } from "./test-helpers/store";

const NOW = new Date("2026-11-18T15:37:21Z");
const EARLIER = new Date("2026-06-01T00:00:00Z");
const CASES = [
  { seed: 41, timeZone: "America/New_York" },
  { seed: 42, timeZone: "Pacific/Chatham" },
];
const SETTINGS: Array<Partial<MetricSettings>> = [
  {},
  { retentionIncludeCancelled: true },
  { cohortIncludeZeroValue: false },
  { retentionIncludeCancelled: true, cohortIncludeZeroValue: false },
];

describe.each(CASES)("a customer's standing on a generated store (seed $seed, $timeZone)", ({ seed, timeZone }) => {
  let store: GeneratedStore;
  let customers: string[];

  beforeAll(async () => {
    store = generateStore({
      seed,
      shop: `standing-${seed}.myshopify.com`,
      timeZone,
      now: NOW,
      start: "2025-06-01",
      orders: 400,
      customers: 60,
      otherCurrency: "CAD",
    });
    await writeStore(store);
    customers = [...new Set(store.orders.map((order) => order.customerId).filter((id): id is string => id !== null))];
  });

  it.each(SETTINGS)("SQL equals the reference with %j", async (settings) => {
    await updateMetricSettings(store.shop, { retentionIncludeCancelled: false, cohortIncludeZeroValue: true, ...settings });
    const context = { timeZone, currency: store.currency, now: NOW, settings: await getMetricSettings(store.shop) };
    const atRisk = new Set(atRiskReport(store, { limit: 1000 }, context).customers.map((customer) => customer.customerId));
    let risky = 0;
    let spent = 0;
    for (const customer of customers) {
      const reference = customerStandingReport(store, customer, context);
      expect(await customerStanding(store.shop, BigInt(customer), { now: NOW }), customer).toEqual(reference);
      expect(reference.atRisk, customer).toBe(atRisk.has(customer));
      if (reference.atRisk) risky += 1;
      if (reference.netSpend > 0) spent += 1;
    }
    // The comparison is only worth something if the store has both kinds of customer.
    expect(risky).toBeGreaterThan(0);
    expect(risky).toBeLessThan(customers.length);
    expect(spent).toBeGreaterThan(0);
    // As of an earlier instant: those with orders or refunds after it read from their orders.
    let later = 0;
    for (const customer of customers.slice(0, 25)) {
      const reference = customerStandingReport(store, customer, { ...context, now: EARLIER });
      expect(await customerStanding(store.shop, BigInt(customer), { now: EARLIER }), `${customer} at ${EARLIER.toISOString()}`).toEqual(reference);
      if (reference.orders < customerStandingReport(store, customer, context).orders) later += 1;
    }
    expect(later).toBeGreaterThan(0);
  });

  it("has no standing for an id the shop does not know", async () => {
    const unknown = 999_999_999_999n;
    expect(customers).not.toContain(String(unknown));
    expect(await customerStanding(store.shop, unknown, { now: NOW })).toBeNull();
  });
});

describe("customer ids", () => {
  it.each([
    ["1", 1n],
    ["9223372036854775807", 9_223_372_036_854_775_807n],
    ["9223372036854775808", null],
    ["0", null],
    ["012", null],
    ["-5", null],
    ["1e3", null],
    ["gid://shopify/Customer/5", null],
    ["", null],
  ])("%j is %s", (input, expected) => {
    expect(parseCustomerId(input)).toBe(expected);
  });
});
