// The store's latest tagging requests and how far each has gone: customers sent of all chosen,
// a progress bar, and every customer Shopify refused with its reason (by id; names stay in Shopify).
import { Badge, BlockStack, Box, Card, InlineStack, List, ProgressBar, Text } from "@shopify/polaris";
import { useTranslation } from "react-i18next";
import type { TagJobSummary } from "#app/tagging/tag-jobs.server";
import { useFormat } from "./format";

const TONES = { queued: "info", running: "attention", finished: "success", failed: "critical" } as const;

export function TagJobsCard({ jobs, timeZone }: { jobs: TagJobSummary[]; timeZone: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  if (jobs.length === 0) return null;
  return (
    <Card>
      <BlockStack gap="400">
        <Text as="h2" variant="headingMd">
          {t("customerActions.jobs.title")}
        </Text>
        {jobs.map((job) => {
          const status = job.status === "finished" && job.failed > 0 ? "finishedWithFailures" : job.status;
          return (
            <BlockStack gap="200" key={job.id}>
              <InlineStack gap="200" blockAlign="center">
                <Text as="h3" variant="headingSm">
                  {t(`customerActions.jobs.${job.action}`, { tag: job.tag })}
                </Text>
                <Badge tone={job.status === "finished" && job.failed > 0 ? "warning" : TONES[job.status]}>{t(`customerActions.jobs.status.${status}`)}</Badge>
                <Text as="span" tone="subdued" variant="bodySm">
                  {f.dateTime(job.createdAt, timeZone)}
                </Text>
              </InlineStack>
              <Box maxWidth="480px">
                <ProgressBar progress={job.total === 0 ? 100 : Math.round((job.done / job.total) * 100)} size="small" tone={job.failed > 0 ? "critical" : "primary"} />
              </Box>
              <Text as="p" variant="bodySm">
                {t("customerActions.jobs.progress", { done: f.count(job.done), total: f.count(job.total), failed: f.count(job.failed), count: job.total })}
              </Text>
              {job.error === "not_granted" && (
                <Text as="p" tone="critical" variant="bodySm">
                  {t("customerActions.grant.text")}
                </Text>
              )}
              {job.failures.length > 0 && (
                <List type="bullet">
                  {job.failures.map((failure) => (
                    <List.Item key={failure.customerId}>
                      {t("customerActions.jobs.failure", { id: failure.customerId, message: failure.message })}
                    </List.Item>
                  ))}
                </List>
              )}
            </BlockStack>
          );
        })}
      </BlockStack>
    </Card>
  );
}
