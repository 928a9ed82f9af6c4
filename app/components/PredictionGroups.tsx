// The Customers page's predictions: the shop's forecast for the next 90 days with its interval,
// how the forecast made 90 days ago turned out, and the customers grouped by their chance of an
// order in the next 365 days (likely to return / might return / probably lost), one group's page
// at a time, from the cached fit. By customer id only: names and e-mails stay in Shopify.
import { BlockStack, Box, Card, IndexTable, InlineGrid, InlineStack, Link, Pagination, Tabs, Text } from "@shopify/polaris";
import type { CustomerPrediction, Estimate, LastPeriodCheck, PredictionGroup, PredictionShortfall, ShopForecast } from "#app/metrics/prediction";
import type { TFunction } from "i18next";
import type { PredictionState } from "#app/metrics/prediction.server";
import { EmptyCard } from "./EmptyCard";
import { useTranslation } from "react-i18next";
import { useFormat } from "./format";
import { MetricCard } from "./MetricCard";
import { NumericCell } from "./NumericCell";

// Each group's name and what it means are `predictions.groups.<group>` and
// `predictions.groupHelp.<group>` in the messages.
const ORDER_GROUPS: PredictionGroup[] = ["likely_to_return", "at_risk", "probably_lost"];

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
  const { t } = useTranslation();
  const f = useFormat();
  const money = (value: number) => f.money(value, currency);
  const decimal = (value: number) => f.decimal(value, 1);
  return (
    <InlineGrid columns={{ xs: 1, sm: 2 }} gap="400">
      <MetricCard
        title={t("predictions.repeatOrders")}
        value={decimal(forecast.repeatOrders.expected)}
        help={t("predictions.repeatOrdersHelp", { interval: range(forecast.repeatOrders, decimal) })}
      />
      <MetricCard
        title={t("predictions.spend")}
        value={money(forecast.spend.expected)}
        help={t("predictions.interval", { interval: range(forecast.spend, money) })}
      />
    </InlineGrid>
  );
}

function LastPeriod({ check, currency }: { check: LastPeriodCheck; currency: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  if (check.status !== "ready") {
    return (
      <Text as="p" tone="subdued" variant="bodySm">
        {t("predictions.lastPeriodPending", { from: f.day(check.from) })}
      </Text>
    );
  }
  const money = (value: number) => f.money(value, currency);
  const decimal = (value: number) => f.decimal(value, 1);
  return (
    <Text as="p" variant="bodySm">
      {t("predictions.lastPeriod", {
        from: f.day(check.from),
        to: f.day(check.to),
        orders: decimal(check.predicted.repeatOrders.expected),
        ordersInterval: range(check.predicted.repeatOrders, decimal),
        spend: money(check.predicted.spend.expected),
        spendInterval: range(check.predicted.spend, money),
        actualOrders: f.count(check.actual.repeatOrders),
        actualSpend: money(check.actual.spend),
        count: check.actual.repeatOrders,
      })}
    </Text>
  );
}

/** What the shop lacks for predictions, in the admin's language (null for a fit cached without it). */
function shortfallText(t: TFunction, f: ReturnType<typeof useFormat>, shortfall: PredictionShortfall | null | undefined): string | null {
  if (!shortfall) return null;
  if (shortfall.kind === "no_fit") return t("predictions.shortfall.no_fit");
  return t(`predictions.shortfall.${shortfall.kind}`, { count: shortfall.have, have: f.count(shortfall.have), need: f.count(shortfall.need) });
}

export function PredictionGroups(props: PredictionGroupsProps) {
  const { t } = useTranslation();
  const f = useFormat();
  const { state } = props;
  if (state.status === "pending") {
    return (
      <EmptyCard heading={t("predictions.pendingTitle")}>
        <p>{t("predictions.pending")}</p>
      </EmptyCard>
    );
  }
  if (state.status === "not_enough_history") {
    return (
      <EmptyCard heading={t("predictions.notEnoughTitle")}>
        <p>{t("predictions.notEnough", { reason: shortfallText(t, f, state.shortfall) ?? state.reason })}</p>
      </EmptyCard>
    );
  }
  const { report } = state;
  const tabs = ORDER_GROUPS.map((group) => ({
    id: group,
    content: `${t(`predictions.groups.${group}`)} (${f.count(report.groups[group])})`,
    accessibilityLabel: t("predictions.groupLabel", { group: t(`predictions.groups.${group}`), count: report.groups[group], formatted: f.count(report.groups[group]) }),
  }));
  return (
    <BlockStack gap="400">
      <Forecast forecast={report.next90} currency={report.currency} />
      <LastPeriod check={report.lastPeriod} currency={report.currency} />
      <Text as="p" tone="subdued" variant="bodySm">
        {t("predictions.noSeasons")}
      </Text>
      <Card padding="0">
        <BlockStack gap="200">
          <Box paddingInline="400" paddingBlockStart="400">
            <BlockStack gap="100">
              <Text as="h2" variant="headingMd">
                {t("predictions.title")}
              </Text>
              <Text as="p" variant="bodySm" tone="subdued">
                {t(state.current ? "predictions.groupIntro" : "predictions.groupIntroUpdating", {
                  help: t(`predictions.groupHelp.${props.group}`),
                  fittedAt: f.dateTime(state.fittedAt, props.timeZone),
                  first: f.count(props.customers.length === 0 ? 0 : props.offset + 1),
                  last: f.count(props.offset + props.customers.length),
                  total: f.count(props.total),
                  count: props.total,
                })}
              </Text>
            </BlockStack>
          </Box>
          <Tabs tabs={tabs} selected={ORDER_GROUPS.indexOf(props.group)} onSelect={(index) => props.onGroup(ORDER_GROUPS[index])} />
          <IndexTable
            selectable={false}
            itemCount={props.customers.length}
            resourceName={{ singular: t("predictions.resource.singular"), plural: t("predictions.resource.plural") }}
            emptyState={
              <Box padding="400">
                <Text as="p" tone="subdued">
                  {t("predictions.emptyGroup")}
                </Text>
              </Box>
            }
            headings={[
              { title: t("predictions.columns.customer") },
              { title: t("predictions.columns.returnProbability"), alignment: "end" },
              { title: t("predictions.columns.orders90"), alignment: "end" },
              { title: t("predictions.columns.orders365"), alignment: "end" },
              { title: t("predictions.columns.spend365"), alignment: "end" },
            ]}
          >
            {props.customers.map((customer, position) => (
              <IndexTable.Row id={customer.customerId} key={customer.customerId} position={position}>
                <IndexTable.Cell>
                  <Link url={`shopify://admin/customers/${customer.customerId}`} target="_top" removeUnderline>
                    {t("common.customerId", { id: customer.customerId })}
                  </Link>
                </IndexTable.Cell>
                <NumericCell>{f.percent(customer.returnProbability)}</NumericCell>
                <NumericCell>{f.decimal(customer.expectedOrders.days90, 1)}</NumericCell>
                <NumericCell>{f.decimal(customer.expectedOrders.days365, 1)}</NumericCell>
                <NumericCell>{f.money(customer.expectedSpend365, report.currency)}</NumericCell>
              </IndexTable.Row>
            ))}
          </IndexTable>
          {props.pages > 1 && (
            <Box padding="400">
              <InlineStack align="center">
                <Pagination
                  label={t("common.pageOf", { page: f.count(props.page), pages: f.count(props.pages) })}
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
