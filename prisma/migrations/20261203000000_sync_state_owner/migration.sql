-- sync_state gets typed columns: its status, the kind of run and its phase become enums, and
-- the bulk operations a backfill resumes with move out of the phase text into columns.
CREATE TYPE "SyncRunStatus" AS ENUM ('idle', 'queued', 'running', 'succeeded', 'failed');
CREATE TYPE "SyncRunKind" AS ENUM ('backfill', 'catch_up');
CREATE TYPE "SyncPhase" AS ENUM ('counting', 'bulk_operations', 'refund_details', 'orders', 'customers', 'deletions');

ALTER TABLE "sync_state"
    ADD COLUMN "kind" "SyncRunKind",
    ADD COLUMN "bulk_orders_operation" TEXT,
    ADD COLUMN "bulk_customers_operation" TEXT;

-- A backfill's phase read `backfill <stage> orders=<gid|-> customers=<gid|->`.
UPDATE "sync_state" SET
    "kind" = CASE WHEN "phase" LIKE 'backfill %' THEN 'backfill'::"SyncRunKind"
                  WHEN "status" IN ('running', 'failed') THEN 'catch_up'::"SyncRunKind" END,
    "bulk_orders_operation" = NULLIF(substring("phase" FROM 'orders=(\S+)'), '-'),
    "bulk_customers_operation" = NULLIF(substring("phase" FROM 'customers=(\S+)'), '-');

ALTER TABLE "sync_state" ALTER COLUMN "phase" TYPE "SyncPhase" USING (
    CASE
        WHEN "phase" LIKE 'backfill refunds%' THEN 'refund_details'
        WHEN "phase" LIKE 'backfill %' THEN 'bulk_operations'
        WHEN "phase" IN ('orders', 'customers', 'deletions') THEN "phase"
    END
)::"SyncPhase";

ALTER TABLE "sync_state" ALTER COLUMN "status" DROP DEFAULT;
ALTER TABLE "sync_state" ALTER COLUMN "status" TYPE "SyncRunStatus" USING (
    CASE WHEN "status" IN ('idle', 'queued', 'running', 'succeeded', 'failed') THEN "status" ELSE 'idle' END
)::"SyncRunStatus";
ALTER TABLE "sync_state" ALTER COLUMN "status" SET DEFAULT 'idle';
