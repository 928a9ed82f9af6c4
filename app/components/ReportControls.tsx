// The bar of choices above a report (date range, comparison, source…), saying "Updating…"
// while the page loads the report for a new choice; and the comparison choice itself.
import { useNavigation } from "@remix-run/react";
import { Box, Card, InlineStack, Select, Text } from "@shopify/polaris";
import type { ReactNode } from "react";

export function ReportControls({ children }: { children: ReactNode }) {
  const navigation = useNavigation();
  return (
    <Card>
      <InlineStack gap="400" blockAlign="end" wrap>
        {children}
        {navigation.state === "loading" && (
          <Text as="span" tone="subdued">
            Updating…
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
  return (
    <Select
      label="Compare with"
      options={[
        { label: "Previous period", value: "previous_period" },
        { label: "Same period last year", value: "previous_year" },
        { label: "No comparison", value: "none" },
      ]}
      value={value}
      onChange={(next) => onChange(next as CompareChoice)}
    />
  );
}
