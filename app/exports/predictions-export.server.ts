// Each customer's prediction as a CSV file (the Customers page's "Export predictions",
// `metryka export predictions`): the shop's cached fit, by customer id, ids only.
import { addDays } from "#app/metrics/periods";
import { cachedPredictions, predictionState } from "#app/metrics/prediction.server";
import type { PredictionGroup } from "#app/metrics/prediction";
import { fromMinorUnits } from "#app/shopify/money";
import { DEFAULT_LOCALE, translator, type Locale } from "#app/i18n";
import { exportFileName } from "./csv.server";
import type { TableExport } from "./sales-export.server";

/** No fit to export (yet, or ever for too little history): a 409 saying which. */
export class NoPredictionsError extends Error {
  readonly status = 409;
  constructor(message: string) {
    super(message);
    this.name = "NoPredictionsError";
  }
}

/**
 * The cached predictions: one row per customer, probabilities as fractions, expected orders to two
 * decimals, expected spend in the shop currency's major units. The file name gives the day the
 * predictions were made on and the last day of their 365-day horizon. The headings and the group
 * names are in `locale` (the admin's, for the in-app download; English on the command line).
 */
export async function predictionsExport(shop: string, locale: Locale = DEFAULT_LOCALE): Promise<TableExport> {
  const t = translator(locale);
  const groupName = (group: PredictionGroup) => t(`predictions.groups.${group}`);
  const state = await predictionState(shop);
  if (state.status === "pending") throw new NoPredictionsError("Predictions are not fitted yet: they are fitted after the next sync");
  if (state.status === "not_enough_history") throw new NoPredictionsError(`Not enough history yet for predictions: ${state.reason}`);
  const { report, fittedAt, settings } = state;
  const currency = report.currency;
  return {
    fileName: exportFileName("customer-predictions", {
      from: report.now,
      lastDay: addDays(report.now, 364),
      currency,
      settings: [settings.retentionIncludeCancelled ? "with-cancelled" : "without-cancelled", settings.cohortIncludeZeroValue ? "with-zero-value" : "without-zero-value"],
    }),
    header: [
      t("exports.predictions.customerId"),
      t("exports.predictions.group"),
      t("exports.predictions.probabilityAlive"),
      t("exports.predictions.returnProbability"),
      t("exports.predictions.orders30"),
      t("exports.predictions.orders90"),
      t("exports.predictions.orders365"),
      t("exports.predictions.spend365", { currency }),
    ],
    rows: (async function* () {
      for await (const p of cachedPredictions(shop, { fittedAt })) {
        yield [
          p.customerId,
          groupName(p.group),
          p.probabilityAlive,
          p.returnProbability,
          p.expectedOrders.days30,
          p.expectedOrders.days90,
          p.expectedOrders.days365,
          fromMinorUnits(BigInt(p.expectedSpend365), currency),
        ];
      }
    })(),
  };
}
