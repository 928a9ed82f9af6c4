// GIVEN a generated store, WHEN its at-risk customers and repeat buyers are exported with the
// page's filters and sort, THEN the file holds exactly the metrics engine's list (the pure
// reference), every matching customer in its order, by id only, net spend in major units; the
// pages it is read in join without gaps or repeats; a bad filter is refused; in Polish the
// headings are Polish and the rows the same.
import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, it } from "vitest";
import { InvalidRangeError } from "#app/metrics/periods";
import { atRiskReport, repeatBuyersReport } from "#app/metrics/retention";
import { getMetricSettings } from "#app/metrics/settings.server";
import { generateStore, writeStore, type GeneratedStore } from "#app/metrics/test-helpers/store";
import { fromMinorUnits } from "#app/shopify/money";
import { csvText } from "./csv.server";
import { customersExport, everyListedCustomer } from "./customers-export.server";

const NOW = new Date("2026-11-18T15:37:21Z");
let store: GeneratedStore;

beforeAll(async () => {
  store = generateStore({ seed: 81, shop: "export-customers.myshopify.com", timeZone: "Europe/Warsaw", now: NOW, start: "2025-06-01", orders: 400, customers: 80, currency: "PLN", otherCurrency: "EUR" });
  await writeStore(store);
});

describe("customer list export", () => {
  it.each([
    ["at_risk", {}],
    ["repeat", { minSpend: "50", maxDays: "300", sort: "orders", direction: "asc" }],
    ["at_risk", { maxOrders: "1", sort: "last_order" }],
  ] as const)("writes the engine's %s list with %j", async (list, params) => {
    const file = await customersExport(store.shop, new URLSearchParams({ list, ...params }), NOW);
    const context = { timeZone: store.timeZone, currency: store.currency, now: NOW, settings: await getMetricSettings(store.shop) };
    const query = {
      limit: 1000,
      filters: {
        minNetSpend: "minSpend" in params ? Number(params.minSpend) * 100 : undefined,
        maxDaysSince: "maxDays" in params ? Number(params.maxDays) : undefined,
        maxOrders: "maxOrders" in params ? Number(params.maxOrders) : undefined,
      },
      sort: { key: "sort" in params ? params.sort : "net_spend", direction: "direction" in params ? params.direction : "desc" },
    } as const;
    const reference = (list === "at_risk" ? atRiskReport : repeatBuyersReport)(store, query, context);
    expect(reference.total).toBeGreaterThan(2);
    expect(file.fileName).toMatch(new RegExp(`^metryka-${list === "at_risk" ? "at-risk" : "repeat"}-customers-2026-11-18_2026-11-18-PLN-`));
    const [header, ...rows] = parse(await csvText(file.header, file.rows), { bom: true }) as string[][];
    expect(header).toEqual(["Customer ID", "Orders", "Net spend (PLN)", "Last order", "Days since last order"]);
    expect(rows).toEqual(
      reference.customers.map((c) => [c.customerId, String(c.orders), fromMinorUnits(BigInt(c.netSpend), "PLN"), c.lastOrderDay, String(c.daysSinceLastOrder)]),
    );
  });

  it("reads the list in pages that join without gaps or repeats", async () => {
    const context = { timeZone: store.timeZone, currency: store.currency, now: NOW, settings: await getMetricSettings(store.shop) };
    const query = { list: "repeat", filters: {}, sort: { key: "last_order", direction: "asc" } } as const;
    const listed = [];
    for await (const customer of everyListedCustomer(store.shop, query, NOW, { pageSize: 7 })) listed.push(customer);
    const reference = repeatBuyersReport(store, { limit: 1000, sort: query.sort }, context);
    expect(reference.total).toBeGreaterThan(14);
    expect(listed).toEqual(reference.customers);
  });

  it("has Polish headings in Polish, and refuses a filter that is not one", async () => {
    const polish = await customersExport(store.shop, new URLSearchParams({ list: "repeat" }), NOW, "pl");
    expect(polish.header[0]).toBe("ID klienta");
    await expect(customersExport(store.shop, new URLSearchParams({ minSpend: "lots" }), NOW)).rejects.toThrow(InvalidRangeError);
    await expect(customersExport(store.shop, new URLSearchParams({ minDays: "9", maxDays: "3" }), NOW)).rejects.toThrow(InvalidRangeError);
  });
});
