import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useLocation } from "@remix-run/react";
import {
  Banner,
  BlockStack,
  Card,
  InlineGrid,
  InlineStack,
  Layout,
  Page,
  Text,
} from "@shopify/polaris";
import { DateRangeSelect } from "#app/components/DateRangeSelect";
import { CompareSelect, Control, ReportControls } from "#app/components/ReportControls";
import { useDownload, withLocale } from "#app/components/download";
import { EmptyCard } from "#app/components/EmptyCard";
import { PageError } from "#app/components/PageError";
import { describeSalesSettings } from "#app/components/metric-rules";
import { SyncBanners } from "#app/components/SyncBanners";
import { useFormat } from "#app/components/format";
import { MetricCard } from "#app/components/MetricCard";
import { NetSalesChart } from "#app/components/NetSalesChart";
import { useRevalidateWhile, useUpdateSearchParams } from "#app/components/page-hooks";
import { SalesTable } from "#app/components/SalesTable";
import { overviewPage } from "#app/dashboard/overview.server";
import { badRequest } from "#app/http.server";
import { authenticate } from "#app/shopify.server";
import { useTranslation } from "react-i18next";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return badRequest.wrap(() => overviewPage(session.shop, new URL(request.url).searchParams, new Date()));
};

export default function Overview() {
  const { report, sync, range, compare, presets, timeZone, historyLimited, lastDay, syncing, comparedWith } =
    useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const update = useUpdateSearchParams();
  const location = useLocation();
  const exporting = useDownload();

  // Until the first sync is done, keep the numbers coming in.
  useRevalidateWhile(syncing, 3000);

  const currency = report?.currency ?? "USD";
  const money = (minor: number) => f.money(minor, currency);
  const hasOrders = (report?.totals.orders ?? 0) > 0 || (report?.series.some((p) => p.netSales !== 0) ?? false);
  const comparisonLabel =
    comparedWith &&
    t(comparedWith.compareTo === "previous_year" ? "overview.vsYearEarlier" : "overview.vsPreviousPeriod", {
      from: f.day(comparedWith.from),
      to: f.day(comparedWith.lastDay),
    });

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
        {exporting.error && (
          <Banner tone="critical" title={t("common.exportFailed")} onDismiss={exporting.dismiss}>
            <Text as="p">{exporting.error}</Text>
          </Banner>
        )}
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
        </ReportControls>

        {!report || (!hasOrders && sync.status !== "succeeded") ? (
          <EmptyCard heading={t("common.onTheirWay")}>
            <Text as="p">{t("common.copying")}</Text>
          </EmptyCard>
        ) : (
          <Layout>
            <Layout.Section>
              <InlineGrid columns={{ xs: 1, sm: 2, md: 4 }} gap="400">
                <MetricCard
                  title={t("overview.netSales")}
                  value={money(report.totals.netSales)}
                  growth={report.comparison ? report.comparison.growth.netSales : undefined}
                  comparisonLabel={comparisonLabel || undefined}
                />
                <MetricCard
                  title={t("overview.orders")}
                  value={f.count(report.totals.orders)}
                  growth={report.comparison ? report.comparison.growth.orders : undefined}
                />
                <MetricCard
                  title={t("overview.aov")}
                  value={report.totals.averageOrderValue === null ? "—" : money(report.totals.averageOrderValue)}
                  growth={report.comparison ? report.comparison.growth.averageOrderValue : undefined}
                />
                <MetricCard
                  title={t("overview.totalSales")}
                  value={money(report.totals.totalSales)}
                  growth={report.comparison ? report.comparison.growth.totalSales : undefined}
                  help={t("overview.totalSalesHelp")}
                />
              </InlineGrid>
            </Layout.Section>
            <Layout.Section>
              <Card>
                <BlockStack gap="300">
                  <InlineStack align="space-between">
                    <Text as="h2" variant="headingMd">
                      {t("overview.byMonth")}
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
                  <NetSalesChart series={report.series} currency={currency} />
                </BlockStack>
              </Card>
            </Layout.Section>
            <Layout.Section>
              <Card padding="0">
                <SalesTable rows={report.series} currency={currency} totals={report.totals} />
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
