// GIVEN the shop-jobs queue on PostgreSQL, THEN a job waiting behind its shop's running job
// does not hold up other shops' jobs; a shop runs one job at a time (a second finds it busy);
// and a job whose worker's connection is gone (the worker was killed) is cancelled and queued
// again by any other worker, while a job whose worker is alive is left alone.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type PgBoss from "pg-boss";

let boss: PgBoss;
let queue: typeof import("./queue.server");
let lock: typeof import("./shop-lock.server");

beforeAll(async () => {
  queue = await import("./queue.server");
  lock = await import("./shop-lock.server");
  boss = await queue.jobQueue();
});

afterAll(async () => {
  await queue.stopJobQueue();
});

describe("shop jobs", () => {
  it("lets other shops' jobs through while a shop's job runs", async () => {
    await queue.enqueueShopJob({ shop: "a.myshopify.com", kind: "sync" });
    const [running] = await boss.fetch<import("./queue.server").ShopJob>(queue.QUEUES.shop);
    expect(running.data).toEqual({ shop: "a.myshopify.com", kind: "sync" });
    // Queued while a's sync runs: a reconciliation of a, then b's first sync.
    expect(await queue.enqueueShopJob({ shop: "a.myshopify.com", kind: "reconcile" })).not.toBeNull();
    expect(await queue.enqueueShopJob({ shop: "b.myshopify.com", kind: "sync" })).not.toBeNull();
    // The same kind asked for again while one waits is not queued twice.
    expect(await queue.enqueueShopJob({ shop: "b.myshopify.com", kind: "sync" })).toBeNull();
    const next = await boss.fetch<import("./queue.server").ShopJob>(queue.QUEUES.shop, { batchSize: 5 });
    expect(next.map((job) => job.data).sort((x, y) => x.shop.localeCompare(y.shop))).toEqual([
      { shop: "a.myshopify.com", kind: "reconcile" },
      { shop: "b.myshopify.com", kind: "sync" },
    ]);
    await boss.complete(queue.QUEUES.shop, [running.id, ...next.map((job) => job.id)]);
  });

  it("runs one job of a shop at a time", async () => {
    let release!: () => void;
    const holding = new Promise<void>((resolve) => (release = resolve));
    const first = lock.withShopLock("c.myshopify.com", "00000000-0000-4000-8000-000000000001", () => holding.then(() => "done"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    let ran = false;
    expect(await lock.withShopLock("c.myshopify.com", "00000000-0000-4000-8000-000000000002", async () => (ran = true))).toBe(lock.SHOP_BUSY);
    expect(ran).toBe(false);
    // Another shop is not held up.
    expect(await lock.withShopLock("d.myshopify.com", "00000000-0000-4000-8000-000000000003", async () => "other")).toBe("other");
    release();
    expect(await first).toBe("done");
    expect(await lock.withShopLock("c.myshopify.com", "00000000-0000-4000-8000-000000000004", async () => "next")).toBe("next");
  });

  it("queues again the job of a worker that died, not of one alive", async () => {
    const shop = "e.myshopify.com";
    await queue.enqueueShopJob({ shop, kind: "sync" });
    const [job] = await boss.fetch<import("./queue.server").ShopJob>(queue.QUEUES.shop);
    expect(job.data.shop).toBe(shop);

    // A worker runs the job on its own connection...
    const worker = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await worker.connect();
    let release!: () => void;
    const alive = lock.withShopLock(shop, job.id, () => new Promise<void>((resolve) => (release = resolve)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    // ...while it is alive, nothing is queued again.
    expect(await lock.requeueOrphanedJobs(boss)).toEqual([]);
    release();
    await alive;

    // Now a worker that takes the lock and records the job, then dies (its connection closes).
    expect(await lock.tryShopLock(worker, shop)).toBe(true);
    await worker.query("UPDATE sync_state SET job_id = $2 WHERE shop = $1", [shop, job.id]);
    expect(await lock.requeueOrphanedJobs(boss)).toEqual([]);
    await worker.end();

    expect(await lock.requeueOrphanedJobs(boss)).toEqual([shop]);
    expect((await boss.getJobById(queue.QUEUES.shop, job.id))?.state).toBe("cancelled");
    const [again] = await boss.fetch<import("./queue.server").ShopJob>(queue.QUEUES.shop);
    expect(again.data).toEqual({ shop, kind: "sync" });
    expect(again.id).not.toBe(job.id);
    // Found once: the record is cleared.
    expect(await lock.requeueOrphanedJobs(boss)).toEqual([]);
  });
});

describe("a shop lock lost mid-job", () => {
  it("stops the job at once, lets another run take the shop, and refuses every later write of the first", async () => {
    const prisma = (await import("#app/db.server")).default;
    const { writeOrders } = await import("#app/sync/order-writer.server");
    const { runAsShopJob, ShopLockLostError } = await import("./job-context.server");
    const shop = "lost.myshopify.com";
    await prisma.shop.create({ data: { domain: shop, ianaTimezone: "UTC", currencyCode: "USD", installedAt: new Date() } });
    const order = (id: bigint) => ({
      order: {
        shop, id, name: `#${id}`, customerId: null, processedAt: new Date("2026-11-01T10:00:00Z"), createdAt: new Date("2026-11-01T10:00:00Z"),
        updatedAt: new Date("2026-11-01T10:00:00Z"), cancelledAt: null, test: false, currencyCode: "USD", taxesIncluded: false,
        sourceName: "web", discounts: 0n, shipping: 0n, tax: 0n, totalPrice: 1000n, totalRefunded: 0n,
      },
      lineItems: [{ shop, id: id * 10n, orderId: id, quantity: 1, originalUnitPrice: 1000n }],
      refunds: [], refundLineItems: [], refundShipping: [],
    });

    // The first job holds the shop and waits; its lock's backend is then terminated.
    let firstSignal: AbortSignal | undefined;
    let firstRun: string | null = null;
    const first = lock.withShopLock(shop, "00000000-0000-4000-8000-0000000000a1", async (signal) => {
      firstSignal = signal;
      firstRun = (await prisma.syncState.findUniqueOrThrow({ where: { shop } })).jobRun;
      await new Promise((resolve) => signal.addEventListener("abort", resolve));
      // What it would write next, after noticing nothing (a statement already on its way).
      return writeOrders(shop, [order(1n)]);
    });
    // Observed from now on: it fails while the test is busy elsewhere.
    const firstOutcome = first.then(
      () => null,
      (error: unknown) => error,
    );
    await expect.poll(() => firstRun).not.toBeNull();
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ pid: number }>(
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND granted
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [0x4d45],
      );
      expect(rows).toHaveLength(1);
      await admin.query("SELECT pg_terminate_backend($1)", [rows[0].pid]);
    } finally {
      await admin.end();
    }
    expect(await firstOutcome).toBeInstanceOf(ShopLockLostError);
    expect(firstSignal?.aborted).toBe(true);

    // Another run takes the shop at once and writes; the first run's writes are refused, also
    // one made as if it had not noticed the loss (its signal not aborted).
    const second = lock.withShopLock(shop, "00000000-0000-4000-8000-0000000000a2", async () => {
      const unaware = { shop, jobId: "00000000-0000-4000-8000-0000000000a1", run: firstRun!, signal: new AbortController().signal };
      await expect(runAsShopJob(unaware, () => writeOrders(shop, [order(2n)]))).rejects.toBeInstanceOf(ShopLockLostError);
      return writeOrders(shop, [order(3n)]);
    });
    expect(await second).toEqual([3n]);
    expect((await prisma.order.findMany({ where: { shop }, select: { id: true } })).map((o) => o.id)).toEqual([3n]);
  });
});
