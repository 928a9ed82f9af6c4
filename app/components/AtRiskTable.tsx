import { DataTable, Link } from "@shopify/polaris";
import { useTranslation } from "react-i18next";
import type { LapsedCustomer } from "#app/metrics/retention";
import { useFormat } from "./format";

/**
 * Customers past the lapse point, by customer id only (names and e-mails stay in Shopify): each
 * id opens the customer's view in the app (their orders, cohort and days since against the lapse
 * point), which links on to the customer in the Shopify admin.
 */
export function AtRiskTable({ customers, currency }: { customers: LapsedCustomer[]; currency: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <DataTable
      columnContentTypes={["text", "text", "numeric", "numeric", "numeric"]}
      headings={[t("atRisk.customer"), t("atRisk.lastOrder"), t("atRisk.daysSince"), t("atRisk.orders"), t("atRisk.netSpend")]}
      rows={customers.map((customer) => [
        <Link key={customer.customerId} url={`/app/customers/${customer.customerId}`} removeUnderline>
          {t("common.customerId", { id: customer.customerId })}
        </Link>,
        f.day(customer.lastOrderDay),
        f.count(customer.daysSinceLastOrder),
        f.count(customer.orders),
        f.money(customer.netSpend, currency),
      ])}
      increasedTableDensity
    />
  );
}
