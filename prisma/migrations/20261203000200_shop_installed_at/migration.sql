-- installed_at is set by an install only: a shop made by `metryka import-orders` has none (it
-- defaulted to the time the import created it), nor does one never installed.
ALTER TABLE "shops" ALTER COLUMN "installed_at" DROP NOT NULL,
                    ALTER COLUMN "installed_at" DROP DEFAULT;
UPDATE "shops" s SET "installed_at" = NULL
WHERE NOT EXISTS (SELECT 1 FROM "session" x WHERE x."shop" = s."domain");
