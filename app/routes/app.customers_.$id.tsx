// One customer in the app (/app/customers/<id>, outside the at-risk list's layout): their
// counted orders, net spend, cohort, days since their last order against the shop's lapse point,
// their prediction, and their orders as a timeline. Another shop's customer, or an unknown id,
// is a 404.
import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, BlockStack, Box, Card, DataTable, InlineGrid, InlineStack, Link, Page, Text } from "@shopify/polaris";
import { boundary } from "@shopify/shopify-app-remix/server";
import { CustomerPredictionCard } from "#app/components/CustomerPredictionCard";
import { EmptyCard } from "#app/components/EmptyCard";
import { useFormat } from "#app/components/format";
import { MetricCard } from "#app/components/MetricCard";
import { describeAtRiskSettings } from "#app/components/metric-rules";
import { PageError } from "#app/components/PageError";
import { customerPage } from "#app/dashboard/customer-page.server";
import { badRequest } from "#app/http.server";
import { authenticate } from "#app/shopify.server";
import { useTranslation } from "react-i18next";

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return badRequest.page(() => customerPage(session.shop, params.id ?? "", new Date()));
};

// The route renders its own error boundary, so the response's headers are this route's: without
// this, a 503 while the store's figures are recomputed would lose its Retry-After.
export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);

export default function CustomerView() {
  const { standing, timeline, prediction, settings, timeZone } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const f = useFormat();
  const days = (value: number) => t("units.days", { count: value, formatted: f.count(value) });
  /** The lapse point in whole days, as the at-risk list shows it. */
  const wholeDays = (value: number) => t("units.days", { count: Math.round(value), formatted: f.decimal(value, 0) });
  const title = t("common.customerId", { id: standing.customerId });
  return (
    <Page
      title={title}
      titleMetadata={
        standing.orders === 0 ? undefined : standing.atRisk ? <Badge tone="warning">{t("customer.atRisk")}</Badge> : <Badge tone="success">{t("customer.active")}</Badge>
      }
      backAction={{ content: t("customers.title"), url: "/app/customers" }}
      secondaryActions={[{ content: t("customer.openInShopify"), url: `shopify://admin/customers/${standing.customerId}`, target: "_top" }]}
    >
      <BlockStack gap="400">
        {standing.orders === 0 ? (
          <EmptyCard heading={t("customer.noOrdersTitle")}>
            <p>{t("customer.noOrders")}</p>
          </EmptyCard>
        ) : (
          <InlineGrid columns={{ xs: 1, sm: 2, md: 4 }} gap="400">
            <MetricCard
              title={t("customer.orders")}
              value={f.count(standing.orders)}
              help={t("customer.firstOn", { day: f.day(standing.firstOrderDay!) })}
            />
            <MetricCard title={t("customer.netSpend")} value={f.money(standing.netSpend, standing.currency)} help={t("customer.netSpendHelp")} />
            <MetricCard
              title={t("customer.cohort")}
              value={standing.cohort ? f.period(standing.cohort) : "—"}
              help={t("customer.cohortHelp")}
            />
            <MetricCard
              title={t("customer.sinceLast")}
              value={days(standing.daysSinceLastOrder!)}
              help={t("customer.lastOn", { day: f.day(standing.lastOrderDay!), lapsePoint: wholeDays(standing.lapsePointDays) })}
            />
          </InlineGrid>
        )}

        {standing.orders > 0 && <CustomerPredictionCard prediction={prediction} timeZone={timeZone} />}

        {timeline.length > 0 && (
          <Card padding="0">
            <BlockStack gap="200">
              <Box paddingInline="400" paddingBlockStart="400">
                <Text as="h2" variant="headingMd">
                  {t("customer.timeline")}
                </Text>
              </Box>
              <DataTable
                columnContentTypes={["text", "text", "numeric", "numeric", "numeric"]}
                headings={[t("customer.columns.date"), t("customer.columns.order"), t("customer.columns.netSales"), t("customer.columns.refunded"), t("customer.columns.net")]}
                rows={timeline.map((order) => [
                  f.day(order.day),
                  <InlineStack key={order.orderId} gap="200" blockAlign="center">
                    {order.inShopify ? (
                      <Link url={`shopify://admin/orders/${order.orderId}`} target="_top" removeUnderline>
                        {order.name}
                      </Link>
                    ) : (
                      <span>{order.name}</span>
                    )}
                    {order.excluded && <Badge>{t(order.excluded === "test" ? "customer.excludedTest" : "customer.excludedCancelled")}</Badge>}
                  </InlineStack>,
                  f.money(order.netSales, order.currency),
                  order.refunded === 0 ? "—" : f.money(-order.refunded, order.currency),
                  f.money(order.net, order.currency),
                ])}
                increasedTableDensity
              />
            </BlockStack>
          </Card>
        )}

        <Text as="p" tone="subdued" variant="bodySm">
          {describeAtRiskSettings(t, settings)} {t("customer.atRiskRule")}
        </Text>
      </BlockStack>
    </Page>
  );
}

export function ErrorBoundary() {
  const { t } = useTranslation();
  return <PageError title={t("customer.title")} back={{ content: t("customers.title"), url: "/app/customers" }} />;
}
