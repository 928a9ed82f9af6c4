import { describe, expect, it } from "vitest";
import prisma from "#app/db.server";
import { DEFAULT_METRIC_SETTINGS } from "./settings";
import { getMetricSettings, InvalidSettingsError, updateMetricSettings } from "./settings.server";

describe("metric settings", () => {
  it("GIVEN a shop that never changed them THEN the defaults apply and no row is written", async () => {
    expect(await getMetricSettings("fresh.myshopify.com")).toEqual({
      refundDating: "refund_date",
      salesIncludeCancelled: true,
      retentionIncludeCancelled: false,
      cohortIncludeZeroValue: true,
      activityWindowDays: 365,
    });
    expect(await prisma.shopSettings.count({ where: { shop: "fresh.myshopify.com" } })).toBe(0);
  });

  it("GIVEN partial updates THEN each keeps the other settings and is read back", async () => {
    const shop = "partial.myshopify.com";
    expect(await updateMetricSettings(shop, { refundDating: "order_date" })).toEqual({ ...DEFAULT_METRIC_SETTINGS, refundDating: "order_date" });
    expect(await updateMetricSettings(shop, { activityWindowDays: 90, salesIncludeCancelled: false })).toEqual({
      ...DEFAULT_METRIC_SETTINGS,
      refundDating: "order_date",
      activityWindowDays: 90,
      salesIncludeCancelled: false,
    });
    expect(await getMetricSettings(shop)).toEqual({
      ...DEFAULT_METRIC_SETTINGS,
      refundDating: "order_date",
      activityWindowDays: 90,
      salesIncludeCancelled: false,
    });
  });

  it.each([
    [{ refundDating: "ship_date" }, /refundDating/],
    [{ activityWindowDays: 0 }, /activityWindowDays/],
    [{ activityWindowDays: 30.5 }, /activityWindowDays/],
    [{ salesIncludeCancelled: "yes" }, /salesIncludeCancelled/],
    [{ colour: "blue" }, /colour/],
    ["everything", /settings/],
  ])("GIVEN %j THEN it is rejected with InvalidSettingsError and nothing changes", async (patch, message) => {
    const shop = "strict.myshopify.com";
    await updateMetricSettings(shop, { cohortIncludeZeroValue: false });
    const attempt = updateMetricSettings(shop, patch);
    await expect(attempt).rejects.toBeInstanceOf(InvalidSettingsError);
    await expect(updateMetricSettings(shop, patch)).rejects.toThrow(message);
    expect(await getMetricSettings(shop)).toEqual({ ...DEFAULT_METRIC_SETTINGS, cohortIncludeZeroValue: false });
  });
});
