-- AlterTable
ALTER TABLE "sync_state" ADD COLUMN     "job_id" TEXT;
