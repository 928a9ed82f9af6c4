// GIVEN a database no job queue ever ran on, WHEN several processes start their job queue at
// once (a deployment's web and worker processes), THEN every one of them starts, and each of
// Metryka's queues exists once. And the order shop jobs are taken in: copies of orders, then
// follow-ups, then large stores' backfills; a job put back because its shop was busy keeps its
// place among its peers, and is due as soon as the job it waited for ends.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { env } from "#app/env.server";
import { truncateAll } from "../../tests/support/database";
import { drainShopJobs } from "../../tests/support/jobs";
import { enqueueShopJob, jobQueue, QUEUES, startJobQueue, type ShopJob } from "./queue.server";
import { tryShopLock } from "./shop-lock.server";
import { runShopJobInTurn } from "./worker.server";

describe("starting the job queue", () => {
  it("GIVEN a new database THEN four processes starting at once all start", async () => {
    // A schema of its own: new, as on a database just created.
    const schema = `pgboss_start_${process.pid}`;
    const started = await Promise.allSettled(Array.from({ length: 4 }, () => startJobQueue(env.DATABASE_URL, schema)));
    const client = new pg.Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    try {
      const bosses = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
      await Promise.all(bosses.map((boss) => boss.stop({ graceful: false, wait: true })));
      expect(started.map((result) => (result.status === "rejected" ? String(result.reason) : "started"))).toEqual(["started", "started", "started", "started"]);
      const { rows } = await client.query<{ name: string }>(`SELECT name FROM ${schema}.queue WHERE name NOT LIKE '\\_\\_pgboss%' ORDER BY name`);
      expect(rows.map((row) => row.name)).toEqual(Object.values(QUEUES).sort());
    } finally {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  });
});

describe("the order shop jobs are taken in", () => {
  it("GIVEN jobs waiting THEN copies of orders first (one put back first of all), then follow-ups, then a large store's backfill", async () => {
    await truncateAll();
    await drainShopJobs();
    await enqueueShopJob({ shop: "large.myshopify.com", kind: "backfill", large: true });
    await enqueueShopJob({ shop: "first.myshopify.com", kind: "pixel" });
    await enqueueShopJob({ shop: "first.myshopify.com", kind: "sessions" });
    await enqueueShopJob({ shop: "second.myshopify.com", kind: "backfill" });
    await enqueueShopJob({ shop: "third.myshopify.com", kind: "sync" });
    await enqueueShopJob({ shop: "first.myshopify.com", kind: "backfill" }, { ahead: true });
    await enqueueShopJob({ shop: "second.myshopify.com", kind: "predictions" }, { ahead: true });
    const boss = await jobQueue();
    const taken: string[] = [];
    for (;;) {
      const [job] = await boss.fetch<{ shop: string; kind: string }>(QUEUES.shop);
      if (!job) break;
      taken.push(`${job.data.shop} ${job.data.kind}`);
    }
    expect(taken).toEqual([
      "first.myshopify.com backfill",
      "second.myshopify.com backfill",
      "third.myshopify.com sync",
      "second.myshopify.com predictions",
      "first.myshopify.com pixel",
      "first.myshopify.com sessions",
      "large.myshopify.com backfill",
    ]);
  });
});

describe("a job whose shop is busy", () => {
  it("GIVEN a shop running a job WHEN another of its jobs is taken THEN it waits, and is due once a job of the shop ends; a backfill waiting for Shopify's files keeps its time", async () => {
    await truncateAll();
    await drainShopJobs();
    const shop = "busy.myshopify.com";
    const boss = await jobQueue();
    const dueNow = async () => ((await boss.fetch<ShopJob>(QUEUES.shop, { batchSize: 10 })) ?? []).map((job) => job.data.kind);
    // Another worker's job holds the shop.
    const running = new pg.Client({ connectionString: env.DATABASE_URL });
    await running.connect();
    try {
      expect(await tryShopLock(running, shop)).toBe(true);
      await enqueueShopJob({ shop, kind: "sessions" });
      await enqueueShopJob({ shop, kind: "backfill" }, { startAfterSeconds: 600 });
      const [sessions] = await boss.fetch<ShopJob>(QUEUES.shop);
      expect(sessions.data.kind).toBe("sessions");
      await runShopJobInTurn(sessions);
      await boss.complete(QUEUES.shop, sessions.id);
      expect(await dueNow()).toEqual([]);
    } finally {
      await running.end();
    }
    // A job of the shop runs and ends (the shop is not installed here: it does nothing).
    await enqueueShopJob({ shop, kind: "predictions" });
    const [predictions] = await boss.fetch<ShopJob>(QUEUES.shop);
    expect(predictions.data.kind).toBe("predictions");
    await runShopJobInTurn(predictions);
    await boss.complete(QUEUES.shop, predictions.id);
    expect(await dueNow()).toEqual(["sessions"]);
  });
});
