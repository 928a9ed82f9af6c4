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
import { useDownload } from "#app/components/download";
import { EmptyCard } from "#app/components/EmptyCard";
import { PageError } from "#app/components/PageError";
import { describeSalesSettings } from "#app/components/metric-rules";
import { SyncBanners } from "#app/components/SyncBanners";
import { formatCount, formatMoney } from "#app/components/format";
import { MetricCard } from "#app/components/MetricCard";
import { NetSalesChart } from "#app/components/NetSalesChart";
import { useRevalidateWhile, useUpdateSearchParams } from "#app/components/page-hooks";
import { SalesTable } from "#app/components/SalesTable";
import { overviewPage } from "#app/dashboard/overview.server";
import { badRequest } from "#app/http.server";
import { authenticate } from "#app/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return badRequest.wrap(() => overviewPage(session.shop, new URL(request.url).searchParams, new Date()));
};

export default function Overview() {
  const { report, sync, range, compare, presets, timeZone, historyLimited, lastDay, syncing, comparedWith } =
    useLoaderData<typeof loader>();
  const update = useUpdateSearchParams();
  const location = useLocation();
  const exporting = useDownload();

  // Until the first sync is done, keep the numbers coming in.
  useRevalidateWhile(syncing, 3000);

  const currency = report?.currency ?? "USD";
  const money = (minor: number) => formatMoney(minor, currency);
  const hasOrders = (report?.totals.orders ?? 0) > 0 || (report?.series.some((p) => p.netSales !== 0) ?? false);
  const comparisonLabel =
    comparedWith &&
    `vs ${comparedWith.from} – ${comparedWith.lastDay} (${comparedWith.compareTo === "previous_year" ? "a year earlier" : "previous period"})`;

  return (
    <Page
      title="Overview"
      subtitle={`Net sales per month, in the shop's time zone (${timeZone})`}
      secondaryActions={[
        {
          content: "Export CSV",
          disabled: !report,
          loading: exporting.busy !== null,
          onAction: () => exporting.start(`/app/export/sales${location.search}`),
        },
        { content: "Data sync", url: "/app/sync" },
      ]}
    >
      <BlockStack gap="400">
        {exporting.error && (
          <Banner tone="critical" title="The export failed" onDismiss={exporting.dismiss}>
            <Text as="p">{exporting.error}</Text>
          </Banner>
        )}
        <SyncBanners sync={sync} historyLimited={historyLimited} />
        {report && report.otherCurrencies.length > 0 && (
          <Banner tone="warning" title="Some orders are in another currency">
            <Text as="p">
              {report.otherCurrencies
                .map((o) => `${formatCount(o.orders)} orders in ${o.currency} (${formatMoney(o.netSales, o.currency)} net)`)
                .join(", ")}{" "}
              are reported apart and not added to the {currency} totals below.
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
          <EmptyCard heading="Your numbers are on their way">
            <Text as="p">Metryka is copying your store&apos;s orders. This page fills in by itself as they arrive.</Text>
          </EmptyCard>
        ) : (
          <Layout>
            <Layout.Section>
              <InlineGrid columns={{ xs: 1, sm: 2, md: 4 }} gap="400">
                <MetricCard
                  title="Net sales"
                  value={money(report.totals.netSales)}
                  growth={report.comparison ? report.comparison.growth.netSales : undefined}
                  comparisonLabel={comparisonLabel || undefined}
                />
                <MetricCard
                  title="Orders"
                  value={formatCount(report.totals.orders)}
                  growth={report.comparison ? report.comparison.growth.orders : undefined}
                />
                <MetricCard
                  title="Average order value"
                  value={report.totals.averageOrderValue === null ? "—" : money(report.totals.averageOrderValue)}
                  growth={report.comparison ? report.comparison.growth.averageOrderValue : undefined}
                />
                <MetricCard
                  title="Total sales"
                  value={money(report.totals.totalSales)}
                  growth={report.comparison ? report.comparison.growth.totalSales : undefined}
                  help="Net sales + shipping + taxes"
                />
              </InlineGrid>
            </Layout.Section>
            <Layout.Section>
              <Card>
                <BlockStack gap="300">
                  <InlineStack align="space-between">
                    <Text as="h2" variant="headingMd">
                      Net sales by month
                    </Text>
                    <Text as="span" tone="subdued" variant="bodySm">
                      {report.netSalesCmgr?.rate != null
                        ? `Compound monthly growth ${(report.netSalesCmgr.rate * 100).toFixed(1)}% (${report.netSalesCmgr.fromPeriod} → ${report.netSalesCmgr.toPeriod})`
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
                {describeSalesSettings(report.settings, timeZone)}
              </Text>
            </Layout.Section>
          </Layout>
        )}
      </BlockStack>
    </Page>
  );
}

export function ErrorBoundary() {
  return <PageError title="Overview" />;
}
