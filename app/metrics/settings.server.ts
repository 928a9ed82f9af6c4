// Reads and updates a shop's metric settings (`shop_settings`); a shop without a row gets the
// defaults. Every metric result echoes the settings it used.
import prisma from "#app/db.server";
import {
  DEFAULT_METRIC_SETTINGS,
  metricSettingsPatchSchema,
  metricSettingsSchema,
  type MetricSettings,
} from "./settings";

/** A settings update that does not validate (an HTTP 400); nothing was written. */
export class InvalidSettingsError extends Error {
  readonly status = 400;
  constructor(public readonly problems: string[]) {
    super(`Invalid metric settings: ${problems.join("; ")}`);
    this.name = "InvalidSettingsError";
  }
}

/** A shop_settings row as settings (checked as when they were saved). */
export function metricSettingsFromRow(row: {
  refundDating: string;
  salesIncludeCancelled: boolean;
  retentionIncludeCancelled: boolean;
  cohortIncludeZeroValue: boolean;
  activityWindowDays: number;
}): MetricSettings {
  return metricSettingsSchema.parse({
    refundDating: row.refundDating,
    salesIncludeCancelled: row.salesIncludeCancelled,
    retentionIncludeCancelled: row.retentionIncludeCancelled,
    cohortIncludeZeroValue: row.cohortIncludeZeroValue,
    activityWindowDays: row.activityWindowDays,
  });
}

/** The shop's settings, or the defaults when it has never changed them. */
export async function getMetricSettings(shop: string): Promise<MetricSettings> {
  const row = await prisma.shopSettings.findUnique({ where: { shop } });
  return row ? metricSettingsFromRow(row) : { ...DEFAULT_METRIC_SETTINGS };
}

/**
 * Applies a partial update (validated with zod; unknown keys and bad values are rejected with
 * InvalidSettingsError) and returns the settings now in force.
 */
export async function updateMetricSettings(shop: string, patch: unknown): Promise<MetricSettings> {
  const parsed = metricSettingsPatchSchema.safeParse(patch);
  if (!parsed.success) {
    throw new InvalidSettingsError(
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "settings"}: ${issue.message}`),
    );
  }
  const next = { ...(await getMetricSettings(shop)), ...parsed.data };
  const row = await prisma.shopSettings.upsert({
    where: { shop },
    create: { shop, ...next },
    update: next,
  });
  return metricSettingsFromRow(row);
}
