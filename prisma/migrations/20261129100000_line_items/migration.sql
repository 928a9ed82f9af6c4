-- CreateTable
CREATE TABLE "order_line_items" (
    "shop" TEXT NOT NULL,
    "id" BIGINT NOT NULL,
    "order_id" BIGINT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "original_unit_price" BIGINT NOT NULL,

    CONSTRAINT "order_line_items_pkey" PRIMARY KEY ("shop","id")
);

-- CreateTable
CREATE TABLE "refund_line_items" (
    "shop" TEXT NOT NULL,
    "id" BIGINT NOT NULL,
    "refund_id" BIGINT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "subtotal" BIGINT NOT NULL,
    "tax" BIGINT NOT NULL,

    CONSTRAINT "refund_line_items_pkey" PRIMARY KEY ("shop","id")
);

-- CreateIndex
CREATE INDEX "order_line_items_shop_order_id_idx" ON "order_line_items"("shop", "order_id");

-- CreateIndex
CREATE INDEX "refund_line_items_shop_refund_id_idx" ON "refund_line_items"("shop", "refund_id");

