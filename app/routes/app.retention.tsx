import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
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
  Text,
} from "@shopify/polaris";
import { useState } from "react";
import { COHORT_VIEW_HELP, COHORT_VIEWS, CohortTable, type CohortView } from "#app/components/CohortTable";
import { DateRangeSelect } from "#app/components/DateRangeSelect";
import { Control, ReportControls } from "#app/components/ReportControls";
import { formatCount, formatPercent } from "#app/components/format";
import { MetricCard } from "#app/components/MetricCard";
import { describeRetentionSettings } from "#app/components/metric-rules";
import { EmptyCard } from "#app/components/EmptyCard";
import { PageError } from "#app/components/PageError";
import { useRevalidateWhile, useUpdateSearchParams } from "#app/components/page-hooks";
import { RetentionChart } from "#app/components/RetentionChart";
import { SyncBanners } from "#app/components/SyncBanners";
import { TimeBetweenOrders } from "#app/components/TimeBetweenOrders";
import { retentionPage } from "#app/dashboard/retention-page.server";
import { badRequest } from "#app/http.server";
import { authenticate } from "#app/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return badRequest.wrap(() => retentionPage(session.shop, new URL(request.url).searchParams, new Date()));
};

const decimal = (value: number | null) =>
  value === null
    ? "—"
    : new Intl.NumberFormat("en", { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value);

export default function Retention() {
  const { report, curve, sync, syncing, historyLimited, timeZone, presets, range, lastDay } =
    useLoaderData<typeof loader>();
  const update = useUpdateSearchParams();
  const [view, setView] = useState<CohortView>("retention");

  // Until the first sync is done, keep the numbers coming in.
  useRevalidateWhile(syncing, 3000);

  const hasCustomers = (report?.activity.customers ?? 0) > 0 || (report?.cohorts.some((c) => c.size > 0) ?? false);

  return (
    <Page
      title="Retention"
      subtitle={`Customers who come back, in the shop's time zone (${timeZone})`}
      secondaryActions={[{ content: "Metric settings", url: "/app/settings" }]}
    >
      <BlockStack gap="400">
        <SyncBanners sync={sync} historyLimited={historyLimited} />

        <ReportControls>
          <Control>
            <DateRangeSelect presets={presets} range={range} lastDay={lastDay} onChange={(next) => update({ from: next.from, to: next.to })} />
          </Control>
        </ReportControls>

        {!report || (!hasCustomers && syncing) ? (
          <EmptyCard heading="Your numbers are on their way">
            <p>Metryka is copying your store&apos;s orders. This page fills in by itself as they arrive.</p>
          </EmptyCard>
        ) : !hasCustomers ? (
          <EmptyCard heading="No customer orders in this range">
            <p>
              Retention counts orders placed by customers (guest checkouts have no customer to follow). Choose a longer
              range, or come back once customers have ordered.
            </p>
          </EmptyCard>
        ) : (
          <>
            <InlineGrid columns={{ xs: 1, sm: 2, md: 4 }} gap="400">
              <MetricCard
                title="Returning customer rate"
                value={formatPercent(report.activity.returningCustomerRate)}
                help="Shopify's: customers of the range with more than one order by its end"
              />
              <MetricCard
                title="Repeat purchase rate"
                value={formatPercent(report.activity.repeatPurchaseRate)}
                help="Customers with 2 or more orders in the range, of all who ordered"
              />
              <MetricCard
                title="Customer retention rate"
                value={formatPercent(report.retention.retentionRate)}
                help={`Of the ${formatCount(report.retention.activeAtStart)} customers active at the start of the range, the share still active at its end (${formatCount(
                  report.retention.retainedCustomers
                )}); active = an order in the last ${report.retention.windowDays} days`}
              />
              <MetricCard
                title="Churn rate"
                value={formatPercent(report.retention.churnRate)}
                help={`1 − retention: active customers lost; active = an order in the last ${report.retention.windowDays} days`}
              />
              <MetricCard
                title="Customers"
                value={formatCount(report.activity.customers)}
                help="Customers with at least one order in the range"
              />
              <MetricCard
                title="New customers"
                value={formatCount(report.activity.newCustomers)}
                help="Their first order is in the range"
              />
              <MetricCard
                title="Returning customers"
                value={formatCount(report.activity.returningCustomers)}
                help="Ordered in the range, first order before it"
              />
              <MetricCard
                title="Purchase frequency"
                value={decimal(report.activity.purchaseFrequency)}
                help={`Orders per customer in the range (${formatCount(report.activity.orders)} orders)`}
              />
            </InlineGrid>

            <InlineGrid columns={{ xs: 1, lg: 2 }} gap="400">
              <Card>
                <BlockStack gap="300">
                  <Text as="h2" variant="headingMd">
                    Average retention by month since the first order
                  </Text>
                  <Text as="p" variant="bodySm" tone="subdued">
                    Customers who ordered again k months after their first order, of all in the cohorts that have
                    completed month k (weighted by cohort size).
                  </Text>
                  {curve.some((point) => point.k > 0) ? (
                    <RetentionChart curve={curve} />
                  ) : (
                    <Text as="p" tone="subdued">
                      No cohort has finished its first month yet.
                    </Text>
                  )}
                </BlockStack>
              </Card>
              <Card>
                <BlockStack gap="400">
                  <BlockStack gap="100">
                    <Text as="h2" variant="headingMd">
                      Time between orders
                    </Text>
                    <Text as="p" variant="bodySm" tone="subdued">
                      Days from a customer&apos;s first order to their second, and between any two orders in a row, for
                      the later orders placed in the range.
                    </Text>
                  </BlockStack>
                  <TimeBetweenOrders gaps={report.timeBetweenOrders} />
                </BlockStack>
              </Card>
            </InlineGrid>

            <Card padding="0">
              <BlockStack gap="300">
                <Box paddingInline="400" paddingBlockStart="400">
                  <InlineStack align="space-between" blockAlign="center" gap="200">
                    <BlockStack gap="100">
                      <Text as="h2" variant="headingMd">
                        Monthly cohorts
                      </Text>
                      <Text as="p" variant="bodySm" tone="subdued">
                        {COHORT_VIEW_HELP[view]}
                      </Text>
                    </BlockStack>
                    <ButtonGroup variant="segmented">
                      {COHORT_VIEWS.map((option) => (
                        <Button
                          key={option.value}
                          pressed={view === option.value}
                          onClick={() => setView(option.value)}
                        >
                          {option.label}
                        </Button>
                      ))}
                    </ButtonGroup>
                  </InlineStack>
                </Box>
                <CohortTable cohorts={report.cohorts} view={view} currency={report.currency} />
              </BlockStack>
            </Card>

            <Text as="p" tone="subdued" variant="bodySm">
              {describeRetentionSettings(report.settings, report.timeZone)}{" "}
              <Link url="/app/settings">Change these rules</Link>
            </Text>
          </>
        )}
      </BlockStack>
    </Page>
  );
}

export function ErrorBoundary() {
  return <PageError title="Retention" />;
}
