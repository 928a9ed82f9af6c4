// The Settings page's data and its save: the merchant's metric settings and the customers' data
// requests to send on, and a form turned into a settings update. A value that does not validate comes back as a message on its field, with
// nothing written.
import prisma from "#app/db.server";
import { dataRequestExports } from "#app/sync/privacy.server";
import { pixelStatus } from "#app/collector/activation.server";
import { portfoliosOf } from "#app/portfolios/portfolios.server";
import { getMetricSettings, InvalidSettingsError, updateMetricSettings } from "#app/metrics/settings.server";
import { metricSettingsSchema, type MetricSettings } from "#app/metrics/settings";

export type SettingsField = keyof MetricSettings;
const FIELDS = Object.keys(metricSettingsSchema.shape) as SettingsField[];

/** What a merchant reads under a field that did not validate. */
const FIELD_MESSAGES: Partial<Record<SettingsField, string>> = {
  activityWindowDays: "Enter a whole number of days from 1 to 3660.",
  refundDating: "Choose the refund date or the order date.",
};

export type SaveSettingsResult =
  | { ok: true; settings: MetricSettings }
  | { ok: false; message: string; fieldErrors: Partial<Record<SettingsField, string>> };

export async function settingsPage(shop: string) {
  const [settings, shopRow, dataRequests, pixel, portfolios] = await Promise.all([
    getMetricSettings(shop),
    prisma.shop.findUnique({ where: { domain: shop }, select: { ianaTimezone: true } }),
    dataRequestExports(shop),
    pixelStatus(shop),
    portfoliosOf(shop),
  ]);
  return { shop, settings, timeZone: shopRow?.ianaTimezone ?? "UTC", dataRequests, pixel, portfolios };
}

/**
 * The form's fields as a settings patch: "true"/"false" become booleans and a whole number
 * becomes a number; anything else is passed on as it is, so that the settings' own schema
 * rejects it. Fields the form leaves out stay unchanged.
 */
export function settingsPatchFromForm(form: FormData): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const [key, value] of form.entries()) {
    if (typeof value !== "string") {
      patch[key] = value;
      continue;
    }
    const text = value.trim();
    if (text === "true" || text === "false") patch[key] = text === "true";
    else if (/^-?\d+(\.\d+)?$/.test(text)) patch[key] = Number(text);
    else patch[key] = text;
  }
  return patch;
}

/** Saves the form (all or nothing); a rejected value is reported on its field. */
export async function saveSettingsForm(shop: string, form: FormData): Promise<SaveSettingsResult> {
  try {
    return { ok: true, settings: await updateMetricSettings(shop, settingsPatchFromForm(form)) };
  } catch (error) {
    if (!(error instanceof InvalidSettingsError)) throw error;
    const fieldErrors: Partial<Record<SettingsField, string>> = {};
    const other: string[] = [];
    for (const problem of error.problems) {
      const field = FIELDS.find((name) => problem.startsWith(`${name}:`));
      if (field) fieldErrors[field] ??= FIELD_MESSAGES[field] ?? problem.slice(field.length + 1).trim();
      else other.push(problem);
    }
    return {
      ok: false,
      message: other.length > 0 ? other.join("; ") : "Some settings were not valid: correct the fields marked below.",
      fieldErrors,
    };
  }
}
