import { isRouteErrorResponse, useLocation, useRouteError } from "@remix-run/react";
import { Banner, Page, Text } from "@shopify/polaris";

/**
 * A page's error state: the message of a 4xx (an impossible date range in the URL, say), or a
 * plain sentence for anything else. Never a stack.
 */
export function PageError({ title }: { title: string }) {
  const error = useRouteError();
  const { pathname } = useLocation();
  const clientError = isRouteErrorResponse(error) && error.status < 500;
  const message = clientError ? String(error.data) : "Something went wrong while computing these numbers.";
  return (
    <Page title={title} backAction={{ content: "Overview", url: "/app" }}>
      <Banner
        tone="critical"
        title="This view cannot be shown"
        action={clientError ? { content: "Show the default view", url: pathname } : undefined}
      >
        <Text as="p">{message}</Text>
      </Banner>
    </Page>
  );
}
