// A customer list's cell holding a figure (a count, a rate, money): right-aligned in tabular
// digits, as Polaris sets numbers in a table.
import { IndexTable, Text } from "@shopify/polaris";
import type { ReactNode } from "react";

export function NumericCell({ children }: { children: ReactNode }) {
  return (
    <IndexTable.Cell>
      <Text as="span" alignment="end" numeric>
        {children}
      </Text>
    </IndexTable.Cell>
  );
}
