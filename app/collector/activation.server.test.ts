// GIVEN shops installed in the simulator, WHEN the pixel job runs after install, THEN the web
// pixel is created with the collector's URL for the shop and the shop's key, a second run
// updates it (Shopify answers TAKEN to a second create), and a shop that did not grant the
// pixel scopes is recorded as such; the Settings page reads whether the pixel is active.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateStore, type SimulatorHandle } from "#simulator/index";
import { installOffline, startSimulatorForApp } from "../../tests/support/simulated-shop";

const granted = generateStore({ seed: 51, now: "2026-11-15T12:00:00Z", customers: 5, domain: "pixel-granted.myshopify.com", start: "2026-10-01" });
const refused = generateStore({ seed: 52, now: "2026-11-15T12:00:00Z", customers: 5, domain: "pixel-refused.myshopify.com", start: "2026-10-01" });
let simulator: SimulatorHandle;
let prisma: typeof import("#app/db.server").default;
let runShopJob: typeof import("#app/jobs/shop-jobs.server").runShopJob;
let pixelStatus: typeof import("./activation.server").pixelStatus;

beforeAll(async () => {
  simulator = await startSimulatorForApp({ stores: [granted, refused] });
  prisma = (await import("#app/db.server")).default;
  runShopJob = (await import("#app/jobs/shop-jobs.server")).runShopJob;
  pixelStatus = (await import("./activation.server")).pixelStatus;
  await installOffline(simulator, granted.shop.domain);
  await installOffline(simulator, refused.shop.domain, "read_orders,read_all_orders,read_customers,read_reports");
});

afterAll(async () => {
  await simulator?.close();
});

describe("activating the web pixel", () => {
  it("creates the pixel with the shop's collector URL and key, then updates it", async () => {
    const shop = granted.shop.domain;
    expect((await pixelStatus(shop)).status).toBe("inactive");
    await runShopJob({ shop, kind: "pixel" });
    const settings = await prisma.pixelSettings.findUniqueOrThrow({ where: { shop } });
    expect(settings).toMatchObject({ status: "active", error: null, webPixelId: "gid://shopify/WebPixel/7001" });
    expect(granted.webPixel?.settings).toEqual({ collectorUrl: `https://metryka.test/collect/${shop}`, key: settings.key });
    expect(settings.key.length).toBeGreaterThanOrEqual(32);

    // Again (a reinstall): the same key, the pixel updated rather than created twice.
    granted.webPixel = { settings: { collectorUrl: "https://old.example/collect", key: "old" } };
    await runShopJob({ shop, kind: "pixel" });
    expect(granted.webPixel?.settings).toEqual({ collectorUrl: `https://metryka.test/collect/${shop}`, key: settings.key });
    expect(await pixelStatus(shop)).toMatchObject({ status: "active", error: null });
  });

  it("records a shop that did not grant the pixel scopes, with what to do", async () => {
    const shop = refused.shop.domain;
    await runShopJob({ shop, kind: "pixel" });
    expect(refused.webPixel).toBeUndefined();
    expect(await pixelStatus(shop)).toMatchObject({ status: "not_granted", error: expect.stringContaining("write_pixels") });
  });
});
