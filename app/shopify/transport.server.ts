// The one seam between the app and the Admin API's host. In production every request goes
// to https://<shop>/admin/...; with SHOPIFY_SIMULATOR_URL set (development and tests) the same
// request goes to <simulator>/<shop>/admin/... instead. Nothing else in the app knows.
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";

export function simulatorUrlFor(target: string, simulatorUrl: string): string {
  const url = new URL(target);
  if (url.protocol !== "https:") return target;
  const base = simulatorUrl.replace(/\/+$/, "");
  return `${base}/${url.host}${url.pathname}${url.search}`;
}

export function routeAdminApiTo(simulatorUrl: string, baseFetch: typeof fetch = globalThis.fetch) {
  const rewritingFetch: typeof fetch = (input, init) => {
    const target = input instanceof Request ? input.url : String(input);
    const rewritten = simulatorUrlFor(target, simulatorUrl);
    if (input instanceof Request) return baseFetch(new Request(rewritten, input), init);
    return baseFetch(rewritten, init);
  };
  setAbstractFetchFunc(rewritingFetch);
}
