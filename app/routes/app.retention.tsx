import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useLocation } from "@remix-run/react";
import {
  BlockStack,
  Box,
  Button,
  ButtonGroup,
  Card,
  InlineGrid,
  InlineStack,
  Link,
  Page,
  Select,
  Text,
} from "@shopify/polaris";
import { useState } from "react";
import { COHORT_VIEWS, CohortTable, type CohortView } from "#app/components/CohortTable";
import { DateRangeSelect } from "#app/components/DateRangeSelect";
import { useDownload, withLocale } from "#app/components/download";
import { DownloadFailedBanner } from "#app/components/DownloadFailedBanner";
import { Control, ReportControls } from "#app/components/ReportControls";
import { useFormat } from "#app/components/format";
import { MetricCard } from "#app/components/MetricCard";
import { describeRetentionSettings } from "#app/components/metric-rules";
import { EmptyCard } from "#app/components/EmptyCard";
import { RecomputingCard } from "#app/components/RecomputingCard";
import { PageError } from "#app/components/PageError";
import { useRevalidateWhile, useUpdateSearchParams } from "#app/components/page-hooks";
import { RetentionChart } from "#app/components/RetentionChart";
import { SyncBanners } from "#app/components/SyncBanners";
import { TimeBetweenOrders } from "#app/components/TimeBetweenOrders";
import { retentionPage } from "#app/dashboard/retention-page.server";
import { badRequest } from "#app/http.server";
import { authenticate } from "#app/shopify.server";
import { useTranslation } from "react-i18next";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return badRequest.page(() => retentionPage(session.shop, new URL(request.url).searchParams, new Date()));
};

/** Cohorts by month or by week (the engine's cohort granularities), kept in the URL as `cohorts`. */
const COHORT_CHOICES = ["month", "week"] as const;

export default function Retention() {
  const { report, recomputing, rebuild, currency, histogram, curve, cohortGranularity, sync, syncing, historyLimited, timeZone, presets, range, lastDay } =
    useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const update = useUpdateSearchParams();
  const location = useLocation();
  const exporting = useDownload();
  const [view, setView] = useState<CohortView>("retention");
  const exportAction = (key: "cohorts" | "timeBetween", path: string) => ({
    content: t(`retentionViews.export.${key}`),
    disabled: !report,
    loading: exporting.busy === key,
    onAction: () => exporting.start(`/app/export/${path}?${withLocale(location.search, i18n.language)}`, { key }),
  });

  // Until the first sync is done, keep the numbers coming in.
  useRevalidateWhile(syncing, 3000);

  const hasCustomers = (report?.activity.customers ?? 0) > 0 || (report?.cohorts.some((c) => c.size > 0) ?? false);

  return (
    <Page
      title={t("retention.title")}
      subtitle={t("retention.subtitle", { timeZone })}
      secondaryActions={[
        exportAction("cohorts", "cohorts"),
        exportAction("timeBetween", "time-between-orders"),
        { content: t("settings.title"), url: "/app/settings" },
      ]}
    >
      <BlockStack gap="400">
        <DownloadFailedBanner downloads={exporting} title={t("common.exportFailed")} />
        <SyncBanners sync={sync} historyLimited={historyLimited} />

        <ReportControls>
          <Control>
            <DateRangeSelect presets={presets} range={range} lastDay={lastDay} onChange={(next) => update({ from: next.from, to: next.to })} />
          </Control>
          <Box minWidth="160px">
            <Select
              label={t("retentionViews.granularityLabel")}
              options={COHORT_CHOICES.map((value) => ({ label: t(`retentionViews.granularity.${value}`), value }))}
              value={cohortGranularity}
              onChange={(value) => update({ cohorts: value })}
            />
          </Box>
        </ReportControls>

        {recomputing ? (
          <RecomputingCard timeZone={timeZone} currency={currency} progress={rebuild} />
        ) : !report || (!hasCustomers && syncing) ? (
          <EmptyCard heading={t("common.onTheirWay")}>
            <p>{t("common.copying")}</p>
          </EmptyCard>
        ) : !hasCustomers ? (
          <EmptyCard heading={t("retention.emptyTitle")}>
            <p>{t("retention.empty")}</p>
          </EmptyCard>
        ) : (
          <>
            <InlineGrid columns={{ xs: 1, sm: 2, md: 4 }} gap="400">
              <MetricCard
                title={t("retention.returningRate")}
                value={f.percent(report.activity.returningCustomerRate)}
                help={t("retention.returningRateHelp")}
              />
              <MetricCard
                title={t("retention.repeatRate")}
                value={f.percent(report.activity.repeatPurchaseRate)}
                help={t("retention.repeatRateHelp")}
              />
              <MetricCard
                title={t("retention.retentionRate")}
                value={f.percent(report.retention.retentionRate)}
                help={t("retention.retentionRateHelp", {
                  count: report.retention.activeAtStart,
                  active: f.count(report.retention.activeAtStart),
                  retained: f.count(report.retention.retainedCustomers),
                  window: t("units.days", { count: report.retention.windowDays, formatted: f.count(report.retention.windowDays) }),
                })}
              />
              <MetricCard
                title={t("retention.churnRate")}
                value={f.percent(report.retention.churnRate)}
                help={t("retention.churnRateHelp", {
                  window: t("units.days", { count: report.retention.windowDays, formatted: f.count(report.retention.windowDays) }),
                })}
              />
              <MetricCard
                title={t("retention.customers")}
                value={f.count(report.activity.customers)}
                help={t("retention.customersHelp")}
              />
              <MetricCard
                title={t("retention.newCustomers")}
                value={f.count(report.activity.newCustomers)}
                help={t("retention.newCustomersHelp")}
              />
              <MetricCard
                title={t("retention.returningCustomers")}
                value={f.count(report.activity.returningCustomers)}
                help={t("retention.returningCustomersHelp")}
              />
              <MetricCard
                title={t("retention.frequency")}
                value={f.decimal(report.activity.purchaseFrequency, 2, { fixed: true })}
                help={t("retention.frequencyHelp", { count: report.activity.orders, orders: f.count(report.activity.orders) })}
              />
            </InlineGrid>

            <InlineGrid columns={{ xs: 1, lg: 2 }} gap="400">
              <Card>
                <BlockStack gap="300">
                  <Text as="h2" variant="headingMd">
                    {cohortGranularity === "week" ? t("retentionViews.curveTitleWeek") : t("retention.curveTitle")}
                  </Text>
                  <Text as="p" variant="bodySm" tone="subdued">
                    {cohortGranularity === "week" ? t("retentionViews.curveHelpWeek") : t("retention.curveHelp")}
                  </Text>
                  {curve.some((point) => point.k > 0) ? (
                    <RetentionChart curve={curve} granularity={cohortGranularity} />
                  ) : (
                    <Text as="p" tone="subdued">
                      {t("retention.curveEmpty")}
                    </Text>
                  )}
                </BlockStack>
              </Card>
              <Card>
                <BlockStack gap="400">
                  <BlockStack gap="100">
                    <Text as="h2" variant="headingMd">
                      {t("timeBetween.title")}
                    </Text>
                    <Text as="p" variant="bodySm" tone="subdued">
                      {t("timeBetween.help")}
                    </Text>
                  </BlockStack>
                  <TimeBetweenOrders gaps={report.timeBetweenOrders} histogram={histogram} />
                </BlockStack>
              </Card>
            </InlineGrid>

            <Card padding="0">
              <BlockStack gap="300">
                <Box paddingInline="400" paddingBlockStart="400">
                  <InlineStack align="space-between" blockAlign="center" gap="200">
                    <BlockStack gap="100">
                      <Text as="h2" variant="headingMd">
                        {cohortGranularity === "week" ? t("retentionViews.title.week") : t("cohorts.title")}
                      </Text>
                      <Text as="p" variant="bodySm" tone="subdued">
                        {cohortGranularity === "week" ? t(`retentionViews.weekHelp.${view}`) : t(`cohorts.help.${view}`)}
                      </Text>
                    </BlockStack>
                    <ButtonGroup variant="segmented">
                      {COHORT_VIEWS.map((option) => (
                        <Button key={option} pressed={view === option} onClick={() => setView(option)}>
                          {t(`cohorts.views.${option}`)}
                        </Button>
                      ))}
                    </ButtonGroup>
                  </InlineStack>
                </Box>
                <CohortTable cohorts={report.cohorts} view={view} currency={report.currency} granularity={cohortGranularity} />
              </BlockStack>
            </Card>

            <Text as="p" tone="subdued" variant="bodySm">
              {describeRetentionSettings(t, report.settings, report.timeZone)}{" "}
              <Link url="/app/settings">{t("common.changeRules")}</Link>
            </Text>
          </>
        )}
      </BlockStack>
    </Page>
  );
}

export function ErrorBoundary() {
  const { t } = useTranslation();
  return <PageError title={t("retention.title")} />;
}
