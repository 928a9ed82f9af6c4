// What the pixel sends: for each subscribed event, its id, time and the pixel's client id, and
// only the context the breakdowns need (the page's path, the referrer's host when it is another
// site, UTM source/medium/campaign, a coarse device class from the window's width). Nothing
// else: no URL query, no user agent, no form values, no customer or cart data.
//
// Events are batched: sent when MAX_BATCH are waiting, FLUSH_MS after the first of a batch, and
// at once for the checkout's completion. Each batch is posted with fetch keepalive (it outlives
// the page), or with browser.sendBeacon where fetch is missing or fails.
import type { ExtensionApi } from "@shopify/web-pixels-extension";

export const MAX_BATCH = 20;
export const FLUSH_MS = 2_000;

export const SUBSCRIBED = ["page_viewed", "product_added_to_cart", "checkout_started", "checkout_completed", "form_submitted"] as const;

export interface SentEvent {
  id: string;
  name: (typeof SUBSCRIBED)[number];
  at: string;
  clientId: string;
  path?: string;
  referrer?: string;
  utm?: { source?: string; medium?: string; campaign?: string };
  device?: "desktop" | "mobile" | "tablet";
}

interface Location {
  pathname?: string;
  search?: string;
  host?: string;
  hostname?: string;
}

interface PixelEventLike {
  id: string;
  name: string;
  clientId: string;
  timestamp: string;
  context?: { document?: { location?: Location; referrer?: string }; window?: { innerWidth?: number } };
  data?: { element?: { action?: string | null; elements?: Array<{ name?: string | null; type?: string | null; value?: string | null }> } };
}

const LABEL = /^[^@\s?#&=]{1,100}$/;

/** A UTM value the collector accepts, or nothing: free text with an address or query is dropped. */
function label(value: string | null): string | undefined {
  if (!value) return undefined;
  const trimmed = value.trim().slice(0, 100);
  return LABEL.test(trimmed) ? trimmed : undefined;
}

function device(width: number | undefined): SentEvent["device"] {
  if (typeof width !== "number" || width <= 0) return undefined;
  return width < 768 ? "mobile" : width < 1024 ? "tablet" : "desktop";
}

function referrerHost(referrer: string | undefined, ownHost: string | undefined): string | undefined {
  if (!referrer) return undefined;
  try {
    const host = new URL(referrer).hostname.toLowerCase();
    return host && host !== ownHost?.toLowerCase() && /^[a-z0-9.-]{1,253}$/.test(host) ? host : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An email sign-up: a submitted form with an email field that is Shopify's newsletter form (its
 * `contact[tags]` holds "newsletter") or a customer sign-up form (`form_type` = "customer").
 * Only the fields' names and types are looked at, never what was typed into them; the tags and
 * form type are the theme's own hidden values.
 */
export function isEmailSignUp(event: PixelEventLike): boolean {
  const elements = event.data?.element?.elements ?? [];
  const hasEmail = elements.some((e) => e.type === "email" || /email/i.test(e.name ?? ""));
  if (!hasEmail) return false;
  const newsletter = elements.some((e) => e.name === "contact[tags]" && /newsletter/i.test(e.value ?? ""));
  const customerForm = elements.some((e) => e.name === "form_type" && e.value === "customer");
  return newsletter || customerForm;
}

/** The event as sent, or null when it is not one to send (a form that is not a sign-up). */
export function toSent(event: PixelEventLike): SentEvent | null {
  const name = event.name as SentEvent["name"];
  if (!(SUBSCRIBED as readonly string[]).includes(name)) return null;
  if (name === "form_submitted" && !isEmailSignUp(event)) return null;
  const sent: SentEvent = { id: event.id, name, at: event.timestamp, clientId: event.clientId };
  const location = event.context?.document?.location;
  if (location?.pathname && /^\/[^?#\s@]{0,511}$/.test(location.pathname)) sent.path = location.pathname;
  const referrer = referrerHost(event.context?.document?.referrer, location?.hostname ?? location?.host);
  if (referrer) sent.referrer = referrer;
  if (location?.search) {
    const params = new URLSearchParams(location.search);
    const utm = { source: label(params.get("utm_source")), medium: label(params.get("utm_medium")), campaign: label(params.get("utm_campaign")) };
    if (utm.source || utm.medium || utm.campaign) {
      sent.utm = Object.fromEntries(Object.entries(utm).filter(([, v]) => v !== undefined));
    }
  }
  const kind = device(event.context?.window?.innerWidth);
  if (kind) sent.device = kind;
  return sent;
}

/** Subscribes to the events and sends them in batches to the collector of the pixel's settings. */
export function startPixel(api: Pick<ExtensionApi, "analytics" | "browser" | "settings">): { flush: () => Promise<void> } {
  const url = String(api.settings.collectorUrl ?? "");
  const key = String(api.settings.key ?? "");
  let waiting: SentEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;

  async function post(body: string): Promise<void> {
    try {
      if (typeof fetch === "function") {
        const response = await fetch(url, { method: "POST", body, keepalive: true, headers: { "Content-Type": "text/plain" } });
        if (response.ok || (response.status >= 400 && response.status < 500)) return;
      }
    } catch {
      // fall through to the beacon
    }
    await api.browser.sendBeacon(url, body);
  }

  async function flush(): Promise<void> {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    while (waiting.length > 0) {
      const batch = waiting.slice(0, MAX_BATCH);
      waiting = waiting.slice(MAX_BATCH);
      await post(JSON.stringify({ key, events: batch }));
    }
  }

  if (!url || !key) return { flush };
  for (const name of SUBSCRIBED) {
    api.analytics.subscribe(name, (event: unknown) => {
      const sent = toSent(event as PixelEventLike);
      if (!sent) return;
      waiting.push(sent);
      if (waiting.length >= MAX_BATCH || sent.name === "checkout_completed") void flush();
      else if (timer === null) timer = setTimeout(() => void flush(), FLUSH_MS);
    });
  }
  return { flush };
}
