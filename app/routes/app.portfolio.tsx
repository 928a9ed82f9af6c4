import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link as RemixLink, useLoaderData, useLocation } from "@remix-run/react";
import { Banner, BlockStack, Card, DataTable, Link, Page, Select, Text } from "@shopify/polaris";
import { useMemo, useState } from "react";
import { DateRangeSelect } from "#app/components/DateRangeSelect";
import { CompareSelect, Control, ReportControls } from "#app/components/ReportControls";
import { useDownload } from "#app/components/download";
import { EmptyCard } from "#app/components/EmptyCard";
import { formatCount, formatDateTime, formatGrowth, formatMoney, formatPercent } from "#app/components/format";
import { PageError } from "#app/components/PageError";
import { useUpdateSearchParams } from "#app/components/page-hooks";
import { badRequest } from "#app/http.server";
import { portfolioPage, type PortfolioStoreRow } from "#app/portfolios/portfolio-page.server";
import { authenticate } from "#app/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return badRequest.wrap(() => portfolioPage(session.shop, new URL(request.url).searchParams, new Date()));
};

type SortKey = "name" | "netSales" | "orders" | "averageOrderValue" | "newCustomers" | "returningCustomerRate" | "repeatPurchaseRate" | "conversionRate";
const COLUMNS: Array<{ key: SortKey; title: string; numeric: boolean }> = [
  { key: "name", title: "Store", numeric: false },
  { key: "netSales", title: "Net sales (growth)", numeric: true },
  { key: "orders", title: "Orders", numeric: true },
  { key: "averageOrderValue", title: "Avg. order value", numeric: true },
  { key: "newCustomers", title: "New customers", numeric: true },
  { key: "returningCustomerRate", title: "Returning customers", numeric: true },
  { key: "repeatPurchaseRate", title: "Repeat purchase", numeric: true },
  { key: "conversionRate", title: "Conversion", numeric: true },
];

/** Stores without a figure sort last either way; amounts in different currencies sort by their number. */
function compareRows(key: SortKey, direction: "ascending" | "descending") {
  const sign = direction === "ascending" ? 1 : -1;
  return (a: PortfolioStoreRow, b: PortfolioStoreRow) => {
    if (key === "name") return sign * a.name.localeCompare(b.name);
    const x = a[key];
    const y = b[key];
    if (x === null && y === null) return a.name.localeCompare(b.name);
    if (x === null) return 1;
    if (y === null) return -1;
    return sign * (x - y) || a.name.localeCompare(b.name);
  };
}

const SOURCE_LABEL: Record<string, string> = { shopify: "Shopify", pixel: "Metryka pixel" };

export default function Portfolio() {
  const data = useLoaderData<typeof loader>();
  const update = useUpdateSearchParams();
  const location = useLocation();
  const exporting = useDownload();
  const [sort, setSort] = useState<{ index: number; direction: "ascending" | "descending" }>({ index: 1, direction: "descending" });
  const rows = useMemo(() => [...data.rows].sort(compareRows(COLUMNS[sort.index].key, sort.direction)), [data.rows, sort]);

  if (!data.portfolio) {
    return (
      <Page title="Portfolio" backAction={{ content: "Overview", url: "/app" }}>
        <EmptyCard heading="This store is in no portfolio yet">
          <Text as="p">
            A portfolio shows the key numbers of several stores side by side, for an agency and its clients. Create one, or
            join one with the invitation code its owner gave you, in{" "}
            <RemixLink to="/app/settings">Settings</RemixLink>. Each store joins only from its own admin.
          </Text>
        </EmptyCard>
      </Page>
    );
  }

  const money = (minor: number | null, currency: string) => (minor === null ? "—" : formatMoney(minor, currency));
  const table = rows.map((row) => [
    <BlockStack gap="100" key={row.shop}>
      <Link url={row.adminUrl} target="_top" removeUnderline>
        {row.name}
      </Link>
      <Text as="span" tone="subdued" variant="bodySm">
        {row.shop} · {row.currency} ·{" "}
        {row.installed
          ? row.lastSyncAt
            ? `synced ${formatDateTime(row.lastSyncAt, data.timeZone)}`
            : `sync ${row.sync}`
          : "not installed"}
      </Text>
    </BlockStack>,
    <BlockStack gap="050" key="sales" inlineAlign="end">
      <Text as="span">{money(row.netSales, row.currency)}</Text>
      {row.installed && data.compare !== "none" && (
        <Text as="span" tone="subdued" variant="bodySm">
          {formatGrowth(row.netSalesGrowth)}
        </Text>
      )}
    </BlockStack>,
    row.orders === null ? "—" : formatCount(row.orders),
    money(row.averageOrderValue, row.currency),
    row.newCustomers === null ? "—" : formatCount(row.newCustomers),
    formatPercent(row.returningCustomerRate),
    formatPercent(row.repeatPurchaseRate),
    row.conversionRate === null ? (
      "—"
    ) : (
      <BlockStack gap="050" key="conversion" inlineAlign="end">
        <Text as="span">{formatPercent(row.conversionRate)}</Text>
        <Text as="span" tone="subdued" variant="bodySm">
          {SOURCE_LABEL[row.conversionSource ?? ""] ?? ""}
        </Text>
      </BlockStack>
    ),
  ]);

  return (
    <Page
      fullWidth
      title="Portfolio"
      subtitle={`${data.portfolio.name}: ${formatCount(data.rows.length)} stores, each in its own currency and time zone`}
      secondaryActions={[
        {
          content: "Export CSV",
          loading: exporting.busy !== null,
          onAction: () => {
            const params = new URLSearchParams(location.search);
            params.set("portfolio", data.portfolio!.id);
            exporting.start(`/app/export/portfolio?${params}`);
          },
        },
        { content: "Manage portfolios", url: "/app/settings" },
      ]}
    >
      <BlockStack gap="400">
        {exporting.error && (
          <Banner tone="critical" title="The export failed" onDismiss={exporting.dismiss}>
            <Text as="p">{exporting.error}</Text>
          </Banner>
        )}
        <ReportControls>
          {data.portfolios.length > 1 && (
            <Control>
              <Select
                label="Portfolio"
                options={data.portfolios.map((p) => ({ label: p.name, value: p.id }))}
                value={data.portfolio.id}
                onChange={(value) => update({ portfolio: value })}
              />
            </Control>
          )}
          <Control>
            <DateRangeSelect presets={data.presets} range={data.range} lastDay={data.lastDay} onChange={(next) => update(next)} />
          </Control>
          <Control>
            <CompareSelect value={data.compare} onChange={(value) => update({ compare: value })} />
          </Control>
        </ReportControls>
        <Card padding="0">
          <DataTable
            columnContentTypes={COLUMNS.map((c) => (c.numeric ? "numeric" : "text"))}
            headings={COLUMNS.map((c) => c.title)}
            rows={table}
            sortable={COLUMNS.map(() => true)}
            initialSortColumnIndex={1}
            defaultSortDirection="descending"
            onSort={(index, direction) => setSort({ index, direction: direction === "ascending" ? "ascending" : "descending" })}
            verticalAlign="middle"
            stickyHeader
          />
        </Card>
        <Card>
          <BlockStack gap="200">
            <Text as="h2" variant="headingMd">
              Totals by currency
            </Text>
            <Text as="p" tone="subdued">
              Amounts in different currencies are never added together.
            </Text>
            {data.totals.length === 0 ? (
              <Text as="p">No member store has figures for this range yet.</Text>
            ) : (
              data.totals.map((total) => (
                <Text as="p" key={total.currency}>
                  {total.currency}: {formatMoney(total.netSales, total.currency)} net sales, {formatCount(total.orders)} orders ({formatCount(total.stores)}{" "}
                  {total.stores === 1 ? "store" : "stores"})
                </Text>
              ))
            )}
          </BlockStack>
        </Card>
        <Text as="p" tone="subdued" variant="bodySm">
          {`${data.range.from} – ${data.lastDay}, read as each store's own local dates. Growth compares with the ${
            data.compare === "previous_year" ? "same period a year earlier" : data.compare === "none" ? "nothing (no comparison chosen)" : "previous period of the same length"
          }. Each row equals that store's own Overview, Retention and Conversion pages.`}
        </Text>
      </BlockStack>
    </Page>
  );
}

export function ErrorBoundary() {
  return <PageError title="Portfolio" />;
}
