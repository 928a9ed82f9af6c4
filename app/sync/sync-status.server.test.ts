// GIVEN a shop whose last run failed, or whose import of Shopify's session figures ended without
// all it asked for, WHEN a page or the command line reads where it stands, THEN the failure's kind
// and Shopify's own words are kept apart: the command line reads the whole sentence in English,
// a page says the same in the admin's language with Shopify's words inside it; `metryka status`
// prints where each shop stands, with what the last comparison mended.
import { beforeEach, describe, expect, it } from "vitest";
import prisma from "#app/db.server";
import { translator } from "#app/i18n";
import { ShopifyApiError } from "#app/shopify/admin-client.server";
import { formatter } from "#app/components/format";
import { statusText } from "#app/cli/status-text";
import { shopifyCheckText, syncErrorText } from "#app/components/sync-progress";
import {
  markRunFailed,
  markSessionsFailed,
  markSessionsImported,
  recordShopifyCheck,
  setPhase,
  startRun,
  startSessionsImport,
  SyncRunKind,
} from "./sync-state.server";
import { sessionsImportStatus, syncDetails, syncStatus, syncStatusReport } from "./sync-status.server";
import { truncateAll } from "../../tests/support/database";

const SHOP = "failing-words.myshopify.com";

beforeEach(async () => {
  await truncateAll();
  await prisma.shop.create({ data: { domain: SHOP, scopes: "read_orders,read_reports", installedAt: new Date() } });
});

describe("a failed run in the admin's language", () => {
  it.each([
    [new ShopifyApiError("Admin API did not answer within 30000 ms", true, "TIMEOUT"), "retrying", /will try again/, /spróbuje ponownie/],
    [new ShopifyApiError("Access denied for orders field", false, "ACCESS_DENIED"), "refused", /Reinstalling the app/, /ponowna instalacja/],
    [new Error("connection reset"), "failed", /Sync now/, /Synchronizuj teraz/],
  ] as const)("keeps the kind and Shopify's words of %s", async (error, kind, english, polish) => {
    await startRun(SHOP, SyncRunKind.catch_up, new Date());
    await markRunFailed(SHOP, error);
    const status = await syncStatus(SHOP);
    expect({ status: status.status, errorKind: status.errorKind, errorDetail: status.errorDetail }).toEqual({
      status: "failed",
      errorKind: kind,
      errorDetail: error.message,
    });
    expect(status.error).toMatch(english);
    expect(status.error).toContain(error.message);
    const inPolish = syncErrorText(status, translator("pl"));
    expect(inPolish).toMatch(polish);
    expect(inPolish).toContain(error.message);
    expect(inPolish).not.toEqual(status.error);
    // A new run clears it.
    await startRun(SHOP, SyncRunKind.catch_up, new Date());
    expect(await syncStatus(SHOP)).toMatchObject({ error: null, errorKind: null, errorDetail: null });
  });

  it("shows a failure recorded before kinds were as it was written", async () => {
    await prisma.syncState.create({ data: { shop: SHOP, status: "failed", error: "Sync failed: disk full. Try again from the dashboard." } });
    const status = await syncStatus(SHOP);
    expect(status).toMatchObject({ error: "Sync failed: disk full. Try again from the dashboard.", errorKind: null, errorDetail: null });
    expect(syncErrorText(status, translator("pl"))).toBe(status.error);
  });
});

describe("the sessions import's outcome in the admin's language", () => {
  it("says a refused breakdown apart from a refused query, with Shopify's words in both", async () => {
    const now = new Date("2026-11-20T10:00:00Z");
    await startSessionsImport(SHOP, now);
    await markSessionsImported(SHOP, now, "UTC", "landing_page_path: unknown column");
    expect(await sessionsImportStatus(SHOP)).toMatchObject({
      status: "rejected",
      message: { key: "rejectedBreakdown", detail: "landing_page_path: unknown column" },
      error: expect.stringMatching(/breakdown by landing_page_path: unknown column\. The daily totals were imported/),
    });

    await startSessionsImport(SHOP, new Date("2026-11-20T11:00:00Z"));
    await markSessionsFailed(SHOP, "rejected", "syntax error at FROM");
    const whole = await sessionsImportStatus(SHOP);
    expect(whole).toMatchObject({ status: "rejected", message: { key: "rejected", detail: "syntax error at FROM" } });
    expect(whole.error).toContain("sessions query (syntax error at FROM)");
    expect(translator("pl")(`syncErrors.sessions.${whole.message!.key}`, { detail: whole.message!.detail })).toMatch(/Shopify nie przyjął zapytania.*syntax error at FROM/);
  });

  it("says what a missing grant needs without a stored word", async () => {
    await prisma.shop.update({ where: { domain: SHOP }, data: { scopes: "read_orders" } });
    const status = await sessionsImportStatus(SHOP);
    expect(status).toMatchObject({ status: "not_granted", message: { key: "not_granted" } });
    expect(status.error).toContain("read_reports");
    expect(translator("pl")("syncErrors.sessions.not_granted")).toContain("read_reports");
  });
});

describe("the last comparison with Shopify's own counts, in the admin's language", () => {
  const at = new Date("2026-12-07T06:04:00Z");
  const none = { orders: 0, customers: 0 };

  it("is absent until a run has compared, then says the two sides hold the same", async () => {
    expect((await syncDetails(SHOP)).check).toBeNull();
    const counts = { ordersSince: null, orders: { shopify: 1234, copy: 1234 }, customers: { shopify: 1, copy: 1 }, removed: none, restored: none };
    await recordShopifyCheck(SHOP, counts, at);
    const { check } = await syncDetails(SHOP);
    expect(check).toEqual({ ...counts, at: at.toISOString(), short: false });
    expect(shopifyCheckText(check!, "Europe/Warsaw")).toEqual({
      text: "Compared with Shopify's own counts on Dec 7, 2026, 7:04 AM: the same 1,234 orders and 1 customer on both sides.",
      same: true,
    });
    expect(shopifyCheckText(check!, "Europe/Warsaw", translator("pl"), formatter("pl")).text).toBe(
      "Porównanie z liczbami w Shopify (7 gru 2026, 07:04): po obu stronach tyle samo – 1234 zamówienia i 1 klient.",
    );
  });

  it("gives each side's figures when they differ, over the recent orders a shop without full history shows, and what mends a copy short of records", async () => {
    const since = new Date("2026-10-10T06:04:00Z");
    await recordShopifyCheck(
      SHOP,
      { ordersSince: since, orders: { shopify: 25, copy: 24 }, customers: { shopify: 7, copy: 5 }, removed: none, restored: none },
      at,
    );
    const { check } = await syncDetails(SHOP);
    expect(check!.short).toBe(true);
    expect(shopifyCheckText(check!, "America/New_York")).toEqual({
      text:
        "Compared with Shopify's own counts on Dec 7, 2026, 1:04 AM, orders created since Oct 10, 2026, 2:04 AM: " +
        "Shopify had 25 orders and 7 customers, Metryka 24 orders and 5 customers. " +
        "Sync now copies the whole store again, which brings back what is missing.",
      same: false,
    });
    expect(shopifyCheckText(check!, "America/New_York", translator("pl"), formatter("pl")).text).toBe(
      "Porównanie z liczbami w Shopify (7 gru 2026, 01:04), zamówienia od 10 paź 2026, 02:04: " +
        "w Shopify 25 zamówień i 7 klientów, w Metryce 24 zamówienia i 5 klientów. " +
        "„Synchronizuj teraz” skopiuje cały sklep od nowa i uzupełni braki.",
    );
  });

  it("says what it removed and copied back before counting", async () => {
    const counts = { orders: { shopify: 305, copy: 305 }, customers: { shopify: 150, copy: 150 } };
    await recordShopifyCheck(SHOP, { ordersSince: null, ...counts, removed: { orders: 2, customers: 0 }, restored: { orders: 1, customers: 5 } }, at);
    const { check } = await syncDetails(SHOP);
    expect(check).toMatchObject({ removed: { orders: 2, customers: 0 }, restored: { orders: 1, customers: 5 }, short: false });
    expect(shopifyCheckText(check!, "Europe/Warsaw")).toEqual({
      text:
        "Compared with Shopify's own counts on Dec 7, 2026, 7:04 AM: the same 305 orders and 150 customers on both sides. " +
        "Before counting, Metryka removed 2 orders deleted in Shopify without a webhook saying so. " +
        "Before counting, Metryka copied back 1 order and 5 customers missing from its copy.",
      same: true,
    });
    expect(shopifyCheckText(check!, "Europe/Warsaw", translator("pl"), formatter("pl")).text).toBe(
      "Porównanie z liczbami w Shopify (7 gru 2026, 07:04): po obu stronach tyle samo – 305 zamówień i 150 klientów. " +
        "Przed liczeniem Metryka usunęła u siebie to, co usunięto w Shopify bez powiadomienia aplikacji: 2 zamówienia. " +
        "Przed liczeniem Metryka skopiowała ponownie to, czego jej brakowało: 1 zamówienie i 5 klientów.",
    );
    // Only the kinds it touched are named.
    await recordShopifyCheck(SHOP, { ordersSince: null, ...counts, removed: none, restored: { orders: 0, customers: 1 } }, at);
    expect(shopifyCheckText((await syncDetails(SHOP)).check!, "Europe/Warsaw").text).toBe(
      "Compared with Shopify's own counts on Dec 7, 2026, 7:04 AM: the same 305 orders and 150 customers on both sides. " +
        "Before counting, Metryka copied back 1 customer missing from its copy.",
    );
  });
});

describe("metryka status's text", () => {
  const at = new Date("2026-12-07T06:04:00Z");
  const counts = { orders: { shopify: 305, copy: 304 }, customers: { shopify: 150, copy: 150 } };

  it("gives a running sync's progress, the last comparison with what it mended, and a failure's words", async () => {
    await startRun(SHOP, SyncRunKind.backfill, at);
    await setPhase(SHOP, "orders", { done: 1200, total: 4500 });
    await recordShopifyCheck(SHOP, { ordersSince: null, ...counts, removed: { orders: 2, customers: 0 }, restored: { orders: 0, customers: 0 } }, at);
    expect(statusText(await syncStatusReport(SHOP))).toBe(
      "failing-words.myshopify.com  running (backfill: 1,200 of 4,500 orders and customers read)  last success: never  orders: 0\n" +
        "  compared with Shopify at 2026-12-07T06:04:00.000Z: orders 305/304, customers 150/150; removed first: orders 2, customers 0\n",
    );

    await recordShopifyCheck(
      SHOP,
      { ordersSince: new Date("2026-10-10T06:04:00Z"), ...counts, removed: { orders: 0, customers: 0 }, restored: { orders: 1, customers: 5 } },
      at,
    );
    await markRunFailed(SHOP, new Error("connection reset"));
    expect(statusText(await syncStatusReport(SHOP))).toBe(
      "failing-words.myshopify.com  failed  last success: never  orders: 0\n" +
        "  compared with Shopify at 2026-12-07T06:04:00.000Z (orders since 2026-10-10T06:04:00.000Z): " +
        "orders 305/304, customers 150/150; copied back first: orders 1, customers 5\n" +
        "  Sync failed: connection reset. Try again with “Sync now” on the Data sync page.\n",
    );
  });

  it("says so when there is no shop", async () => {
    expect(statusText(await syncStatusReport("absent.myshopify.com"))).toBe("No shops.\n");
  });
});
