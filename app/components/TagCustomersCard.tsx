// Tagging the chosen customers in Shopify: a tag name (Shopify's rules, checked as it is typed
// and again on the server), then "Add tag" or "Remove tag"; the request runs as a job whose
// progress TagJobsCard shows. Without the write_customers grant the card says so instead.
import { Banner, BlockStack, Button, Card, InlineStack, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { checkTag, MAX_TAG_CUSTOMERS, type TagRefusal } from "#app/shopify/customer-tags";
import type { CustomerSelection } from "./AtRiskTable";
import { useFormat } from "./format";

export function TagCustomersCard({
  selection,
  busy,
  serverError,
  onSubmit,
}: {
  selection: CustomerSelection;
  busy: boolean;
  /** Why the server refused the last request. */
  serverError: TagRefusal | null;
  onSubmit: (action: "add" | "remove", tag: string) => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const [tag, setTag] = useState("");
  const [touched, setTouched] = useState(false);
  const checked = checkTag(tag);
  const problem = "problem" in checked ? checked.problem : null;
  const count = selection.all ? selection.count : selection.ids.length;
  // Every customer matching the filters, when they are more than one request may hold: said
  // before the merchant tries, with the buttons off.
  const tooMany = selection.all && count > MAX_TAG_CUSTOMERS;
  const refusalText = (refusal: TagRefusal): string => {
    switch (refusal.key) {
      case "tag":
        return t(`customerActions.tag.problems.${refusal.problem}`);
      case "tooMany":
        return t("customerActions.tag.refusals.tooMany", { max: f.count(refusal.max) });
      case "notShopCustomers":
        return t("customerActions.tag.refusals.notShopCustomers", { formatted: f.count(refusal.count) });
      default:
        return t(`customerActions.tag.refusals.${refusal.key}`);
    }
  };
  const refused = serverError ?? (tooMany ? ({ key: "tooMany", max: MAX_TAG_CUSTOMERS } as const) : null);
  const submit = (action: "add" | "remove") => {
    setTouched(true);
    if (!problem) onSubmit(action, tag);
  };
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          {t("customerActions.tag.title", { count, formatted: f.count(count) })}
        </Text>
        <Text as="p" tone="subdued" variant="bodySm">
          {t("customerActions.tag.help")}
        </Text>
        {refused && (
          <Banner tone="critical">
            <Text as="p">{refusalText(refused)}</Text>
          </Banner>
        )}
        <TextField
          label={t("customerActions.tag.label")}
          autoComplete="off"
          value={tag}
          maxLength={255}
          onChange={(value) => setTag(value)}
          onBlur={() => setTouched(true)}
          error={touched && problem ? t(`customerActions.tag.problems.${problem}`) : undefined}
          helpText={t("customerActions.tag.rules")}
        />
        <InlineStack gap="200">
          <Button variant="primary" loading={busy} disabled={busy || count === 0 || tooMany} onClick={() => submit("add")}>
            {t("customerActions.tag.add")}
          </Button>
          <Button loading={busy} disabled={busy || count === 0 || tooMany} onClick={() => submit("remove")}>
            {t("customerActions.tag.remove")}
          </Button>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}
