// GIVEN webhook events parked (could not be applied) for a shop, WHEN the Data sync page reads
// them, THEN it gets the newest first, at most its limit, and a count of all of them that agrees
// with the list even while other events are being parked: an event parked between two reads
// would otherwise be counted in the card's title and missing from its list.
import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import prisma from "#app/db.server";
import { parkedEvents } from "./webhook-events.server";
import { truncateAll } from "../../tests/support/database";

const SHOP = "parked.myshopify.com";
const OTHER = "other-parked.myshopify.com";

async function recordEvent(shop: string, topic: string, parkedAt: Date | null): Promise<void> {
  await prisma.webhookEvent.create({
    data: {
      shop,
      eventId: randomUUID(),
      topic,
      receivedAt: parkedAt ?? new Date(),
      payload: {},
      parkedAt,
      error: parkedAt ? `invalid ${topic} payload: /id: Required` : null,
    },
  });
}

beforeEach(async () => {
  await truncateAll();
});

describe("parked events on the Data sync page", () => {
  it("lists the newest first, at most the limit, and counts them all; events applied or of another shop are not among them", async () => {
    const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 12, minute));
    await recordEvent(SHOP, "orders/updated", at(1));
    await recordEvent(SHOP, "customers/update", at(3));
    await recordEvent(SHOP, "refunds/create", at(2));
    await recordEvent(SHOP, "orders/create", null);
    await recordEvent(OTHER, "orders/updated", at(4));

    const two = await parkedEvents(SHOP, 2);
    expect(two.count).toBe(3);
    expect(two.latest.map((event) => event.topic)).toEqual(["customers/update", "refunds/create"]);
    expect(two.latest[0]).toEqual({
      topic: "customers/update",
      receivedAt: at(3).toISOString(),
      parkedAt: at(3).toISOString(),
      reason: "invalid customers/update payload: /id: Required",
    });
    expect((await parkedEvents(SHOP)).latest.map((event) => event.topic)).toEqual(["customers/update", "refunds/create", "orders/updated"]);
    expect(await parkedEvents("none.myshopify.com")).toEqual({ count: 0, latest: [] });
  });

  it("GIVEN events being parked meanwhile THEN each read's count agrees with its list", async () => {
    let parking = true;
    const parker = (async () => {
      let parked = 0;
      while (parking && parked < 400) {
        await recordEvent(SHOP, "orders/updated", new Date());
        parked++;
      }
      return parked;
    })();
    const limit = 500;
    const reads: Array<{ count: number; listed: number }> = [];
    try {
      for (let i = 0; i < 200; i++) {
        const { count, latest } = await parkedEvents(SHOP, limit);
        reads.push({ count, listed: latest.length });
      }
    } finally {
      parking = false;
    }
    const parked = await parker;
    expect(parked).toBeGreaterThan(0);
    // Below the limit every parked event is listed, so the count is the list's length.
    expect(reads.filter((read) => read.count !== read.listed)).toEqual([]);
    expect(reads.some((read) => read.count > 0)).toBe(true);
  });
});
