// The bar of choices above a report (date range, comparison, source…), saying "Updating…"
// while the page loads the report for a new choice; the comparison choice itself, and how a card
// names what its change is against.
import { useNavigation } from "@remix-run/react";
import { Box, Card, InlineStack, Select, Text } from "@shopify/polaris";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useFormat } from "./format";

export function ReportControls({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const navigation = useNavigation();
  return (
    <Card>
      <InlineStack gap="400" blockAlign="end" wrap>
        {children}
        {navigation.state === "loading" && (
          <Text as="span" tone="subdued">
            {t("common.updating")}
          </Text>
        )}
      </InlineStack>
    </Card>
  );
}

/** A control of the bar, as wide as a select needs. */
export function Control({ children }: { children: ReactNode }) {
  return <Box minWidth="220px">{children}</Box>;
}

export type CompareChoice = "previous_period" | "previous_year" | "none";

export function CompareSelect({ value, onChange }: { value: string; onChange: (value: CompareChoice) => void }) {
  const { t } = useTranslation();
  return (
    <Select
      label={t("controls.compareWith")}
      options={[
        { label: t("controls.compare.previous_period"), value: "previous_period" },
        { label: t("controls.compare.previous_year"), value: "previous_year" },
        { label: t("controls.compare.none"), value: "none" },
      ]}
      value={value}
      onChange={(next) => onChange(next as CompareChoice)}
    />
  );
}

/**
 * What a card's change is against, "vs Oct 16, 2026 – Nov 2, 2026 (previous period)" (undefined
 * without a comparison).
 */
export function useComparisonLabel(compared: { compareTo: string; from: string; lastDay: string } | null | undefined): string | undefined {
  const { t } = useTranslation();
  const f = useFormat();
  if (!compared) return undefined;
  return t(compared.compareTo === "previous_year" ? "overview.vsYearEarlier" : "overview.vsPreviousPeriod", {
    from: f.day(compared.from),
    to: f.day(compared.lastDay),
  });
}
