import { isRouteErrorResponse, useLocation, useRevalidator, useRouteError } from "@remix-run/react";
import { Banner, Page, Text } from "@shopify/polaris";
import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import type { PageRefusal } from "#app/http.server";
import { RecomputingCard } from "./RecomputingCard";

/** A loader's refusal (`badRequest.page`) in the admin's language; other 4xx bodies as they are. */
function refusalDetail(data: unknown, t: TFunction): string {
  if (typeof data !== "object" || data === null || !("message" in data)) return String(data);
  const { message, refusal } = data as PageRefusal;
  return refusal ? t(`rangeErrors.${refusal.key}`, "values" in refusal ? refusal.values : {}) : message;
}

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
  const recomputing = isRouteErrorResponse(error) && error.status === 503 ? (error.data as Partial<PageRefusal> | null)?.recomputing : undefined;
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
