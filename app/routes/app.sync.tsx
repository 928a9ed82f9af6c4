import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { BlockStack, Layout, Page } from "@shopify/polaris";
import { z } from "zod";
import { useRevalidateWhile } from "#app/components/page-hooks";
import { PageError } from "#app/components/PageError";
import { ParkedChangesCard } from "#app/components/ParkedChangesCard";
import { SessionsImportCard } from "#app/components/SessionsImportCard";
import { SyncStatusCard } from "#app/components/SyncStatusCard";
import { authenticate } from "#app/shopify.server";
import { useTranslation } from "react-i18next";
import { requestShopSync, retryParkedChanges, shopSyncPage } from "#app/sync/sync-page.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return shopSyncPage(session.shop);
};

const Intent = z.enum(["sync", "retry-parked"]);

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const intent = Intent.safeParse((await request.formData()).get("intent") ?? "sync");
  if (!intent.success) throw new Response("Unknown action", { status: 400 });
  return intent.data === "sync" ? requestShopSync(session.shop) : retryParkedChanges(session.shop);
};

export default function SyncPage() {
  const { sync, sessions, timeZone, parked } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const syncing = useFetcher<typeof action>();
  const retrying = useFetcher<typeof action>();
  // While a sync waits or runs, refresh its progress every two seconds.
  useRevalidateWhile(sync.status === "running" || sync.status === "queued", 2000);

  return (
    <Page title={t("nav.sync")} backAction={{ content: t("nav.overview"), url: "/app" }}>
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <SyncStatusCard
              sync={sync}
              timeZone={timeZone}
              resyncing={syncing.state !== "idle"}
              onResync={() => syncing.submit({ intent: "sync" }, { method: "post" })}
            />
            <SessionsImportCard sessions={sessions} timeZone={timeZone} />
            <ParkedChangesCard
              count={parked.count}
              latest={parked.latest}
              timeZone={timeZone}
              retrying={retrying.state !== "idle"}
              onRetry={() => retrying.submit({ intent: "retry-parked" }, { method: "post" })}
            />
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  const { t } = useTranslation();
  return <PageError title={t("nav.sync")} />;
}
