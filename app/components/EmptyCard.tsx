import { BlockStack, Box, Card, InlineStack, Text } from "@shopify/polaris";
import type { ReactNode } from "react";

/** A card saying why there is nothing to show yet, and what would change that. */
export function EmptyCard({ heading, children }: { heading: string; children: ReactNode }) {
  return (
    <Card>
      <Box paddingBlock="800" paddingInline="400">
        <InlineStack align="center">
          <Box maxWidth="600px" width="100%">
            <BlockStack gap="300">
              <Text as="h2" variant="headingLg">
                {heading}
              </Text>
              {children}
            </BlockStack>
          </Box>
        </InlineStack>
      </Box>
    </Card>
  );
}
