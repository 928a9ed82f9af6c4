// GIVEN a store with enough history, WHEN its predictions are exported, THEN the file holds one
// row per customer of the cached fit with the figures the cache holds, money in major units,
// under a name that says the day, horizon, currency and settings; a shop without a fit, or with
// too little history, gets a 409 that says which.
import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, it } from "vitest";
import prisma from "#app/db.server";
import { cachedPredictions, refreshPredictions } from "#app/metrics/prediction.server";
import { modelStore } from "#app/metrics/test-helpers/model-store";
import { generateStore, writeStore, type GeneratedStore } from "#app/metrics/test-helpers/store";
import { csvText } from "./csv.server";
import { NoPredictionsError, predictionsExport } from "./predictions-export.server";

const NOW = new Date("2026-11-18T15:37:21Z");

describe("predictions export", () => {
  let store: GeneratedStore;

  beforeAll(async () => {
    store = modelStore({ seed: 71, shop: "exported.myshopify.com", timeZone: "Europe/Warsaw", today: "2026-11-18", customers: 1_500, currency: "PLN" });
    await writeStore(store);
  }, 60_000);

  it("refuses with a 409 until there is a fit", async () => {
    const refused = await predictionsExport(store.shop).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(NoPredictionsError);
    expect(refused).toMatchObject({ status: 409, message: expect.stringMatching(/not fitted yet/) });
  });

  it("writes each customer's cached prediction", async () => {
    await refreshPredictions(store.shop, { now: NOW });
    const file = await predictionsExport(store.shop);
    expect(file.fileName).toBe("metryka-customer-predictions-2026-11-18_2027-11-17-PLN-without-cancelled-with-zero-value.csv");
    const [header, ...rows] = parse(await csvText(file.header, file.rows), { bom: true }) as string[][];
    expect(header).toEqual([
      "Customer ID",
      "Group",
      "Probability still a customer",
      "Probability of an order, next 365 days",
      "Expected orders, next 30 days",
      "Expected orders, next 90 days",
      "Expected orders, next 365 days",
      "Expected net spend, next 365 days (PLN)",
    ]);
    const cached = [];
    for await (const p of cachedPredictions(store.shop)) cached.push(p);
    expect(cached.length).toBeGreaterThan(500);
    const names = { likely_to_return: "Likely to return", at_risk: "Might return", probably_lost: "Probably lost" };
    expect(rows).toEqual(
      cached.map((p) => [
        p.customerId,
        names[p.group],
        String(p.probabilityAlive),
        String(p.returnProbability),
        String(p.expectedOrders.days30),
        String(p.expectedOrders.days90),
        String(p.expectedOrders.days365),
        (p.expectedSpend365 / 100).toFixed(2),
      ]),
    );
  });

  it("refuses a shop with too little history, saying so", async () => {
    const young = generateStore({ seed: 74, shop: "young-export.myshopify.com", timeZone: "UTC", now: NOW, start: "2026-09-01", orders: 100, customers: 30 });
    await writeStore(young);
    await refreshPredictions(young.shop, { now: NOW });
    await expect(predictionsExport(young.shop)).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/^Not enough history yet/) });
    expect(await prisma.customerPrediction.count({ where: { shop: young.shop } })).toBe(0);
  });
});
