// The cached fit: the predictions job fits a shop once per data version and day, stores the
// report and each customer's prediction, and refits when the rollups, the day or the settings
// change; `metrics --json` reads the cache when its inputs are the shop's; a shop with too
// little history caches that state, never a number.
import { beforeAll, describe, expect, it } from "vitest";
import prisma from "#app/db.server";
import { runShopJob } from "#app/jobs/shop-jobs.server";
import { removeCustomer } from "#app/sync/order-writer.server";
import { fitModels, lastPeriodStart, predictCustomer, predictionReport, type PredictionReport } from "./prediction";
import {
  cachedPredictions,
  customerPrediction,
  PredictionsRefittedError,
  customerSummariesSql,
  InvalidCustomerIdError,
  predictionGroupPage,
  predictionOverview,
  predictionState,
  refreshPredictions,
} from "./prediction.server";
import { refreshDailyRollups } from "./rollups.server";
import { getMetricSettings, updateMetricSettings } from "./settings.server";
import { modelStore } from "./test-helpers/model-store";
import { generateStore, writeOrders, writeStore, type GeneratedStore } from "./test-helpers/store";
import { order } from "./test-helpers/fixtures";

const NOW = new Date("2026-11-18T15:37:21Z");
const clock = { now: NOW };

describe("cached predictions of a shop with enough history", () => {
  let store: GeneratedStore;

  beforeAll(async () => {
    store = modelStore({ seed: 71, shop: "predicted.myshopify.com", timeZone: "America/New_York", today: "2026-11-18", customers: 1_500 });
    await writeStore(store);
    await prisma.shop.update({ where: { domain: store.shop }, data: { installedAt: new Date("2025-01-01T00:00:00Z") } });
  }, 60_000);

  const reference = async (): Promise<PredictionReport> => {
    const settings = await getMetricSettings(store.shop);
    return predictionReport(store, { timeZone: store.timeZone, currency: store.currency, now: NOW, settings });
  };

  it("is pending before the first fit, then fitted by the job and equal to the reference", async () => {
    expect(await predictionState(store.shop)).toEqual({ status: "pending" });
    expect(await customerPrediction(store.shop, store.orders[0].customerId!)).toEqual({ status: "pending" });
    expect(await refreshPredictions(store.shop, clock)).toBe("fitted");
    const expected = await reference();
    expect(expected.status).toBe("ready");
    const state = await predictionState(store.shop);
    expect(state).toMatchObject({ status: "ready", current: true, report: expected });
    // Each customer's row is the reference's prediction for them.
    const summaries = await customerSummariesSql(store.shop, clock);
    const models = fitModels(summaries);
    const stored = [];
    for await (const row of cachedPredictions(store.shop, { batch: 97 })) stored.push(row);
    expect(stored).toEqual(summaries.map((s) => predictCustomer(models, s)));
    expect(stored.length).toBe(expected.customers);
  });

  it("fits once per data version and day: the next run and `metrics --json` read the cache", async () => {
    expect(await refreshPredictions(store.shop, clock)).toBe("cached");
    // Proof that the report comes from the cache: a marker put into the cached report is read back.
    await prisma.$executeRaw`UPDATE prediction_fits SET report = jsonb_set(report::jsonb, '{pAliveMean}', '0.123456')::text WHERE shop = ${store.shop}`;
    expect(await predictionOverview(store.shop, clock)).toMatchObject({ pAliveMean: 0.123456 });
    // Another day is another fit (T changes): computed, not the cached one.
    const tomorrow = { now: new Date(NOW.getTime() + 86_400_000) };
    expect(await predictionOverview(store.shop, tomorrow)).not.toMatchObject({ pAliveMean: 0.123456 });
  });

  it("keeps the fit through updates that change nothing it reads: an order renamed, a guest's order", async () => {
    expect(await predictionState(store.shop)).toMatchObject({ status: "ready", current: true });
    const renamed = store.orders.find((o) => o.customerId !== null)!;
    await prisma.order.update({ where: { shop_id: { shop: store.shop, id: BigInt(renamed.id) } }, data: { name: "#renamed" } });
    const guest = order({ id: "990000002", at: "2026-11-10T16:00:00Z", grossSales: 1800, currencyCode: store.currency });
    await writeOrders(store.shop, [guest], []);
    store.orders.push(guest);
    // The guest's order is in the day's sales; no customer's totals moved.
    expect(await refreshDailyRollups(store.shop, { orderIds: [renamed.id, guest.id] })).toEqual({ mode: "orders", days: 1 });
    expect(await predictionState(store.shop)).toMatchObject({ status: "ready", current: true });
    expect(await refreshPredictions(store.shop, clock)).toBe("cached");
  });

  it("refits once the rollups change, and once the settings do", async () => {
    const customerId = store.orders.find((o) => o.customerId !== null)!.customerId!;
    const extra = order({ id: "990000001", customerId, at: "2026-11-10T15:00:00Z", grossSales: 4200, currencyCode: store.currency });
    await writeOrders(store.shop, [extra], []);
    await refreshDailyRollups(store.shop, { orderIds: [extra.id] });
    expect(await predictionState(store.shop)).toMatchObject({ status: "ready", current: false });
    const settings = await getMetricSettings(store.shop);
    const changed = predictionReport({ orders: [...store.orders, extra], refunds: store.refunds }, { timeZone: store.timeZone, currency: store.currency, now: NOW, settings });
    // The changed shop is fitted, not read from the (marked) cache.
    expect(await predictionOverview(store.shop, clock)).toEqual(changed);
    expect(await refreshPredictions(store.shop, clock)).toBe("fitted");
    expect(await predictionState(store.shop)).toMatchObject({ status: "ready", current: true, report: changed });
    expect(await refreshPredictions(store.shop, clock)).toBe("cached");

    await updateMetricSettings(store.shop, { retentionIncludeCancelled: true });
    expect(await refreshPredictions(store.shop, clock)).toBe("fitted");
    const withCancelled = predictionReport({ orders: [...store.orders, extra], refunds: store.refunds }, {
      timeZone: store.timeZone,
      currency: store.currency,
      now: NOW,
      settings: await getMetricSettings(store.shop),
    });
    expect((await predictionState(store.shop)) as unknown).toMatchObject({ report: withCancelled });
    await updateMetricSettings(store.shop, { retentionIncludeCancelled: false });
    expect(await refreshPredictions(store.shop, clock)).toBe("fitted");
  });

  it("gives one customer's prediction, a clear state for others, and a 400 for what is no id", async () => {
    const [first] = await predictionGroupPage(store.shop, "likely_to_return", { limit: 1, offset: 0 }).then((page) => page.customers);
    expect(await customerPrediction(store.shop, first.customerId)).toMatchObject({ status: "ready", prediction: first, currency: store.currency });
    expect(await customerPrediction(store.shop, BigInt(first.customerId))).toMatchObject({ status: "ready", prediction: first });
    expect(await customerPrediction(store.shop, "424242424242")).toEqual({ status: "not_predicted" });
    // A customer deleted (or redacted) takes their cached prediction along at once.
    const [last] = await predictionGroupPage(store.shop, "likely_to_return", { limit: 1, offset: 1 }).then((page) => page.customers);
    await removeCustomer(store.shop, BigInt(last.customerId), new Date("2026-11-18T16:00:00Z"), null);
    expect(await customerPrediction(store.shop, last.customerId)).toEqual({ status: "not_predicted" });
    expect(await predictionState(store.shop)).toMatchObject({ status: "ready", current: false });
    expect(await refreshPredictions(store.shop, clock)).toBe("fitted");
    for (const bad of ["", "0", "-5", "12abc", "1e5", "99999999999999999999"]) {
      await expect(customerPrediction(store.shop, bad)).rejects.toBeInstanceOf(InvalidCustomerIdError);
    }
  });

  it("pages each group in SQL, highest expected spend first, as many as the group counts", async () => {
    const state = await predictionState(store.shop);
    if (state.status !== "ready") throw new Error(state.status);
    const all = [];
    for await (const row of cachedPredictions(store.shop)) all.push(row);
    for (const group of ["likely_to_return", "at_risk", "probably_lost"] as const) {
      const members = all
        .filter((p) => p.group === group)
        .sort((p, q) => q.expectedSpend365 - p.expectedSpend365 || (BigInt(p.customerId) < BigInt(q.customerId) ? -1 : 1));
      expect(members.length).toBe(state.report.groups[group]);
      const second = await predictionGroupPage(store.shop, group, { limit: 25, offset: 25 });
      expect(second.total).toBe(members.length);
      expect(second.customers).toEqual(members.slice(25, 50));
    }
    expect(state.report.groups.likely_to_return + state.report.groups.at_risk + state.report.groups.probably_lost).toBe(all.length);
  });
});

describe("reading a fit's predictions in batches", () => {
  it("stops with a 409 when the shop is fitted again in between, never mixing two fits", async () => {
    const store = modelStore({ seed: 75, shop: "refitted.myshopify.com", timeZone: "UTC", today: "2026-11-18", customers: 1_500 });
    await writeStore(store);
    await refreshPredictions(store.shop, clock);
    const reading = cachedPredictions(store.shop, { batch: 50 });
    expect((await reading.next()).done).toBe(false);
    // The next day's fit replaces the cache.
    await refreshPredictions(store.shop, { now: new Date(NOW.getTime() + 86_400_000) });
    const error = await (async () => {
      for (let i = 0; i < 60; i++) await reading.next();
    })().catch((problem: unknown) => problem);
    expect(error).toBeInstanceOf(PredictionsRefittedError);
  });
});

describe("the predictions job", () => {
  it("fits the shop on the day it runs, and does nothing for a shop that is not installed", async () => {
    const store = generateStore({ seed: 73, shop: "job.myshopify.com", timeZone: "Asia/Kolkata", now: NOW, start: "2026-06-01", orders: 200, customers: 50 });
    await writeStore(store);
    await runShopJob({ shop: store.shop, kind: "predictions" });
    expect(await predictionState(store.shop)).toEqual({ status: "pending" });
    await prisma.shop.update({ where: { domain: store.shop }, data: { installedAt: new Date("2026-06-01T00:00:00Z") } });
    const before = new Date();
    await runShopJob({ shop: store.shop, kind: "predictions" });
    const after = new Date();
    const state = await predictionState(store.shop);
    expect(state.status).toBe("not_enough_history");
    // The day the job ran on (either side of a midnight it may have crossed).
    const days = [before, after].map((at) => at.toLocaleDateString("en-CA", { timeZone: "Asia/Kolkata" }));
    expect(days).toContain(state.status === "not_enough_history" ? state.now : null);
  });
});

describe("a shop with too little history", () => {
  it("caches 'not enough history yet', never a number, and has no customer predictions", async () => {
    const store = generateStore({ seed: 72, shop: "young.myshopify.com", timeZone: "Europe/Berlin", now: NOW, start: "2026-06-01", orders: 300, customers: 80 });
    await writeStore(store);
    expect(await refreshPredictions(store.shop, clock)).toBe("fitted");
    const state = await predictionState(store.shop);
    expect(state).toMatchObject({ status: "not_enough_history", now: "2026-11-18", shortfall: { kind: "customers", need: 500 } });
    expect(state.status === "not_enough_history" && state.reason).toMatch(/customers so far; predictions start at 500/);
    expect(await prisma.customerPrediction.count({ where: { shop: store.shop } })).toBe(0);
    expect(await customerPrediction(store.shop, store.orders[0].customerId!)).toMatchObject({ status: "not_enough_history" });
    expect(await predictionGroupPage(store.shop, "at_risk", { limit: 10, offset: 0 })).toMatchObject({ customers: [], total: 0 });
    expect(await refreshPredictions(store.shop, clock)).toBe("cached");
    // The look back is the reference's too (FORECAST_DAYS before: a day in the history).
    expect(lastPeriodStart(NOW, "Europe/Berlin").toISOString()).toBe("2026-08-19T22:00:00.000Z");
  });
});
