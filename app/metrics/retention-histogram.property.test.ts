// Property: on generated stores, the SQL time-between-orders histogram equals the reference's,
// bin by bin, for ranges of whole months and not, past, current and future, with cancelled
// orders counted or not, also when read with the retention report (the Retention page); and its
// bins add up to the counts of the time-between-orders figures.
import { beforeAll, describe, expect, it } from "vitest";
import { gapHistogramReport } from "./retention";
import { gapHistogram, retentionOverview, retentionOverviewWithHistogram } from "./retention.server";
import { getMetricSettings, updateMetricSettings } from "./settings.server";
import { generateStore, writeStore, type GeneratedStore } from "./test-helpers/store";

const NOW = new Date("2026-11-18T15:37:21Z");
const CASES = [
  { seed: 41, timeZone: "Europe/Warsaw" },
  { seed: 42, timeZone: "Pacific/Chatham" },
];
const RANGES = [
  { from: "2025-06-01", to: "2026-12-01" },
  { from: "2026-01-01", to: "2026-07-01" },
  { from: "2025-09-17", to: "2026-03-05" },
  { from: "2026-11-10", to: "2027-01-01" },
  { from: "2026-03-14", to: "2026-03-15" },
];

describe.each(CASES)("time-between-orders histogram on a generated store (seed $seed, $timeZone)", ({ seed, timeZone }) => {
  let store: GeneratedStore;

  beforeAll(async () => {
    store = generateStore({ seed, shop: `histogram-${seed}.myshopify.com`, timeZone, now: NOW, start: "2025-06-01", orders: 500, customers: 80 });
    await writeStore(store);
  });

  it.each([false, true])("SQL equals the reference with cancelled orders counted: %s", async (retentionIncludeCancelled) => {
    await updateMetricSettings(store.shop, { retentionIncludeCancelled });
    const context = { timeZone, currency: store.currency, now: NOW, settings: await getMetricSettings(store.shop) };
    let binsWithGaps = 0;
    for (const range of RANGES) {
      const reference = gapHistogramReport(store, { range }, context);
      expect(await gapHistogram(store.shop, { range }, { now: NOW }), `${range.from}…${range.to}`).toEqual(reference);
      binsWithGaps += reference.betweenOrders.filter((bin) => bin.count > 0).length;
      const report = await retentionOverview(store.shop, { range }, { now: NOW });
      // The two as the Retention page reads them, with the gaps per bucket read once for both.
      expect(await retentionOverviewWithHistogram(store.shop, { range }, { now: NOW }), `${range.from}…${range.to}`).toEqual({
        report,
        histogram: reference,
      });
      const { timeBetweenOrders } = report;
      const sum = (bins: Array<{ count: number }>) => bins.reduce((total, bin) => total + bin.count, 0);
      expect(sum(reference.betweenOrders)).toBe(timeBetweenOrders.betweenOrders.count);
      expect(sum(reference.firstToSecond)).toBe(timeBetweenOrders.firstToSecond.count);
    }
    // The store has gaps in several bins: the comparison covers more than empty histograms.
    expect(binsWithGaps).toBeGreaterThan(5);
  });
});
