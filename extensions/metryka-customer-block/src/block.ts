// What the block shows (pure): the customer's id from the admin's selection, the app's answer
// turned into rows, a badge, a link and, once the app sends one, a prediction section. The
// component in index.tsx only renders this. Its words are in ../locales (the admin's language,
// English by default) and its numbers, money and dates are formatted in that language, both
// through the admin's i18n API.
import type { CustomerBlockData } from "../../../app/dashboard/customer-block";
import { durationInUnits, rebuildTimes } from "../../../app/metrics/rebuild-progress";

export type { CustomerBlockData };

/** The part of the admin's `shopify.i18n` the block uses. */
export interface BlockI18n {
  translate(key: string, options?: Record<string, string | number>): string;
  formatNumber(value: number, options?: Intl.NumberFormatOptions): string;
  formatCurrency(value: number, options?: Intl.NumberFormatOptions): string;
  formatDate(date: Date, options?: Intl.DateTimeFormatOptions): string;
}

export interface Row {
  label: string;
  value: string;
}

export interface BlockView {
  /** One line for the collapsed block. */
  summary: string;
  rows: Row[];
  badge: { tone: "warning" | "success"; label: string };
  /**
   * The customer's view in the app: an `app:` href is a path under the app's URL, opened inside
   * the admin. https://shopify.dev/docs/api/admin-extensions/2024-01/components/link
   */
  link: { href: string; label: string };
  /** Present only when the app's answer carries a prediction. */
  prediction: Row[] | null;
}

export type BlockState =
  | { status: "loading" }
  | { status: "empty"; link: BlockView["link"] }
  | { status: "ready"; view: BlockView }
  | {
      status: "error";
      message: string;
      retry: boolean;
      /**
       * While the store's figures are being recomputed: when the block asks again by itself (it
       * does so until they are back, and the button asks at once).
       */
      retryInSeconds?: number;
    };

/** `gid://shopify/Customer/123` → "123"; anything else → null. */
export function customerIdOf(gid: string | undefined): string | null {
  const match = /^gid:\/\/shopify\/Customer\/([1-9]\d{0,18})$/.exec(gid ?? "");
  return match ? match[1] : null;
}

/** The app's path for a customer's figures, relative to the app's URL (Shopify adds the session token). */
export function blockUrl(customerId: string): string {
  return `/api/customer-block/${customerId}`;
}

/** Minor units in the currency's own number of decimals (two for dollars, none for yen), in the admin's language. */
export function formatMoney(i18n: BlockI18n, minor: number, currency: string): string {
  const digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return i18n.formatCurrency(minor / 10 ** digits, { currency });
}

function formatDay(i18n: BlockI18n, day: string): string {
  return i18n.formatDate(new Date(`${day}T00:00:00Z`), { dateStyle: "medium", timeZone: "UTC" });
}

function formatMonth(i18n: BlockI18n, month: string): string {
  return i18n.formatDate(new Date(`${month}-01T00:00:00Z`), { month: "long", year: "numeric", timeZone: "UTC" });
}

const days = (i18n: BlockI18n, value: number) => i18n.translate("days", { count: value, formatted: i18n.formatNumber(value) });

function appLink(i18n: BlockI18n, path: string) {
  return { href: `app:${path.replace(/^\//, "")}`, label: i18n.translate("openInMetryka") };
}

/** The rows, badge, link and prediction of a customer with counted orders. */
export function blockView(data: CustomerBlockData, i18n: BlockI18n): BlockView {
  const since = data.daysSinceLastOrder ?? 0;
  const money = (minor: number) => formatMoney(i18n, minor, data.currency);
  // Whole days, as the app's at-risk list shows the lapse point.
  const lapse = days(i18n, Math.round(data.lapsePointDays));
  const rows: Row[] = [
    { label: i18n.translate("rows.orders"), value: i18n.formatNumber(data.orders) },
    { label: i18n.translate("rows.netSpend"), value: money(data.netSpend) },
    { label: i18n.translate("rows.firstOrder"), value: data.firstOrderDay ? formatDay(i18n, data.firstOrderDay) : "—" },
    { label: i18n.translate("rows.lastOrder"), value: data.lastOrderDay ? formatDay(i18n, data.lastOrderDay) : "—" },
    { label: i18n.translate("rows.cohort"), value: data.cohort ? formatMonth(i18n, data.cohort) : "—" },
    { label: i18n.translate("rows.sinceLast"), value: i18n.translate("sinceLastValue", { days: days(i18n, since), lapsePoint: lapse }) },
  ];
  const prediction = data.prediction
    ? [
        {
          label: i18n.translate("rows.returnProbability"),
          // As the app shows it: one decimal.
          value: i18n.formatNumber(data.prediction.returnProbability, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }),
        },
        { label: i18n.translate("rows.expectedOrders90"), value: i18n.formatNumber(data.prediction.expectedOrders.days90, { maximumFractionDigits: 1 }) },
        { label: i18n.translate("rows.expectedSpend365"), value: money(data.prediction.expectedSpend365) },
      ]
    : null;
  return {
    summary: i18n.translate("summary", {
      orders: i18n.translate("orders", { count: data.orders, formatted: i18n.formatNumber(data.orders) }),
      netSpend: money(data.netSpend),
      days: days(i18n, since),
    }),
    rows,
    badge: data.atRisk ? { tone: "warning", label: i18n.translate("atRisk") } : { tone: "success", label: i18n.translate("active") },
    link: appLink(i18n, data.appPath),
    prediction,
  };
}

/** A running time in the admin's language: "45 seconds", "3 minutes" (as the app says it). */
function duration(i18n: BlockI18n, seconds: number): string {
  const { value, unit } = durationInUnits(seconds);
  return i18n.formatNumber(value, { style: "unit", unit, unitDisplay: "long" });
}

const seconds = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : null);

/** Bounds of the wait before the block asks again during a recompute, and the wait without its times. */
export const RECOMPUTE_RETRY_SECONDS = { min: 10, max: 60, unknown: 30 };

/**
 * The 503 while the store's figures are being recomputed: with how long the recompute has run
 * and how long the store's last one took, when the app's answer says (its `recomputing.progress`),
 * and when to ask again: a few seconds after the recompute should end if it takes as long as the
 * last one, within RECOMPUTE_RETRY_SECONDS.
 */
function recomputingState(body: unknown, i18n: BlockI18n): BlockState {
  const progress = (body as { recomputing?: { progress?: { elapsedSeconds?: unknown; lastSeconds?: unknown } | null } } | null)?.recomputing?.progress;
  const elapsedSeconds = seconds(progress?.elapsedSeconds);
  const lastSeconds = seconds(progress?.lastSeconds);
  const times = rebuildTimes({ elapsedSeconds, lastSeconds }, (value) => duration(i18n, value));
  const { min, max, unknown } = RECOMPUTE_RETRY_SECONDS;
  const retryInSeconds =
    elapsedSeconds !== null && lastSeconds ? Math.round(Math.min(max, Math.max(min, lastSeconds - elapsedSeconds + 5))) : unknown;
  const message = !times
    ? i18n.translate("errors.recomputing")
    : times.last
      ? i18n.translate("errors.recomputingSince", { elapsed: times.elapsed, last: times.last })
      : i18n.translate("errors.recomputingFor", { elapsed: times.elapsed });
  return { status: "error", message, retry: true, retryInSeconds };
}

/** The block's state from the app's answer. */
export function blockState(status: number, body: unknown, i18n: BlockI18n): BlockState {
  if (status === 200 && isBlockData(body)) {
    return body.orders === 0 ? { status: "empty", link: appLink(i18n, body.appPath) } : { status: "ready", view: blockView(body, i18n) };
  }
  if (status === 404) return { status: "error", message: i18n.translate("errors.notFound"), retry: false };
  if (status === 401) return { status: "error", message: i18n.translate("errors.unauthorized"), retry: true };
  if (status === 503) return recomputingState(body, i18n);
  return { status: "error", message: i18n.translate("errors.failed"), retry: true };
}

/** Fetches the customer's figures from the app and turns them into the block's state. */
export async function loadBlockState(gid: string | undefined, fetcher: typeof fetch, i18n: BlockI18n): Promise<BlockState> {
  const id = customerIdOf(gid);
  if (id === null) return { status: "error", message: i18n.translate("errors.noCustomer"), retry: false };
  try {
    const response = await fetcher(blockUrl(id), { headers: { Accept: "application/json" } });
    const body: unknown = response.headers.get("content-type")?.includes("application/json") ? await response.json() : null;
    return blockState(response.status, body, i18n);
  } catch {
    return { status: "error", message: i18n.translate("errors.unreachable"), retry: true };
  }
}

function isBlockData(body: unknown): body is CustomerBlockData {
  if (!body || typeof body !== "object") return false;
  const data = body as Record<string, unknown>;
  return (
    typeof data.customerId === "string" &&
    typeof data.currency === "string" &&
    typeof data.orders === "number" &&
    typeof data.netSpend === "number" &&
    typeof data.lapsePointDays === "number" &&
    typeof data.atRisk === "boolean" &&
    typeof data.appPath === "string"
  );
}
