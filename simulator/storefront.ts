/**
 * The store's storefront: visitors' journeys (where they come from, on which device, the page
 * they land on, returning visitors, abandoned carts, checkouts, newsletter sign-ups), sent to
 * the app's collector exactly as Metryka's web pixel sends them (extensions/metryka-pixel): the
 * same JSON, batches of at most 20 events with the pixel's key, from the storefront's origin.
 * A completed checkout becomes one of the store's orders.
 *
 * Each journey is one session by Shopify's rule: its events are less than 30 minutes apart and
 * within one UTC day, and a returning visitor's next journey starts more than 30 minutes after
 * the previous one ended. So the funnel of the journeys is the ground truth of the collector's
 * sessions (`journeyFunnel`).
 */
import type { SentEvent } from "../extensions/metryka-pixel/src/pixel";
import { createRandom } from "./random";

/** An event exactly as the web pixel sends it. */
export type StorefrontEvent = SentEvent;

export interface Journey {
  clientId: string;
  start: number;
  events: StorefrontEvent[];
}

const SOURCES: Array<{ weight: number; referrer?: string; utm?: StorefrontEvent["utm"] }> = [
  { weight: 30 },
  { weight: 25, referrer: "www.google.com" },
  { weight: 12, referrer: "www.instagram.com", utm: { source: "instagram", medium: "social", campaign: "autumn" } },
  { weight: 10, referrer: "l.facebook.com" },
  { weight: 10, utm: { source: "newsletter", medium: "email", campaign: "weekly" } },
  { weight: 8, referrer: "www.bing.com" },
  { weight: 5, referrer: "blog.example.org" },
];
const DEVICES: Array<{ weight: number; device: StorefrontEvent["device"] }> = [
  { weight: 60, device: "mobile" },
  { weight: 32, device: "desktop" },
  { weight: 8, device: "tablet" },
];
const LANDINGS = ["/", "/", "/collections/all", "/products/linen-shirt", "/products/wool-socks", "/products/canvas-tote", "/blogs/news/care-guide"];
const PAGES = ["/collections/all", "/products/linen-shirt", "/products/wool-socks", "/products/canvas-tote", "/pages/about", "/cart"];

function weighted<T extends { weight: number }>(random: ReturnType<typeof createRandom>, items: T[]): T {
  let left = random.float(0, items.reduce((sum, item) => sum + item.weight, 0));
  for (const item of items) {
    left -= item.weight;
    if (left < 0) return item;
  }
  return items[items.length - 1];
}

const DAY_MS = 86_400_000;
const MINUTE = 60_000;

/**
 * Journeys of `visitors` visitors starting in [from, to) (epoch ms), a fifth of them coming back
 * later in the window. Deterministic for a seed.
 */
export function generateJourneys(options: { seed: number; from: number; to: number; visitors: number; idPrefix?: string }): Journey[] {
  const random = createRandom(options.seed);
  const prefix = options.idPrefix ?? `sf${options.seed}`;
  const journeys: Journey[] = [];
  let eventNumber = 0;
  for (let v = 0; v < options.visitors; v++) {
    const clientId = `${prefix}-client-${v}`;
    const device = weighted(random, DEVICES).device;
    let earliest = options.from;
    const visits = random.chance(0.2) ? 2 : 1;
    for (let visit = 0; visit < visits; visit++) {
      // Events before `to` and on the start's UTC day: a journey that starts near either edge is
      // shortened to fit (a window that crosses midnight still has journeys on both days). One
      // that would start in the last minute of a day starts at midnight instead.
      if (options.to - MINUTE <= earliest) break;
      let start = Math.floor(random.float(earliest, options.to - MINUTE));
      let limit = Math.min(options.to, Math.floor(start / DAY_MS) * DAY_MS + DAY_MS);
      if (limit - start < MINUTE) {
        start = limit;
        limit = Math.min(options.to, start + DAY_MS);
        if (limit - start < MINUTE) break;
      }
      const source = weighted(random, SOURCES);
      const events: StorefrontEvent[] = [];
      let t = start;
      const push = (name: StorefrontEvent["name"], path: string) => {
        eventNumber++;
        events.push({ id: `${prefix}-e${eventNumber}`, name, at: new Date(t).toISOString(), clientId, path, device });
        const gap = random.int(15, 240) * 1000;
        t += t + gap < limit ? gap : Math.floor((limit - t) / 2);
      };
      const landing = random.pick(LANDINGS);
      push("page_viewed", landing);
      if (source.referrer) events[0].referrer = source.referrer;
      if (source.utm) events[0].utm = source.utm;
      for (let i = random.int(0, 3); i > 0; i--) push("page_viewed", random.pick(PAGES));
      if (random.chance(0.05)) push("form_submitted", landing);
      if (random.chance(0.35)) {
        push("product_added_to_cart", random.pick(PAGES.slice(1, 4)));
        if (random.chance(0.5)) {
          push("checkout_started", "/checkouts/cn/1");
          if (random.chance(0.6)) push("checkout_completed", "/checkouts/cn/1/thank-you");
        }
      }
      journeys.push({ clientId, start, events });
      // A return visit starts more than 30 minutes after this one ended.
      earliest = t + 31 * MINUTE;
    }
  }
  return journeys;
}

/** The journeys' funnel: each journey is one session. */
export function journeyFunnel(journeys: Journey[]) {
  const has = (j: Journey, names: string[]) => j.events.some((e) => names.includes(e.name));
  return {
    sessions: journeys.length,
    sessionsWithCartAdditions: journeys.filter((j) => has(j, ["product_added_to_cart"])).length,
    sessionsReachedCheckout: journeys.filter((j) => has(j, ["checkout_started", "checkout_completed"])).length,
    sessionsCompletedCheckout: journeys.filter((j) => has(j, ["checkout_completed"])).length,
    orders: journeys.flatMap((j) => j.events).filter((e) => e.name === "checkout_completed").length,
    signUps: journeys.filter((j) => has(j, ["form_submitted"])).length,
  };
}

/**
 * Posts the journeys' events as the pixel does: per visitor, in time order, batches of at most
 * 20, with the key, from `origin`. Resolves with the collector's answers' statuses.
 */
export async function postJourneys(journeys: Journey[], target: { collectorUrl: string; key: string; origin: string }): Promise<number[]> {
  const statuses: number[] = [];
  for (const journey of journeys) {
    for (let i = 0; i < journey.events.length; i += 20) {
      const response = await fetch(target.collectorUrl, {
        method: "POST",
        headers: { "Content-Type": "text/plain", Origin: target.origin },
        body: JSON.stringify({ key: target.key, events: journey.events.slice(i, i + 20) }),
      });
      await response.arrayBuffer();
      statuses.push(response.status);
    }
  }
  return statuses;
}
