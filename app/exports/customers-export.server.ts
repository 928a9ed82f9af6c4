// A customer list as a CSV file (the Customers page's "Export list"): at-risk customers or
// repeat buyers with the page's filters and sort, every matching customer (not only the page
// shown), by customer id only: orders, net spend, last order and days since. No names or e-mails.
import { MAX_AT_RISK_LIMIT, type AtRiskReport, type LapsedCustomer } from "#app/metrics/retention";
import { customerListOverview } from "#app/metrics/retention.server";
import { fromMinorUnits } from "#app/shopify/money";
import { DEFAULT_LOCALE, translator, type Locale } from "#app/i18n";
import { customerListQuery, type ListQuery } from "#app/dashboard/customers-page.server";
import { requireFiguresReady, shopPage } from "#app/dashboard/page-query.server";
import { exportFileName } from "./csv.server";
import type { TableExport } from "./sales-export.server";

/**
 * Every customer of the list, in its order, a database page at a time (each page its own query
 * as of the same instant, so the pages join without gaps or repeats).
 */
export async function* everyListedCustomer(
  shop: string,
  query: ListQuery,
  now: Date,
  options: { first?: AtRiskReport; pageSize?: number } = {},
): AsyncGenerator<LapsedCustomer> {
  const limit = options.pageSize ?? MAX_AT_RISK_LIMIT;
  let offset = 0;
  let report = options.first ?? (await customerListOverview(shop, query.list, { limit, offset, filters: query.filters, sort: query.sort }, { now }));
  for (;;) {
    yield* report.customers;
    offset += report.customers.length;
    if (report.customers.length < limit || offset >= report.total) return;
    report = await customerListOverview(shop, query.list, { limit, offset, filters: query.filters, sort: query.sort }, { now });
  }
}

/**
 * The list the URL describes (`list`, the filters, `sort`, `direction`; a 400 for a bad one):
 * one row per customer, net spend in the shop currency's major units. The file name gives the
 * list, the day it was made and the currency.
 */
export async function customersExport(shop: string, searchParams: URLSearchParams, now: Date, locale: Locale = DEFAULT_LOCALE): Promise<TableExport> {
  const t = translator(locale);
  const page = await shopPage(shop, {}, now);
  await requireFiguresReady(shop, page);
  const query = customerListQuery(searchParams, page.currency);
  const first = await customerListOverview(shop, query.list, { limit: MAX_AT_RISK_LIMIT, offset: 0, filters: query.filters, sort: query.sort }, { now });
  const currency = first.currency;
  const today = first.now.slice(0, 10);
  return {
    fileName: exportFileName(query.list === "at_risk" ? "at-risk-customers" : "repeat-customers", {
      from: today,
      lastDay: today,
      currency,
      settings: [first.settings.retentionIncludeCancelled ? "with-cancelled" : "without-cancelled", `by-${query.sort.key}-${query.sort.direction}`],
    }),
    header: [
      t("customerActions.export.customerId"),
      t("customerActions.export.orders"),
      t("customerActions.export.netSpend", { currency }),
      t("customerActions.export.lastOrder"),
      t("customerActions.export.daysSince"),
    ],
    rows: (async function* () {
      for await (const customer of everyListedCustomer(shop, query, now, { first })) {
        yield [customer.customerId, customer.orders, fromMinorUnits(BigInt(customer.netSpend), currency), customer.lastOrderDay, customer.daysSinceLastOrder];
      }
    })(),
  };
}
