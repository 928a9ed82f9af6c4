import { BlockStack, Card, Checkbox, ChoiceList, FormLayout, Text, TextField } from "@shopify/polaris";
import { useTranslation } from "react-i18next";

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
  const { t } = useTranslation();
  return (
    <BlockStack gap="400">
      <Card>
        <BlockStack gap="300">
          <BlockStack gap="100">
            <Text as="h2" variant="headingMd">
              {t("settingsForm.sales")}
            </Text>
            <Text as="p" variant="bodySm" tone="subdued">
              {t("settingsForm.salesHelp")}
            </Text>
          </BlockStack>
          <FormLayout>
            <ChoiceList
              title={t("settingsForm.refundDating")}
              name="refundDating"
              disabled={disabled}
              error={errors.refundDating}
              choices={[
                {
                  label: t("settingsForm.refundDate"),
                  value: "refund_date",
                  helpText: t("settingsForm.refundDateHelp"),
                },
                {
                  label: t("settingsForm.orderDate"),
                  value: "order_date",
                  helpText: t("settingsForm.orderDateHelp"),
                },
              ]}
              selected={[draft.refundDating]}
              onChange={([value]) => onChange("refundDating", value === "order_date" ? "order_date" : "refund_date")}
            />
            <Checkbox
              label={t("settingsForm.salesIncludeCancelled")}
              helpText={t("settingsForm.salesIncludeCancelledHelp")}
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
              {t("settingsForm.customers")}
            </Text>
            <Text as="p" variant="bodySm" tone="subdued">
              {t("settingsForm.customersHelp")}
            </Text>
          </BlockStack>
          <FormLayout>
            <Checkbox
              label={t("settingsForm.retentionIncludeCancelled")}
              helpText={t("settingsForm.retentionIncludeCancelledHelp")}
              name="retentionIncludeCancelled"
              disabled={disabled}
              error={errors.retentionIncludeCancelled}
              checked={draft.retentionIncludeCancelled}
              onChange={(checked) => onChange("retentionIncludeCancelled", checked)}
            />
            <Checkbox
              label={t("settingsForm.cohortIncludeZeroValue")}
              helpText={t("settingsForm.cohortIncludeZeroValueHelp")}
              name="cohortIncludeZeroValue"
              disabled={disabled}
              error={errors.cohortIncludeZeroValue}
              checked={draft.cohortIncludeZeroValue}
              onChange={(checked) => onChange("cohortIncludeZeroValue", checked)}
            />
            <TextField
              label={t("settingsForm.activityWindow")}
              type="number"
              name="activityWindowDays"
              suffix={t("settingsForm.days", { count: Number(draft.activityWindowDays) || 0 })}
              min={1}
              max={3660}
              autoComplete="off"
              disabled={disabled}
              error={errors.activityWindowDays}
              helpText={t("settingsForm.activityWindowHelp")}
              value={draft.activityWindowDays}
              onChange={(value) => onChange("activityWindowDays", value)}
            />
          </FormLayout>
        </BlockStack>
      </Card>
    </BlockStack>
  );
}
