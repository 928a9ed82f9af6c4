import { Prisma, type SyncPhase, type SyncRunKind, type SyncState } from "@prisma/client";
import prisma from "#app/db.server";
import { translator } from "#app/i18n";
import { describeSyncError, readSyncState, type CountCheck, type KindCounts, type SyncErrorKind } from "./sync-state.server";

/** Where a shop's copy stands: cheap enough for every page load (one primary-key read). */
export interface SyncStatus {
  status: "never" | "queued" | "running" | "succeeded" | "failed";
  /** The run in progress, or the last one: a backfill (the whole store) or a catch-up. */
  kind: SyncRunKind | null;
  phase: SyncPhase | null;
  done: number;
  total: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  lastSuccessAt: string | null;
  /** The last failure in English (the command line's); pages say it from `errorKind` and `errorDetail`. */
  error: string | null;
  /** What the failure means (null for one recorded before kinds were); see SyncErrorKind. */
  errorKind: SyncErrorKind | null;
  /** Shopify's or the system's own words about it. */
  errorDetail: string | null;
}

/** The Data sync page's and `metryka status`'s fuller picture. */
export interface SyncDetails extends SyncStatus {
  orders: number;
  customers: number;
  /** Webhook events recorded but not applied yet. */
  pendingEvents: number;
  /** Webhook events that could not be applied and wait for a retry (webhook-events.server.ts). */
  parkedEvents: number;
  /** Jobs that failed every retry and wait for a person. */
  parkedJobs: number;
  /** The last comparison with Shopify's own counts, or null before the first. */
  check: ShopifyCheckStatus | null;
}

/** What Shopify and the copy held at the last check, imported orders aside (sweep.server.ts). */
export interface ShopifyCheckStatus {
  at: string;
  /** Orders compared: those created since this instant (without read_all_orders), or all. */
  ordersSince: string | null;
  orders: CountCheck;
  customers: CountCheck;
  /** Records the comparison removed first, deleted in Shopify without a webhook saying so. */
  removed: KindCounts;
  /** Records it copied back first, lost from the copy itself. */
  restored: KindCounts;
  /**
   * The copy holds fewer orders or customers than Shopify. No catch-up brings those back (they
   * have not changed since its cursor); a full copy does, so "Sync now" then asks for one.
   */
  short: boolean;
}

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

function checkOf(state: SyncState | null): ShopifyCheckStatus | null {
  if (!state?.checkedAt || state.shopifyOrders === null || state.copiedOrders === null) return null;
  if (state.shopifyCustomers === null || state.copiedCustomers === null) return null;
  return {
    at: state.checkedAt.toISOString(),
    ordersSince: iso(state.checkedSince),
    orders: { shopify: state.shopifyOrders, copy: state.copiedOrders },
    customers: { shopify: state.shopifyCustomers, copy: state.copiedCustomers },
    // A comparison recorded before these were.
    removed: { orders: state.removedOrders ?? 0, customers: state.removedCustomers ?? 0 },
    restored: { orders: state.restoredOrders ?? 0, customers: state.restoredCustomers ?? 0 },
    short: state.copiedOrders < state.shopifyOrders || state.copiedCustomers < state.shopifyCustomers,
  };
}

/** Whether the last comparison with Shopify's counts found the copy short of records (ShopifyCheckStatus.short). */
export async function copyFellShort(shop: string): Promise<boolean> {
  return checkOf(await readSyncState(shop))?.short ?? false;
}

export async function syncStatus(shop: string): Promise<SyncStatus> {
  return statusOf(await readSyncState(shop));
}

function statusOf(state: SyncState | null): SyncStatus {
  return {
    // A row the shop lock made before any run started (status idle) means no sync yet.
    status: !state || state.status === "idle" ? "never" : state.status,
    kind: state?.kind ?? null,
    phase: state?.phase ?? null,
    done: state?.done ?? 0,
    total: state?.total ?? null,
    startedAt: iso(state?.startedAt),
    finishedAt: iso(state?.finishedAt),
    lastSuccessAt: iso(state?.lastSuccessAt),
    ...syncError(state?.error ?? null, (state?.errorKind as SyncErrorKind | null | undefined) ?? null),
  };
}

function syncError(detail: string | null, kind: SyncErrorKind | null): Pick<SyncStatus, "error" | "errorKind" | "errorDetail"> {
  if (detail === null) return { error: null, errorKind: null, errorDetail: null };
  // A failure recorded before kinds were holds the whole English sentence.
  if (kind === null) return { error: detail, errorKind: null, errorDetail: null };
  return { error: describeSyncError(kind, detail), errorKind: kind, errorDetail: detail };
}

/** syncStatus for each of several shops (the Portfolio page), from one read of `sync_state`. */
export async function syncStatusOfShops(shops: string[]): Promise<Map<string, SyncStatus>> {
  const states = new Map((await prisma.syncState.findMany({ where: { shop: { in: shops } } })).map((state) => [state.shop, state]));
  return new Map(shops.map((shop): [string, SyncStatus] => [shop, statusOf(states.get(shop) ?? null)]));
}

async function parkedJobs(shop: string): Promise<number> {
  // The queue's tables exist once a worker or the web process has started it.
  const [{ exists }] = await prisma.$queryRaw<Array<{ exists: boolean }>>`SELECT to_regclass('pgboss.job') IS NOT NULL AS exists`;
  if (!exists) return 0;
  const [{ count }] = await prisma.$queryRaw<Array<{ count: bigint }>>(Prisma.sql`
    SELECT count(*) AS count FROM pgboss.job
    WHERE name = 'parked' AND state IN ('created', 'retry') AND (data->>'shop' = ${shop} OR data->'data'->>'shop' = ${shop})`);
  return Number(count);
}

/**
 * The shop's SyncDetails. `parkedEventCount`: how many parked events there are, when the caller
 * reads them anyway (the Data sync page, with its list of them); counted here otherwise.
 */
export async function syncDetails(shop: string, parkedEventCount?: Promise<number>): Promise<SyncDetails> {
  const [state, orders, customers, pendingEvents, parkedEvents, parked] = await Promise.all([
    readSyncState(shop),
    prisma.order.count({ where: { shop, deletedAt: null } }),
    prisma.customer.count({ where: { shop } }),
    prisma.webhookEvent.count({ where: { shop, processedAt: null, parkedAt: null } }),
    parkedEventCount ?? prisma.webhookEvent.count({ where: { shop, parkedAt: { not: null } } }),
    parkedJobs(shop),
  ]);
  return { ...statusOf(state), orders, customers, pendingEvents, parkedEvents, parkedJobs: parked, check: checkOf(state) };
}

/** Every shop's sync state (or one shop's), for `metryka status`. */
export async function syncStatusReport(shop?: string): Promise<Array<SyncDetails & { shop: string }>> {
  const shops = await prisma.shop.findMany({ where: shop ? { domain: shop } : {}, select: { domain: true }, orderBy: { domain: "asc" } });
  return Promise.all(shops.map(async ({ domain }) => ({ shop: domain, ...(await syncDetails(domain)) })));
}

/** Where the import of Shopify's session figures (ShopifyQL) stands, for the Data sync page. */
export interface SessionsImportStatus {
  /** `waiting`: granted, no run ended yet; `not_granted` also when the grant is simply missing. */
  status: "waiting" | "running" | "succeeded" | "not_granted" | "throttled" | "rejected" | "failed";
  /** What went wrong and what to do, in English (the command line's); pages say it from `message`. */
  error: string | null;
  /** The same as a message key under `syncErrors.sessions` and its detail (Shopify's words). */
  message: { key: "not_granted" | "throttled" | "rejected" | "rejectedBreakdown" | "failed"; detail: string } | null;
  lastSuccessAt: string | null;
  lastAttemptAt: string | null;
  /** Local days of Shopify's figures stored. */
  days: number;
}

export async function sessionsImportStatus(shop: string): Promise<SessionsImportStatus> {
  const [state, row, days] = await Promise.all([
    readSyncState(shop),
    prisma.shop.findUnique({ where: { domain: shop }, select: { scopes: true } }),
    prisma.shopifySessionDay.count({ where: { shop } }),
  ]);
  const granted = (row?.scopes ?? "").split(",").map((s) => s.trim()).includes("read_reports");
  const recorded = state?.sessionsStatus as SessionsImportStatus["status"] | null | undefined;
  const status = recorded ?? (granted ? "waiting" : "not_granted");
  const detail = state?.sessionsError ?? "";
  // A rejected run that imported the totals (its success is its attempt) lost only breakdowns.
  const partly = status === "rejected" && state?.sessionsSyncedAt != null && state.sessionsSyncedAt.getTime() === state.sessionsAttemptedAt?.getTime();
  const message: SessionsImportStatus["message"] =
    status === "not_granted" || status === "throttled" || status === "failed"
      ? { key: status, detail }
      : status === "rejected"
        ? { key: partly ? "rejectedBreakdown" : "rejected", detail }
        : null;
  return {
    status,
    error: message ? translator()(`syncErrors.sessions.${message.key}`, { detail }) : null,
    message,
    lastSuccessAt: iso(state?.sessionsSyncedAt),
    lastAttemptAt: iso(state?.sessionsAttemptedAt),
    days,
  };
}
