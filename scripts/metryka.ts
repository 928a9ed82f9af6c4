// `npm run metryka -- <command>`: Metryka from the command line, for agencies and scripts.
// Works on the app's database (DATABASE_URL, or the embedded PostgreSQL under .data/).
//
//   import-orders --shop <domain> --time-zone <IANA> --currency <ISO> <file.csv>
//   metrics --shop <domain> --from <YYYY-MM-DD> --to <YYYY-MM-DD> [--granularity month]
//           [--compare previous_period|previous_year|none] [--cohorts month|week] [--now <instant>] --json
//   status [--shop <domain>] [--json]
//   data-requests --shop <domain> [--id <data request id>]
//   export <sales|cohorts|time-between-orders|conversion-funnel|conversion-series|conversion-breakdowns|customers|predictions|portfolio>
//          --shop <domain> [--from <YYYY-MM-DD> --to <YYYY-MM-DD>] [--granularity …] [--cohorts …] [--source …] [--now <instant>] [--out <file>]
//   portfolio [--portfolio <id>] [--from <YYYY-MM-DD> --to <YYYY-MM-DD>] [--compare …] [--now <instant>] --json|--csv
import { parseArgs } from "node:util";
import { localDatabase } from "./lib/local-database";
import { exportHelp } from "#app/exports/registry.server";
import { errorMessage } from "../app/error-message";

const USAGE = `Usage: npm run metryka -- <command> [options]

Commands:
  import-orders --shop <domain> --time-zone <IANA zone> --currency <ISO code> <file.csv>
      Import order history from Shopify's order export or a plain CSV
      (id,customer_id,processed_at,total[,cancelled_at,refunded,refunded_at,currency,test]).
  metrics --shop <domain> --from <YYYY-MM-DD> --to <YYYY-MM-DD> [--granularity day|week|month|quarter|year]
          [--compare previous_period|previous_year|none] [--cohorts month|week] [--now <ISO instant>] --json
      Every metric for [from, to) (shop-local dates, 'to' excluded) as one JSON object.
  status [--shop <domain>] [--json]
      Where each shop's sync stands.
  data-requests --shop <domain> [--id <data request id>]
      The customers' data requests Shopify forwarded; with --id, what Metryka holds on that
      customer, as JSON, for the merchant to send on (docs/privacy.md).
  export <what> --shop <domain> [--from <YYYY-MM-DD> --to <YYYY-MM-DD>] [--granularity …] [--cohorts month|week]
         [--source shopify|pixel] [--portfolio <id>] [--compare …] [--list at_risk|repeat …] [--now <ISO instant>]
         [--out <file.csv>]
      A table as CSV (English headings) on stdout, or into --out (written whole or not at all);
      the last twelve months by default. <what> is one of:
${exportHelp()}
  portfolio [--portfolio <id>] [--from <YYYY-MM-DD> --to <YYYY-MM-DD>] [--compare previous_period|previous_year|none]
            [--now <ISO instant>] --json|--csv
      Every installed store's key metrics side by side (or one portfolio's members), each in its
      own currency and time zone, with totals per currency (the Portfolio page's table).
`;

class UsageError extends Error {}

function fail(message: string): never {
  throw new UsageError(message);
}

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help") {
    process.stdout.write(USAGE);
    return;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      shop: { type: "string" },
      "time-zone": { type: "string" },
      currency: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      granularity: { type: "string", default: "month" },
      compare: { type: "string", default: "previous_period" },
      cohorts: { type: "string", default: "month" },
      now: { type: "string" },
      id: { type: "string" },
      json: { type: "boolean", default: false },
      csv: { type: "boolean", default: false },
      portfolio: { type: "string" },
      source: { type: "string" },
      out: { type: "string" },
      // The customer lists' filters (export customers).
      list: { type: "string" },
      sort: { type: "string" },
      direction: { type: "string" },
      "min-orders": { type: "string" },
      "max-orders": { type: "string" },
      "min-spend": { type: "string" },
      "max-spend": { type: "string" },
      "min-days": { type: "string" },
      "max-days": { type: "string" },
    },
  });

  // The command line needs the database only, not the app's Shopify credentials.
  process.env.METRYKA_COMMAND_LINE = "1";
  let stopServer = async () => {};
  if (!process.env.DATABASE_URL) {
    const local = await localDatabase();
    process.env.DATABASE_URL = local.url;
    stopServer = () => local.server.stop();
  }
  const { closeAppResources } = await import("#app/shutdown.server");
  try {
    switch (command) {
      case "import-orders": {
        const file = positionals[0] ?? fail("import-orders needs the CSV file to read");
        const { importOrders } = await import("#app/cli/import-orders.server");
        const summary = await importOrders(
          file,
          {
            shop: values.shop ?? fail("--shop is required"),
            timeZone: values["time-zone"] ?? fail("--time-zone is required"),
            currency: values.currency ?? fail("--currency is required"),
          },
          {
            // As they are found: a file with a million bad lines is never held in memory.
            onRejected: ({ line, lastLine, reason }) =>
              process.stderr.write(`${lastLine ? `lines ${line}-${lastLine}` : `line ${line}`}: ${reason}\n`),
          },
        );
        process.stdout.write(
          `${summary.format} format: ${summary.orders} orders read, ${summary.imported} imported` +
            ` (${summary.written} written), ${summary.rejected} rejected\n`,
        );
        return;
      }
      case "metrics": {
        if (!values.json) fail("metrics prints JSON: add --json");
        const { metricsReport } = await import("#app/cli/metrics-report.server");
        const { parseMetricsQuery } = await import("#app/cli/metrics-query");
        const query = parseMetricsQuery(values);
        const now = values.now ? new Date(values.now) : new Date();
        if (Number.isNaN(now.getTime())) fail(`--now is not an instant: ${values.now}`);
        const report = await metricsReport(values.shop ?? fail("--shop is required"), query, now);
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      case "status": {
        const { syncStatusReport } = await import("#app/sync/sync-status.server");
        const { statusText } = await import("#app/cli/status-text");
        const report = await syncStatusReport(values.shop);
        process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : statusText(report));
        return;
      }
      case "data-requests": {
        const shop = values.shop ?? fail("--shop is required");
        const { dataRequestExport, dataRequestExports } = await import("#app/sync/privacy.server");
        if (values.id !== undefined) {
          const exported = await dataRequestExport(shop, values.id);
          if (!exported) throw new Error(`${shop} has no data request ${values.id}`);
          process.stdout.write(`${JSON.stringify(exported.contents, null, 2)}\n`);
          return;
        }
        const requests = await dataRequestExports(shop);
        for (const r of requests) process.stdout.write(`${r.requestId}  customer ${r.customerId}  ${r.createdAt}  ${r.orders} orders\n`);
        if (requests.length === 0) process.stdout.write("No data requests.\n");
        return;
      }
      case "export": {
        const { EXPORTS, EXPORT_NAMES, isExportName } = await import("#app/exports/registry.server");
        const name = positionals[0];
        if (!isExportName(name)) fail(`export what? one of: ${EXPORT_NAMES.join(", ")} (got ${JSON.stringify(name ?? "")})`);
        const definition = EXPORTS[name];
        const shop = values.shop ?? fail("--shop is required");
        if (!definition.takesNow && values.now) fail(`export ${name} takes no --now: it is made on today's date`);
        const now = values.now ? new Date(values.now) : new Date();
        if (Number.isNaN(now.getTime())) fail(`--now is not an instant: ${values.now}`);
        const params = new URLSearchParams();
        for (const key of definition.parameters) {
          // --min-orders on the command line is minOrders in the page's query string.
          const value = values[key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`) as keyof typeof values];
          if (typeof value === "string" && value !== "") params.set(key, value);
        }
        const { writeExport } = await import("#app/cli/export-file.server");
        await writeExport(definition, shop, params, now, values.out);
        return;
      }
      case "portfolio": {
        if (values.json === values.csv) fail("portfolio prints --json or --csv: choose one");
        const now = values.now ? new Date(values.now) : new Date();
        if (Number.isNaN(now.getTime())) fail(`--now is not an instant: ${values.now}`);
        const { portfolioReport, portfolioCells, PORTFOLIO_HEADER } = await import("#app/portfolios/portfolio-page.server");
        const report = await portfolioReport({ portfolioId: values.portfolio, from: values.from, to: values.to, compare: values.compare }, now);
        if (values.json) {
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
          return;
        }
        const { csvText } = await import("#app/exports/csv.server");
        process.stdout.write(await csvText(PORTFOLIO_HEADER, report.rows.map(portfolioCells)));
        return;
      }
      default:
        fail(`unknown command ${JSON.stringify(command)}`);
    }
  } finally {
    // Every pool first: a server stopped under open connections makes them report errors.
    await closeAppResources();
    await stopServer();
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    const message = errorMessage(error);
    process.stderr.write(`metryka: ${message}\n`);
    if (error instanceof UsageError) process.stderr.write(`\n${USAGE}`);
    process.exit(error instanceof UsageError || (error as { status?: number }).status === 400 ? 2 : 1);
  },
);
