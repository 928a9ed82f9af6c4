-- AlterTable
ALTER TABLE "shops" ADD COLUMN     "shopify_id" BIGINT;

