// GIVEN three installed stores synced from the simulator (USD in New York, EUR in Berlin, USD in
// Tokyo), WHEN one creates a portfolio and the others join with its code, leave or are removed,
// THEN membership changes at once and only by the member's own act or the owner's, every change
// is recorded with who and when, a code is retired when a new one is made, and the Portfolio page
// shows each member's figures as that store's own pages compute them, in its own currency, with
// totals only per currency. While a member's figures are being recomputed, the page's file is
// refused (a 503 naming it, with its times) and the command line says whom it waits for, waits,
// then writes the file with every store's figures.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { presetRanges } from "#app/dashboard/ranges";
import { durationInUnits } from "#app/metrics/rebuild-progress";
import { generateStore, type SimStore, type SimulatorHandle } from "#simulator/index";
import { installOffline, startSimulatorForApp } from "./support/simulated-shop";
import { holdShopLock } from "./support/rollup-lock";

const NOW = new Date();
let simulator: SimulatorHandle;
let stores: SimStore[];
let shops: string[];
let api: typeof import("#app/portfolios/portfolios.server");
let page: typeof import("#app/portfolios/portfolio-page.server");
let prisma: typeof import("#app/db.server").default;

const actor = (shop: string, userId: string | null = "7") => ({ shop, userId });

beforeAll(async () => {
  stores = [
    generateStore({ seed: 81, now: NOW.toISOString(), customers: 40, domain: "agency-owner.myshopify.com", timeZone: "America/New_York" }),
    generateStore({ seed: 82, now: NOW.toISOString(), customers: 30, domain: "client-eur.myshopify.com", timeZone: "Europe/Berlin", currencyCode: "EUR" }),
    generateStore({ seed: 83, now: NOW.toISOString(), customers: 20, domain: "client-tokyo.myshopify.com", timeZone: "Asia/Tokyo" }),
  ];
  shops = stores.map((s) => s.shop.domain);
  simulator = await startSimulatorForApp({ stores, bucket: { maximumAvailable: 20_000, restoreRate: 1_000 } });
  prisma = (await import("#app/db.server")).default;
  api = await import("#app/portfolios/portfolios.server");
  page = await import("#app/portfolios/portfolio-page.server");
  const { runShopJob } = await import("#app/jobs/shop-jobs.server");
  for (const shop of shops) {
    await installOffline(simulator, shop);
    await runShopJob({ shop, kind: "backfill" });
  }
}, 180_000);

afterAll(async () => {
  await prisma.portfolio.deleteMany({ where: { shop: { in: shops } } });
  await simulator?.close();
});

describe("portfolios", () => {
  it("are joined only with the code, left by the member, removed by the owner, and record who and when", async () => {
    const [owner, eur, tokyo] = shops;
    const { id, code } = await api.createPortfolio(actor(owner, "1"), "  Agency clients ");
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);

    // Typed in lower case, without dashes: the same code.
    await expect(api.joinPortfolio(actor(eur, "2"), code.toLowerCase().replace(/-/g, " "))).resolves.toEqual({ id, name: "Agency clients" });
    // Each refusal says why in English and by key, which the page says in the admin's language.
    await expect(api.joinPortfolio(actor(eur, "2"), code)).rejects.toMatchObject({ message: expect.stringMatching(/already a member/), key: "alreadyMember" });
    await expect(api.joinPortfolio(actor(tokyo), "ABCD-2345-WXYZ")).rejects.toMatchObject({
      message: expect.stringMatching(/No portfolio has this invitation code/),
      key: "unknownCode",
    });
    await expect(api.joinPortfolio(actor(tokyo), "not a code")).rejects.toMatchObject({ status: 400, key: "badCode" });
    await expect(api.createPortfolio(actor(owner, "1"), "   ")).rejects.toMatchObject({ status: 400, key: "nameMissing" });
    await expect(api.createPortfolio(actor(owner, "1"), "x".repeat(81))).rejects.toMatchObject({ status: 400, key: "nameTooLong" });

    // A new code retires the old one.
    const { code: renewed } = await api.renewCode(actor(owner, "1"), id);
    await expect(api.joinPortfolio(actor(tokyo, "3"), code)).rejects.toThrow(/No portfolio has this invitation code/);
    await api.joinPortfolio(actor(tokyo, "3"), renewed);

    // Only the owner removes, and only members; a member cannot act on another's membership.
    await expect(api.removeMember(actor(eur), id, tokyo)).rejects.toMatchObject({ status: 404 });
    await expect(api.renewCode(actor(eur), id)).rejects.toMatchObject({ status: 404 });
    await expect(api.dissolvePortfolio(actor(eur), id)).rejects.toMatchObject({ status: 404 });
    await expect(api.leavePortfolio(actor(owner), id)).rejects.toMatchObject({ status: 400, key: "ownerCannotLeave" });
    await expect(api.portfolioMembers("stranger.myshopify.com", id)).rejects.toMatchObject({ status: 404 });

    expect((await api.portfolioMembers(eur, id)).members).toEqual([...shops].sort());
    await api.leavePortfolio(actor(eur, "2"), id);
    await expect(api.portfolioMembers(eur, id)).rejects.toMatchObject({ status: 404 });
    await api.removeMember(actor(owner, "1"), id, tokyo);
    expect((await api.portfolioMembers(owner, id)).members).toEqual([owner]);
    expect(await api.portfoliosOf(tokyo)).toEqual([]);

    const [summary] = await api.portfoliosOf(owner);
    expect(summary.events.map((e) => [e.kind, e.shop, e.byShop, e.byUser]).reverse()).toEqual([
      ["created", owner, owner, "1"],
      ["joined", eur, eur, "2"],
      ["code_renewed", owner, owner, "1"],
      ["joined", tokyo, tokyo, "3"],
      ["left", eur, eur, "2"],
      ["removed", tokyo, owner, "1"],
    ]);
    for (const event of summary.events) expect(Math.abs(Date.parse(event.at) - Date.now())).toBeLessThan(60_000);

    await api.dissolvePortfolio(actor(owner), id);
    expect(await api.portfoliosOf(owner)).toEqual([]);
  });

  it("refuses a nameless portfolio and an overlong name, and changes nothing", async () => {
    const before = await prisma.portfolio.count();
    await expect(api.createPortfolio(actor(shops[0]), "   ")).rejects.toMatchObject({ status: 400 });
    await expect(api.createPortfolio(actor(shops[0]), "x".repeat(81))).rejects.toMatchObject({ status: 400 });
    expect(await prisma.portfolio.count()).toBe(before);
  });

  it("shows every member's figures as its own pages compute them, in its own currency, totals per currency", async () => {
    const [owner, eur, tokyo] = shops;
    const { id, code } = await api.createPortfolio(actor(owner), "Side by side");
    await api.joinPortfolio(actor(eur), code);
    await api.joinPortfolio(actor(tokyo), code);
    // One range for every member: each one's default is the last twelve months in its own time
    // zone, which around a month's end are not the same months everywhere.
    const { from, to } = presetRanges(NOW.toISOString(), "America/New_York")[0];
    const params = new URLSearchParams({ portfolio: id, compare: "previous_year", from, to });
    // Every member sees the same portfolio.
    const views = await Promise.all(shops.map((shop) => page.portfolioPage(shop, params, NOW)));
    const data = views[0];
    expect(data.rows.map((r) => r.shop)).toEqual([...shops].sort());
    for (const view of views.slice(1)) expect(view.rows).toEqual(data.rows);

    const { salesOverview } = await import("#app/metrics/sales.server");
    const { retentionRates } = await import("#app/metrics/retention.server");
    for (const row of data.rows) {
      const store = stores.find((s) => s.shop.domain === row.shop)!;
      expect(row.currency).toBe(store.shop.currencyCode);
      expect(row.timeZone).toBe(store.shop.ianaTimezone);
      const sales = await salesOverview(row.shop, { range: data.range, granularity: "month", compareTo: "previous_year" }, { now: NOW });
      const rates = await retentionRates(row.shop, { range: data.range }, { now: NOW });
      expect(row).toMatchObject({
        installed: true,
        netSales: sales.totals.netSales,
        netSalesGrowth: sales.comparison!.growth.netSales,
        netSalesGrowthBase: sales.comparison!.totals.netSales,
        orders: sales.totals.orders,
        newCustomers: rates.activity.newCustomers,
        repeatPurchaseRate: rates.activity.repeatPurchaseRate,
        sync: "succeeded",
      });
      expect(row.orders).toBeGreaterThan(0);
    }
    const usd = data.rows.filter((r) => r.currency === "USD");
    expect(data.totals).toEqual([
      { currency: "EUR", stores: 1, netSales: data.rows.find((r) => r.currency === "EUR")!.netSales, orders: data.rows.find((r) => r.currency === "EUR")!.orders },
      { currency: "USD", stores: 2, netSales: usd[0].netSales! + usd[1].netSales!, orders: usd[0].orders! + usd[1].orders! },
    ]);

    // The CSV holds the same rows, amounts in each store's currency.
    const csv = await page.portfolioExport(eur, params, NOW);
    expect(csv.header).toEqual(page.PORTFOLIO_HEADER);
    expect([...(csv.rows as Iterable<unknown[]>)]).toEqual(data.rows.map(page.portfolioCells));
    expect(csv.fileName).toContain("portfolio-side-by-side");

    // Removed: gone from the page at once, for the removed store and for the others.
    await api.removeMember(actor(owner), id, tokyo);
    await expect(page.portfolioPage(tokyo, params, NOW)).rejects.toMatchObject({ status: 404 });
    expect((await page.portfolioPage(eur, params, NOW)).rows.map((r) => r.shop)).toEqual([eur, owner].sort());
    await api.dissolvePortfolio(actor(owner), id);
  });

  it("refuses the file while a member's figures are recomputed, naming it, and the command line waits for them", async () => {
    const [owner, eur] = shops;
    const { id, code } = await api.createPortfolio(actor(owner), "Mid-change");
    await api.joinPortfolio(actor(eur), code);
    const params = new URLSearchParams({ portfolio: id });
    const { EXPORTS } = await import("#app/exports/registry.server");
    const { badRequest } = await import("#app/http.server");
    const { writeExport } = await import("#app/cli/export-file.server");
    const { csvText } = await import("#app/exports/csv.server");
    const { ensureDailyRollups } = await import("#app/metrics/rollups.server");
    await ensureDailyRollups(eur, "Europe/Berlin", "EUR");
    const { name } = await prisma.shop.findUniqueOrThrow({ where: { domain: eur }, select: { name: true } });
    const [{ rebuild_ms: lastMs }] = await prisma.$queryRaw<Array<{ rebuild_ms: number }>>`SELECT rebuild_ms FROM daily_sales_state WHERE shop = ${eur}`;
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "metryka-portfolio-"));
    const out = path.join(dir, "portfolio.csv");
    const rebuilder = new pg.Client({ connectionString: process.env.DATABASE_URL! });
    await rebuilder.connect();
    try {
      await prisma.shop.update({ where: { domain: eur }, data: { ianaTimezone: "Asia/Tokyo" } });
      // Another process (the worker's job for the shop's update) is rebuilding: it holds the shop's lock.
      await rebuilder.query("BEGIN");
      await holdShopLock(rebuilder, eur);

      // The download: after the page's wait, a 503 naming the store, with its recompute's times.
      const answer: unknown = await badRequest.page(() => EXPORTS.portfolio.build(owner, params, NOW, "en")).catch((thrown: unknown) => thrown);
      expect(answer).toBeInstanceOf(Response);
      const refused = answer as Response;
      expect(refused.status).toBe(503);
      expect(refused.headers.get("Retry-After")).toBe("15");
      const body = (await refused.json()) as { recomputingStores: Array<{ progress: { elapsedSeconds: number; lastSeconds: number } }> };
      expect(body.recomputingStores).toMatchObject([{ shop: eur, name, timeZone: "Asia/Tokyo", currency: "EUR" }]);
      expect(body.recomputingStores[0].progress.elapsedSeconds).toBeGreaterThan(0);
      expect(body.recomputingStores[0].progress.lastSeconds).toBeCloseTo(lastMs / 1000, 3);

      // The command line says which store it waits for, and writes nothing until it has it.
      const said: string[] = [];
      let written = false;
      const writing = writeExport(EXPORTS.portfolio, owner, params, NOW, out, (line) => void said.push(line)).then(() => (written = true));
      const last = durationInUnits(lastMs / 1000);
      await expect.poll(() => said, { timeout: 30_000, interval: 200 }).toEqual([
        `the numbers of ${name} (${eur}) in Asia/Tokyo and EUR (its last recompute took ${last.value} ${last.unit}${last.value === 1 ? "" : "s"}) are being recomputed: the export waits for them`,
      ]);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(written).toBe(false);
      expect(fs.existsSync(out)).toBe(false);
      await rebuilder.query("COMMIT");
      await writing;
      // The file has every store's figures, the client's in its new zone.
      const file = await page.portfolioExport(owner, params, NOW);
      expect(fs.readFileSync(out, "utf8").replace(/^\uFEFF/, "")).toBe(await csvText(file.header, file.rows));
      const rows = [...(file.rows as Iterable<unknown[]>)];
      const client = rows.find((cells) => cells[0] === eur)!;
      expect(client[page.PORTFOLIO_HEADER.indexOf("Time zone")]).toBe("Asia/Tokyo");
      expect(rows.every((cells) => Number(cells[page.PORTFOLIO_HEADER.indexOf("Orders")]) > 0)).toBe(true);
    } finally {
      await rebuilder.query("ROLLBACK").catch(() => {});
      await rebuilder.end();
      await prisma.shop.update({ where: { domain: eur }, data: { ianaTimezone: "Europe/Berlin" } });
      await fs.promises.rm(dir, { recursive: true, force: true });
      await api.dissolvePortfolio(actor(owner), id);
    }
  }, 60_000);

  it("go with a store's data when Shopify asks to erase it: its membership, or the portfolio it owns", async () => {
    const [owner] = shops;
    const { eraseShop } = await import("#app/sync/privacy.server");
    const member = "erased-member.myshopify.com";
    const ownerToErase = "erased-owner.myshopify.com";
    for (const domain of [member, ownerToErase]) await prisma.shop.upsert({ where: { domain }, create: { domain }, update: {} });
    const kept = await api.createPortfolio(actor(owner), "Kept");
    await api.joinPortfolio(actor(member), kept.code);
    const gone = await api.createPortfolio(actor(ownerToErase), "Gone");
    await api.joinPortfolio(actor(owner), gone.code);

    await eraseShop(member);
    await eraseShop(ownerToErase);
    expect((await api.portfolioMembers(owner, kept.id)).members).toEqual([owner]);
    expect(await prisma.portfolioEvent.count({ where: { OR: [{ shop: member }, { byShop: member }] } })).toBe(0);
    expect(await prisma.portfolio.count({ where: { id: gone.id } })).toBe(0);
    expect((await api.portfoliosOf(owner)).map((p) => p.name)).toEqual(["Kept"]);
    await api.dissolvePortfolio(actor(owner), kept.id);
  });

  it("are on the command line: one portfolio's members, or every installed store, as JSON or CSV", async () => {
    const [owner, eur] = shops;
    const { id, code } = await api.createPortfolio(actor(owner), "From the shell");
    await api.joinPortfolio(actor(eur), code);
    const root = path.resolve(import.meta.dirname, "..");
    const metryka = (...args: string[]) =>
      promisify(execFile)(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), path.join(root, "scripts/metryka.ts"), ...args], {
        cwd: root,
        env: { ...process.env },
      });
    const at = NOW.toISOString();
    const one = JSON.parse((await metryka("portfolio", "--portfolio", id, "--now", at, "--json")).stdout);
    const expected = await page.portfolioPage(owner, new URLSearchParams({ portfolio: id }), NOW);
    expect(one.rows.map((r: { shop: string }) => r.shop)).toEqual([eur, owner].sort());
    // The command line reads the range in UTC, the page in the owner's zone: compare on the page's range.
    const same = JSON.parse(
      (await metryka("portfolio", "--portfolio", id, "--from", expected.range.from, "--to", expected.range.to, "--now", at, "--json")).stdout,
    );
    expect(same.rows).toEqual(JSON.parse(JSON.stringify(expected.rows)));
    expect(same.totals).toEqual(expected.totals);
    const all = JSON.parse((await metryka("portfolio", "--now", at, "--json")).stdout);
    expect(all.rows.map((r: { shop: string }) => r.shop)).toEqual(expect.arrayContaining(shops));
    const csv = (await metryka("portfolio", "--portfolio", id, "--now", at, "--csv")).stdout;
    expect(csv.replace(/^\uFEFF/, "").split(/\r?\n/)[0]).toBe(page.PORTFOLIO_HEADER.join(","));
    expect(csv.trim().split(/\r?\n/)).toHaveLength(3);
    const refused = await metryka("portfolio", "--portfolio", "no-such-portfolio", "--json").catch((error: { code: number; stderr: string }) => error);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining("No such portfolio") });
    await api.dissolvePortfolio(actor(owner), id);
  }, 60_000);
});
