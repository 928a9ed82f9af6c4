-- Tagging customers in Shopify from a Metryka list (app/tagging): one row per request, ids and
-- counts only. `customer_ids` are the customers chosen (the list as it was asked for); `done`
-- how many of them the job has sent, in order, so a job run again resumes where it stopped;
-- `failures` the customers Shopify refused, with Shopify's message.
-- CreateTable
CREATE TABLE "customer_tag_jobs" (
    "shop" TEXT NOT NULL,
    "id" BIGSERIAL NOT NULL,
    "action" TEXT NOT NULL,
    "tag" TEXT NOT NULL,
    "customer_ids" BIGINT[],
    "done" INTEGER NOT NULL DEFAULT 0,
    "failures" JSONB NOT NULL DEFAULT '[]',
    "status" TEXT NOT NULL DEFAULT 'queued',
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "customer_tag_jobs_pkey" PRIMARY KEY ("shop","id")
);
