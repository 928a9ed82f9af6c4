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
    await worker.query("SELECT pg_advisory_lock($1, hashtext($2))", [0x4d45, shop]);
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
