// GIVEN the storefront's journey generator, THEN every journey is one session by Shopify's rule
// (events under 30 minutes apart, within one UTC day; a visitor's next journey more than 30
// minutes later), with sources, devices, abandoned carts and checkouts among them, also in a
// window that crosses midnight UTC. GIVEN a
// simulator with a live storefront and a store whose pixel is active, THEN its journeys reach
// the pixel's collector URL as the pixel sends them, and its checkouts become orders.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { generateStore } from "./seed";
import { startSimulator } from "./server";
import { generateJourneys, journeyFunnel } from "./storefront";

describe("storefront journeys", () => {
  it("are each one session, varied, and deterministic", () => {
    const from = Date.parse("2026-03-07T12:00:00Z");
    const journeys = generateJourneys({ seed: 3, from, to: from + 36 * 3_600_000, visitors: 400 });
    expect(generateJourneys({ seed: 3, from, to: from + 36 * 3_600_000, visitors: 400 })).toEqual(journeys);
    const byClient = new Map<string, number>();
    for (const journey of journeys) {
      const times = journey.events.map((e) => Date.parse(e.at));
      for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeLessThan(30 * 60_000);
      expect(new Set(journey.events.map((e) => e.at.slice(0, 10))).size).toBe(1);
      const previousEnd = byClient.get(journey.clientId);
      if (previousEnd !== undefined) expect(times[0] - previousEnd).toBeGreaterThan(30 * 60_000);
      byClient.set(journey.clientId, times[times.length - 1]);
      expect(times[0]).toBeGreaterThanOrEqual(from);
      expect(times[times.length - 1]).toBeLessThan(from + 36 * 3_600_000);
    }
    const funnel = journeyFunnel(journeys);
    expect(funnel.sessions).toBeGreaterThan(400);
    expect(funnel.sessionsWithCartAdditions).toBeGreaterThan(funnel.sessionsReachedCheckout);
    expect(funnel.sessionsReachedCheckout).toBeGreaterThan(funnel.sessionsCompletedCheckout);
    expect(funnel.sessionsCompletedCheckout).toBeGreaterThan(0);
    const first = journeys.map((j) => j.events[0]);
    expect(new Set(first.map((e) => e.device)).size).toBe(3);
    expect(first.some((e) => e.utm?.source === "newsletter") && first.some((e) => e.referrer === "www.google.com")).toBe(true);
  });

  it("fill a window that crosses midnight UTC, on both days, ending before its end", () => {
    const midnight = Date.parse("2026-11-20T00:00:00Z");
    const to = midnight + 5 * 60_000;
    const journeys = generateJourneys({ seed: 4, from: to - 27 * 60_000, to, visitors: 200 });
    const starts = journeys.map((j) => Date.parse(j.events[0].at));
    expect(starts.filter((t) => t < midnight).length).toBeGreaterThan(50);
    expect(starts.filter((t) => t >= midnight).length).toBeGreaterThan(0);
    for (const journey of journeys) {
      const times = journey.events.map((e) => Date.parse(e.at));
      expect(new Set(journey.events.map((e) => e.at.slice(0, 10))).size).toBe(1);
      expect(times[times.length - 1]).toBeLessThan(to);
    }
    expect(journeyFunnel(journeys).sessionsCompletedCheckout).toBeGreaterThan(0);
  });

  it("posts live journeys to the active pixel's collector and turns checkouts into orders", async () => {
    const batches: Array<{ origin: string | undefined; body: { key: string; events: Array<{ name: string }> } }> = [];
    const collector = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        batches.push({ origin: req.headers.origin, body: JSON.parse(Buffer.concat(chunks).toString()) });
        res.writeHead(200).end("{}");
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/collect/live.myshopify.com`;
    // Five minutes after midnight UTC: the live window of the last half hour crosses it.
    const clock = new Date("2026-11-20T00:05:00Z");
    const store = generateStore({ seed: 5, now: clock.toISOString(), customers: 10, domain: "live.myshopify.com", start: "2026-11-01" });
    store.webPixel = { settings: { collectorUrl: url, key: "live-key" } };
    const ordersBefore = store.orders.length;
    const simulator = await startSimulator({ apiKey: "k", apiSecret: "s", stores: [store], now: () => clock, storefront: { intervalMs: 50, visitors: 40 }, webhookAddress: () => null });
    try {
      const deadline = Date.now() + 20_000;
      while (store.orders.length === ordersBefore && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await simulator.close();
      await new Promise((resolve) => collector.close(resolve));
    }
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.every((b) => b.origin === "https://live.myshopify.com" && b.body.key === "live-key" && b.body.events.length <= 20)).toBe(true);
    expect(store.orders.length).toBeGreaterThan(ordersBefore);
  });
});
