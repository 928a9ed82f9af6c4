import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useLocation } from "@remix-run/react";
import { Badge, BlockStack, Box, Card, InlineGrid, InlineStack, List, Page, Select, Text } from "@shopify/polaris";
import { BreakdownTable } from "#app/components/BreakdownTable";
import { ConversionChart } from "#app/components/ConversionChart";
import { ConversionFunnel } from "#app/components/ConversionFunnel";
import { DateRangeSelect } from "#app/components/DateRangeSelect";
import { useDownload, withLocale } from "#app/components/download";
import { DownloadFailedBanner } from "#app/components/DownloadFailedBanner";
import { CompareSelect, Control, ReportControls, useComparisonLabel } from "#app/components/ReportControls";
import { useFormat } from "#app/components/format";
import { MetricCard } from "#app/components/MetricCard";
import { EmptyCard } from "#app/components/EmptyCard";
import { PageError } from "#app/components/PageError";
import { conversionPage } from "#app/dashboard/conversion-page.server";
import { badRequest } from "#app/http.server";
import { authenticate } from "#app/shopify.server";
import { useUpdateSearchParams } from "#app/components/page-hooks";
import { Trans, useTranslation } from "react-i18next";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return badRequest.page(() => conversionPage(session.shop, new URL(request.url).searchParams, new Date()));
};

// Each source's name and what its figures are: `conversion.sources.<source>.badge` and `.note`.

export default function Conversion() {
  const { report, comparison, funnel, sources, reportsScopeGranted, pixelScopesGranted, breakdowns, pixel, shopifySessions, query, timeZone, presets, range, lastDay } =
    useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const update = useUpdateSearchParams();
  const location = useLocation();
  const exporting = useDownload();
  const sourceLabel = (which: "shopify" | "pixel") => t(`conversion.sources.${which}.badge`);
  // With both sources, the choice between them sits with what the figures' source is (or, when
  // the chosen one has nothing to show, with the empty state).
  const sourceChoice = sources.shopify && sources.pixel && (
    <Box minWidth="280px">
      <Select
        label={t("conversion.sessionsFrom")}
        labelInline
        options={[
          { label: sourceLabel("shopify"), value: "shopify" },
          { label: sourceLabel("pixel"), value: "pixel" },
        ]}
        value={report?.source ?? "shopify"}
        onChange={(value) => update({ source: value })}
      />
    </Box>
  );

  const source = report?.source ?? null;
  const totals = report?.totals;
  const hasData = source !== null && totals?.sessions != null;
  // Against the comparison range (same source): each card's change, said under the first two.
  const growth = comparison?.growth;
  const comparisonLabel = useComparisonLabel(comparison && { compareTo: comparison.compareTo, from: comparison.range.from, lastDay: comparison.lastDay });

  // The tables as the page shows them: its range, granularity and source (when it has sessions).
  const exportAction = (key: "funnel" | "series" | "breakdowns") => ({
    content: t(`retentionViews.export.${key}`),
    disabled: !hasData,
    loading: exporting.busy === key,
    onAction: () => exporting.start(`/app/export/conversion-${key}?${withLocale(location.search, i18n.language)}`, { key }),
  });

  return (
    <Page
      title={t("conversion.title")}
      subtitle={t("conversion.subtitle", { timeZone })}
      secondaryActions={[exportAction("funnel"), exportAction("series"), exportAction("breakdowns")]}
    >
      <BlockStack gap="400">
        <DownloadFailedBanner downloads={exporting} title={t("common.exportFailed")} />
        <ReportControls>
          <Control>
            <DateRangeSelect presets={presets} range={range} lastDay={lastDay} onChange={(next) => update(next)} />
          </Control>
          <Control>
            <CompareSelect value={query.compare} onChange={(compare) => update({ compare })} />
          </Control>
          <Box minWidth="160px">
            <Select
              label={t("conversion.groupBy")}
              options={[
                { label: t("conversion.granularity.month"), value: "month" },
                { label: t("conversion.granularity.week"), value: "week" },
              ]}
              value={query.granularity}
              onChange={(value) => update({ granularity: value })}
            />
          </Box>
        </ReportControls>

        {!hasData || !totals ? (
          <EmptyCard heading={t("conversion.empty.title")}>
            <BlockStack gap="300">
              <Text as="p">{t("conversion.empty.intro")}</Text>
              <List>
                <List.Item>
                  <Trans i18nKey="conversion.empty.shopify" components={{ strong: <strong /> }} />{" "}
                  {!reportsScopeGranted
                    ? t("conversion.empty.shopifyGrant")
                    : shopifySessions?.error
                      ? t("conversion.empty.shopifyError", { error: shopifySessions.error })
                      : t("conversion.empty.shopifyGranted")}
                </List.Item>
                <List.Item>
                  <Trans i18nKey="conversion.empty.pixel" components={{ strong: <strong /> }} />{" "}
                  {!pixelScopesGranted
                    ? t("conversion.empty.pixelGrant")
                    : pixel?.status === "active"
                      ? t("conversion.empty.pixelActive")
                      : pixel?.error
                        ? t("conversion.empty.pixelError", { error: pixel.error })
                        : t("conversion.empty.pixelActivating")}
                </List.Item>
              </List>
              {source !== null && (
                <Text as="p" tone="subdued">
                  {t("conversion.empty.askedFor", { source: sourceLabel(source) })}
                </Text>
              )}
              {sourceChoice}
            </BlockStack>
          </EmptyCard>
        ) : (
          <>
            <Card>
              <InlineGrid columns={{ xs: 1, md: sourceChoice ? "1fr auto" : 1 }} gap="300" alignItems="center">
                <InlineStack gap="200" blockAlign="center" wrap={false}>
                  {/* On one line: beside the note and the choice, the badge would otherwise be squeezed. */}
                  <span style={{ whiteSpace: "nowrap" }}>
                    <Badge tone={source === "shopify" ? "success" : "info"}>{t("conversion.source", { source: sourceLabel(source) })}</Badge>
                  </span>
                  <Text as="p" variant="bodySm" tone="subdued">
                    {t(`conversion.sources.${source}.note`)}
                  </Text>
                </InlineStack>
                {sourceChoice}
              </InlineGrid>
            </Card>

            <InlineGrid columns={{ xs: 1, sm: 2, md: 4 }} gap="400">
              <MetricCard
                title={t("conversion.rate")}
                value={f.percent(totals.conversionRate)}
                growth={growth?.conversionRate}
                comparisonLabel={comparisonLabel}
                help={t("conversion.rateHelp")}
              />
              <MetricCard
                title={t("conversion.sessions")}
                value={f.count(totals.sessions ?? 0)}
                growth={growth?.sessions}
                comparisonLabel={comparisonLabel}
                help={t("conversion.sessionsHelp")}
              />
              {totals.ordersPerSession !== null ? (
                <MetricCard
                  title={t("conversion.ordersPerSession")}
                  value={f.decimal(totals.ordersPerSession, 3)}
                  growth={growth?.ordersPerSession}
                  help={t("conversion.ordersPerSessionHelp", { count: totals.orders ?? 0, orders: f.count(totals.orders ?? 0) })}
                />
              ) : (
                <MetricCard
                  title={t("conversion.funnel.checkout")}
                  value={f.percent(funnel[2]?.shareOfSessions ?? null)}
                  growth={growth?.reachedCheckout}
                  help={t("conversion.reachedCheckoutHelp")}
                />
              )}
              {totals.signUpRate !== null ? (
                <MetricCard
                  title={t("conversion.signUpRate")}
                  value={f.percent(totals.signUpRate)}
                  growth={growth?.signUpRate}
                  help={t("conversion.signUpRateHelp")}
                />
              ) : (
                <MetricCard
                  title={t("conversion.funnel.cart")}
                  value={f.percent(funnel[1]?.shareOfSessions ?? null)}
                  growth={growth?.addedToCart}
                  help={t("conversion.addedToCartHelp")}
                />
              )}
            </InlineGrid>

            <InlineGrid columns={{ xs: 1, lg: 2 }} gap="400">
              <Card>
                <BlockStack gap="400">
                  <Text as="h2" variant="headingMd">
                    {t("conversion.funnel.title")}
                  </Text>
                  <ConversionFunnel steps={funnel} />
                </BlockStack>
              </Card>
              <Card>
                <BlockStack gap="300">
                  <Text as="h2" variant="headingMd">
                    {t(`conversion.chart.title.${query.granularity}`)}
                  </Text>
                  <ConversionChart
                    series={report.series}
                    comparison={comparison?.series}
                    comparisonName={comparison ? f.days(comparison.range.from, comparison.lastDay) : undefined}
                  />
                  <Text as="p" variant="bodySm" tone="subdued">
                    {t("conversion.chart.footnote")}
                  </Text>
                  {comparison && !comparison.totals.sessions && (
                    <Text as="p" variant="bodySm" tone="subdued">
                      {t("conversion.chart.noComparison", { source: sourceLabel(source), from: f.day(comparison.range.from), to: f.day(comparison.lastDay) })}
                    </Text>
                  )}
                </BlockStack>
              </Card>
            </InlineGrid>

            {breakdowns && (
              // One above the other: side by side, a third of the page is too narrow for four
              // columns, and each table scrolled sideways.
              <BlockStack gap="400">
                <BreakdownTable title={t("breakdown.source")} dimension="source" rows={breakdowns.dimensions.source} sourceLabel={sourceLabel(source)} testId="breakdown-source" />
                <BreakdownTable title={t("breakdown.device")} dimension="device" rows={breakdowns.dimensions.device} sourceLabel={sourceLabel(source)} testId="breakdown-device" />
                <BreakdownTable title={t("breakdown.landingPage")} dimension="landingPage" rows={breakdowns.dimensions.landingPage} sourceLabel={sourceLabel(source)} testId="breakdown-landingPage" />
              </BlockStack>
            )}
          </>
        )}
      </BlockStack>
    </Page>
  );
}

export function ErrorBoundary() {
  const { t } = useTranslation();
  return <PageError title={t("conversion.title")} />;
}
