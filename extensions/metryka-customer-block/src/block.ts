// What the block shows (pure): the customer's id from the admin's selection, the app's answer
// turned into rows, a badge, a link and, once the app sends one, a prediction section. The
// component in index.tsx only renders this.
import type { CustomerBlockData } from "../../../app/dashboard/customer-block";

export type { CustomerBlockData };

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
  | { status: "error"; message: string; retry: boolean };

/** `gid://shopify/Customer/123` → "123"; anything else → null. */
export function customerIdOf(gid: string | undefined): string | null {
  const match = /^gid:\/\/shopify\/Customer\/([1-9]\d{0,18})$/.exec(gid ?? "");
  return match ? match[1] : null;
}

/** The app's path for a customer's figures, relative to the app's URL (Shopify adds the session token). */
export function blockUrl(customerId: string): string {
  return `/api/customer-block/${customerId}`;
}

const count = (value: number) => new Intl.NumberFormat("en").format(value);

/** Minor units in the currency's own number of decimals. */
export function formatMoney(minor: number, currency: string): string {
  const format = new Intl.NumberFormat("en", { style: "currency", currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minor / 10 ** digits);
}

function formatDay(day: string): string {
  return new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" }).format(new Date(`${day}T00:00:00Z`));
}

function formatMonth(month: string): string {
  return new Intl.DateTimeFormat("en", { month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(`${month}-01T00:00:00Z`));
}

const days = (value: number) => `${count(value)} ${value === 1 ? "day" : "days"}`;

function appLink(path: string) {
  return { href: `app:${path.replace(/^\//, "")}`, label: "Open in Metryka" };
}

/** The rows, badge, link and prediction of a customer with counted orders. */
export function blockView(data: CustomerBlockData): BlockView {
  const since = data.daysSinceLastOrder ?? 0;
  // Whole days, as the app's at-risk list shows the lapse point.
  const lapse = `${new Intl.NumberFormat("en", { maximumFractionDigits: 0 }).format(data.lapsePointDays)} days`;
  const rows: Row[] = [
    { label: "Orders", value: count(data.orders) },
    { label: "Net spend", value: formatMoney(data.netSpend, data.currency) },
    { label: "First order", value: data.firstOrderDay ? formatDay(data.firstOrderDay) : "—" },
    { label: "Last order", value: data.lastOrderDay ? formatDay(data.lastOrderDay) : "—" },
    { label: "Cohort", value: data.cohort ? formatMonth(data.cohort) : "—" },
    { label: "Since the last order", value: `${days(since)} (lapse point ${lapse})` },
  ];
  const prediction = data.prediction
    ? [
        { label: "Probability still a customer", value: new Intl.NumberFormat("en", { style: "percent" }).format(data.prediction.probabilityAlive) },
        { label: "Expected orders, next 90 days", value: new Intl.NumberFormat("en", { maximumFractionDigits: 1 }).format(data.prediction.expectedOrders.days90) },
        { label: "Expected spend, next 365 days", value: formatMoney(data.prediction.expectedSpend365, data.currency) },
      ]
    : null;
  return {
    summary: `${count(data.orders)} ${data.orders === 1 ? "order" : "orders"} · ${formatMoney(data.netSpend, data.currency)} · ${days(since)} since the last`,
    rows,
    badge: data.atRisk ? { tone: "warning", label: "At risk" } : { tone: "success", label: "Active" },
    link: appLink(data.appPath),
    prediction,
  };
}

/** The block's state from the app's answer. */
export function blockState(status: number, body: unknown): BlockState {
  if (status === 200 && isBlockData(body)) {
    return body.orders === 0 ? { status: "empty", link: appLink(body.appPath) } : { status: "ready", view: blockView(body) };
  }
  if (status === 404) return { status: "error", message: "Metryka has no record of this customer yet. It appears after the next sync.", retry: false };
  if (status === 401) return { status: "error", message: "Metryka could not confirm this session. Reload the page to try again.", retry: true };
  return { status: "error", message: "Metryka's figures could not be loaded.", retry: true };
}

/** Fetches the customer's figures from the app and turns them into the block's state. */
export async function loadBlockState(gid: string | undefined, fetcher: typeof fetch): Promise<BlockState> {
  const id = customerIdOf(gid);
  if (id === null) return { status: "error", message: "This page has no customer Metryka can read.", retry: false };
  try {
    const response = await fetcher(blockUrl(id), { headers: { Accept: "application/json" } });
    const body: unknown = response.headers.get("content-type")?.includes("application/json") ? await response.json() : null;
    return blockState(response.status, body);
  } catch {
    return { status: "error", message: "Metryka could not be reached.", retry: true };
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
