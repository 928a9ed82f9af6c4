import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link as RemixLink, useLoaderData, useLocation, useNavigation } from "@remix-run/react";
import {
  Banner,
  BlockStack,
  Card,
  InlineGrid,
  InlineStack,
  Layout,
  Page,
  Select,
  Text,
} from "@shopify/polaris";
import { DateRangeSelect } from "#app/components/DateRangeSelect";
import { CompareSelect, Control, ReportControls, useComparisonLabel } from "#app/components/ReportControls";
import { useDownload, withLocale } from "#app/components/download";
import { DownloadFailedBanner } from "#app/components/DownloadFailedBanner";
import { EmptyCard } from "#app/components/EmptyCard";
import { RecomputingCard } from "#app/components/RecomputingCard";
import { PageError } from "#app/components/PageError";
import { describeSalesSettings } from "#app/components/metric-rules";
import { SyncBanners } from "#app/components/SyncBanners";
import { useFormat } from "#app/components/format";
import { MetricCard } from "#app/components/MetricCard";
import { NetSalesChart } from "#app/components/NetSalesChart";
import { CustomerTypeTable } from "#app/components/CustomerTypeTable";
import { useRevalidateWhile, useUpdateSearchParams } from "#app/components/page-hooks";
import { SalesTable } from "#app/components/SalesTable";
import { overviewPage } from "#app/dashboard/overview.server";
import { OVERVIEW_GRANULARITIES } from "#app/dashboard/granularities";
import { badRequest } from "#app/http.server";
import { authenticate } from "#app/shopify.server";
import { useTranslation } from "react-i18next";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return badRequest.page(() => overviewPage(session.shop, new URL(request.url).searchParams, new Date()));
};

export default function Overview() {
  const data = useLoaderData<typeof loader>();
  const { report, recomputing, currency: shopCurrency, sync, range, compare, granularity, presets, timeZone, historyLimited, lastDay, syncing, comparedWith } = data;
  const { rates, ratesGrowth, activity, conversion, comparisonSeries, customerTypes } = data;
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const update = useUpdateSearchParams();
  const location = useLocation();
  const navigation = useNavigation();
  const exporting = useDownload();

  // Until the first sync is done, keep the numbers coming in.
  useRevalidateWhile(syncing, 3000);
  // A new range, comparison or granularity on its way: the cards keep their shape, without numbers.
  const loading = navigation.state === "loading" && navigation.location.pathname === location.pathname;

  const currency = report?.currency ?? "USD";
  const money = (minor: number) => f.money(minor, currency);
  const hasOrders = (report?.totals.orders ?? 0) > 0 || (report?.series.some((p) => p.netSales !== 0) ?? false);
  const comparisonLabel = useComparisonLabel(comparedWith);
  const growth = report?.comparison?.growth;
  const trend = (metric: string, values: Array<number | null>) => ({ values, label: t("overviewPage.trend", { metric }) });
  const noSessions = !conversion?.source || rates?.conversionRate === null || rates?.conversionRate === undefined;

  return (
    <Page
      title={t("overview.title")}
      subtitle={t("overview.subtitle", { timeZone })}
      secondaryActions={[
        {
          content: t("common.exportCsv"),
          disabled: !report,
          loading: exporting.busy !== null,
          onAction: () => exporting.start(`/app/export/sales?${withLocale(location.search, i18n.language)}`),
        },
        { content: t("nav.sync"), url: "/app/sync" },
      ]}
    >
      <BlockStack gap="400">
        <DownloadFailedBanner downloads={exporting} title={t("common.exportFailed")} />
        <SyncBanners sync={sync} historyLimited={historyLimited} />
        {report && report.otherCurrencies.length > 0 && (
          <Banner tone="warning" title={t("overview.otherCurrencies")}>
            <Text as="p">
              {t("overview.otherCurrenciesText", {
                list: report.otherCurrencies
                  .map((o) =>
                    t("overview.otherCurrency", { count: o.orders, orders: f.count(o.orders), currency: o.currency, net: f.money(o.netSales, o.currency) }),
                  )
                  .join(", "),
                currency,
              })}
            </Text>
          </Banner>
        )}

        <ReportControls>
          <Control>
            <DateRangeSelect presets={presets} range={range} lastDay={lastDay} onChange={(next) => update(next)} />
          </Control>
          <Control>
            <CompareSelect value={compare} onChange={(value) => update({ compare: value })} />
          </Control>
          <Control>
            <Select
              label={t("overviewPage.granularityLabel")}
              options={OVERVIEW_GRANULARITIES.map((value) => ({ value, label: t(`overviewPage.granularity.${value}`) }))}
              value={granularity}
              onChange={(value) => update({ granularity: value })}
            />
          </Control>
        </ReportControls>

        {recomputing ? (
          <RecomputingCard timeZone={timeZone} currency={shopCurrency} progress={data.rebuild} />
        ) : !report || (!hasOrders && sync.status !== "succeeded") ? (
          <EmptyCard heading={t("common.onTheirWay")}>
            <Text as="p">{t("common.copying")}</Text>
          </EmptyCard>
        ) : (
          <Layout>
            {!hasOrders && (
              <Layout.Section>
                <EmptyCard heading={t("overviewPage.empty.heading")}>
                  <Text as="p">{t("overviewPage.empty.text", { from: f.day(range.from), to: f.day(lastDay) })}</Text>
                </EmptyCard>
              </Layout.Section>
            )}
            <Layout.Section>
              <InlineGrid columns={{ xs: 1, sm: 2, md: 4 }} gap="400">
                <MetricCard
                  testId="card-net-sales"
                  title={t("overview.netSales")}
                  value={money(report.totals.netSales)}
                  growth={growth ? growth.netSales : undefined}
                  growthBase={report.comparison?.totals.netSales}
                  comparisonLabel={comparisonLabel}
                  trend={trend(t("overview.netSales"), report.series.map((p) => p.netSales))}
                  loading={loading}
                />
                <MetricCard
                  testId="card-orders"
                  title={t("overview.orders")}
                  value={f.count(report.totals.orders)}
                  growth={growth ? growth.orders : undefined}
                  comparisonLabel={comparisonLabel}
                  trend={trend(t("overview.orders"), report.series.map((p) => p.orders))}
                  loading={loading}
                />
                <MetricCard
                  testId="card-aov"
                  title={t("overview.aov")}
                  value={report.totals.averageOrderValue === null ? "—" : money(report.totals.averageOrderValue)}
                  growth={growth ? growth.averageOrderValue : undefined}
                  comparisonLabel={comparisonLabel}
                  trend={trend(t("overview.aov"), report.series.map((p) => p.averageOrderValue))}
                  loading={loading}
                />
                <MetricCard
                  testId="card-total-sales"
                  title={t("overview.totalSales")}
                  value={money(report.totals.totalSales)}
                  growth={growth ? growth.totalSales : undefined}
                  growthBase={report.comparison?.totals.totalSales}
                  help={t("overview.totalSalesHelp")}
                  trend={trend(t("overview.totalSales"), report.series.map((p) => p.totalSales))}
                  loading={loading}
                />
                {rates && (
                  <>
                    <MetricCard
                      testId="card-new-customers"
                      title={t("overviewPage.newCustomers")}
                      value={f.count(rates.newCustomers)}
                      growth={ratesGrowth ? ratesGrowth.newCustomers : undefined}
                      comparisonLabel={comparisonLabel}
                      trend={trend(t("overviewPage.newCustomers"), (activity ?? []).map((p) => p.newCustomers))}
                      loading={loading}
                    />
                    <MetricCard
                      testId="card-returning-rate"
                      title={t("overviewPage.returningCustomerRate")}
                      value={f.percent(rates.returningCustomerRate)}
                      growth={ratesGrowth ? ratesGrowth.returningCustomerRate : undefined}
                      help={t("overviewPage.returningCustomerRateHelp")}
                      trend={trend(t("overviewPage.returningCustomerRate"), (activity ?? []).map((p) => p.returningCustomerRate))}
                      loading={loading}
                    />
                    <MetricCard
                      testId="card-repeat-rate"
                      title={t("overviewPage.repeatPurchaseRate")}
                      value={f.percent(rates.repeatPurchaseRate)}
                      growth={ratesGrowth ? ratesGrowth.repeatPurchaseRate : undefined}
                      help={t("overviewPage.repeatPurchaseRateHelp")}
                      trend={trend(t("overviewPage.repeatPurchaseRate"), (activity ?? []).map((p) => p.repeatPurchaseRate))}
                      loading={loading}
                    />
                    {noSessions ? (
                      <MetricCard testId="card-conversion" title={t("overviewPage.conversionRate")} value="—" loading={loading}>
                        <Text as="p" variant="bodySm" tone="subdued">
                          {conversion?.source ? (
                            t("overviewPage.noSessionsInRange")
                          ) : (
                            <>
                              {t("overviewPage.noSessions")} <RemixLink to="/app/conversion">{t("overviewPage.setUpSessions")}</RemixLink>
                            </>
                          )}
                        </Text>
                      </MetricCard>
                    ) : (
                      <MetricCard
                        testId="card-conversion"
                        title={t("overviewPage.conversionRate")}
                        value={f.percent(rates.conversionRate)}
                        growth={ratesGrowth ? ratesGrowth.conversionRate : undefined}
                        help={t("conversion.source", { source: t(`conversion.sources.${conversion!.source}.badge`) })}
                        trend={trend(t("overviewPage.conversionRate"), conversion!.series.map((p) => p.conversionRate))}
                        loading={loading}
                      />
                    )}
                  </>
                )}
              </InlineGrid>
            </Layout.Section>
            <Layout.Section>
              <Card>
                <BlockStack gap="300">
                  <InlineStack align="space-between">
                    <Text as="h2" variant="headingMd">
                      {t(`overviewPage.chartTitle.${granularity}`)}
                    </Text>
                    <Text as="span" tone="subdued" variant="bodySm">
                      {report.netSalesCmgr?.rate != null
                        ? t("overview.cmgr", {
                            rate: f.growth(report.netSalesCmgr.rate),
                            from: f.period(report.netSalesCmgr.fromPeriod),
                            to: f.period(report.netSalesCmgr.toPeriod),
                          })
                        : ""}
                    </Text>
                  </InlineStack>
                  <NetSalesChart
                    series={report.series}
                    currency={currency}
                    comparison={comparisonSeries}
                    comparisonName={comparedWith ? f.days(comparedWith.from, comparedWith.lastDay) : undefined}
                  />
                </BlockStack>
              </Card>
            </Layout.Section>
            {customerTypes && (
              <Layout.Section>
                <Card>
                  <BlockStack gap="300">
                    <Text as="h2" variant="headingMd">
                      {t("overviewPage.customerTypes.title")}
                    </Text>
                    <div data-testid="customer-types">
                      <CustomerTypeTable rows={customerTypes} currency={currency} />
                    </div>
                  </BlockStack>
                </Card>
              </Layout.Section>
            )}
            <Layout.Section>
              <Card padding="0">
                <div data-testid="sales-table">
                  <SalesTable rows={report.series} currency={currency} totals={report.totals} />
                </div>
              </Card>
            </Layout.Section>
            <Layout.Section>
              <Text as="p" tone="subdued" variant="bodySm">
                {describeSalesSettings(t, report.settings, timeZone)}
              </Text>
            </Layout.Section>
          </Layout>
        )}
      </BlockStack>
    </Page>
  );
}

export function ErrorBoundary() {
  const { t } = useTranslation();
  return <PageError title={t("overview.title")} />;
}
