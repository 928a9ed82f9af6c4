// The customer list's choices, all kept in the URL (so a view can be shared): which list (at
// risk, repeat buyers), its sort, and its filters (orders, net spend in the shop currency, days
// since the last order, each from–to). The server filters, sorts and pages; this only edits the URL.
import { BlockStack, Box, Button, InlineGrid, InlineStack, Select, Tabs, TextField } from "@shopify/polaris";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { CustomerList, CustomerSort } from "#app/metrics/retention";

/** The filter fields as the URL names them. */
export const FILTER_FIELDS = ["minOrders", "maxOrders", "minSpend", "maxSpend", "minDays", "maxDays"] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];
export type FilterDraft = Record<FilterField, string>;

const LISTS: CustomerList[] = ["at_risk", "repeat"];
const SORTS = ["net_spend:desc", "net_spend:asc", "orders:desc", "orders:asc", "last_order:asc", "last_order:desc"] as const;

export function CustomerListControls({
  list,
  sort,
  applied,
  onChange,
}: {
  list: CustomerList;
  sort: CustomerSort;
  /** The filters in the URL, as written there. */
  applied: FilterDraft;
  onChange: (changes: Record<string, string | null>) => void;
}) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<FilterDraft>(applied);
  const appliedKey = FILTER_FIELDS.map((field) => applied[field]).join("|");
  useEffect(() => setDraft(applied), [appliedKey]);
  const field = (name: FilterField, label: string) => (
    <TextField
      label={label}
      type="number"
      autoComplete="off"
      value={draft[name]}
      onChange={(value) => setDraft({ ...draft, [name]: value })}
    />
  );
  const apply = () =>
    onChange({ ...Object.fromEntries(FILTER_FIELDS.map((name) => [name, draft[name].trim() === "" ? null : draft[name].trim()])), page: null });
  const any = FILTER_FIELDS.some((name) => applied[name] !== "");
  return (
    <BlockStack gap="300">
      <Tabs
        tabs={LISTS.map((id) => ({ id: `list-${id}`, content: t(`customerActions.lists.${id}`) }))}
        selected={LISTS.indexOf(list)}
        onSelect={(index) => onChange({ list: index === 0 ? null : LISTS[index], page: null })}
      />
      <Box paddingInline="400">
        <form
          onSubmit={(event) => {
            event.preventDefault();
            apply();
          }}
        >
          <BlockStack gap="300">
            <InlineGrid columns={{ xs: 2, sm: 3, md: 6 }} gap="200">
              {field("minOrders", t("customerActions.filters.minOrders"))}
              {field("maxOrders", t("customerActions.filters.maxOrders"))}
              {field("minSpend", t("customerActions.filters.minSpend"))}
              {field("maxSpend", t("customerActions.filters.maxSpend"))}
              {field("minDays", t("customerActions.filters.minDays"))}
              {field("maxDays", t("customerActions.filters.maxDays"))}
            </InlineGrid>
            <InlineStack gap="200" align="space-between" blockAlign="end">
              <InlineStack gap="200">
                <Button submit variant="primary">
                  {t("customerActions.filters.apply")}
                </Button>
                <Button disabled={!any} onClick={() => onChange({ ...Object.fromEntries(FILTER_FIELDS.map((name) => [name, null])), page: null })}>
                  {t("customerActions.filters.clear")}
                </Button>
              </InlineStack>
              <Box minWidth="220px">
                <Select
                  label={t("customerActions.sort.label")}
                  labelInline
                  options={SORTS.map((value) => ({ value, label: t(`customerActions.sort.${value.replace(":", "_")}`) }))}
                  value={`${sort.key}:${sort.direction}`}
                  onChange={(value) => {
                    const [key, direction] = value.split(":");
                    onChange({ sort: key === "net_spend" ? null : key, direction: direction === "desc" ? null : direction, page: null });
                  }}
                />
              </Box>
            </InlineStack>
          </BlockStack>
        </form>
      </Box>
    </BlockStack>
  );
}
