import { BlockStack, InlineStack, ProgressBar, Spinner, Text } from "@shopify/polaris";
import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import { progressAfter, rebuildTimes, type RebuildProgress } from "#app/metrics/rebuild-progress";
import { EmptyCard } from "./EmptyCard";
import { useFormat } from "./format";
import { useRevalidateWhile, useSecondsSince } from "./page-hooks";

/**
 * How far the bar goes at most: a rebuild that takes longer than the last one stays just short
 * of the end, and the text says how long it has run.
 */
const MOST_SHOWN = 0.95;

/** The share of the last rebuild's time that this one has run, at most MOST_SHOWN; null without both. */
export function rebuildShare(progress: RebuildProgress | null): number | null {
  if (!progress || progress.elapsedSeconds === null || !progress.lastSeconds) return null;
  return Math.min(MOST_SHOWN, progress.elapsedSeconds / progress.lastSeconds);
}

/**
 * How long the rebuild has run, with how long the store's last one took once one was recorded,
 * as a sentence of `t` (`duration` says a time); null when it has not started or is not known.
 * The card's line, and a refused download's (download.ts).
 */
export function recomputingTimesText(progress: RebuildProgress | null, t: TFunction, duration: (seconds: number) => string): string | null {
  const times = rebuildTimes(progress, duration);
  if (!times) return null;
  return times.last ? t("common.recomputingSince", times) : t("common.recomputingFor", times);
}

/**
 * One store among several (a portfolio's row, a refused portfolio file's line): that its figures
 * are being recomputed in its zone and currency, with how long that has run and how long its last
 * recompute took, once known.
 */
export function storeRecomputingText(
  { timeZone, currency, progress }: { timeZone: string; currency: string; progress: RebuildProgress | null },
  t: TFunction,
  duration: (seconds: number) => string,
): string {
  const times = rebuildTimes(progress, duration);
  if (!times) return t("portfolio.recomputingRow", { timeZone, currency });
  return t(times.last ? "portfolio.recomputingRowSince" : "portfolio.recomputingRowFor", { timeZone, currency, ...times });
}

/**
 * The store's figures are being recomputed in its time zone and currency (a minute or two for a
 * large store): after a change of either, and whenever its rollups are not built, as after a
 * rebuild that failed. Says so, and how long the rebuild has run against how long the store's
 * last one took (`progress`, its loader's `rebuild`, counted on every second between loads),
 * and looks again every few seconds until the page's figures are ready (its loader's `recomputing`).
 */
export function RecomputingCard({ timeZone, currency, progress: loaded }: { timeZone: string; currency: string; progress: RebuildProgress | null }) {
  const { t } = useTranslation();
  const f = useFormat();
  useRevalidateWhile(true, 3000);
  // Between two loads (each one can wait a few seconds for the rebuild), the running time and
  // the bar go on by the page's clock.
  const progress = progressAfter(loaded, useSecondsSince(loaded, loaded?.elapsedSeconds != null));
  const share = rebuildShare(progress);
  const times = recomputingTimesText(progress, t, f.duration);
  return (
    <EmptyCard heading={t("common.recomputing")}>
      <BlockStack gap="300">
        <InlineStack gap="300" blockAlign="center" wrap={false}>
          <Spinner size="small" accessibilityLabel={t("common.recomputing")} />
          <Text as="p">{t("common.recomputingText", { timeZone, currency })}</Text>
        </InlineStack>
        {/* No fill animation on mount: the bar is where the rebuild is, from the first frame. */}
        {share !== null && <ProgressBar progress={Math.round(share * 100)} size="small" animated={false} ariaLabelledBy="rebuild-progress" />}
        {times && (
          <Text as="p" tone="subdued" id="rebuild-progress">
            {times}
          </Text>
        )}
      </BlockStack>
    </EmptyCard>
  );
}
