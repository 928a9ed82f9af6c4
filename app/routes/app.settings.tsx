import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import { Banner, BlockStack, Layout, Page, PageActions, Text } from "@shopify/polaris";
import { useEffect, useState } from "react";
import { DataRequestsCard } from "#app/components/DataRequestsCard";
import { PixelStatusCard } from "#app/components/PixelStatusCard";
import { PortfoliosCard } from "#app/components/PortfoliosCard";
import { PageError } from "#app/components/PageError";
import { SettingsForm, type SettingsDraft, type SettingsErrors } from "#app/components/SettingsForm";
import { saveSettingsForm, settingsPage } from "#app/dashboard/settings-page.server";
import { badRequest } from "#app/http.server";
import { DEFAULT_METRIC_SETTINGS, type MetricSettings } from "#app/metrics/settings";
import { authenticate } from "#app/shopify.server";
import { useTranslation } from "react-i18next";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return badRequest.page(() => settingsPage(session.shop));
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const result = await saveSettingsForm(session.shop, await request.formData());
  return json(result, { status: result.ok ? 200 : 400 });
};

function toDraft(settings: MetricSettings): SettingsDraft {
  return { ...settings, activityWindowDays: String(settings.activityWindowDays) };
}

function sameDraft(a: SettingsDraft, b: SettingsDraft): boolean {
  return (Object.keys(a) as Array<keyof SettingsDraft>).every((key) => a[key] === b[key]);
}

/** App Bridge's `shopify` global, or null outside the Shopify admin (a plain browser tab). */
function useShopifyGlobal() {
  try {
    return useAppBridge();
  } catch {
    return null;
  }
}

export default function Settings() {
  const { settings, timeZone, dataRequests, pixel, portfolios, shop } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const fetcher = useFetcher<typeof action>();
  const shopify = useShopifyGlobal();
  const [draft, setDraft] = useState<SettingsDraft>(() => toDraft(settings));
  const [errors, setErrors] = useState<SettingsErrors>({});
  const saving = fetcher.state !== "idle";
  const dirty = !sameDraft(draft, toDraft(settings));

  // A save answered: confirm it, or show what was wrong next to each field.
  useEffect(() => {
    const result = fetcher.data;
    if (!result || fetcher.state !== "idle") return;
    if (result.ok) {
      setDraft(toDraft(result.settings));
      setErrors({});
      try {
        shopify?.toast.show(t("settings.saved"));
      } catch {
        // Outside the admin there is no toast; the form shows the saved values.
      }
    } else {
      // The server says what was wrong in English; a field the messages know is said in the page's language.
      setErrors(
        Object.fromEntries(
          Object.entries(result.fieldErrors).map(([field, message]) => [field, t(`settings.fieldErrors.${field}`, { defaultValue: message })]),
        ),
      );
    }
    // Only a new answer should do this, not a re-render.
  }, [fetcher.data, fetcher.state]);

  const save = () =>
    fetcher.submit(
      {
        refundDating: draft.refundDating,
        salesIncludeCancelled: String(draft.salesIncludeCancelled),
        retentionIncludeCancelled: String(draft.retentionIncludeCancelled),
        cohortIncludeZeroValue: String(draft.cohortIncludeZeroValue),
        activityWindowDays: draft.activityWindowDays,
      },
      { method: "post" }
    );
  const failed = fetcher.state === "idle" && fetcher.data && !fetcher.data.ok ? fetcher.data : null;

  return (
    <Page
      title={t("settings.title")}
      subtitle={t("settings.subtitle")}
      primaryAction={{ content: t("settings.save"), onAction: save, loading: saving, disabled: !dirty || saving }}
      secondaryActions={[
        {
          content: t("settings.restoreDefaults"),
          disabled: saving || sameDraft(draft, toDraft(DEFAULT_METRIC_SETTINGS)),
          onAction: () => {
            setDraft(toDraft(DEFAULT_METRIC_SETTINGS));
            setErrors({});
          },
        },
      ]}
    >
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            {failed && (
              <Banner tone="critical" title={t("settings.nothingSaved")}>
                <Text as="p">{Object.keys(failed.fieldErrors).length > 0 ? t("settings.correctFields") : failed.message}</Text>
              </Banner>
            )}
            <SettingsForm
              draft={draft}
              errors={errors}
              disabled={saving}
              onChange={(field, value) => {
                setDraft((current) => ({ ...current, [field]: value }));
                setErrors((current) => ({ ...current, [field]: undefined }));
              }}
            />
          </BlockStack>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <BlockStack gap="200">
            <Text as="h2" variant="headingSm">
              {t("settings.whyTitle")}
            </Text>
            <Text as="p" tone="subdued">
              {t("settings.why")}
            </Text>
          </BlockStack>
        </Layout.Section>
        <Layout.Section>
          <PageActions
            primaryAction={{ content: t("settings.save"), onAction: save, loading: saving, disabled: !dirty || saving }}
          />
        </Layout.Section>
        <Layout.Section>
          <PortfoliosCard portfolios={portfolios} shop={shop} timeZone={timeZone} />
        </Layout.Section>
        <Layout.Section>
          <PixelStatusCard pixel={pixel} timeZone={timeZone} />
        </Layout.Section>
        <Layout.Section>
          <DataRequestsCard requests={dataRequests} timeZone={timeZone} />
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  const { t } = useTranslation();
  return <PageError title={t("settings.title")} />;
}
