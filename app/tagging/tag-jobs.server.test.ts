// GIVEN shops installed in the simulator, WHEN a merchant asks Metryka to tag customers and the
// shop's `tags` job runs, THEN every chosen customer carries the tag in Shopify (read back from
// the simulator) and `tagsRemove` takes it away again; THROTTLED answers are waited out and
// retried; a customer Shopify refuses (a userError) is reported with Shopify's message while the
// others are tagged; another shop's customers are untouched; a shop that did not grant
// write_customers gets its request refused, or ended, saying so; a bad tag, a bad form or too many
// customers record nothing, and each refusal says why with a code the page translates.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_TAG_CUSTOMERS } from "#app/shopify/customer-tags";
import { generateStore, type SimulatorHandle } from "#simulator/index";
import { installOffline, startSimulatorForApp } from "../../tests/support/simulated-shop";

const NOW = "2026-11-15T12:00:00Z";
const shopA = generateStore({ seed: 61, now: NOW, customers: 12, domain: "tags-a.myshopify.com", start: "2026-10-01" });
const shopB = generateStore({ seed: 62, now: NOW, customers: 12, domain: "tags-b.myshopify.com", start: "2026-10-01" });
const refused = generateStore({ seed: 63, now: NOW, customers: 5, domain: "tags-refused.myshopify.com", start: "2026-10-01" });
const WITHOUT_WRITE = "read_orders,read_all_orders,read_customers,read_reports";
const UNKNOWN = 999_999_999_999n;

let simulator: SimulatorHandle;
let prisma: typeof import("#app/db.server").default;
let runShopJob: typeof import("#app/jobs/shop-jobs.server").runShopJob;
let tagging: typeof import("./tag-jobs.server");
let drainShopJobs: typeof import("../../tests/support/jobs").drainShopJobs;

const tagsOf = (store: typeof shopA) => new Map(store.customers.map((c) => [c.id, [...c.tags]]));
const ids = (store: typeof shopA, count: number) => store.customers.slice(0, count).map((c) => BigInt(c.id));

beforeAll(async () => {
  simulator = await startSimulatorForApp({ stores: [shopA, shopB, refused] });
  prisma = (await import("#app/db.server")).default;
  runShopJob = (await import("#app/jobs/shop-jobs.server")).runShopJob;
  tagging = await import("./tag-jobs.server");
  drainShopJobs = (await import("../../tests/support/jobs")).drainShopJobs;
  await installOffline(simulator, shopA.shop.domain);
  await installOffline(simulator, shopB.shop.domain);
  await installOffline(simulator, refused.shop.domain, WITHOUT_WRITE);
});

afterAll(async () => {
  await simulator?.close();
});

describe("tagging customers in Shopify", () => {
  it("adds the tag to every chosen customer, reports the one Shopify refuses, leaves another shop alone, and removes it again", async () => {
    const shop = shopA.shop.domain;
    const chosen = ids(shopA, 6);
    const bBefore = tagsOf(shopB);
    const aBefore = tagsOf(shopA);
    const requested = await tagging.requestTagging(shop, { action: "add", tag: "  Win back  ", customerIds: [...chosen, UNKNOWN, chosen[0]] });
    expect(requested).toMatchObject({ action: "add", tag: "Win back", total: 7, done: 0, status: "queued" });
    // The request queued the shop's job.
    expect(await drainShopJobs()).toContainEqual({ shop, kind: "tags" });

    await runShopJob({ shop, kind: "tags" });
    for (const customer of shopA.customers) {
      const expected = chosen.includes(BigInt(customer.id)) ? [...aBefore.get(customer.id)!, "Win back"] : aBefore.get(customer.id);
      expect(customer.tags, String(customer.id)).toEqual(expected);
    }
    const [job] = await tagging.recentTagJobs(shop);
    expect(job).toMatchObject({ status: "finished", total: 7, done: 7, failed: 1, error: null });
    expect(job.failures).toEqual([{ customerId: String(UNKNOWN), message: "Resource not found" }]);
    expect(tagsOf(shopB)).toEqual(bBefore);

    await tagging.requestTagging(shop, { action: "remove", tag: "win back", customerIds: chosen });
    await runShopJob({ shop, kind: "tags" });
    expect(tagsOf(shopA)).toEqual(aBefore);
    const [removal] = await tagging.recentTagJobs(shop);
    expect(removal).toMatchObject({ action: "remove", status: "finished", total: 6, done: 6, failed: 0 });
    expect(tagsOf(shopB)).toEqual(bBefore);
    // Ids, the tag and counts only: the rows hold no name or e-mail of the customers.
    const rows = JSON.stringify(await prisma.customerTagJob.findMany({ where: { shop } }), (_, v) => (typeof v === "bigint" ? v.toString() : v));
    for (const customer of shopA.customers) {
      expect(rows).not.toContain(customer.email ?? "@");
      expect(rows).not.toContain(customer.lastName ?? "—");
    }
  });

  it("waits out THROTTLED answers and tags everyone", async () => {
    const shop = shopB.shop.domain;
    const chosen = ids(shopB, 8);
    const before = simulator.faults.counts().throttled;
    simulator.faults.set({ throttleRate: 0.3, seed: 3 });
    try {
      await tagging.requestTagging(shop, { action: "add", tag: "vip", customerIds: chosen });
      await runShopJob({ shop, kind: "tags" });
    } finally {
      simulator.faults.clear();
    }
    expect(simulator.faults.counts().throttled).toBeGreaterThan(before);
    for (const id of chosen) expect(shopB.customers.find((c) => BigInt(c.id) === id)!.tags).toContain("vip");
    expect((await tagging.recentTagJobs(shop))[0]).toMatchObject({ status: "finished", done: 8, failed: 0 });
  });

  it("refuses a request without write_customers, and ends a job whose token lost it, saying so", async () => {
    const shop = refused.shop.domain;
    const attempt = tagging.requestTagging(shop, { action: "add", tag: "x", customerIds: ids(refused, 2) });
    await expect(attempt).rejects.toThrow(tagging.TaggingNotGrantedError);
    await expect(attempt).rejects.toMatchObject({ status: 403, refusal: { key: "notGranted" } });
    expect(await prisma.customerTagJob.count({ where: { shop } })).toBe(0);
    // The grant recorded, but the token the job uses lacks it: Shopify answers ACCESS_DENIED.
    await prisma.shop.update({ where: { domain: shop }, data: { scopes: `${WITHOUT_WRITE},write_customers` } });
    await tagging.requestTagging(shop, { action: "add", tag: "x", customerIds: ids(refused, 2) });
    await runShopJob({ shop, kind: "tags" });
    expect((await tagging.recentTagJobs(shop))[0]).toMatchObject({ status: "failed", error: "not_granted", done: 0 });
    for (const customer of refused.customers) expect(customer.tags).not.toContain("x");
  });

  it.each([
    ["", "empty"],
    ["   ", "empty"],
    ["win,back", "comma"],
    ["x".repeat(256), "tooLong"],
  ])("refuses the tag %j (%s) and records nothing", async (tag, problem) => {
    const shop = shopA.shop.domain;
    const before = await prisma.customerTagJob.count({ where: { shop } });
    const attempt = tagging.requestTagging(shop, { action: "add", tag, customerIds: ids(shopA, 1) });
    await expect(attempt).rejects.toThrow(tagging.InvalidTagError);
    await expect(attempt).rejects.toMatchObject({ problem, status: 400, refusal: { key: "tag", problem } });
    expect(await prisma.customerTagJob.count({ where: { shop } })).toBe(before);
  });

  it("refuses more customers than one request may hold, and records nothing", async () => {
    const shop = shopA.shop.domain;
    const before = await prisma.customerTagJob.count({ where: { shop } });
    const many = Array.from({ length: MAX_TAG_CUSTOMERS + 1 }, (_, i) => BigInt(i + 1));
    await expect(tagging.requestTagging(shop, { action: "add", tag: "vip", customerIds: many })).rejects.toMatchObject({
      status: 400,
      refusal: { key: "tooMany", max: MAX_TAG_CUSTOMERS },
    });
    expect(await prisma.customerTagJob.count({ where: { shop } })).toBe(before);
  });

  it("answers a refused form with why, for the page to say in the admin's language, and records nothing", async () => {
    const shop = shopA.shop.domain;
    const before = await prisma.customerTagJob.count({ where: { shop } });
    const { tagCustomersForm } = await import("./tag-request.server");
    const form = (fields: Record<string, string>) => {
      const data = new FormData();
      for (const [name, value] of Object.entries(fields)) data.set(name, value);
      return data;
    };
    const cases: Array<[Record<string, string>, object]> = [
      [{ action: "add", tag: "vip", selection: "ids", ids: ids(shopB, 3).join(",") }, { status: 400, refusal: { key: "notShopCustomers", count: 3 } }],
      [{ action: "add", tag: "vip", selection: "ids", ids: "12,twelve" }, { status: 400, refusal: { key: "badCustomerId" } }],
      [{ action: "add", tag: "vip", selection: "ids", ids: "" }, { status: 400, refusal: { key: "noCustomers" } }],
      [{ action: "add", tag: "win,back", selection: "ids", ids: "" }, { status: 400, refusal: { key: "tag", problem: "comma" } }],
      [{ action: "paint", tag: "vip", selection: "ids", ids: "" }, { status: 400, refusal: { key: "unreadable" } }],
    ];
    for (const [fields, expected] of cases) {
      expect(await tagCustomersForm(shop, form(fields), new Date(NOW)), JSON.stringify(fields)).toMatchObject({ ok: false, ...expected });
    }
    expect(await prisma.customerTagJob.count({ where: { shop } })).toBe(before);
  });

  it("accepts a tag of exactly 255 characters, and refuses an empty choice of customers", async () => {
    const shop = shopA.shop.domain;
    await expect(tagging.requestTagging(shop, { action: "add", tag: "é".repeat(255), customerIds: [] })).rejects.toThrow(tagging.InvalidSelectionError);
    const job = await tagging.requestTagging(shop, { action: "add", tag: "é".repeat(255), customerIds: ids(shopA, 1) });
    expect(job.tag).toHaveLength(255);
    await runShopJob({ shop, kind: "tags" });
    expect(shopA.customers[0].tags).toContain("é".repeat(255));
  });

  it("forgets a redacted customer in every tagging request: list, progress and refusals", async () => {
    const shop = shopB.shop.domain;
    const [first, second, third] = ids(shopB, 3);
    const job = await tagging.requestTagging(shop, { action: "add", tag: "redacted later", customerIds: [first, second, third] });
    await drainShopJobs();
    // Two sent, the first refused by Shopify: as a job that stopped halfway leaves it.
    await prisma.customerTagJob.update({
      where: { shop_id: { shop, id: BigInt(job.id) } },
      data: { done: 2, failures: [{ customerId: first.toString(), message: "Resource not found" }] },
    });
    const { redactCustomer } = await import("#app/sync/privacy.server");
    await redactCustomer(shop, { customerId: first, importedCustomerId: null, orderIds: [] }, new Date());
    const row = await prisma.customerTagJob.findUniqueOrThrow({ where: { shop_id: { shop, id: BigInt(job.id) } } });
    expect({ customerIds: row.customerIds, done: row.done, failures: row.failures }).toEqual({ customerIds: [second, third], done: 1, failures: [] });
    expect(JSON.stringify(await prisma.customerTagJob.findMany({ where: { shop } }), (_, v) => (typeof v === "bigint" ? v.toString() : v))).not.toContain(
      `"${first}"`,
    );
    // The job goes on with the others.
    await runShopJob({ shop, kind: "tags" });
    expect((await tagging.recentTagJobs(shop))[0]).toMatchObject({ status: "finished", done: 2, total: 2, failed: 0 });
    expect(shopB.customers.find((c) => BigInt(c.id) === third)?.tags).toContain("redacted later");
  });
});
