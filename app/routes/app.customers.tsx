import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useNavigation } from "@remix-run/react";
import { Banner, BlockStack, Box, Card, InlineGrid, InlineStack, Link, Page, Pagination, Select, Text } from "@shopify/polaris";
import { AtRiskTable } from "#app/components/AtRiskTable";
import { useDownload } from "#app/components/download";
import { PredictionGroups } from "#app/components/PredictionGroups";
import { formatCount } from "#app/components/format";
import { MetricCard } from "#app/components/MetricCard";
import { describeAtRiskSettings } from "#app/components/metric-rules";
import { EmptyCard } from "#app/components/EmptyCard";
import { PageError } from "#app/components/PageError";
import { SyncBanners } from "#app/components/SyncBanners";
import { customersPage } from "#app/dashboard/customers-page.server";
import { badRequest } from "#app/http.server";
import { useRevalidateWhile, useUpdateSearchParams } from "#app/components/page-hooks";
import { authenticate } from "#app/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return badRequest.wrap(() => customersPage(session.shop, new URL(request.url).searchParams, new Date()));
};

const days = (value: number) => `${new Intl.NumberFormat("en", { maximumFractionDigits: 0 }).format(value)} days`;

export default function Customers() {
  const { report, predictions, sync, syncing, historyLimited, limit, page, pages, pageSizes, timeZone } = useLoaderData<typeof loader>();
  const update = useUpdateSearchParams();
  const navigation = useNavigation();
  const exporting = useDownload();

  // Until the first sync is done, keep the list coming in.
  useRevalidateWhile(syncing, 3000);

  return (
    <Page
      title="Customers at risk"
      subtitle="Customers who have not ordered for longer than your store's usual gap between orders"
      secondaryActions={[
        { content: "Retention", url: "/app/retention" },
        {
          content: "Export predictions",
          loading: exporting.busy !== null,
          disabled: predictions?.state.status !== "ready",
          onAction: () => exporting.start("/app/export/predictions"),
        },
      ]}
    >
      <BlockStack gap="400">
        <SyncBanners sync={sync} historyLimited={historyLimited} />
        {exporting.error && (
          <Banner tone="critical" title="The export failed" onDismiss={exporting.dismiss}>
            <Text as="p">{exporting.error}</Text>
          </Banner>
        )}

        {!report || (syncing && report.total === 0) ? (
          <EmptyCard heading="Your numbers are on their way">
            <p>Metryka is copying your store&apos;s orders. This page fills in by itself as they arrive.</p>
          </EmptyCard>
        ) : (
          <>
            <InlineGrid columns={{ xs: 1, sm: 2, md: 2 }} gap="400">
              <MetricCard
                title="Lapse point"
                value={days(report.lapsePointDays)}
                help={`90th percentile of ${formatCount(
                  report.gaps
                )} gaps between a customer's orders (at least 30 days)`}
              />
              <MetricCard
                title="Customers past it"
                value={formatCount(report.total)}
                help="Their last order is longer ago than the lapse point"
              />
            </InlineGrid>

            {report.total === 0 ? (
              <EmptyCard heading="No customer is past the lapse point">
                <p>
                  Every customer who ordered has done so within the last {days(report.lapsePointDays)}. Customers appear
                  here once their last order is longer ago than that.
                </p>
              </EmptyCard>
            ) : (
              <Card padding="0">
                <BlockStack gap="200">
                  <Box paddingInline="400" paddingBlockStart="400">
                    <InlineStack align="space-between" blockAlign="end" gap="300">
                      <BlockStack gap="100">
                        <Text as="h2" variant="headingMd">
                          Lapsed customers
                        </Text>
                        <Text as="p" variant="bodySm" tone="subdued">
                          Showing {formatCount(report.customers.length === 0 ? 0 : report.offset + 1)}–
                          {formatCount(report.offset + report.customers.length)} of {formatCount(report.total)}, highest
                          net spend first. Open a customer in Shopify to win them back with an offer or a note.
                        </Text>
                      </BlockStack>
                      <InlineStack gap="200" blockAlign="center">
                        {navigation.state === "loading" && (
                          <Text as="span" tone="subdued">
                            Updating…
                          </Text>
                        )}
                        <Box minWidth="140px">
                          <Select
                            label="Show"
                            labelInline
                            options={[...new Set([...pageSizes, limit])]
                              .sort((a, b) => a - b)
                              .map((size) => ({ label: formatCount(size), value: String(size) }))}
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
                          label={`Page ${formatCount(page)} of ${formatCount(pages)}`}
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
              {describeAtRiskSettings(report.settings)} <Link url="/app/settings">Change these rules</Link>
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
  return <PageError title="Customers at risk" />;
}
