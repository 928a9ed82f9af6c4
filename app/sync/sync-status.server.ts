import prisma from "#app/db.server";

export interface SyncStatus {
  status: "never" | "idle" | "running" | "succeeded" | "failed";
  phase: string | null;
  done: number;
  total: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  lastSuccessAt: string | null;
  error: string | null;
  orders: number;
  customers: number;
}

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

export async function syncStatus(shop: string): Promise<SyncStatus> {
  const [state, orders, customers] = await Promise.all([
    prisma.syncState.findUnique({ where: { shop } }),
    prisma.order.count({ where: { shop, deletedAt: null } }),
    prisma.customer.count({ where: { shop, deletedAt: null } }),
  ]);
  return {
    status: (state?.status as SyncStatus["status"] | undefined) ?? "never",
    phase: state?.phase ?? null,
    done: state?.done ?? 0,
    total: state?.total ?? null,
    startedAt: iso(state?.startedAt),
    finishedAt: iso(state?.finishedAt),
    lastSuccessAt: iso(state?.lastSuccessAt),
    error: state?.error ?? null,
    orders,
    customers,
  };
}
