// GIVEN a day of the simulator's storefront (visitors from several sources and devices,
// returning visitors, abandoned carts, checkouts, sign-ups), WHEN its events reach the real
// collector over HTTP exactly as the pixel sends them, THEN the Conversion report of the pixel
// gives exactly the funnel of the journeys (each one session), and equals the reference.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prisma from "#app/db.server";
import { conversionReport } from "#app/metrics/conversion";
import { conversionOverview } from "#app/metrics/conversion.server";
import { generateJourneys, journeyFunnel, postJourneys } from "#simulator/storefront";
import { createCollector } from "./collector.server";
import { ensurePixelSettings } from "./pixel-settings.server";

const SHOP = "storefront-day.myshopify.com";
const ZONE = "Australia/Sydney";
let server: http.Server;
let base: string;

beforeAll(async () => {
  const collect = createCollector();
  server = http.createServer((req, res) => void collect(req, res, decodeURIComponent((req.url ?? "").slice("/collect/".length))));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await prisma.shop.create({ data: { domain: SHOP, installedAt: new Date(), ianaTimezone: ZONE } });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe("a storefront day through the collector", () => {
  it("yields exactly the journeys' funnel", async () => {
    const { key } = await ensurePixelSettings(SHOP);
    // The last day (the collector takes events up to a day old): it spans a UTC midnight.
    const now = Date.now();
    const journeys = generateJourneys({ seed: 9, from: now - 23 * 3_600_000, to: now - 60_000, visitors: 250 });
    const statuses = await postJourneys(journeys, { collectorUrl: `${base}/collect/${SHOP}`, key, origin: `https://${SHOP}` });
    expect(new Set(statuses)).toEqual(new Set([200]));

    const truth = journeyFunnel(journeys);
    expect(truth.sessionsCompletedCheckout).toBeGreaterThan(5);
    expect(journeys.length).toBeGreaterThan(250);
    const local = DateTime.fromMillis(now, { zone: ZONE });
    const query = { range: { from: local.minus({ days: 2 }).toISODate()!, to: local.plus({ days: 1 }).toISODate()! }, granularity: "day" as const, source: "pixel" as const };
    const report = await conversionOverview(SHOP, query, { now: new Date(now) });
    const { conversionRate, ordersPerSession, signUpRate, ...counts } = report.totals;
    expect(counts).toEqual(truth);
    expect([conversionRate, ordersPerSession, signUpRate].every((rate) => rate !== null)).toBe(true);

    // And the reference, on the events as stored (hashed visitors), gives the same report.
    const stored = await prisma.pixelEvent.findMany({ where: { shop: SHOP } });
    expect(stored).toHaveLength(journeys.reduce((n, j) => n + j.events.length, 0));
    const reference = conversionReport({ events: stored.map((e) => ({ id: e.id, visitorId: e.visitorId, name: e.name, occurredAt: e.occurredAt })), days: [] }, query, {
      timeZone: ZONE,
      now: new Date(now),
    });
    expect(report).toEqual(reference);
  });
});
