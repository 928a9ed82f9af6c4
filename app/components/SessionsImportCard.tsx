import { Text } from "@shopify/polaris";
import type { SessionsImportStatus } from "#app/sync/sync-status.server";
import { useTranslation } from "react-i18next";
import { useFormat } from "./format";
import { StatusCard } from "./StatusCard";

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
  return (
    <StatusCard title={t("sessionsImport.title")} status={t(`sessionsImport.status.${sessions.status}`)} tone={BADGE_TONES[sessions.status]} gap="200">
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
    </StatusCard>
  );
}
