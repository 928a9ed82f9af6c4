-- Portfolios: stores that agreed to show their key metrics to each other's admins.
CREATE TABLE "portfolios" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "invite_code_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "portfolios_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "portfolio_members" (
    "portfolio_id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "joined_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "portfolio_members_pkey" PRIMARY KEY ("portfolio_id","shop")
);

CREATE TABLE "portfolio_events" (
    "id" BIGSERIAL NOT NULL,
    "portfolio_id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "by_shop" TEXT NOT NULL,
    "by_user" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "portfolio_events_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "portfolios_invite_code_hash_key" ON "portfolios"("invite_code_hash");
CREATE INDEX "portfolios_shop_idx" ON "portfolios"("shop");
CREATE INDEX "portfolio_members_shop_idx" ON "portfolio_members"("shop");
CREATE INDEX "portfolio_events_portfolio_id_at_idx" ON "portfolio_events"("portfolio_id", "at");

ALTER TABLE "portfolio_members" ADD CONSTRAINT "portfolio_members_portfolio_id_fkey" FOREIGN KEY ("portfolio_id") REFERENCES "portfolios"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "portfolio_events" ADD CONSTRAINT "portfolio_events_portfolio_id_fkey" FOREIGN KEY ("portfolio_id") REFERENCES "portfolios"("id") ON DELETE CASCADE ON UPDATE CASCADE;
