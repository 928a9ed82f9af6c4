// One customer in the app (/app/customers/<id>, outside the at-risk list's layout): their
// counted orders, net spend, cohort, days since their last order against the shop's lapse point,
// and their orders as a timeline. Another shop's customer, or an unknown id, is a 404.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, BlockStack, Box, Card, DataTable, InlineGrid, InlineStack, Page, Text } from "@shopify/polaris";
import { EmptyCard } from "#app/components/EmptyCard";
import { formatCount, formatMoney, formatPeriod } from "#app/components/format";
import { MetricCard } from "#app/components/MetricCard";
import { describeAtRiskSettings } from "#app/components/metric-rules";
import { PageError } from "#app/components/PageError";
import { customerPage } from "#app/dashboard/customer-page.server";
import { badRequest } from "#app/http.server";
import { authenticate } from "#app/shopify.server";

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return badRequest.wrap(() => customerPage(session.shop, params.id ?? "", new Date()));
};

const formatDay = (day: string) =>
  new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" }).format(new Date(`${day}T00:00:00Z`));
const days = (value: number) => `${formatCount(value)} ${value === 1 ? "day" : "days"}`;
/** The lapse point in whole days, as the at-risk list shows it. */
const wholeDays = (value: number) => `${new Intl.NumberFormat("en", { maximumFractionDigits: 0 }).format(value)} days`;

export default function CustomerView() {
  const { standing, timeline, settings } = useLoaderData<typeof loader>();
  const title = `Customer ${standing.customerId}`;
  return (
    <Page
      title={title}
      titleMetadata={
        standing.orders === 0 ? undefined : standing.atRisk ? <Badge tone="warning">At risk</Badge> : <Badge tone="success">Active</Badge>
      }
      backAction={{ content: "Customers at risk", url: "/app/customers" }}
      secondaryActions={[{ content: "Open in Shopify", url: `shopify://admin/customers/${standing.customerId}`, target: "_top" }]}
    >
      <BlockStack gap="400">
        {standing.orders === 0 ? (
          <EmptyCard heading="No counted orders yet">
            <p>
              This customer has no order that counts in the customer numbers yet (test, deleted and, by your settings,
              cancelled orders do not). Their figures appear here after their first order.
            </p>
          </EmptyCard>
        ) : (
          <InlineGrid columns={{ xs: 1, sm: 2, md: 4 }} gap="400">
            <MetricCard
              title="Orders"
              value={formatCount(standing.orders)}
              help={`First on ${formatDay(standing.firstOrderDay!)}`}
            />
            <MetricCard title="Net spend" value={formatMoney(standing.netSpend, standing.currency)} help="Gross sales − discounts − returns" />
            <MetricCard
              title="Cohort"
              value={standing.cohort ? formatPeriod(standing.cohort) : "—"}
              help="The month of the order that made them a customer"
            />
            <MetricCard
              title="Since the last order"
              value={days(standing.daysSinceLastOrder!)}
              help={`Last on ${formatDay(standing.lastOrderDay!)}; lapse point ${wholeDays(standing.lapsePointDays)}`}
            />
          </InlineGrid>
        )}

        {timeline.length > 0 && (
          <Card padding="0">
            <BlockStack gap="200">
              <Box paddingInline="400" paddingBlockStart="400">
                <Text as="h2" variant="headingMd">
                  Orders, newest first
                </Text>
              </Box>
              <DataTable
                columnContentTypes={["text", "text", "numeric", "numeric", "numeric"]}
                headings={["Date", "Order", "Net sales", "Refunded", "Net"]}
                rows={timeline.map((order) => [
                  formatDay(order.day),
                  <InlineStack key={order.orderId} gap="200" blockAlign="center">
                    <span>{order.orderId}</span>
                    {order.excluded && <Badge>{order.excluded === "test" ? "Test, not counted" : "Cancelled, not counted"}</Badge>}
                  </InlineStack>,
                  formatMoney(order.netSales, order.currency),
                  order.refunded === 0 ? "—" : formatMoney(-order.refunded, order.currency),
                  formatMoney(order.net, order.currency),
                ])}
                increasedTableDensity
              />
            </BlockStack>
          </Card>
        )}

        <Text as="p" tone="subdued" variant="bodySm">
          {describeAtRiskSettings(settings)} A customer is at risk when their last order is longer ago than the lapse point
          (the 90th percentile of the gaps between a customer&apos;s orders, at least 30 days).
        </Text>
      </BlockStack>
    </Page>
  );
}

export function ErrorBoundary() {
  return <PageError title="Customer" />;
}
