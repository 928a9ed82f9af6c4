import { DataTable, Link } from "@shopify/polaris";
import type { LapsedCustomer } from "#app/metrics/retention";
import { formatCount, formatMoney } from "./format";

function formatDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  return new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" }).format(date);
}

/**
 * Customers past the lapse point, by customer id only (names and e-mails stay in Shopify): each
 * id opens the customer's view in the app (their orders, cohort and days since against the lapse
 * point), which links on to the customer in the Shopify admin.
 */
export function AtRiskTable({ customers, currency }: { customers: LapsedCustomer[]; currency: string }) {
  return (
    <DataTable
      columnContentTypes={["text", "text", "numeric", "numeric", "numeric"]}
      headings={["Customer", "Last order", "Days since", "Orders", "Net spend"]}
      rows={customers.map((customer) => [
        <Link key={customer.customerId} url={`/app/customers/${customer.customerId}`} removeUnderline>
          {`Customer ${customer.customerId}`}
        </Link>,
        formatDay(customer.lastOrderDay),
        formatCount(customer.daysSinceLastOrder),
        formatCount(customer.orders),
        formatMoney(customer.netSpend, currency),
      ])}
      increasedTableDensity
    />
  );
}
