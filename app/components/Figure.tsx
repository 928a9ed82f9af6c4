import { BlockStack, InlineStack, Text } from "@shopify/polaris";
import type { ReactNode } from "react";

/**
 * One figure inside a card: its title (a heading, which the browser tests find it by), its value,
 * what sits beside the value (a badge) and the lines under it.
 */
export function Figure({
  title,
  value,
  size = "headingLg",
  beside,
  children,
}: {
  title: string;
  value: string;
  size?: "headingLg" | "headingXl";
  beside?: ReactNode;
  children?: ReactNode;
}) {
  const shown = (
    <Text as="p" variant={size}>
      {value}
    </Text>
  );
  return (
    <BlockStack gap="100">
      <Text as="h3" variant="headingSm" tone="subdued">
        {title}
      </Text>
      {beside ? (
        <InlineStack gap="200" blockAlign="center">
          {shown}
          {beside}
        </InlineStack>
      ) : (
        shown
      )}
      {children}
    </BlockStack>
  );
}
