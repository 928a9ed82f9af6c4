import { IndexTable, Link, useIndexResourceState } from "@shopify/polaris";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import type { LapsedCustomer } from "#app/metrics/retention";
import { useFormat } from "./format";
import { NumericCell } from "./NumericCell";

/** Which customers are chosen: the ids ticked on this page, or every customer matching the list's filters. */
export type CustomerSelection = { all: true; count: number } | { all: false; ids: string[] };

/**
 * A customer list (at risk or repeat buyers), by customer id only (names and e-mails stay in
 * Shopify): each id opens the customer's view in the app (their orders, cohort and days since
 * against the lapse point), which links on to the customer in the Shopify admin. Customers can
 * be ticked, or all `total` matching the list's filters chosen at once, to act on them.
 */
export function AtRiskTable({
  customers,
  currency,
  total,
  onSelection,
}: {
  customers: LapsedCustomer[];
  currency: string;
  total: number;
  onSelection: (selection: CustomerSelection) => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const { selectedResources, allResourcesSelected, handleSelectionChange, clearSelection } = useIndexResourceState(
    customers as unknown as Array<{ [key: string]: unknown }>,
    { resourceIDResolver: (customer) => (customer as unknown as LapsedCustomer).customerId },
  );
  const pageKey = customers.map((customer) => customer.customerId).join(",");
  // Another page, filter or sort: nothing stays chosen that the merchant cannot see.
  useEffect(() => clearSelection(), [pageKey]);
  useEffect(
    () => onSelection(allResourcesSelected && total > customers.length ? { all: true, count: total } : { all: false, ids: selectedResources }),
    [allResourcesSelected, selectedResources, total],
  );
  return (
    <div data-testid="customer-list">
      <IndexTable
        itemCount={customers.length}
        selectedItemsCount={allResourcesSelected ? "All" : selectedResources.length}
        onSelectionChange={handleSelectionChange}
        hasMoreItems={total > customers.length}
        paginatedSelectAllActionText={t("customerActions.selectAllMatching", { count: total, formatted: f.count(total) })}
        paginatedSelectAllText={t("customerActions.allMatchingSelected", { count: total, formatted: f.count(total) })}
        resourceName={{ singular: t("customerActions.resource.singular"), plural: t("customerActions.resource.plural") }}
        headings={[
          { title: t("atRisk.customer") },
          { title: t("atRisk.lastOrder") },
          { title: t("atRisk.daysSince"), alignment: "end" },
          { title: t("atRisk.orders"), alignment: "end" },
          { title: t("atRisk.netSpend"), alignment: "end" },
        ]}
        condensed={false}
      >
        {customers.map((customer, position) => (
          <IndexTable.Row id={customer.customerId} key={customer.customerId} position={position} selected={selectedResources.includes(customer.customerId)}>
            <IndexTable.Cell>
              <Link url={`/app/customers/${customer.customerId}`} removeUnderline dataPrimaryLink>
                {t("common.customerId", { id: customer.customerId })}
              </Link>
            </IndexTable.Cell>
            <IndexTable.Cell>{f.day(customer.lastOrderDay)}</IndexTable.Cell>
            <NumericCell>{f.count(customer.daysSinceLastOrder)}</NumericCell>
            <NumericCell>{f.count(customer.orders)}</NumericCell>
            <NumericCell>{f.money(customer.netSpend, currency)}</NumericCell>
          </IndexTable.Row>
        ))}
      </IndexTable>
    </div>
  );
}
