import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, Outlet, useLoaderData, useLocation, useNavigation, useRouteError, type ShouldRevalidateFunction } from "@remix-run/react";
import { NavMenu } from "@shopify/app-bridge-react";
import { BlockStack, Card, Layout, SkeletonBodyText, SkeletonDisplayText, SkeletonPage } from "@shopify/polaris";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import metricCardStyles from "#app/styles/metric-card.css?url";
import { useEffect, useMemo, useState } from "react";
import { I18nextProvider, useTranslation } from "react-i18next";
import { env } from "#app/env.server";
import { createI18n, POLARIS_TRANSLATIONS, requestLocale } from "#app/i18n";
import { authenticate } from "#app/shopify.server";

export const links = () => [
  { rel: "stylesheet", href: polarisStyles },
  { rel: "stylesheet", href: metricCardStyles },
];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  await authenticate.admin(request);
  return { apiKey: env.SHOPIFY_API_KEY, appBridgeUrl: env.APP_BRIDGE_URL ?? null, locale: requestLocale(request) };
};

// The admin passes its `locale` only when it loads the app; the pages the app moves to after
// that have none. The layout's data (the key and the language) stays as that first load gave it.
export const shouldRevalidate: ShouldRevalidateFunction = () => false;

export default function App() {
  const { apiKey, appBridgeUrl, locale } = useLoaderData<typeof loader>();
  const i18n = useMemo(() => createI18n(locale), [locale]);
  return (
    <I18nextProvider i18n={i18n}>
      <AppProvider
        isEmbeddedApp
        apiKey={apiKey}
        i18n={POLARIS_TRANSLATIONS[locale]}
        {...(appBridgeUrl ? { __APP_BRIDGE_URL: appBridgeUrl } : {})}
      >
        <Navigation />
        <PageOrSkeleton />
      </AppProvider>
    </I18nextProvider>
  );
}

/**
 * The page, or while the app moves to another page and its data is still on the way (longer
 * than a blink), that page's skeleton: the merchant sees at once that the click was taken.
 */
function PageOrSkeleton() {
  const navigation = useNavigation();
  const { pathname } = useLocation();
  const leaving = navigation.state === "loading" && navigation.location.pathname !== pathname;
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    if (!leaving) return setSlow(false);
    const timer = setTimeout(() => setSlow(true), 250);
    return () => clearTimeout(timer);
  }, [leaving]);
  if (!(leaving && slow)) return <Outlet />;
  return (
    <SkeletonPage primaryAction backAction>
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            {[0, 1].map((card) => (
              <Card key={card}>
                <BlockStack gap="400">
                  <SkeletonDisplayText size="small" />
                  <SkeletonBodyText lines={4} />
                </BlockStack>
              </Card>
            ))}
          </BlockStack>
        </Layout.Section>
      </Layout>
    </SkeletonPage>
  );
}

function Navigation() {
  const { t } = useTranslation();
  return (
    <NavMenu>
      <Link to="/app" rel="home">
        {t("nav.overview")}
      </Link>
      <Link to="/app/retention">{t("nav.retention")}</Link>
      <Link to="/app/customers">{t("nav.customers")}</Link>
      <Link to="/app/conversion">{t("nav.conversion")}</Link>
      <Link to="/app/portfolio">{t("nav.portfolio")}</Link>
      <Link to="/app/settings">{t("nav.settings")}</Link>
      <Link to="/app/sync">{t("nav.sync")}</Link>
    </NavMenu>
  );
}

// Shopify needs Remix to catch thrown responses so that its headers reach the browser.
export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
