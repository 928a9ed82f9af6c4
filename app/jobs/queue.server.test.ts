// GIVEN a database no job queue ever ran on, WHEN several processes start their job queue at
// once (a deployment's web and worker processes), THEN every one of them starts, and each of
// Metryka's queues exists once. And the order shop jobs are taken in: copies of orders, then
// follow-ups, then large stores' backfills; a job put back because its shop was busy keeps its
// place among its peers.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { env } from "#app/env.server";
import { truncateAll } from "../../tests/support/database";
import { drainShopJobs } from "../../tests/support/jobs";
import { enqueueShopJob, jobQueue, QUEUES, startJobQueue } from "./queue.server";

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
