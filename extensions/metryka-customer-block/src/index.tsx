// The block on the admin's customer page. Its state comes from block.ts; this file renders it
// with the admin's web components. https://shopify.dev/docs/api/admin-extensions/2026-10
import "@shopify/ui-extensions/preact";
import { render } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { loadBlockState, type BlockI18n, type BlockState, type Row } from "./block";

export default async () => {
  render(<CustomerBlock />, document.body);
};

function Rows({ rows }: { rows: Row[] }) {
  return (
    <s-stack direction="block" gap="small-200">
      {rows.map((row) => (
        <s-stack key={row.label} direction="inline" gap="base" justifyContent="space-between">
          <s-text color="subdued">{row.label}</s-text>
          <s-text type="strong">{row.value}</s-text>
        </s-stack>
      ))}
    </s-stack>
  );
}

/** The admin's i18n (locales/, in the admin user's language) as the block's logic uses it. */
function adminI18n(): BlockI18n {
  const { i18n } = shopify;
  return {
    translate: (key, options) => String(i18n.translate(key, options)),
    formatNumber: (value, options) => i18n.formatNumber(value, options),
    formatCurrency: (value, options) => i18n.formatCurrency(value, options),
    formatDate: (date, options) => i18n.formatDate(date, options),
  };
}

function CustomerBlock() {
  const [state, setState] = useState<BlockState>({ status: "loading" });
  const i18n = adminI18n();
  const t = i18n.translate;
  const gid = shopify.data.selected[0]?.id;
  const ask = useCallback(() => void loadBlockState(gid, fetch, adminI18n()).then(setState), [gid]);
  const load = useCallback(() => {
    setState({ status: "loading" });
    ask();
  }, [ask]);
  useEffect(load, [load]);
  // During a recompute, ask again by itself until the figures are back, the banner staying meanwhile.
  const retryInSeconds = state.status === "error" ? state.retryInSeconds : undefined;
  useEffect(() => {
    if (retryInSeconds === undefined) return;
    const timer = setTimeout(ask, retryInSeconds * 1000);
    return () => clearTimeout(timer);
  }, [state, retryInSeconds, ask]);

  if (state.status === "loading") {
    return (
      <s-admin-block heading={t("heading")} collapsedSummary={t("loading")}>
        <s-stack direction="inline" gap="base" alignItems="center">
          <s-spinner accessibilityLabel={t("loadingLabel")} />
          <s-text color="subdued">{t("loadingFigures")}</s-text>
        </s-stack>
      </s-admin-block>
    );
  }
  if (state.status === "error") {
    return (
      <s-admin-block heading={t("heading")} collapsedSummary={t("notAvailable")}>
        <s-banner tone="critical">
          <s-paragraph>{state.message}</s-paragraph>
          {state.retry && (
            <s-button slot="secondary-actions" onClick={load}>
              {t("tryAgain")}
            </s-button>
          )}
        </s-banner>
      </s-admin-block>
    );
  }
  if (state.status === "empty") {
    return (
      <s-admin-block heading={t("heading")} collapsedSummary={t("noOrdersSummary")}>
        <s-stack direction="block" gap="base">
          <s-paragraph>{t("noOrders")}</s-paragraph>
          <s-link href={state.link.href}>{state.link.label}</s-link>
        </s-stack>
      </s-admin-block>
    );
  }
  const { view } = state;
  return (
    <s-admin-block heading={t("heading")} collapsedSummary={view.summary}>
      <s-stack direction="block" gap="base">
        <s-stack direction="inline" gap="small-200">
          <s-badge tone={view.badge.tone}>{view.badge.label}</s-badge>
        </s-stack>
        <Rows rows={view.rows} />
        {view.prediction && (
          <s-section heading={t("prediction")}>
            <Rows rows={view.prediction} />
          </s-section>
        )}
        <s-link href={view.link.href}>{view.link.label}</s-link>
      </s-stack>
    </s-admin-block>
  );
}
