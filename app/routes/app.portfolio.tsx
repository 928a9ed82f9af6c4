import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link as RemixLink, useLoaderData, useLocation } from "@remix-run/react";
import { Banner, BlockStack, Box, Card, DataTable, Link, Page, Select, Text } from "@shopify/polaris";
import { useMemo, useState } from "react";
import { DateRangeSelect } from "#app/components/DateRangeSelect";
import { CompareSelect, Control, ReportControls } from "#app/components/ReportControls";
import { useDownload, withLocale } from "#app/components/download";
import { DownloadFailedBanner } from "#app/components/DownloadFailedBanner";
import { EmptyCard } from "#app/components/EmptyCard";
import { fromNegativeBase, useFormat } from "#app/components/format";
import { NegativeBaseNote } from "#app/components/NegativeBaseNote";
import { PageError } from "#app/components/PageError";
import { storeRecomputingText } from "#app/components/RecomputingCard";
import { useRevalidateWhile, useSecondsSince, useUpdateSearchParams } from "#app/components/page-hooks";
import { badRequest } from "#app/http.server";
import { progressAfter } from "#app/metrics/rebuild-progress";
import { portfolioPage, type PortfolioStoreRow } from "#app/portfolios/portfolio-page.server";
import { authenticate } from "#app/shopify.server";
import { Trans, useTranslation } from "react-i18next";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return badRequest.page(() => portfolioPage(session.shop, new URL(request.url).searchParams, new Date()));
};

type SortKey = "name" | "netSales" | "orders" | "averageOrderValue" | "newCustomers" | "returningCustomerRate" | "repeatPurchaseRate" | "conversionRate";
/** The table's columns; each one's heading is `portfolio.columns.<key>` in the messages. */
const COLUMNS: Array<{ key: SortKey; numeric: boolean }> = [
  { key: "name", numeric: false },
  { key: "netSales", numeric: true },
  { key: "orders", numeric: true },
  { key: "averageOrderValue", numeric: true },
  { key: "newCustomers", numeric: true },
  { key: "returningCustomerRate", numeric: true },
  { key: "repeatPurchaseRate", numeric: true },
  { key: "conversionRate", numeric: true },
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


export default function Portfolio() {
  const data = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const update = useUpdateSearchParams();
  const location = useLocation();
  const exporting = useDownload();
  const [sort, setSort] = useState<{ index: number; direction: "ascending" | "descending" }>({ index: 1, direction: "descending" });
  const rows = useMemo(() => [...data.rows].sort(compareRows(COLUMNS[sort.index].key, sort.direction)), [data.rows, sort]);
  // Stores whose figures are being recomputed: the page looks again until they are in.
  const recomputing = data.rows.filter((row) => row.recomputing).length;
  useRevalidateWhile(recomputing > 0, 3000);
  // Their recomputes' running times go on by the page's clock between loads.
  const sinceLoaded = useSecondsSince(data.rows, recomputing > 0);

  if (!data.portfolio) {
    return (
      <Page title={t("portfolio.title")} backAction={{ content: t("nav.overview"), url: "/app" }}>
        <EmptyCard heading={t("portfolio.noneTitle")}>
          <Text as="p">
            <Trans i18nKey="portfolio.none" components={{ settings: <RemixLink to="/app/settings" /> }} />
          </Text>
        </EmptyCard>
      </Page>
    );
  }

  const money = (minor: number | null, currency: string) => (minor === null ? "—" : f.money(minor, currency));
  const status = (row: PortfolioStoreRow) => {
    // How long its rebuild has run, and the last one's time, once it has started.
    if (row.recomputing) {
      return storeRecomputingText({ timeZone: row.timeZone, currency: row.currency, progress: progressAfter(row.rebuild, sinceLoaded) }, t, f.duration);
    }
    if (!row.installed) return t("portfolio.notInstalled");
    return row.lastSyncAt ? t("portfolio.synced", { when: f.dateTime(row.lastSyncAt, data.timeZone) }) : t(`portfolio.syncState.${row.sync}`);
  };
  const table = rows.map((row) => [
    <BlockStack gap="100" key={row.shop}>
      <Link url={row.adminUrl} target="_top" removeUnderline>
        {row.name}
      </Link>
      <Text as="span" tone="subdued" variant="bodySm">
        {row.shop} · {row.currency} ·{" "}
        {status(row)}
      </Text>
    </BlockStack>,
    <BlockStack gap="050" key="sales" inlineAlign="end">
      <Text as="span">{money(row.netSales, row.currency)}</Text>
      {row.installed && !row.recomputing && data.compare !== "none" && (
        <Text as="span" tone="subdued" variant="bodySm">
          {f.growth(row.netSalesGrowth, row.netSalesGrowthBase)}
        </Text>
      )}
    </BlockStack>,
    row.orders === null ? "—" : f.count(row.orders),
    money(row.averageOrderValue, row.currency),
    row.newCustomers === null ? "—" : f.count(row.newCustomers),
    f.percent(row.returningCustomerRate),
    f.percent(row.repeatPurchaseRate),
    row.conversionRate === null ? (
      "—"
    ) : (
      <BlockStack gap="050" key="conversion" inlineAlign="end">
        <Text as="span">{f.percent(row.conversionRate)}</Text>
        <Text as="span" tone="subdued" variant="bodySm">
          {row.conversionSource ? t(`portfolio.sources.${row.conversionSource}`) : ""}
        </Text>
      </BlockStack>
    ),
  ]);

  return (
    <Page
      fullWidth
      title={t("portfolio.title")}
      subtitle={t("portfolio.subtitle", { name: data.portfolio.name, count: data.rows.length, stores: f.count(data.rows.length) })}
      secondaryActions={[
        {
          content: t("common.exportCsv"),
          loading: exporting.busy !== null,
          onAction: () => {
            const params = new URLSearchParams(location.search);
            params.set("portfolio", data.portfolio!.id);
            exporting.start(`/app/export/portfolio?${withLocale(params.toString(), i18n.language)}`);
          },
        },
        { content: t("portfolio.manage"), url: "/app/settings" },
      ]}
    >
      <BlockStack gap="400">
        {recomputing > 0 && (
          <Banner tone="info" title={t("portfolio.recomputingTitle", { count: recomputing, formatted: f.count(recomputing) })}>
            <Text as="p">{t("portfolio.recomputingText", { count: recomputing })}</Text>
          </Banner>
        )}
        <DownloadFailedBanner downloads={exporting} title={t("common.exportFailed")} />
        <ReportControls>
          {data.portfolios.length > 1 && (
            <Control>
              <Select
                label={t("portfolio.title")}
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
            headings={COLUMNS.map((c) => t(`portfolio.columns.${c.key}`))}
            rows={table}
            sortable={COLUMNS.map(() => true)}
            initialSortColumnIndex={1}
            defaultSortDirection="descending"
            onSort={(index, direction) => setSort({ index, direction: direction === "ascending" ? "ascending" : "descending" })}
            verticalAlign="middle"
            stickyHeader
          />
          {data.compare !== "none" && data.rows.some((row) => !row.recomputing && fromNegativeBase(row.netSalesGrowth, row.netSalesGrowthBase)) && (
            <Box padding="300">
              <NegativeBaseNote />
            </Box>
          )}
        </Card>
        <Card>
          <BlockStack gap="200">
            <Text as="h2" variant="headingMd">
              {t("portfolio.totals")}
            </Text>
            <Text as="p" tone="subdued">
              {t("portfolio.totalsHelp")}
            </Text>
            {data.totals.length === 0 ? (
              <Text as="p">{t("portfolio.noFigures")}</Text>
            ) : (
              data.totals.map((total) => (
                <Text as="p" key={total.currency}>
                  {t("portfolio.total", {
                    currency: total.currency,
                    netSales: f.money(total.netSales, total.currency),
                    orders: t("portfolio.orders", { count: total.orders, formatted: f.count(total.orders) }),
                    stores: t("portfolio.stores", { count: total.stores, formatted: f.count(total.stores) }),
                  })}
                </Text>
              ))
            )}
          </BlockStack>
        </Card>
        <Text as="p" tone="subdued" variant="bodySm">
          {t("portfolio.footnote", {
            from: f.day(data.range.from),
            to: f.day(data.lastDay),
            comparison: t(`portfolio.comparison.${data.compare}`),
          })}
        </Text>
      </BlockStack>
    </Page>
  );
}

export function ErrorBoundary() {
  const { t } = useTranslation();
  return <PageError title={t("portfolio.title")} />;
}
