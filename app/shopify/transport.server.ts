// The one seam between the app and the Admin API's host. In production every request goes
// to https://<shop>/admin/...; with SHOPIFY_SIMULATOR_URL set (development and tests) the same
// request goes to <simulator>/<shop>/admin/... instead. Nothing else in the app knows.
//
// Either way, every request the Shopify library makes (Admin GraphQL, token exchange) has a
// deadline, SHOPIFY_REQUEST_TIMEOUT_MS: the fetch installed here is the library's in production
// too, not only with the simulator.
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { childController, DeadlineExceeded } from "./abort";

/**
 * The longest any request of the Shopify library may take, its answer read to the end included.
 * A backstop: Admin GraphQL calls go through the admin client, whose own deadline per attempt
 * (ADMIN_API_REQUEST_TIMEOUT_MS, 30 s) is shorter and fires first, as a retryable TIMEOUT. This
 * one bounds the library's other requests, such as the token exchange of a page load, which
 * would otherwise wait as long as the server trickles bytes (Node's fetch only gives up after
 * 300 s without any).
 */
export const SHOPIFY_REQUEST_TIMEOUT_MS = 60_000;

export function simulatorUrlFor(target: string, simulatorUrl: string): string {
  const url = new URL(target);
  if (url.protocol !== "https:") return target;
  const base = simulatorUrl.replace(/\/+$/, "");
  return `${base}/${url.host}${url.pathname}${url.search}`;
}

function routedTo(simulatorUrl: string, baseFetch: typeof fetch): typeof fetch {
  return (input, init) => {
    const target = input instanceof Request ? input.url : String(input);
    const rewritten = simulatorUrlFor(target, simulatorUrl);
    if (input instanceof Request) return baseFetch(new Request(rewritten, input), init);
    return baseFetch(rewritten, init);
  };
}

/** `baseFetch` with a deadline on each request, its body included; the caller's signal still aborts it. */
export function withDeadline(baseFetch: typeof fetch, timeoutMs: number): typeof fetch {
  return (input, init) => {
    const parent = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    const { controller, release } = childController(parent);
    const timer = setTimeout(() => {
      release();
      controller.abort(new DeadlineExceeded(timeoutMs));
    }, timeoutMs);
    // The body may still be read after the answer starts, so the timer outlives it; it must
    // not keep the process alive.
    timer.unref();
    const answer = baseFetch(input, { ...init, signal: controller.signal });
    answer.catch(() => {
      clearTimeout(timer);
      release();
    });
    return answer;
  };
}

/** The fetch the Shopify library uses: to the simulator when its URL is given, always with a deadline. */
export function shopifyFetch(
  simulatorUrl: string | undefined,
  { baseFetch = globalThis.fetch, timeoutMs = SHOPIFY_REQUEST_TIMEOUT_MS }: { baseFetch?: typeof fetch; timeoutMs?: number } = {},
): typeof fetch {
  return withDeadline(simulatorUrl ? routedTo(simulatorUrl, baseFetch) : baseFetch, timeoutMs);
}

/** Installs `shopifyFetch` as the library's transport (its node adapter's is plain fetch). */
export function installShopifyTransport(simulatorUrl: string | undefined): void {
  setAbstractFetchFunc(shopifyFetch(simulatorUrl));
}
