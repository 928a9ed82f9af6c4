// The Customers page's predictions: the shop's forecast for the next 90 days with its interval,
// how the forecast made 90 days ago turned out, and the customers grouped by their probability of
// still being customers (likely to return / at risk / probably lost), one group's page at a time,
// from the cached fit. By customer id only: names and e-mails stay in Shopify.
import { BlockStack, Box, Card, IndexTable, InlineGrid, InlineStack, Link, Pagination, Tabs, Text } from "@shopify/polaris";
import type { CustomerPrediction, Estimate, LastPeriodCheck, PredictionGroup, ShopForecast } from "#app/metrics/prediction";
import type { PredictionState } from "#app/metrics/prediction.server";
import { EmptyCard } from "./EmptyCard";
import { formatCount, formatDateTime, formatMoney, formatPercent } from "./format";
import { MetricCard } from "./MetricCard";

export const GROUP_LABELS: Record<PredictionGroup, string> = {
  likely_to_return: "Likely to return",
  at_risk: "At risk",
  probably_lost: "Probably lost",
};

const GROUP_HELP: Record<PredictionGroup, string> = {
  likely_to_return: "70% or more likely to still be your customer",
  at_risk: "30% to 70% likely to still be your customer",
  probably_lost: "Less than 30% likely to still be your customer",
};

const ORDER_GROUPS: PredictionGroup[] = ["likely_to_return", "at_risk", "probably_lost"];

const decimal = (value: number) => new Intl.NumberFormat("en", { maximumFractionDigits: 1 }).format(value);

function range(estimate: Estimate, format: (value: number) => string): string {
  return `${format(estimate.low)} – ${format(estimate.high)}`;
}

export interface PredictionGroupsProps {
  state: PredictionState;
  group: PredictionGroup;
  customers: CustomerPrediction[];
  total: number;
  offset: number;
  page: number;
  pages: number;
  timeZone: string;
  onGroup: (group: PredictionGroup) => void;
  onPage: (page: number) => void;
}

function Forecast({ forecast, currency }: { forecast: ShopForecast; currency: string }) {
  const money = (value: number) => formatMoney(value, currency);
  return (
    <InlineGrid columns={{ xs: 1, sm: 2 }} gap="400">
      <MetricCard
        title="Repeat orders, next 90 days"
        value={decimal(forecast.repeatOrders.expected)}
        help={`95% interval ${range(forecast.repeatOrders, decimal)} (days with an order, by today's customers)`}
      />
      <MetricCard
        title="Their net spend, next 90 days"
        value={money(forecast.spend.expected)}
        help={`95% interval ${range(forecast.spend, money)}`}
      />
    </InlineGrid>
  );
}

function LastPeriod({ check, currency }: { check: LastPeriodCheck; currency: string }) {
  if (check.status !== "ready") {
    return (
      <Text as="p" tone="subdued" variant="bodySm">
        How the last forecast turned out shows once {check.from} had enough history to forecast from.
      </Text>
    );
  }
  const money = (value: number) => formatMoney(value, currency);
  return (
    <Text as="p" variant="bodySm">
      Forecast on {check.from} for the 90 days to {check.to}: {decimal(check.predicted.repeatOrders.expected)} repeat orders (
      {range(check.predicted.repeatOrders, decimal)}) and {money(check.predicted.spend.expected)} (
      {range(check.predicted.spend, money)}). What happened: {formatCount(check.actual.repeatOrders)} repeat orders and{" "}
      {money(check.actual.spend)}.
    </Text>
  );
}

export function PredictionGroups(props: PredictionGroupsProps) {
  const { state } = props;
  if (state.status === "pending") {
    return (
      <EmptyCard heading="Predictions not fitted yet">
        <p>
          Metryka fits who will come back after each sync of your store. The first fit is queued; this section fills in once
          it has run.
        </p>
      </EmptyCard>
    );
  }
  if (state.status === "not_enough_history") {
    return (
      <EmptyCard heading="Not enough history yet for predictions">
        <p>
          Predictions start once your store has at least 500 customers, 50 of whom came back, and 90 days of history. Now:{" "}
          {state.reason}.
        </p>
      </EmptyCard>
    );
  }
  const { report } = state;
  const tabs = ORDER_GROUPS.map((group) => ({
    id: group,
    content: `${GROUP_LABELS[group]} (${formatCount(report.groups[group])})`,
    accessibilityLabel: `${GROUP_LABELS[group]}: ${formatCount(report.groups[group])} customers`,
  }));
  return (
    <BlockStack gap="400">
      <Forecast forecast={report.next90} currency={report.currency} />
      <LastPeriod check={report.lastPeriod} currency={report.currency} />
      <Card padding="0">
        <BlockStack gap="200">
          <Box paddingInline="400" paddingBlockStart="400">
            <BlockStack gap="100">
              <Text as="h2" variant="headingMd">
                Who will come back
              </Text>
              <Text as="p" variant="bodySm" tone="subdued">
                {GROUP_HELP[props.group]}, by the BG/NBD model fitted to your store on{" "}
                {formatDateTime(state.fittedAt, props.timeZone)}
                {state.current ? "" : " (an update is on its way)"}. Showing{" "}
                {formatCount(props.customers.length === 0 ? 0 : props.offset + 1)}–{formatCount(props.offset + props.customers.length)}{" "}
                of {formatCount(props.total)}, highest expected spend first.
              </Text>
            </BlockStack>
          </Box>
          <Tabs tabs={tabs} selected={ORDER_GROUPS.indexOf(props.group)} onSelect={(index) => props.onGroup(ORDER_GROUPS[index])} />
          <IndexTable
            selectable={false}
            itemCount={props.customers.length}
            resourceName={{ singular: "customer", plural: "customers" }}
            emptyState={
              <Box padding="400">
                <Text as="p" tone="subdued">
                  No customer is in this group.
                </Text>
              </Box>
            }
            headings={[
              { title: "Customer" },
              { title: "Still a customer", alignment: "end" },
              { title: "Orders, next 90 days", alignment: "end" },
              { title: "Orders, next 365 days", alignment: "end" },
              { title: "Spend, next 365 days", alignment: "end" },
            ]}
          >
            {props.customers.map((customer, position) => (
              <IndexTable.Row id={customer.customerId} key={customer.customerId} position={position}>
                <IndexTable.Cell>
                  <Link url={`shopify://admin/customers/${customer.customerId}`} target="_top" removeUnderline>
                    {`Customer ${customer.customerId}`}
                  </Link>
                </IndexTable.Cell>
                <IndexTable.Cell>
                  <Text as="span" alignment="end" numeric>
                    {formatPercent(customer.probabilityAlive)}
                  </Text>
                </IndexTable.Cell>
                <IndexTable.Cell>
                  <Text as="span" alignment="end" numeric>
                    {decimal(customer.expectedOrders.days90)}
                  </Text>
                </IndexTable.Cell>
                <IndexTable.Cell>
                  <Text as="span" alignment="end" numeric>
                    {decimal(customer.expectedOrders.days365)}
                  </Text>
                </IndexTable.Cell>
                <IndexTable.Cell>
                  <Text as="span" alignment="end" numeric>
                    {formatMoney(customer.expectedSpend365, report.currency)}
                  </Text>
                </IndexTable.Cell>
              </IndexTable.Row>
            ))}
          </IndexTable>
          {props.pages > 1 && (
            <Box padding="400">
              <InlineStack align="center">
                <Pagination
                  label={`Page ${formatCount(props.page)} of ${formatCount(props.pages)}`}
                  hasPrevious={props.page > 1}
                  onPrevious={() => props.onPage(props.page - 1)}
                  hasNext={props.page < props.pages}
                  onNext={() => props.onPage(props.page + 1)}
                />
              </InlineStack>
            </Box>
          )}
        </BlockStack>
      </Card>
    </BlockStack>
  );
}
