import { Prisma, type SyncPhase, type SyncRunKind } from "@prisma/client";
import prisma from "#app/db.server";
import { readSyncState } from "./sync-state.server";

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
  error: string | null;
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
}

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

export async function syncStatus(shop: string): Promise<SyncStatus> {
  const state = await readSyncState(shop);
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
    error: state?.error ?? null,
  };
}

/** syncStatus for each of several shops (the Portfolio page), from one read of `sync_state`. */
export async function syncStatusOfShops(shops: string[]): Promise<Map<string, SyncStatus>> {
  const states = new Map((await prisma.syncState.findMany({ where: { shop: { in: shops } } })).map((state) => [state.shop, state]));
  return new Map(
    shops.map((shop): [string, SyncStatus] => {
      const state = states.get(shop);
      return [
        shop,
        {
          status: !state || state.status === "idle" ? "never" : state.status,
          kind: state?.kind ?? null,
          phase: state?.phase ?? null,
          done: state?.done ?? 0,
          total: state?.total ?? null,
          startedAt: iso(state?.startedAt),
          finishedAt: iso(state?.finishedAt),
          lastSuccessAt: iso(state?.lastSuccessAt),
          error: state?.error ?? null,
        },
      ];
    }),
  );
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

export async function syncDetails(shop: string): Promise<SyncDetails> {
  const [status, orders, customers, pendingEvents, parkedEvents, parked] = await Promise.all([
    syncStatus(shop),
    prisma.order.count({ where: { shop, deletedAt: null } }),
    prisma.customer.count({ where: { shop } }),
    prisma.webhookEvent.count({ where: { shop, processedAt: null, parkedAt: null } }),
    prisma.webhookEvent.count({ where: { shop, parkedAt: { not: null } } }),
    parkedJobs(shop),
  ]);
  return { ...status, orders, customers, pendingEvents, parkedEvents, parkedJobs: parked };
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
  error: string | null;
  lastSuccessAt: string | null;
  lastAttemptAt: string | null;
  /** Local days of Shopify's figures stored. */
  days: number;
}

const MISSING_GRANT =
  "Shopify's session figures need the “View reports” permission (read_reports), which this store has not granted. " +
  "Approve the app's updated access in Shopify admin › Apps › Metryka; until then conversion comes from Metryka's web pixel.";

export async function sessionsImportStatus(shop: string): Promise<SessionsImportStatus> {
  const [state, row, days] = await Promise.all([
    readSyncState(shop),
    prisma.shop.findUnique({ where: { domain: shop }, select: { scopes: true } }),
    prisma.shopifySessionDay.count({ where: { shop } }),
  ]);
  const granted = (row?.scopes ?? "").split(",").map((s) => s.trim()).includes("read_reports");
  const recorded = state?.sessionsStatus as SessionsImportStatus["status"] | null | undefined;
  const status = recorded ?? (granted ? "waiting" : "not_granted");
  return {
    status,
    error: state?.sessionsError ?? (status === "not_granted" ? MISSING_GRANT : null),
    lastSuccessAt: iso(state?.sessionsSyncedAt),
    lastAttemptAt: iso(state?.sessionsAttemptedAt),
    days,
  };
}
