// What `metryka status` prints for each shop: where its sync stands, how the last comparison
// with Shopify's own counts came out and what it mended first, and the last failure's words.
// Plain English for scripts and logs; `--json` prints the report itself.
import { syncProgressText } from "#app/components/sync-progress";
import type { KindCounts } from "#app/sync/sync-state.server";
import type { syncStatusReport } from "#app/sync/sync-status.server";

type StatusRow = Awaited<ReturnType<typeof syncStatusReport>>[number];

/** What a comparison mended before counting, when it did. */
function mended(what: string, { orders, customers }: KindCounts): string {
  return orders + customers > 0 ? `; ${what}: orders ${orders}, customers ${customers}` : "";
}

/** One paragraph per shop, each line ending with a newline; a sentence when there is none. */
export function statusText(report: StatusRow[]): string {
  if (report.length === 0) return "No shops.\n";
  return report
    .map((row) => {
      const running = row.status === "running" ? ` (${row.kind === "backfill" ? "backfill" : "catch-up"}: ${syncProgressText(row)})` : "";
      // Shopify's count / the copy's, at the last comparison.
      const check = row.check
        ? `\n  compared with Shopify at ${row.check.at}${row.check.ordersSince ? ` (orders since ${row.check.ordersSince})` : ""}: ` +
          `orders ${row.check.orders.shopify}/${row.check.orders.copy}, customers ${row.check.customers.shopify}/${row.check.customers.copy}` +
          mended("removed first", row.check.removed) +
          mended("copied back first", row.check.restored)
        : "";
      return `${row.shop}  ${row.status}${running}  last success: ${row.lastSuccessAt ?? "never"}  orders: ${row.orders}${check}${row.error ? `\n  ${row.error}` : ""}\n`;
    })
    .join("");
}
