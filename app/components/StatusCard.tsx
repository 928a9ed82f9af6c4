import { Badge, BlockStack, Card, InlineStack, Text, type BadgeProps } from "@shopify/polaris";
import { useId, type ReactNode } from "react";

/**
 * A card saying where something stands: its title with a status badge (and an action on the
 * right), then the details. It is a region named by its title, so assistive technology (and a
 * test) tells its status from another card's that uses the same words ("Up to date").
 */
export function StatusCard({
  title,
  status,
  tone,
  action,
  gap,
  children,
}: {
  title: string;
  status: string;
  tone: BadgeProps["tone"];
  action?: ReactNode;
  gap: "200" | "300";
  children: ReactNode;
}) {
  const titleId = useId();
  return (
    <Card>
      <section aria-labelledby={titleId}>
        <BlockStack gap={gap}>
          <InlineStack align="space-between" blockAlign="center">
            <InlineStack gap="200" blockAlign="center">
              <Text as="h2" variant="headingMd" id={titleId}>
                {title}
              </Text>
              <Badge tone={tone}>{status}</Badge>
            </InlineStack>
            {action}
          </InlineStack>
          {children}
        </BlockStack>
      </section>
    </Card>
  );
}
