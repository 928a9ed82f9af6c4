import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useNavigation } from "@remix-run/react";
import { Banner, BlockStack, Box, Card, InlineGrid, InlineStack, Link, Page, Pagination, Select, Text } from "@shopify/polaris";
import { AtRiskTable } from "#app/components/AtRiskTable";
import { useDownload, withLocale } from "#app/components/download";
import { PredictionGroups } from "#app/components/PredictionGroups";
import { useFormat } from "#app/components/format";
import { MetricCard } from "#app/components/MetricCard";
import { describeAtRiskSettings } from "#app/components/metric-rules";
import { EmptyCard } from "#app/components/EmptyCard";
import { PageError } from "#app/components/PageError";
import { SyncBanners } from "#app/components/SyncBanners";
import { customersPage } from "#app/dashboard/customers-page.server";
import { badRequest } from "#app/http.server";
import { useRevalidateWhile, useUpdateSearchParams } from "#app/components/page-hooks";
import { authenticate } from "#app/shopify.server";
import { useTranslation } from "react-i18next";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return badRequest.wrap(() => customersPage(session.shop, new URL(request.url).searchParams, new Date()));
};

export default function Customers() {
  const { report, predictions, sync, syncing, historyLimited, limit, page, pages, pageSizes, timeZone } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const days = (value: number) => t("units.days", { count: Math.round(value), formatted: f.decimal(value, 0) });
  const update = useUpdateSearchParams();
  const navigation = useNavigation();
  const exporting = useDownload();

  // Until the first sync is done, keep the list coming in.
  useRevalidateWhile(syncing, 3000);

  return (
    <Page
      title={t("customers.title")}
      subtitle={t("customers.subtitle")}
      secondaryActions={[
        { content: t("nav.retention"), url: "/app/retention" },
        {
          content: t("customers.exportPredictions"),
          loading: exporting.busy !== null,
          disabled: predictions?.state.status !== "ready",
          onAction: () => exporting.start(`/app/export/predictions?${withLocale("", i18n.language)}`),
        },
      ]}
    >
      <BlockStack gap="400">
        <SyncBanners sync={sync} historyLimited={historyLimited} />
        {exporting.error && (
          <Banner tone="critical" title={t("common.exportFailed")} onDismiss={exporting.dismiss}>
            <Text as="p">{exporting.error}</Text>
          </Banner>
        )}

        {!report || (syncing && report.total === 0) ? (
          <EmptyCard heading={t("common.onTheirWay")}>
            <p>{t("common.copying")}</p>
          </EmptyCard>
        ) : (
          <>
            <InlineGrid columns={{ xs: 1, sm: 2, md: 2 }} gap="400">
              <MetricCard
                title={t("customers.lapsePoint")}
                value={days(report.lapsePointDays)}
                help={t("customers.lapsePointHelp", { count: report.gaps, gaps: f.count(report.gaps) })}
              />
              <MetricCard
                title={t("customers.pastIt")}
                value={f.count(report.total)}
                help={t("customers.pastItHelp")}
              />
            </InlineGrid>

            {report.total === 0 ? (
              <EmptyCard heading={t("customers.noneTitle")}>
                <p>{t("customers.none", { days: days(report.lapsePointDays) })}</p>
              </EmptyCard>
            ) : (
              <Card padding="0">
                <BlockStack gap="200">
                  <Box paddingInline="400" paddingBlockStart="400">
                    <InlineStack align="space-between" blockAlign="end" gap="300">
                      <BlockStack gap="100">
                        <Text as="h2" variant="headingMd">
                          {t("customers.lapsed")}
                        </Text>
                        <Text as="p" variant="bodySm" tone="subdued">
                          {t("customers.showing", {
                            first: f.count(report.customers.length === 0 ? 0 : report.offset + 1),
                            last: f.count(report.offset + report.customers.length),
                            total: f.count(report.total),
                            count: report.total,
                          })}
                        </Text>
                      </BlockStack>
                      <InlineStack gap="200" blockAlign="center">
                        {navigation.state === "loading" && (
                          <Text as="span" tone="subdued">
                            {t("common.updating")}
                          </Text>
                        )}
                        <Box minWidth="140px">
                          <Select
                            label={t("customers.show")}
                            labelInline
                            options={[...new Set([...pageSizes, limit])]
                              .sort((a, b) => a - b)
                              .map((size) => ({ label: f.count(size), value: String(size) }))}
                            value={String(limit)}
                            onChange={(value) => update({ limit: value, page: null })}
                          />
                        </Box>
                      </InlineStack>
                    </InlineStack>
                  </Box>
                  <AtRiskTable customers={report.customers} currency={report.currency} />
                  {pages > 1 && (
                    <Box padding="400">
                      <InlineStack align="center">
                        <Pagination
                          label={t("common.pageOf", { page: f.count(page), pages: f.count(pages) })}
                          hasPrevious={page > 1}
                          onPrevious={() => update({ page: page > 2 ? String(page - 1) : null })}
                          hasNext={page < pages}
                          onNext={() => update({ page: String(page + 1) })}
                        />
                      </InlineStack>
                    </Box>
                  )}
                </BlockStack>
              </Card>
            )}

            <Text as="p" tone="subdued" variant="bodySm">
              {describeAtRiskSettings(t, report.settings)} <Link url="/app/settings">{t("common.changeRules")}</Link>
            </Text>

            {predictions && (
              <PredictionGroups
                {...predictions}
                timeZone={timeZone}
                onGroup={(group) => update({ group: group === "likely_to_return" ? null : group, groupPage: null })}
                onPage={(next) => update({ groupPage: next > 1 ? String(next) : null })}
              />
            )}
          </>
        )}
      </BlockStack>
    </Page>
  );
}

export function ErrorBoundary() {
  const { t } = useTranslation();
  return <PageError title={t("customers.title")} />;
}
