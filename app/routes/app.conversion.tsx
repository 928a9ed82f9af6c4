import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, BlockStack, Box, Card, InlineGrid, InlineStack, List, Page, Select, Text } from "@shopify/polaris";
import { BreakdownTable } from "#app/components/BreakdownTable";
import { ConversionChart } from "#app/components/ConversionChart";
import { ConversionFunnel } from "#app/components/ConversionFunnel";
import { DateRangeSelect } from "#app/components/DateRangeSelect";
import { Control, ReportControls } from "#app/components/ReportControls";
import { formatCount, formatPercent } from "#app/components/format";
import { MetricCard } from "#app/components/MetricCard";
import { EmptyCard } from "#app/components/EmptyCard";
import { PageError } from "#app/components/PageError";
import { conversionPage } from "#app/dashboard/conversion-page.server";
import { badRequest } from "#app/http.server";
import { authenticate } from "#app/shopify.server";
import { useUpdateSearchParams } from "#app/components/page-hooks";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return badRequest.wrap(() => conversionPage(session.shop, new URL(request.url).searchParams, new Date()));
};

const SOURCE_LABELS = {
  shopify: {
    badge: "Shopify sessions",
    note: "Shopify's own session figures, read through ShopifyQL: they match your Shopify analytics.",
  },
  pixel: {
    badge: "Metryka web pixel",
    note: "Sessions seen by Metryka's web pixel, which only counts visitors who consented to analytics, so these figures read lower than Shopify's own.",
  },
} as const;

export default function Conversion() {
  const { report, funnel, sources, reportsScopeGranted, pixelScopesGranted, breakdowns, pixel, shopifySessions, query, timeZone, presets, range, lastDay } =
    useLoaderData<typeof loader>();
  const update = useUpdateSearchParams();

  const source = report?.source ?? null;
  const totals = report?.totals;
  const hasData = source !== null && totals?.sessions != null;

  return (
    <Page title="Conversion" subtitle={`Sessions and the checkout funnel, in the shop's time zone (${timeZone})`}>
      <BlockStack gap="400">
        <ReportControls>
            <Control>
              <DateRangeSelect presets={presets} range={range} lastDay={lastDay} onChange={(next) => update(next)} />
            </Control>
            <Box minWidth="160px">
              <Select
                label="Group by"
                options={[
                  { label: "Month", value: "month" },
                  { label: "Week", value: "week" },
                ]}
                value={query.granularity}
                onChange={(value) => update({ granularity: value })}
              />
            </Box>
            {sources.shopify && sources.pixel && (
              <Control>
                <Select
                  label="Sessions from"
                  options={[
                    { label: SOURCE_LABELS.shopify.badge, value: "shopify" },
                    { label: SOURCE_LABELS.pixel.badge, value: "pixel" },
                  ]}
                  value={source ?? "shopify"}
                  onChange={(value) => update({ source: value })}
                />
              </Control>
            )}
        </ReportControls>

        {!hasData || !totals ? (
          <EmptyCard heading="No session data yet">
            <BlockStack gap="300">
              <Text as="p">
                Conversion needs sessions, which orders alone cannot tell. Metryka reads them from one of two sources,
                and never mixes the two:
              </Text>
              <List>
                <List.Item>
                  <strong>Shopify&apos;s own sessions</strong>, through ShopifyQL. They match your Shopify analytics.{" "}
                  {!reportsScopeGranted
                    ? "To use them, grant Metryka the “View reports” permission (read_reports): approve the app's updated access in Shopify admin › Apps › Metryka."
                    : shopifySessions?.error
                      ? `Metryka has the “View reports” permission (read_reports); the last import says: ${shopifySessions.error}`
                      : "Metryka has the “View reports” permission (read_reports); they appear here once imported (see Data sync)."}
                </List.Item>
                <List.Item>
                  <strong>Metryka&apos;s web pixel</strong>, which counts only visitors who consented to analytics, so it
                  reads lower than Shopify.{" "}
                  {!pixelScopesGranted
                    ? "To enable it, grant Metryka access to customer events (write_pixels, read_customer_events): approve the app's updated access in Shopify admin › Apps › Metryka."
                    : pixel?.status === "active"
                      ? "It is active: sessions appear here as consented visitors arrive."
                      : pixel?.error
                        ? `It is not active: ${pixel.error}`
                        : "It is being activated on your store (see Settings)."}
                </List.Item>
              </List>
              {source !== null && (
                <Text as="p" tone="subdued">
                  You asked for {SOURCE_LABELS[source].badge.toLowerCase()}, which has no data for this store yet.
                </Text>
              )}
            </BlockStack>
          </EmptyCard>
        ) : (
          <>
            <Card>
              <InlineStack gap="200" blockAlign="center" wrap={false}>
                <Badge
                  tone={source === "shopify" ? "success" : "info"}
                >{`Source: ${SOURCE_LABELS[source].badge}`}</Badge>
                <Text as="p" variant="bodySm" tone="subdued">
                  {SOURCE_LABELS[source].note}
                </Text>
              </InlineStack>
            </Card>

            <InlineGrid columns={{ xs: 1, sm: 2, md: 4 }} gap="400">
              <MetricCard
                title="Conversion rate"
                value={formatPercent(totals.conversionRate)}
                help="Sessions that completed checkout ÷ sessions"
              />
              <MetricCard
                title="Sessions"
                value={formatCount(totals.sessions ?? 0)}
                help="A visitor's activity with no gap over 30 minutes"
              />
              {totals.ordersPerSession !== null ? (
                <MetricCard
                  title="Orders per session"
                  value={new Intl.NumberFormat("en", { maximumFractionDigits: 3 }).format(totals.ordersPerSession)}
                  help={`${formatCount(totals.orders ?? 0)} completed checkouts ÷ sessions`}
                />
              ) : (
                <MetricCard
                  title="Reached checkout"
                  value={formatPercent(funnel[2]?.shareOfSessions ?? null)}
                  help="Sessions that reached checkout ÷ sessions"
                />
              )}
              {totals.signUpRate !== null ? (
                <MetricCard
                  title="Sign-up rate"
                  value={formatPercent(totals.signUpRate)}
                  help="Sessions with a newsletter sign-up ÷ sessions"
                />
              ) : (
                <MetricCard
                  title="Added to cart"
                  value={formatPercent(funnel[1]?.shareOfSessions ?? null)}
                  help="Sessions with an add-to-cart ÷ sessions"
                />
              )}
            </InlineGrid>

            <InlineGrid columns={{ xs: 1, lg: 2 }} gap="400">
              <Card>
                <BlockStack gap="400">
                  <Text as="h2" variant="headingMd">
                    Funnel
                  </Text>
                  <ConversionFunnel steps={funnel} />
                </BlockStack>
              </Card>
              <Card>
                <BlockStack gap="300">
                  <Text as="h2" variant="headingMd">
                    Sessions and conversion rate by {query.granularity}
                  </Text>
                  <ConversionChart series={report.series} />
                  <Text as="p" variant="bodySm" tone="subdued">
                    * still in progress.
                  </Text>
                </BlockStack>
              </Card>
            </InlineGrid>

            {breakdowns && (
              <InlineGrid columns={{ xs: 1, lg: 3 }} gap="400">
                <BreakdownTable title="By traffic source" rows={breakdowns.dimensions.source} sourceLabel={SOURCE_LABELS[source].badge} testId="breakdown-source" />
                <BreakdownTable title="By device" rows={breakdowns.dimensions.device} sourceLabel={SOURCE_LABELS[source].badge} testId="breakdown-device" />
                <BreakdownTable title="By landing page" rows={breakdowns.dimensions.landingPage} sourceLabel={SOURCE_LABELS[source].badge} testId="breakdown-landingPage" />
              </InlineGrid>
            )}
          </>
        )}
      </BlockStack>
    </Page>
  );
}

export function ErrorBoundary() {
  return <PageError title="Conversion" />;
}
