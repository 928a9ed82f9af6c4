// GIVEN a generated store, WHEN `shopifyqlQuery` is asked the daily sessions funnel (whole, split
// by a dimension, paged), THEN the figures follow the store's orders (completed ≤ orders each
// day, every funnel step ≤ the one before), a split adds up to the day's totals, anything else
// gets parseErrors and no table, and a token without read_reports gets ACCESS_DENIED. A split
// follows a real store's mix (most sessions on phones, more of a desktop's converting).
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { createAdminApi } from "./admin-api";
import { generateStore } from "./seed";
import { runShopifyql, SESSION_DIMENSIONS, sessionFigures, sessionFiguresBy } from "./shopifyql";

const store = generateStore({ seed: 31, now: "2026-11-15T12:00:00Z", customers: 60, domain: "shopifyql-sim.myshopify.com" });
const api = createAdminApi({ now: () => new Date("2026-11-15T12:00:00Z") });
const DOCUMENT = `query Q($query: String!) { shopifyqlQuery(query: $query) { parseErrors tableData { columns { name dataType } rows } } }`;
const FUNNEL = "sessions, sessions_with_cart_additions, sessions_that_reached_checkout, sessions_that_completed_checkout";

function ordersOn(day: string): number {
  return store.orders.filter((o) => !o.test && DateTime.fromISO(o.processedAt, { zone: store.shop.ianaTimezone }).toISODate() === day).length;
}

describe("shopifyqlQuery in the simulator", () => {
  it("gives every day of the range, with figures bounded by the day's orders", async () => {
    const query = `FROM sessions SHOW ${FUNNEL} TIMESERIES day SINCE 2026-10-01 UNTIL 2026-10-31 ORDER BY day ASC LIMIT 1000`;
    const { body } = await api.execute({ store, query: DOCUMENT, variables: { query } });
    expect(body.errors).toBeUndefined();
    const result = (body.data as { shopifyqlQuery: { parseErrors: string[]; tableData: { rows: Array<Record<string, string>> } } }).shopifyqlQuery;
    expect(result.parseErrors).toEqual([]);
    expect(result.tableData.rows.map((r) => r.day)).toEqual(Array.from({ length: 31 }, (_, i) => `2026-10-${String(i + 1).padStart(2, "0")}`));
    let orders = 0;
    for (const row of result.tableData.rows) {
      const [s, c, k, p] = [row.sessions, row.sessions_with_cart_additions, row.sessions_that_reached_checkout, row.sessions_that_completed_checkout].map(Number);
      expect(p).toBeLessThanOrEqual(ordersOn(row.day));
      expect(k).toBeGreaterThanOrEqual(p);
      expect(c).toBeGreaterThanOrEqual(k);
      expect(s).toBeGreaterThanOrEqual(c);
      orders += ordersOn(row.day);
    }
    expect(orders).toBeGreaterThan(0);
  });

  it("splits a day by each dimension into parts that add up to its totals", () => {
    for (const dimension of Object.keys(SESSION_DIMENSIONS)) {
      for (const day of ["2026-03-08", "2026-10-25", "2026-11-01"]) {
        const parts = sessionFiguresBy(store, day, dimension);
        const total = sessionFigures(store, day);
        for (const key of Object.keys(total) as Array<keyof typeof total>) expect(parts.reduce((sum, p) => sum + p[key], 0)).toBe(total[key]);
        for (const p of parts) {
          expect(p.sessions_that_reached_checkout).toBeGreaterThanOrEqual(p.sessions_that_completed_checkout);
          expect(p.sessions_with_cart_additions).toBeGreaterThanOrEqual(p.sessions_that_reached_checkout);
          expect(p.sessions).toBeGreaterThanOrEqual(p.sessions_with_cart_additions);
        }
      }
    }
  });

  it("splits a year by device as a real store's sessions are: mostly phones, desktops converting better", () => {
    const sums = new Map<string, { sessions: number; completed: number }>();
    let total = 0;
    for (let day = DateTime.fromISO("2025-11-15"); day < DateTime.fromISO("2026-11-15"); day = day.plus({ days: 1 })) {
      for (const part of sessionFiguresBy(store, day.toISODate()!, "session_device_type")) {
        const sum = sums.get(part.value) ?? { sessions: 0, completed: 0 };
        sum.sessions += part.sessions;
        sum.completed += part.sessions_that_completed_checkout;
        sums.set(part.value, sum);
        total += part.sessions;
      }
    }
    const share = (device: string) => sums.get(device)!.sessions / total;
    const rate = (device: string) => sums.get(device)!.completed / sums.get(device)!.sessions;
    // Within 0.05 of each device's share of a day, 60, 32 and 8 %.
    expect(share("mobile")).toBeCloseTo(0.6, 1);
    expect(share("desktop")).toBeCloseTo(0.32, 1);
    expect(share("tablet")).toBeCloseTo(0.08, 1);
    expect(rate("desktop")).toBeGreaterThan(1.5 * rate("mobile"));
    // A store of a few orders a day: each device still takes its part of them.
    expect(sums.get("tablet")!.completed).toBeGreaterThan(0);
  });

  it("pages a breakdown with LIMIT and OFFSET", () => {
    const base = `FROM sessions SHOW ${FUNNEL} GROUP BY session_device_type TIMESERIES day SINCE 2026-10-01 UNTIL 2026-10-10 ORDER BY day ASC, session_device_type ASC`;
    const all = runShopifyql(store, `${base} LIMIT 1000`).tableData!.rows;
    expect(all).toHaveLength(30);
    const pages = [0, 7, 14, 21, 28].flatMap((offset) => runShopifyql(store, `${base} LIMIT 7 OFFSET ${offset}`).tableData!.rows);
    expect(pages).toEqual(all);
  });

  it.each([
    "FROM sales SHOW total_sales TIMESERIES day SINCE 2026-10-01 UNTIL 2026-10-02 ORDER BY day ASC LIMIT 10",
    `FROM sessions SHOW ${FUNNEL}, bounce_rate TIMESERIES day SINCE 2026-10-01 UNTIL 2026-10-02 ORDER BY day ASC LIMIT 10`,
    `FROM sessions SHOW ${FUNNEL} GROUP BY session_hair_colour TIMESERIES day SINCE 2026-10-01 UNTIL 2026-10-02 ORDER BY day ASC LIMIT 10`,
    `SELECT sessions FROM sessions`,
    `FROM sessions SHOW ${FUNNEL} TIMESERIES day SINCE 2026-10-01 UNTIL 2026-10-02 ORDER BY day ASC`,
  ])("answers parseErrors and no table for %s", async (query) => {
    const { body } = await api.execute({ store, query: DOCUMENT, variables: { query } });
    expect(body.errors).toBeUndefined();
    const result = (body.data as { shopifyqlQuery: { parseErrors: string[]; tableData: unknown } }).shopifyqlQuery;
    expect(result.parseErrors.length).toBeGreaterThan(0);
    expect(result.tableData).toBeNull();
  });

  it("refuses a token without read_reports with ACCESS_DENIED in the top-level errors", async () => {
    const query = `FROM sessions SHOW ${FUNNEL} TIMESERIES day SINCE 2026-10-01 UNTIL 2026-10-02 ORDER BY day ASC LIMIT 10`;
    const { body } = await api.execute({ store, query: DOCUMENT, variables: { query }, scopes: ["read_orders"] });
    expect(body.errors?.map((e) => e.extensions?.code)).toEqual(["ACCESS_DENIED"]);
  });
});
