// Bulk ingestion throughput: a synthetic store of 200,000 orders (1–4 line items each, ~6%
// refunded, one customer per two orders) written as Shopify's bulk JSONL, ingested into
// PostgreSQL through app/sync/bulk-ingest.server.ts, refund details included (served by a
// local stand-in for the Admin API). Baseline, measured in the same run on the first 5,000
// orders: one Prisma upsert per order and per child row, extrapolated as a rate.
// BENCH_INGEST_ORDERS sets another size for a quick run.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { benchDatabase, onBenchShutdown, withDatabaseCpu } from "./lib/database";
import {
  customerCount,
  syntheticCustomers,
  syntheticOrders,
  writeSyntheticStore,
  type RefundDetails,
  type StoreShape,
} from "./lib/bulk-store";
import {
  benchResult,
  machineLoad,
  note,
  rate,
  timed,
  withPeakMemory,
  withProcessCpu,
  type BenchResult,
} from "./lib/timing";
import type { BulkWrites } from "#app/sync/order-writer.server";

const ORDERS = Number(process.env.BENCH_INGEST_ORDERS ?? 200_000);
const SAMPLE = Math.min(5_000, ORDERS);
const SEED = 20_261_129;

export default async function ingestBench(): Promise<BenchResult[]> {
  await benchDatabase();
  // App modules read the environment when imported: only now that it is set.
  const { default: prisma } = await import("#app/db.server");
  const { ingestBulkJsonl, syncRefundDetails } = await import("#app/sync/bulk-ingest.server");
  const { bulkWrites } = await import("#app/sync/order-writer.server");
  const { endSqlPool: endWritePool } = await import("#app/db-pool.server");
  const { createAdminClient } = await import("#app/shopify/admin-client.server");
  const rows = await import("#app/sync/order-rows");
  onBenchShutdown(async () => {
    await endWritePool();
    await prisma.$disconnect();
  });

  const shape: StoreShape = { orders: ORDERS, customers: customerCount(ORDERS), seed: SEED };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "metryka-bench-jsonl-"));
  onBenchShutdown(async () => fs.rmSync(dir, { recursive: true, force: true }));
  try {
    const { result: store, seconds: generated } = await timed(() =>
      writeSyntheticStore(shape, path.join(dir, "orders.jsonl"), path.join(dir, "customers.jsonl")),
    );
    note(
      `generated ${ORDERS} orders, ${shape.customers} customers, ${store.refundDetails.size} refunds: ` +
        `${store.lines} lines, ${(store.bytes / 2 ** 20).toFixed(0)} MiB in ${generated.toFixed(1)} s`,
    );

    // --- Baseline: one Prisma upsert per row, on a sample ------------------------------------
    const naiveShop = "naive.myshopify.com";
    const sampleCustomers = Math.round((SAMPLE * shape.customers) / ORDERS);
    const { seconds: naiveSeconds } = await timed(async () => {
      let n = 0;
      for (const item of syntheticOrders(shape)) {
        if (n++ >= SAMPLE) break;
        const order = rows.orderRow(naiveShop, item.order);
        const lineItems = item.lineItems.map((li) => rows.lineItemRow(naiveShop, order.id, li));
        const grossSales = lineItems.reduce((sum, li) => sum + li.originalUnitPrice * BigInt(li.quantity), 0n);
        await prisma.order.upsert({
          where: { shop_id: { shop: naiveShop, id: order.id } },
          create: { ...order, grossSales },
          update: { ...order, grossSales },
        });
        for (const li of lineItems) {
          await prisma.orderLineItem.upsert({ where: { shop_id: { shop: naiveShop, id: li.id } }, create: li, update: li });
        }
        for (const refundNode of item.order.refunds) {
          const refund = rows.refundRow(naiveShop, order.id, refundNode);
          const details = store.refundDetails.get(refundNode.id) as RefundDetails;
          const detail = rows.refundDetailRows(naiveShop, refund.id, {
            refundLineItems: { nodes: details.refundLineItems },
            refundShippingLines: { nodes: details.refundShippingLines },
          });
          const returns = detail.refundLineItems.reduce((sum, r) => sum + r.subtotal, 0n);
          const tax = detail.refundLineItems.reduce((sum, r) => sum + r.tax, detail.refundShipping.tax);
          const data = { ...refund, returns, tax, shipping: detail.refundShipping.shipping };
          await prisma.refund.upsert({ where: { shop_id: { shop: naiveShop, id: refund.id } }, create: data, update: data });
          for (const r of detail.refundLineItems) {
            await prisma.refundLineItem.upsert({ where: { shop_id: { shop: naiveShop, id: r.id } }, create: r, update: r });
          }
        }
      }
      n = 0;
      for (const node of syntheticCustomers(shape)) {
        if (n++ >= sampleCustomers) break;
        const customer = rows.customerRow(naiveShop, node);
        await prisma.customer.upsert({ where: { shop_id: { shop: naiveShop, id: customer.id } }, create: customer, update: customer });
      }
    });
    const baseline = rate(SAMPLE, naiveSeconds);
    note(`baseline: ${SAMPLE} orders (+ ${sampleCustomers} customers) in ${naiveSeconds.toFixed(1)} s = ${baseline.toFixed(0)} orders/s`);

    // --- Bulk ingest: both files, then the refunds' details ----------------------------------
    const shop = "bench.myshopify.com";
    // A backfill reads the shop (its time zone and currency) before its files: the rollups need it.
    await prisma.shop.upsert({ where: { domain: shop }, create: { domain: shop, installedAt: new Date() }, update: {} });
    const details = store.refundDetails;
    // Answers RefundDetails (variables r0…r9) from the generated details.
    const client = createAdminClient(shop, async (_query, options) => {
      const slots = Object.entries((options?.variables ?? {}) as Record<string, string>);
      const data = Object.fromEntries(
        slots.map(([slot, id]) => {
          const d = details.get(id);
          return [
            slot,
            d
              ? {
                  id,
                  refundLineItems: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: d.refundLineItems },
                  refundShippingLines: { pageInfo: { hasNextPage: false }, nodes: d.refundShippingLines },
                }
              : null,
          ];
        }),
      );
      return new Response(JSON.stringify({ data }));
    });

    // The two bulk operations run at once on Shopify's side (up to five per shop since
    // 2026-01), so their files are ingested side by side; refund details need the orders.
    async function ingestAll(writes: BulkWrites) {
      const read = (file: string) => fs.createReadStream(file, { highWaterMark: 1 << 20 });
      const [[orders, refunds], customers] = await Promise.all([
        (async () => {
          const ordersFile = await timed(() => ingestBulkJsonl(shop, read(store.ordersFile), writes));
          const details = await timed(() => syncRefundDetails(shop, client, ordersFile.result.startedAt, writes));
          return [ordersFile, details] as const;
        })(),
        timed(() => ingestBulkJsonl(shop, read(store.customersFile), writes)),
      ]);
      note(
        `  orders file ${orders.seconds.toFixed(1)} s, then refund details ${refunds.seconds.toFixed(1)} s; ` +
          `customers file ${customers.seconds.toFixed(1)} s alongside`,
      );
      return { orders: orders.result, customers: customers.result, refunds: refunds.result };
    }

    // Wall time, plus the CPU the app and PostgreSQL used and the machine's load: on a shared
    // machine the wall time also measures the neighbours.
    // The order writer rebuilds the shop's rollups when a bulk run ends: after the timed part.
    async function measuredIngest() {
      const loadBefore = machineLoad();
      let db!: Awaited<ReturnType<typeof ingestOnce>>;
      const ingestOnce = (writes: BulkWrites) =>
        withDatabaseCpu(() => withPeakMemory(() => withProcessCpu(() => timed(() => ingestAll(writes)))));
      const rollups = await timed(() => bulkWrites(shop, async (writes) => (db = await ingestOnce(writes))));
      const run = db.result;
      const { result: timing, cpuSeconds } = run.result;
      const dbCpu = db.databaseCpuSeconds === null ? "?" : db.databaseCpuSeconds.toFixed(1);
      note(
        `  ${timing.seconds.toFixed(1)} s = ${rate(ORDERS, timing.seconds).toFixed(0)} orders/s; CPU: app ${cpuSeconds.toFixed(1)} s, ` +
          `PostgreSQL ${dbCpu} s; ${loadBefore} before, ${machineLoad()} after; ` +
          `RSS ${run.startRssMiB.toFixed(0)} → peak ${run.peakRssMiB.toFixed(0)} MiB; ` +
          `then the rollup rebuild ${(rollups.seconds - timing.seconds).toFixed(1)} s`,
      );
      return { ...timing.result, seconds: timing.seconds };
    }

    note("bulk ingest into an empty shop:");
    const first = await measuredIngest();
    note(
      `  ${first.orders.orders} orders, ${first.orders.lineItems} line items, ${first.orders.refunds} refunds ` +
        `(+ details of ${first.refunds}), ${first.customers.customers} customers`,
    );
    note("the same files again (nothing changes):");
    const again = await measuredIngest();

    const stored = await prisma.order.count({ where: { shop } });
    if (stored !== ORDERS) throw new Error(`expected ${ORDERS} orders stored, found ${stored}`);

    return [
      benchResult("bulk ingest (JSONL → PostgreSQL, refund details included)", "orders/s", rate(ORDERS, first.seconds), baseline),
      benchResult("bulk ingest of the same files again (idempotent pass)", "orders/s", rate(ORDERS, again.seconds), baseline),
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
