-- The run of the job that holds a shop: writes made under a job check it, so a job that lost
-- its lock cannot write once another run has taken the shop.
ALTER TABLE "sync_state" ADD COLUMN "job_run" UUID;
