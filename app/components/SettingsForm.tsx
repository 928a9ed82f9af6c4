import { BlockStack, Card, Checkbox, ChoiceList, FormLayout, Text, TextField } from "@shopify/polaris";

/** The form's draft of the metric settings (the window as typed, checked on save). */
export interface SettingsDraft {
  refundDating: "refund_date" | "order_date";
  salesIncludeCancelled: boolean;
  retentionIncludeCancelled: boolean;
  cohortIncludeZeroValue: boolean;
  activityWindowDays: string;
}

export type SettingsErrors = Partial<Record<keyof SettingsDraft, string>>;

/** The metric settings as Polaris controls, grouped by the reports they change. */
export function SettingsForm({
  draft,
  errors,
  disabled,
  onChange,
}: {
  draft: SettingsDraft;
  errors: SettingsErrors;
  disabled?: boolean;
  onChange: <K extends keyof SettingsDraft>(field: K, value: SettingsDraft[K]) => void;
}) {
  return (
    <BlockStack gap="400">
      <Card>
        <BlockStack gap="300">
          <BlockStack gap="100">
            <Text as="h2" variant="headingMd">
              Sales
            </Text>
            <Text as="p" variant="bodySm" tone="subdued">
              Overview: net sales, orders, average order value.
            </Text>
          </BlockStack>
          <FormLayout>
            <ChoiceList
              title="Date returns on"
              name="refundDating"
              disabled={disabled}
              error={errors.refundDating}
              choices={[
                {
                  label: "The refund date",
                  value: "refund_date",
                  helpText: "A return lowers the month it happened in, as Shopify's reports do.",
                },
                {
                  label: "The original order date",
                  value: "order_date",
                  helpText:
                    "A return lowers the month of the order it belongs to: steadier cohort revenue and lifetime value.",
                },
              ]}
              selected={[draft.refundDating]}
              onChange={([value]) => onChange("refundDating", value === "order_date" ? "order_date" : "refund_date")}
            />
            <Checkbox
              label="Include cancelled orders in sales"
              helpText="Shopify's sales reports include them (a cancellation then shows as a return)."
              name="salesIncludeCancelled"
              disabled={disabled}
              error={errors.salesIncludeCancelled}
              checked={draft.salesIncludeCancelled}
              onChange={(checked) => onChange("salesIncludeCancelled", checked)}
            />
          </FormLayout>
        </BlockStack>
      </Card>

      <Card>
        <BlockStack gap="300">
          <BlockStack gap="100">
            <Text as="h2" variant="headingMd">
              Customers and retention
            </Text>
            <Text as="p" variant="bodySm" tone="subdued">
              Retention, cohorts, customers at risk.
            </Text>
          </BlockStack>
          <FormLayout>
            <Checkbox
              label="Include cancelled orders in customer metrics"
              helpText="Off by default: a cancelled order rarely means the customer came back."
              name="retentionIncludeCancelled"
              disabled={disabled}
              error={errors.retentionIncludeCancelled}
              checked={draft.retentionIncludeCancelled}
              onChange={(checked) => onChange("retentionIncludeCancelled", checked)}
            />
            <Checkbox
              label="Let a zero-value order make a customer new"
              helpText="Off: a customer joins the cohort of their first paid order (free samples and 100 % discounts do not count)."
              name="cohortIncludeZeroValue"
              disabled={disabled}
              error={errors.cohortIncludeZeroValue}
              checked={draft.cohortIncludeZeroValue}
              onChange={(checked) => onChange("cohortIncludeZeroValue", checked)}
            />
            <TextField
              label="Activity window"
              type="number"
              name="activityWindowDays"
              suffix="days"
              min={1}
              max={3660}
              autoComplete="off"
              disabled={disabled}
              error={errors.activityWindowDays}
              helpText="A customer counts as active with an order in the last this many days. Customer retention and churn use it."
              value={draft.activityWindowDays}
              onChange={(value) => onChange("activityWindowDays", value)}
            />
          </FormLayout>
        </BlockStack>
      </Card>
    </BlockStack>
  );
}
