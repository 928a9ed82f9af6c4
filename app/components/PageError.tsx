import { isRouteErrorResponse, useLocation, useRouteError } from "@remix-run/react";
import { Banner, Page, Text } from "@shopify/polaris";
import { useTranslation } from "react-i18next";

/**
 * A page's error state: the message of a 4xx (an impossible date range in the URL, say), or a
 * plain sentence for anything else. Never a stack.
 */
export function PageError({ title }: { title: string }) {
  const { t } = useTranslation();
  const error = useRouteError();
  const { pathname } = useLocation();
  const clientError = isRouteErrorResponse(error) && error.status < 500;
  const message = clientError ? String(error.data) : t("error.unexpected");
  return (
    <Page title={title} backAction={{ content: t("nav.overview"), url: "/app" }}>
      <Banner
        tone="critical"
        title={t("error.title")}
        action={clientError ? { content: t("error.defaultView"), url: pathname } : undefined}
      >
        <Text as="p">{message}</Text>
      </Banner>
    </Page>
  );
}
