// GIVEN a generated store in the simulator and the app installed, WHEN the sessions job imports
// Shopify's figures with ShopifyQL through the real Shopify library, THEN
// - every local day since the shop was created is stored once, equal to the simulator's figures,
//   and the breakdowns by traffic source, device and landing page add up to each day's totals;
// - a later run reads the trailing days again: late changes are corrected, nothing is doubled;
// - a token without read_reports, a spent ShopifyQL allowance and a query Shopify does not accept
//   each end in their own recorded state with what to do, and leave the copy's state alone.
import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateStore, type SimStore, type SimulatorHandle } from "#simulator/index";
import { SESSION_DIMENSIONS, sessionFigures } from "#simulator/shopifyql";
import { installOffline, startSimulatorForApp } from "../../tests/support/simulated-shop";

let prisma: typeof import("#app/db.server").default;
let runShopJob: typeof import("#app/jobs/shop-jobs.server").runShopJob;
let pageStatus: typeof import("#app/sync/sync-status.server").sessionsImportStatus;
let simulator: SimulatorHandle;
const NOW = "2026-11-15T12:00:00Z";
const stores: Record<string, SimStore> = {};

function makeStore(name: string, seed: number): SimStore {
  // A short history keeps the runs quick: a few months, in a zone with DST.
  const store = generateStore({ seed, now: NOW, customers: 30, domain: `${name}.myshopify.com`, start: "2026-06-20" });
  stores[name] = store;
  return store;
}

const granted = makeStore("sessions-granted", 41);
const revoked = makeStore("sessions-revoked", 42);
const throttled = makeStore("sessions-throttled", 43);
const rejected = makeStore("sessions-rejected", 44);

beforeAll(async () => {
  simulator = await startSimulatorForApp({ stores: Object.values(stores), bucket: { maximumAvailable: 20_000, restoreRate: 1_000 } });
  prisma = (await import("#app/db.server")).default;
  runShopJob = (await import("#app/jobs/shop-jobs.server")).runShopJob;
  pageStatus = (await import("#app/sync/sync-status.server")).sessionsImportStatus;
  for (const store of Object.values(stores)) {
    const scope = store === revoked ? "read_orders,read_all_orders,read_customers" : undefined;
    await installOffline(simulator, store.shop.domain, scope);
  }
});

afterAll(async () => {
  await simulator?.close();
});

async function storedDays(shop: string) {
  const rows = await prisma.shopifySessionDay.findMany({ where: { shop }, orderBy: { day: "asc" } });
  return rows.map((r) => ({
    day: r.day.toISOString().slice(0, 10),
    sessions: r.sessions,
    sessions_with_cart_additions: r.sessionsWithCartAdditions,
    sessions_that_reached_checkout: r.sessionsReachedCheckout,
    sessions_that_completed_checkout: r.sessionsCompletedCheckout,
  }));
}

const state = (shop: string) => prisma.syncState.findUniqueOrThrow({ where: { shop } });

describe("importing Shopify's session figures", () => {
  it("stores every local day since the shop was created, equal to Shopify's figures", async () => {
    const shop = granted.shop.domain;
    await runShopJob({ shop, kind: "sessions" });
    expect(await state(shop)).toMatchObject({ sessionsStatus: "succeeded", sessionsError: null, sessionsTimeZone: granted.shop.ianaTimezone });

    const days = await storedDays(shop);
    const created = DateTime.fromISO(granted.shop.createdAt, { zone: granted.shop.ianaTimezone }).toISODate()!;
    expect(days[0].day).toBe(created);
    // Contiguous, each day once, through the shop's "today" (after the store's generation).
    days.forEach((row, i) => expect(row.day).toBe(DateTime.fromISO(created, { zone: "UTC" }).plus({ days: i }).toISODate()));
    expect(days[days.length - 1].day >= NOW.slice(0, 10)).toBe(true);
    for (const row of days) expect(row).toEqual({ day: row.day, ...sessionFigures(granted, row.day) });
    expect(days.reduce((sum, row) => sum + row.sessions_that_completed_checkout, 0)).toBeGreaterThan(0);
  });

  it("stores the breakdowns by source, device and landing page, adding up to each day's totals", async () => {
    const shop = granted.shop.domain;
    const totals = new Map((await storedDays(shop)).map((row) => [row.day, row]));
    for (const dimension of ["source", "device", "landingPage"]) {
      const sums = await prisma.$queryRaw<Array<{ day: Date; s: bigint; c: bigint; k: bigint; p: bigint; values: bigint }>>`
        SELECT day, sum(sessions) AS s, sum(sessions_with_cart_additions) AS c, sum(sessions_reached_checkout) AS k,
          sum(sessions_completed_checkout) AS p, count(*) AS values
        FROM shopify_session_breakdowns WHERE shop = ${shop} AND dimension = ${dimension} GROUP BY day ORDER BY day`;
      expect(sums.length).toBe(totals.size);
      for (const sum of sums) {
        const total = totals.get(sum.day.toISOString().slice(0, 10))!;
        expect([sum.s, sum.c, sum.k, sum.p].map(Number)).toEqual([
          total.sessions,
          total.sessions_with_cart_additions,
          total.sessions_that_reached_checkout,
          total.sessions_that_completed_checkout,
        ]);
      }
      expect(Math.max(...sums.map((s) => Number(s.values)))).toBeGreaterThan(1);
    }
  });

  it("reads the trailing days again on the next run: corrected, not duplicated", async () => {
    const shop = granted.shop.domain;
    const before = await storedDays(shop);
    const recent = before[before.length - 2].day;
    const old = before[10].day;
    // Figures that differ from Shopify's: the recent one is read again and corrected, the old one
    // (outside the trailing window) is not read again.
    await prisma.shopifySessionDay.update({ where: { shop_day: { shop, day: new Date(`${recent}T00:00:00Z`) } }, data: { sessions: 0 } });
    await prisma.shopifySessionDay.update({ where: { shop_day: { shop, day: new Date(`${old}T00:00:00Z`) } }, data: { sessions: 1 } });
    const breakdownRows = await prisma.shopifySessionBreakdown.count({ where: { shop } });

    await runShopJob({ shop, kind: "sessions" });
    expect((await state(shop)).sessionsStatus).toBe("succeeded");
    const after = await storedDays(shop);
    expect(after.find((row) => row.day === recent)).toEqual({ day: recent, ...sessionFigures(granted, recent) });
    expect(after.find((row) => row.day === old)?.sessions).toBe(1);
    expect(after.length).toBeGreaterThanOrEqual(before.length);
    expect(new Set(after.map((row) => row.day)).size).toBe(after.length);
    expect(await prisma.shopifySessionBreakdown.count({ where: { shop } })).toBeGreaterThanOrEqual(breakdownRows);
    expect(await prisma.shopifySessionBreakdown.count({ where: { shop } })).toBeLessThanOrEqual(breakdownRows + 2 * 15);
  });

  it("records a missing read_reports grant with what to do, storing nothing", async () => {
    const shop = revoked.shop.domain;
    await runShopJob({ shop, kind: "sessions" });
    const row = await state(shop);
    expect(row.sessionsStatus).toBe("not_granted");
    // The copy's own state is not touched by the sessions import.
    expect(row.status).toBe("idle");
    expect(await pageStatus(shop)).toMatchObject({ status: "not_granted", days: 0, error: expect.stringContaining("read_reports") });
    expect(await prisma.shopifySessionDay.count({ where: { shop } })).toBe(0);
  });

  it("records a spent ShopifyQL allowance as throttled, storing nothing", async () => {
    const shop = throttled.shop.domain;
    throttled.shopifyqlThrottledUntil = "2999-01-01T00:00:00Z";
    await runShopJob({ shop, kind: "sessions" });
    const row = await state(shop);
    expect(row.sessionsStatus).toBe("throttled");
    expect(await pageStatus(shop)).toMatchObject({ status: "throttled", days: 0, error: expect.stringMatching(/tries again/) });
    expect(await prisma.shopifySessionDay.count({ where: { shop } })).toBe(0);
    // Once the allowance is back, the next run imports.
    throttled.shopifyqlThrottledUntil = undefined;
    await runShopJob({ shop, kind: "sessions" });
    expect((await state(shop)).sessionsStatus).toBe("succeeded");
    expect(await prisma.shopifySessionDay.count({ where: { shop } })).toBeGreaterThan(100);
  });

  it("records a breakdown Shopify does not accept (parseErrors), keeping the totals and the other breakdowns", async () => {
    const shop = rejected.shop.domain;
    const landing = SESSION_DIMENSIONS.landing_page_path;
    delete SESSION_DIMENSIONS.landing_page_path;
    try {
      await runShopJob({ shop, kind: "sessions" });
    } finally {
      SESSION_DIMENSIONS.landing_page_path = landing;
    }
    const row = await state(shop);
    expect(row.sessionsStatus).toBe("rejected");
    expect(row.sessionsError).toContain("landing_page_path");
    // Only the breakdown was refused: the page says the totals are in.
    expect(await pageStatus(shop)).toMatchObject({
      status: "rejected",
      message: { key: "rejectedBreakdown", detail: row.sessionsError },
      error: expect.stringContaining("The daily totals were imported"),
    });
    expect(await prisma.shopifySessionDay.count({ where: { shop } })).toBeGreaterThan(100);
    expect(await prisma.shopifySessionBreakdown.count({ where: { shop, dimension: "device" } })).toBeGreaterThan(100);
    expect(await prisma.shopifySessionBreakdown.count({ where: { shop, dimension: "landingPage" } })).toBe(0);
  });
});
