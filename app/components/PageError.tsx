import { isRouteErrorResponse, useLocation, useRevalidator, useRouteError } from "@remix-run/react";
import { Banner, Page, Text } from "@shopify/polaris";
import { useTranslation } from "react-i18next";

/**
 * A page's error state: a 4xx (an impossible date range in the URL, say) said in the admin's
 * language with its detail, and a way back to the default view, or a plain sentence for anything else with a retry (the page's
 * data loaded again; the page comes back once it loads). Never a stack.
 */
export function PageError({ title }: { title: string }) {
  const { t } = useTranslation();
  const error = useRouteError();
  const { pathname } = useLocation();
  const clientError = isRouteErrorResponse(error) && error.status < 500;
  // A 4xx says what was wrong in the admin's language, with Metryka's own words about the detail.
  const message = clientError ? t(error.status === 404 ? "error.notFound" : "error.badAddress", { detail: String(error.data) }) : t("error.unexpected");
  const revalidator = useRevalidator();
  return (
    <Page title={title} backAction={{ content: t("nav.overview"), url: "/app" }}>
      <Banner
        tone="critical"
        title={t("error.title")}
        action={
          clientError
            ? { content: t("error.defaultView"), url: pathname }
            : { content: t("accessibility.retry"), onAction: () => revalidator.revalidate(), loading: revalidator.state === "loading" }
        }
      >
        <Text as="p">{message}</Text>
      </Banner>
    </Page>
  );
}
