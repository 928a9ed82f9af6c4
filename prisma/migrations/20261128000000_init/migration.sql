-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "session" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "isOnline" BOOLEAN NOT NULL DEFAULT false,
    "scope" TEXT,
    "expires" TIMESTAMP(3),
    "accessToken" TEXT NOT NULL,
    "userId" BIGINT,
    "firstName" TEXT,
    "lastName" TEXT,
    "email" TEXT,
    "accountOwner" BOOLEAN NOT NULL DEFAULT false,
    "locale" TEXT,
    "collaborator" BOOLEAN DEFAULT false,
    "emailVerified" BOOLEAN DEFAULT false,
    "refreshToken" TEXT,
    "refreshTokenExpires" TIMESTAMP(3),

    CONSTRAINT "session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "shops" (
    "domain" TEXT NOT NULL,
    "name" TEXT,
    "iana_timezone" TEXT NOT NULL DEFAULT 'UTC',
    "currency_code" TEXT NOT NULL DEFAULT 'USD',
    "scopes" TEXT NOT NULL DEFAULT '',
    "installed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "uninstalled_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "shops_pkey" PRIMARY KEY ("domain")
);

-- CreateTable
CREATE TABLE "customers" (
    "shop" TEXT NOT NULL,
    "id" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "deleted_at" TIMESTAMPTZ(3),
    "synced_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "customers_pkey" PRIMARY KEY ("shop","id")
);

-- CreateTable
CREATE TABLE "orders" (
    "shop" TEXT NOT NULL,
    "id" BIGINT NOT NULL,
    "name" TEXT NOT NULL,
    "customer_id" BIGINT,
    "processed_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "cancelled_at" TIMESTAMPTZ(3),
    "deleted_at" TIMESTAMPTZ(3),
    "test" BOOLEAN NOT NULL DEFAULT false,
    "currency_code" TEXT NOT NULL,
    "taxes_included" BOOLEAN NOT NULL DEFAULT false,
    "source_name" TEXT,
    "gross_sales" BIGINT NOT NULL,
    "discounts" BIGINT NOT NULL,
    "shipping" BIGINT NOT NULL,
    "tax" BIGINT NOT NULL,
    "total_price" BIGINT NOT NULL,
    "total_refunded" BIGINT NOT NULL,
    "synced_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "orders_pkey" PRIMARY KEY ("shop","id")
);

-- CreateTable
CREATE TABLE "refunds" (
    "shop" TEXT NOT NULL,
    "id" BIGINT NOT NULL,
    "order_id" BIGINT NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "currency_code" TEXT NOT NULL,
    "returns" BIGINT NOT NULL,
    "tax" BIGINT NOT NULL,
    "shipping" BIGINT NOT NULL,
    "total_refunded" BIGINT NOT NULL,

    CONSTRAINT "refunds_pkey" PRIMARY KEY ("shop","id")
);

-- CreateTable
CREATE TABLE "sync_state" (
    "shop" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'idle',
    "phase" TEXT,
    "done" INTEGER NOT NULL DEFAULT 0,
    "total" INTEGER,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "last_success_at" TIMESTAMPTZ(3),
    "watermark" TIMESTAMPTZ(3),
    "error" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sync_state_pkey" PRIMARY KEY ("shop")
);

-- CreateTable
CREATE TABLE "webhook_events" (
    "shop" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "webhook_id" TEXT,
    "triggered_at" TIMESTAMPTZ(3),
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "payload" JSONB NOT NULL,
    "processed_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_events_pkey" PRIMARY KEY ("shop","event_id")
);

-- CreateTable
CREATE TABLE "shop_settings" (
    "shop" TEXT NOT NULL,
    "refund_dating" TEXT NOT NULL DEFAULT 'refund_date',
    "sales_include_cancelled" BOOLEAN NOT NULL DEFAULT true,
    "retention_include_cancelled" BOOLEAN NOT NULL DEFAULT false,
    "cohort_include_zero_value" BOOLEAN NOT NULL DEFAULT true,
    "activity_window_days" INTEGER NOT NULL DEFAULT 365,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "shop_settings_pkey" PRIMARY KEY ("shop")
);

-- CreateIndex
CREATE INDEX "session_shop_idx" ON "session"("shop");

-- CreateIndex
CREATE INDEX "orders_shop_processed_at_idx" ON "orders"("shop", "processed_at");

-- CreateIndex
CREATE INDEX "orders_shop_customer_id_processed_at_idx" ON "orders"("shop", "customer_id", "processed_at");

-- CreateIndex
CREATE INDEX "orders_shop_updated_at_idx" ON "orders"("shop", "updated_at");

-- CreateIndex
CREATE INDEX "refunds_shop_order_id_idx" ON "refunds"("shop", "order_id");

-- CreateIndex
CREATE INDEX "refunds_shop_processed_at_idx" ON "refunds"("shop", "processed_at");

-- CreateIndex
CREATE INDEX "webhook_events_topic_received_at_idx" ON "webhook_events"("topic", "received_at");

