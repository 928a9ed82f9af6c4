// GIVEN the real CDNOW transactions (tests/fixtures/cdnow, see its README: 69,659 purchases by the
// 23,570 customers who first bought in Q1 1997; each line one USD order, time zone UTC), WHEN they go
// through `metryka import-orders` and `metryka metrics --json`, THEN the figures equal those this
// test derives straight from the raw file: monthly net sales, orders and growth, cohort sizes
// and their first months of retention, repeat purchase rate, and time between orders.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prisma from "#app/db.server";
import { cdnowOrders } from "./support/cdnow";
import { assemblePredictionReport, customerSummaries, lastPeriodStart, type PredictionReport } from "#app/metrics/prediction";
import { DEFAULT_METRIC_SETTINGS } from "#app/metrics/settings";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "..");
const RAW = path.join(ROOT, "tests/fixtures/cdnow/CDNOW_master.txt.gz");
/** The dataset's lines after its header. */
const rawLines = (): string[] => gunzipSync(fs.readFileSync(RAW)).toString("utf8").trim().split("\n").slice(1);
const SHOP = "cdnow.myshopify.com";

interface Purchase {
  customer: number;
  day: string; // YYYY-MM-DD
  cents: number;
}

function readRaw(): Purchase[] {
  return rawLines().map((line) => {
    const [customer, date, , dollars] = line.trim().split(/\s+/);
    const [whole, fraction = ""] = dollars.split(".");
    return {
      customer: Number(customer),
      day: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`,
      cents: Number(whole) * 100 + Number(fraction.padEnd(2, "0")),
    };
  });
}

const month = (day: string) => day.slice(0, 7);
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
const addMonths = (m: string, k: number) => {
  const [y, mm] = m.split("-").map(Number);
  const total = y * 12 + (mm - 1) + k;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, "0")}`;
};

/** Linear interpolation between closest ranks (PostgreSQL's percentile_cont). */
function percentile(sorted: number[], p: number): number {
  const rank = p * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

async function metryka(...args: string[]) {
  return run(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(ROOT, "scripts/metryka.ts"), ...args], {
    cwd: ROOT,
    env: { ...process.env },
    maxBuffer: 64 * 1024 * 1024,
  });
}

const dump = () =>
  prisma.$queryRaw<Array<{ digest: string; n: bigint }>>`
    SELECT md5(string_agg(concat_ws('|', id, customer_id, processed_at, gross_sales, total_price, total_refunded, updated_at), ',' ORDER BY id)) AS digest,
           count(*) AS n
    FROM orders WHERE shop = ${SHOP}`;

describe("CDNOW through the command line", () => {
  const purchases = readRaw();
  let report: {
    currency: string;
    timeZone: string;
    sales: { netSales: number; orders: number; series: Array<{ period: string; netSales: number; orders: number; growth: number | null }> };
    retention: {
      repeatPurchaseRate: number;
      returningCustomerRate: number;
      customers: number;
      timeBetweenOrders: { medianDays: number; p25Days: number; p75Days: number };
      cohorts: Array<{ cohort: string; size: number; retention: Array<number | null> }>;
    };
    conversion: { source: string | null };
  };
  let csv: string;
  let importOutput: string;
  let prediction: PredictionReport;

  beforeAll(async () => {
    // The raw file is whitespace-separated; the import's plain format is CSV.
    csv = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cdnow-")), "cdnow.csv");
    fs.writeFileSync(
      csv,
      ["id,customer_id,processed_at,total", ...rawLines().map((line, i) => {
        const [customer, date, , dollars] = line.trim().split(/\s+/);
        return `${i + 1},${Number(customer)},${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)},${dollars}`;
      })].join("\n"),
    );
    importOutput = (await metryka("import-orders", "--shop", SHOP, "--time-zone", "UTC", "--currency", "USD", csv)).stdout;
    const { stdout } = await metryka(
      "metrics", "--shop", SHOP, "--from", "1997-01-01", "--to", "1998-07-01", "--now", "1998-07-01T00:00:00Z", "--json",
    );
    report = JSON.parse(stdout);
    const calibration = await metryka(
      "metrics", "--shop", SHOP, "--from", "1997-01-01", "--to", "1997-10-01", "--now", "1997-10-01T00:00:00Z", "--json",
    );
    prediction = JSON.parse(calibration.stdout).retention.prediction;
  }, 240_000);
  afterAll(() => fs.rmSync(path.dirname(csv), { recursive: true, force: true }));

  it("predicts from the rollups what the reference predicts from the raw lines (now = 1997-10-01)", () => {
    const orders = cdnowOrders(purchases);
    const context = { timeZone: "UTC", currency: "USD", now: new Date("1997-10-01T00:00:00Z"), settings: { ...DEFAULT_METRIC_SETTINGS } };
    const earlier = customerSummaries({ orders, refunds: [] }, { ...context, now: lastPeriodStart(context.now, "UTC") });
    const reference = assemblePredictionReport(customerSummaries({ orders, refunds: [] }, context), earlier, context);
    expect(reference.status).toBe("ready");
    expect(prediction).toEqual(reference);
  });

  it("imports every line", () => {
    expect(importOutput).toContain(`${purchases.length} orders read, ${purchases.length} imported`);
    expect(importOutput).toContain("0 rejected");
  });

  it("gives each month's net sales, orders and growth", () => {
    const byMonth = new Map<string, { netSales: number; orders: number }>();
    for (const p of purchases) {
      const m = byMonth.get(month(p.day)) ?? { netSales: 0, orders: 0 };
      m.netSales += p.cents;
      m.orders += 1;
      byMonth.set(month(p.day), m);
    }
    const months = [...byMonth.keys()].sort();
    expect(months).toHaveLength(18);
    const expected = months.map((m, i) => {
      const previous = i === 0 ? 0 : byMonth.get(months[i - 1])!.netSales;
      return {
        period: m,
        netSales: byMonth.get(m)!.netSales,
        orders: byMonth.get(m)!.orders,
        growth: previous === 0 ? null : round4((byMonth.get(m)!.netSales - previous) / previous),
      };
    });
    expect(report.sales.series.map(({ period, netSales, orders, growth }) => ({ period, netSales, orders, growth }))).toEqual(expected);
    expect(report.sales.netSales).toBe(purchases.reduce((sum, p) => sum + p.cents, 0));
    expect(report.sales.orders).toBe(purchases.length);
    expect({ currency: report.currency, timeZone: report.timeZone }).toEqual({ currency: "USD", timeZone: "UTC" });
  });

  it("gives the three monthly cohorts with their first months of retention", () => {
    const first = new Map<number, string>();
    const active = new Map<string, Set<number>>();
    for (const p of purchases) {
      if (!first.has(p.customer) || first.get(p.customer)! > month(p.day)) first.set(p.customer, month(p.day));
      const set = active.get(month(p.day)) ?? new Set<number>();
      set.add(p.customer);
      active.set(month(p.day), set);
    }
    const cohorts = ["1997-01", "1997-02", "1997-03"].map((cohort) => {
      const members = [...first].filter(([, m]) => m === cohort).map(([c]) => c);
      const retention = [0, 1, 2, 3].map((k) => {
        const buyers = active.get(addMonths(cohort, k)) ?? new Set<number>();
        return round4(members.filter((c) => buyers.has(c)).length / members.length);
      });
      return { cohort, size: members.length, retention };
    });
    expect(cohorts.reduce((sum, c) => sum + c.size, 0)).toBe(23_570);
    const shown = report.retention.cohorts.filter((c) => c.size > 0).map((c) => ({ cohort: c.cohort, size: c.size, retention: c.retention.slice(0, 4) }));
    expect(shown).toEqual(cohorts);
    // No customer joined after March 1997: later cohorts are empty.
    expect(report.retention.cohorts.filter((c) => c.cohort > "1997-03").every((c) => c.size === 0)).toBe(true);
  });

  it("gives the repeat purchase rate and the time between orders", () => {
    const orders = new Map<number, string[]>();
    for (const p of purchases) orders.set(p.customer, [...(orders.get(p.customer) ?? []), p.day]);
    const repeat = [...orders.values()].filter((days) => days.length >= 2).length;
    expect(report.retention.customers).toBe(orders.size);
    expect(report.retention.repeatPurchaseRate).toBe(round4(repeat / orders.size));
    const gaps = [...orders.values()]
      .flatMap((days) => {
        const sorted = [...days].sort();
        return sorted.slice(1).map((day, i) => (Date.parse(day) - Date.parse(sorted[i])) / 86_400_000);
      })
      .sort((a, b) => a - b);
    expect(report.retention.timeBetweenOrders).toMatchObject({
      medianDays: Math.round(percentile(gaps, 0.5) * 100) / 100,
      p25Days: Math.round(percentile(gaps, 0.25) * 100) / 100,
      p75Days: Math.round(percentile(gaps, 0.75) * 100) / 100,
    });
    expect(report.conversion.source).toBeNull();
  });

  it("changes nothing when the same file is imported again", async () => {
    const [before] = await dump();
    expect(Number(before.n)).toBe(purchases.length);
    await metryka("import-orders", "--shop", SHOP, "--time-zone", "UTC", "--currency", "USD", csv);
    expect(await dump()).toEqual([before]);
  }, 120_000);
});
