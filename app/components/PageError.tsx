import { isRouteErrorResponse, useLocation, useRevalidator, useRouteError } from "@remix-run/react";
import { Banner, Page, Text } from "@shopify/polaris";
import { useTranslation } from "react-i18next";
import { RecomputingCard } from "./RecomputingCard";
import { recomputingOf, refusalDetail } from "./refusal";

/**
 * A page's error state: a 4xx (an impossible date range in the URL, say) said in the admin's
 * language with its detail and a way on: the page's default view, or `back` for a page whose
 * address names one thing (a customer) and so has no default view. Anything else is a plain
 * sentence with a retry (the page's data loaded again; the page comes back once it loads).
 * A store whose numbers are being recomputed (a 503 from a page without a state of its own for
 * it) says so and looks again by itself. Never a stack.
 */
export function PageError({ title, back }: { title: string; back?: { content: string; url: string } }) {
  const { t } = useTranslation();
  const error = useRouteError();
  const { pathname } = useLocation();
  const clientError = isRouteErrorResponse(error) && error.status < 500;
  // A 4xx says what was wrong in the admin's language, the detail too when the loader said why.
  const message = clientError
    ? t(error.status === 404 ? "error.notFound" : "error.badAddress", { detail: refusalDetail(error.data, t) })
    : t("error.unexpected");
  const revalidator = useRevalidator();
  const recomputing = isRouteErrorResponse(error) ? recomputingOf(error.status, error.data) : undefined;
  if (recomputing) {
    return (
      <Page title={title} backAction={back ?? { content: t("nav.overview"), url: "/app" }}>
        <RecomputingCard timeZone={recomputing.timeZone} currency={recomputing.currency} progress={recomputing.progress ?? null} />
      </Page>
    );
  }
  return (
    <Page title={title} backAction={back ?? { content: t("nav.overview"), url: "/app" }}>
      <Banner
        tone="critical"
        title={t("error.title")}
        action={
          clientError
            ? (back ?? { content: t("error.defaultView"), url: pathname })
            : { content: t("accessibility.retry"), onAction: () => revalidator.revalidate(), loading: revalidator.state === "loading" }
        }
      >
        <Text as="p">{message}</Text>
      </Banner>
    </Page>
  );
}
