// Settings' portfolio card: create a portfolio (its invitation code is shown once), join one with
// a code, and for each portfolio the store is in: its members (the owner can remove them), who
// joined, left or was removed and when, and leave / new code / dissolve.
import { useFetcher } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Button, Card, Divider, InlineStack, List, Text, TextField } from "@shopify/polaris";
import { useEffect, useState } from "react";
import type { PortfolioActionResult } from "#app/portfolios/portfolio-actions.server";
import type { PortfolioEventKind, PortfolioSummary } from "#app/portfolios/portfolios.server";
import { useTranslation } from "react-i18next";
import { useFormat } from "./format";

/** A history line's message, by what happened (`removed` also names who was removed). */
const EVENT_MESSAGE: Record<PortfolioEventKind, string> = {
  created: "portfolios.events.created",
  joined: "portfolios.events.joined",
  left: "portfolios.events.left",
  removed: "portfolios.events.removed",
  code_renewed: "portfolios.events.codeRenewed",
};

type Answer = PortfolioActionResult | { ok: false; message: string; key: string };

/** Posts a membership change to /app/portfolios; Remix reloads the page's data after it. */
function usePortfolioAction() {
  const { t } = useTranslation();
  const fetcher = useFetcher<Answer>();
  const [key, setKey] = useState<string | null>(null);
  const [dismissed, setDismissed] = useState<Answer | null>(null);
  const busy = fetcher.state !== "idle" ? key : null;
  const answer = fetcher.state === "idle" && fetcher.data && fetcher.data !== dismissed ? fetcher.data : null;
  const submit = (next: string, fields: Record<string, string>) => {
    setKey(next);
    fetcher.submit(fields, { method: "post", action: "/app/portfolios" });
  };
  return {
    submit,
    busy,
    done: answer && answer.ok ? answer : null,
    // Said in the admin's language; Metryka's English words for a refusal it has no message for.
    error: answer && !answer.ok ? t(`portfolioErrors.${answer.key}`, { defaultValue: answer.message }) : null,
    dismiss: () => setDismissed(answer),
  };
}

export function PortfoliosCard({ portfolios, shop, timeZone }: { portfolios: PortfolioSummary[]; shop: string; timeZone: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const action = usePortfolioAction();
  const [name, setName] = useState("");
  const [code, setCode] = useState("");
  const created = action.done && (action.done.intent === "create" || action.done.intent === "renew") ? action.done : null;
  const done = action.done?.intent;

  // A change went through: clear the field it came from.
  useEffect(() => {
    if (done === "create") setName("");
    if (done === "join") setCode("");
  }, [action.done]);

  const who = (byShop: string, byUser: string | null) => {
    const store = byShop === shop ? t("portfolios.thisStore") : byShop;
    return byUser ? t("portfolios.byStaff", { store, user: byUser }) : store;
  };

  return (
    <Card>
      <BlockStack gap="400">
        <BlockStack gap="100">
          <Text as="h2" variant="headingMd">
            {t("portfolios.title")}
          </Text>
          <Text as="p" tone="subdued">
            {t("portfolios.intro")}
          </Text>
        </BlockStack>
        {action.error && (
          <Banner tone="critical" title={t("portfolios.nothingChanged")} onDismiss={action.dismiss}>
            <Text as="p">{action.error}</Text>
          </Banner>
        )}
        {created && (
          <Banner tone="success" title={t("portfolios.code")}>
            <BlockStack gap="100">
              <Text as="p">
                {t("portfolios.codeHelp")}
              </Text>
              <Text as="p" variant="headingLg" fontWeight="bold">
                <span data-testid="portfolio-code">{created.code}</span>
              </Text>
            </BlockStack>
          </Banner>
        )}
        <InlineStack gap="400" wrap blockAlign="end">
          <Box minWidth="260px">
            <TextField label={t("portfolios.newName")} value={name} onChange={setName} autoComplete="off" maxLength={80} />
          </Box>
          <Button loading={action.busy === "create"} disabled={!name.trim()} onClick={() => action.submit("create", { intent: "create", name })}>
            {t("portfolios.create")}
          </Button>
          <Box minWidth="260px">
            <TextField label={t("portfolios.code")} value={code} onChange={setCode} autoComplete="off" placeholder="ABCD-2345-WXYZ" maxLength={40} />
          </Box>
          <Button loading={action.busy === "join"} disabled={!code.trim()} onClick={() => action.submit("join", { intent: "join", code })}>
            {t("portfolios.join")}
          </Button>
        </InlineStack>
        {portfolios.length === 0 ? (
          <Text as="p" tone="subdued">
            {t("portfolios.none")}
          </Text>
        ) : (
          portfolios.map((portfolio) => (
            <BlockStack gap="300" key={portfolio.id}>
              <Divider />
              <InlineStack align="space-between" blockAlign="center" wrap>
                <InlineStack gap="200" blockAlign="center">
                  <Text as="h3" variant="headingSm">
                    {portfolio.name}
                  </Text>
                  <Badge>{portfolio.owned ? t("portfolios.owner") : t("portfolios.member", { owner: portfolio.owner })}</Badge>
                </InlineStack>
                <InlineStack gap="200">
                  <Button url={`/app/portfolio?portfolio=${portfolio.id}`}>{t("portfolios.open")}</Button>
                  {portfolio.owned ? (
                    <>
                      <Button loading={action.busy === `renew:${portfolio.id}`} onClick={() => action.submit(`renew:${portfolio.id}`, { intent: "renew", portfolio: portfolio.id })}>
                        {t("portfolios.renew")}
                      </Button>
                      <Button tone="critical" loading={action.busy === `dissolve:${portfolio.id}`} onClick={() => action.submit(`dissolve:${portfolio.id}`, { intent: "dissolve", portfolio: portfolio.id })}>
                        {t("portfolios.dissolve")}
                      </Button>
                    </>
                  ) : (
                    <Button tone="critical" loading={action.busy === `leave:${portfolio.id}`} onClick={() => action.submit(`leave:${portfolio.id}`, { intent: "leave", portfolio: portfolio.id })}>
                      {t("portfolios.leave")}
                    </Button>
                  )}
                </InlineStack>
              </InlineStack>
              <List type="bullet">
                {portfolio.members.map((member) => (
                  <List.Item key={member.shop}>
                    <InlineStack gap="200" blockAlign="center">
                      <Text as="span">
                        {t("portfolios.memberSince", { name: member.name, shop: member.shop, since: f.dateTime(member.joinedAt, timeZone) })}
                      </Text>
                      {portfolio.owned && member.shop !== shop && (
                        <Button
                          variant="plain"
                          tone="critical"
                          loading={action.busy === `remove:${portfolio.id}:${member.shop}`}
                          onClick={() => action.submit(`remove:${portfolio.id}:${member.shop}`, { intent: "remove", portfolio: portfolio.id, member: member.shop })}
                          accessibilityLabel={t("portfolios.removeMember", { shop: member.shop })}
                        >
                          {t("portfolios.remove")}
                        </Button>
                      )}
                    </InlineStack>
                  </List.Item>
                ))}
              </List>
              <BlockStack gap="100">
                <Text as="h4" variant="headingXs">
                  {t("portfolios.history")}
                </Text>
                {portfolio.events.map((event, i) => (
                  <Text as="p" tone="subdued" variant="bodySm" key={i}>
                    {f.dateTime(event.at, timeZone)}:{" "}
                    {t(EVENT_MESSAGE[event.kind], { who: who(event.byShop, event.byUser), shop: event.shop })}
                  </Text>
                ))}
              </BlockStack>
            </BlockStack>
          ))
        )}
      </BlockStack>
    </Card>
  );
}
