import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { BlockStack, Layout, Page } from "@shopify/polaris";
import { useRevalidateWhile } from "#app/components/page-hooks";
import { SyncStatusCard } from "#app/components/SyncStatusCard";
import { authenticate } from "#app/shopify.server";
import { requestShopSync, shopSyncPage } from "#app/sync/sync-page.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return shopSyncPage(session.shop);
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return requestShopSync(session.shop);
};

export default function SyncPage() {
  const { sync, timeZone } = useLoaderData<typeof loader>();
  const fetcher = useFetcher<typeof action>();
  // While a sync waits or runs, refresh its progress every two seconds.
  useRevalidateWhile(sync.status === "running" || sync.status === "queued", 2000);

  return (
    <Page title="Data sync" backAction={{ content: "Overview", url: "/app" }}>
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <SyncStatusCard
              sync={sync}
              timeZone={timeZone}
              resyncing={fetcher.state !== "idle"}
              onResync={() => fetcher.submit({}, { method: "post" })}
            />
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
