// Settings' portfolio card: create a portfolio (its invitation code is shown once), join one with
// a code, and for each portfolio the store is in: its members (the owner can remove them), who
// joined, left or was removed and when, and leave / new code / dissolve.
import { useFetcher } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Button, Card, Divider, InlineStack, List, Text, TextField } from "@shopify/polaris";
import { useEffect, useState } from "react";
import type { PortfolioActionResult } from "#app/portfolios/portfolio-actions.server";
import type { PortfolioEventKind, PortfolioSummary } from "#app/portfolios/portfolios.server";
import { formatDateTime } from "./format";

const EVENT_TEXT: Record<PortfolioEventKind, string> = {
  created: "created the portfolio",
  joined: "joined",
  left: "left",
  removed: "was removed",
  code_renewed: "made a new invitation code",
};

type Answer = PortfolioActionResult | { ok: false; message: string };

/** Posts a membership change to /app/portfolios; Remix reloads the page's data after it. */
function usePortfolioAction() {
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
    error: answer && !answer.ok ? answer.message : null,
    dismiss: () => setDismissed(answer),
  };
}

export function PortfoliosCard({ portfolios, shop, timeZone }: { portfolios: PortfolioSummary[]; shop: string; timeZone: string }) {
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

  const who = (byShop: string, byUser: string | null) => (byShop === shop ? "This store" : byShop) + (byUser ? ` (staff member ${byUser})` : "");

  return (
    <Card>
      <BlockStack gap="400">
        <BlockStack gap="100">
          <Text as="h2" variant="headingMd">
            Portfolios
          </Text>
          <Text as="p" tone="subdued">
            A portfolio shows the key numbers of several stores side by side on the Portfolio page, for an agency and its clients.
            A store joins only from its own admin, with the invitation code; any member can leave, and the owner can remove a member.
            Either takes effect at once.
          </Text>
        </BlockStack>
        {action.error && (
          <Banner tone="critical" title="Nothing was changed" onDismiss={action.dismiss}>
            <Text as="p">{action.error}</Text>
          </Banner>
        )}
        {created && (
          <Banner tone="success" title="Invitation code">
            <BlockStack gap="100">
              <Text as="p">
                Give this code to the stores that should join. It is shown only now; you can make a new one at any time.
              </Text>
              <Text as="p" variant="headingLg" fontWeight="bold">
                <span data-testid="portfolio-code">{created.code}</span>
              </Text>
            </BlockStack>
          </Banner>
        )}
        <InlineStack gap="400" wrap blockAlign="end">
          <Box minWidth="260px">
            <TextField label="New portfolio's name" value={name} onChange={setName} autoComplete="off" maxLength={80} />
          </Box>
          <Button loading={action.busy === "create"} disabled={!name.trim()} onClick={() => action.submit("create", { intent: "create", name })}>
            Create portfolio
          </Button>
          <Box minWidth="260px">
            <TextField label="Invitation code" value={code} onChange={setCode} autoComplete="off" placeholder="ABCD-2345-WXYZ" maxLength={40} />
          </Box>
          <Button loading={action.busy === "join"} disabled={!code.trim()} onClick={() => action.submit("join", { intent: "join", code })}>
            Join portfolio
          </Button>
        </InlineStack>
        {portfolios.length === 0 ? (
          <Text as="p" tone="subdued">
            This store is in no portfolio.
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
                  <Badge>{portfolio.owned ? "Owner" : `Member (owner: ${portfolio.owner})`}</Badge>
                </InlineStack>
                <InlineStack gap="200">
                  <Button url={`/app/portfolio?portfolio=${portfolio.id}`}>Open</Button>
                  {portfolio.owned ? (
                    <>
                      <Button loading={action.busy === `renew:${portfolio.id}`} onClick={() => action.submit(`renew:${portfolio.id}`, { intent: "renew", portfolio: portfolio.id })}>
                        New invitation code
                      </Button>
                      <Button tone="critical" loading={action.busy === `dissolve:${portfolio.id}`} onClick={() => action.submit(`dissolve:${portfolio.id}`, { intent: "dissolve", portfolio: portfolio.id })}>
                        Dissolve
                      </Button>
                    </>
                  ) : (
                    <Button tone="critical" loading={action.busy === `leave:${portfolio.id}`} onClick={() => action.submit(`leave:${portfolio.id}`, { intent: "leave", portfolio: portfolio.id })}>
                      Leave
                    </Button>
                  )}
                </InlineStack>
              </InlineStack>
              <List type="bullet">
                {portfolio.members.map((member) => (
                  <List.Item key={member.shop}>
                    <InlineStack gap="200" blockAlign="center">
                      <Text as="span">
                        {member.name} ({member.shop}), since {formatDateTime(member.joinedAt, timeZone)}
                      </Text>
                      {portfolio.owned && member.shop !== shop && (
                        <Button
                          variant="plain"
                          tone="critical"
                          loading={action.busy === `remove:${portfolio.id}:${member.shop}`}
                          onClick={() => action.submit(`remove:${portfolio.id}:${member.shop}`, { intent: "remove", portfolio: portfolio.id, member: member.shop })}
                          accessibilityLabel={`Remove ${member.shop}`}
                        >
                          Remove
                        </Button>
                      )}
                    </InlineStack>
                  </List.Item>
                ))}
              </List>
              <BlockStack gap="100">
                <Text as="h4" variant="headingXs">
                  History
                </Text>
                {portfolio.events.map((event, i) => (
                  <Text as="p" tone="subdued" variant="bodySm" key={i}>
                    {formatDateTime(event.at, timeZone)}:{" "}
                    {event.kind === "removed"
                      ? `${event.shop} was removed by ${who(event.byShop, event.byUser)}`
                      : `${who(event.byShop, event.byUser)} ${EVENT_TEXT[event.kind]}`}
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
