import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, useLocation, useNavigation } from "@remix-run/react";
import { Banner, BlockStack, Box, Card, InlineGrid, InlineStack, Link, Page, Pagination, Select, Text } from "@shopify/polaris";
import { useEffect, useState } from "react";
import { AtRiskTable, type CustomerSelection } from "#app/components/AtRiskTable";
import { CustomerListControls, FILTER_FIELDS, type FilterDraft } from "#app/components/CustomerListControls";
import { TagCustomersCard } from "#app/components/TagCustomersCard";
import { TagJobsCard } from "#app/components/TagJobsCard";
import { tagCustomersForm } from "#app/tagging/tag-request.server";
import { useDownload, withLocale } from "#app/components/download";
import { DownloadFailedBanner } from "#app/components/DownloadFailedBanner";
import { PredictionGroups } from "#app/components/PredictionGroups";
import { useFormat } from "#app/components/format";
import { MetricCard } from "#app/components/MetricCard";
import { describeAtRiskSettings } from "#app/components/metric-rules";
import { EmptyCard } from "#app/components/EmptyCard";
import { RecomputingCard } from "#app/components/RecomputingCard";
import { PageError } from "#app/components/PageError";
import { SyncBanners } from "#app/components/SyncBanners";
import { customersPage } from "#app/dashboard/customers-page.server";
import { badRequest } from "#app/http.server";
import { useRevalidateWhile, useUpdateSearchParams } from "#app/components/page-hooks";
import { authenticate } from "#app/shopify.server";
import type { TagRefusal } from "#app/shopify/customer-tags";
import { useTranslation } from "react-i18next";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return badRequest.page(() => customersPage(session.shop, new URL(request.url).searchParams, new Date()));
};

/** Tag (or untag) the chosen customers in Shopify: records the request and queues its job. */
export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const result = await tagCustomersForm(session.shop, await request.formData(), new Date());
  return json(result, { status: result.ok ? 200 : result.status });
};

export default function Customers() {
  const { report, recomputing, rebuild, currency, predictions, sync, syncing, historyLimited, limit, page, pages, pageSizes, timeZone, list, sort, tagging } =
    useLoaderData<typeof loader>();
  const location = useLocation();
  const fetcher = useFetcher<typeof action>();
  const [selection, setSelection] = useState<CustomerSelection>({ all: false, ids: [] });
  const [tagError, setTagError] = useState<TagRefusal | null>(null);
  const searchParams = new URLSearchParams(location.search);
  const applied = Object.fromEntries(FILTER_FIELDS.map((field) => [field, searchParams.get(field) ?? ""])) as FilterDraft;
  const filtered = FILTER_FIELDS.some((field) => applied[field] !== "");
  const working = tagging.jobs.some((job) => job.status === "queued" || job.status === "running");
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const days = (value: number) => t("units.days", { count: Math.round(value), formatted: f.decimal(value, 0) });
  const update = useUpdateSearchParams();
  const navigation = useNavigation();
  const exporting = useDownload();

  // Until the first sync is done, keep the list coming in; while a tagging job runs, its progress.
  useRevalidateWhile(syncing || working, working ? 1500 : 3000);
  // The server refuses a request (a 4xx and why) or accepts it (its job then shows below).
  useEffect(() => {
    if (fetcher.state !== "idle" || !fetcher.data) return;
    setTagError(fetcher.data.ok ? null : fetcher.data.refusal);
  }, [fetcher.state, fetcher.data]);
  const submitTag = (action: "add" | "remove", tag: string) => {
    setTagError(null);
    const form = new FormData();
    form.set("action", action);
    form.set("tag", tag);
    form.set("selection", selection.all ? "all" : "ids");
    form.set("ids", selection.all ? "" : selection.ids.join(","));
    form.set("query", location.search);
    fetcher.submit(form, { method: "post" });
  };
  const exportQuery = new URLSearchParams(location.search);
  for (const key of ["page", "limit", "group", "groupPage"]) exportQuery.delete(key);

  return (
    <Page
      title={t("customers.title")}
      subtitle={t("customers.subtitle")}
      secondaryActions={[
        { content: t("nav.retention"), url: "/app/retention" },
        {
          content: t("customerActions.exportList"),
          loading: exporting.busy === "list",
          disabled: !report,
          onAction: () => exporting.start(`/app/export/customers?${withLocale(exportQuery.toString(), i18n.language)}`, { key: "list" }),
        },
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
        <DownloadFailedBanner downloads={exporting} title={t("common.exportFailed")} />

        {recomputing ? (
          <RecomputingCard timeZone={timeZone} currency={currency} progress={rebuild} />
        ) : !report || (syncing && report.total === 0) ? (
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
                title={list === "at_risk" && !filtered ? t("customers.pastIt") : t("customerActions.matching")}
                value={f.count(report.total)}
                help={list === "at_risk" && !filtered ? t("customers.pastItHelp") : t(`customerActions.matchingHelp.${list}`)}
              />
            </InlineGrid>

            {!tagging.granted && (
              <Banner
                tone="warning"
                title={t("customerActions.grant.title")}
                action={{ content: t("customerActions.grant.action"), url: "shopify://admin/apps/metryka", target: "_top" }}
              >
                <Text as="p">{t("customerActions.grant.text")}</Text>
              </Banner>
            )}

            <Card padding="0">
              <BlockStack gap="200">
                <CustomerListControls list={list} sort={sort} applied={applied} onChange={update} />
                <Box paddingInline="400" paddingBlockStart="200">
                  <InlineStack align="space-between" blockAlign="end" gap="300">
                    <BlockStack gap="100">
                      <Text as="h2" variant="headingMd">
                        {list === "at_risk" ? t("customers.lapsed") : t("customerActions.lists.repeat")}
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
                {report.total === 0 ? (
                  <Box padding="400">
                    <EmptyCard heading={list === "at_risk" && !filtered ? t("customers.noneTitle") : t("customerActions.noneMatchingTitle")}>
                      <p>{list === "at_risk" && !filtered ? t("customers.none", { days: days(report.lapsePointDays) }) : t("customerActions.noneMatching")}</p>
                    </EmptyCard>
                  </Box>
                ) : (
                  <AtRiskTable customers={report.customers} currency={report.currency} total={report.total} onSelection={setSelection} />
                )}
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

            {tagging.granted && (selection.all || selection.ids.length > 0) && (
              <TagCustomersCard selection={selection} busy={fetcher.state !== "idle"} serverError={tagError} onSubmit={submitTag} />
            )}
            <TagJobsCard jobs={tagging.jobs} timeZone={timeZone} />

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
