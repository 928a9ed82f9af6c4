import { Badge, BlockStack, Card, InlineStack, Text } from "@shopify/polaris";
import type { SessionsImportStatus } from "#app/sync/sync-status.server";
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { useFormat } from "./format";

/** Each status's badge; its words are `sessionsImport.status.<status>` in the messages. */
const BADGE_TONES: Record<SessionsImportStatus["status"], "success" | "critical" | "info" | "attention" | "warning"> = {
  waiting: "info",
  running: "info",
  succeeded: "success",
  not_granted: "attention",
  throttled: "warning",
  rejected: "critical",
  failed: "critical",
};

/** Where the import of Shopify's own session figures (ShopifyQL) stands, and what to do. */
export function SessionsImportCard({ sessions, timeZone }: { sessions: SessionsImportStatus; timeZone: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const titleId = useId();
  return (
    <Card>
      <section aria-labelledby={titleId}>
        <BlockStack gap="200">
          <InlineStack gap="200" blockAlign="center">
            <Text as="h2" variant="headingMd" id={titleId}>
              {t("sessionsImport.title")}
            </Text>
            <Badge tone={BADGE_TONES[sessions.status]}>{t(`sessionsImport.status.${sessions.status}`)}</Badge>
          </InlineStack>
          <Text as="p" tone="subdued">
            {t("sessionsImport.intro", {
              when: sessions.lastSuccessAt ? f.dateTime(sessions.lastSuccessAt, timeZone) : t("common.never"),
              days: t("sessionsImport.days", { count: sessions.days, formatted: f.count(sessions.days) }),
            })}
          </Text>
          {sessions.message ? (
            <Text as="p" tone={sessions.status === "throttled" ? undefined : "critical"}>
              {t(`syncErrors.sessions.${sessions.message.key}`, { detail: sessions.message.detail })}
            </Text>
          ) : null}
        </BlockStack>
      </section>
    </Card>
  );
}
