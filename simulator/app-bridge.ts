// A stand-in for the Shopify admin around an embedded app, so the app can be opened in an
// ordinary browser tab. The real admin loads App Bridge (cdn.shopify.com/shopifycloud/
// app-bridge.js) into the app's iframe, which supplies session tokens: on the first load
// (the `id_token` query parameter, via the bounce page's `shopify-reload`) and as an
// `Authorization: Bearer` header on the app's own fetch requests. This script does the same
// with tokens minted by the simulator, and shows the app's <ui-nav-menu> as a top bar.
// https://shopify.dev/docs/api/app-bridge-library
import { createHmac, randomUUID } from "node:crypto";

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString("base64url");
}

/** A session token (JWT, HS256 with the app secret) as App Bridge would hand the app. */
export function sessionToken(options: {
  shop: string;
  apiKey: string;
  apiSecret: string;
  userId?: string;
  now?: Date;
  ttlSeconds?: number;
}): string {
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const header = { alg: "HS256", typ: "JWT" };
  const payload = {
    iss: `https://${options.shop}/admin`,
    dest: `https://${options.shop}`,
    aud: options.apiKey,
    sub: options.userId ?? "1",
    exp: now + (options.ttlSeconds ?? 60),
    nbf: now - 5,
    iat: now,
    jti: randomUUID(),
    sid: randomUUID(),
  };
  const unsigned = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const signature = createHmac("sha256", options.apiSecret).update(unsigned).digest("base64url");
  return `${unsigned}.${signature}`;
}

/** The script served in place of App Bridge. `tokenUrl` answers { token } for ?shop=. */
export function appBridgeScript(tokenUrl: string): string {
  return `(() => {
  if (window.shopify) return;
  const script = document.currentScript;
  const apiKey = script && script.dataset.apiKey;
  const params = new URLSearchParams(location.search);
  const shop = params.get("shop") || sessionStorage.getItem("sim-shop");
  const host = params.get("host") || sessionStorage.getItem("sim-host");
  if (shop) sessionStorage.setItem("sim-shop", shop);
  if (host) sessionStorage.setItem("sim-host", host);
  const nativeFetch = window.fetch.bind(window);
  let cached = null;
  async function idToken() {
    if (cached && cached.expires > Date.now() + 5000) return cached.token;
    const response = await nativeFetch(${JSON.stringify(tokenUrl)} + "?shop=" + encodeURIComponent(shop || ""));
    if (!response.ok) throw new Error("session token: " + response.status);
    const { token, expiresIn } = await response.json();
    cached = { token, expires: Date.now() + expiresIn * 1000 };
    return token;
  }
  window.fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input), location.href);
    if (url.origin !== location.origin) return nativeFetch(input, init);
    const headers = new Headers((init && init.headers) || (input instanceof Request ? input.headers : undefined));
    if (!headers.has("Authorization")) headers.set("Authorization", "Bearer " + (await idToken()));
    return nativeFetch(input, { ...(init || {}), headers });
  };
  const toast = (message) => {
    const el = document.createElement("div");
    el.textContent = message;
    el.setAttribute("role", "status");
    el.style.cssText = "position:fixed;bottom:24px;left:50%;transform:translateX(-50%);background:#303030;color:#fff;padding:10px 16px;border-radius:8px;font:14px system-ui;z-index:1000";
    document.body.appendChild(el);
    setTimeout(() => el.remove(), 3000);
  };
  window.shopify = {
    config: { apiKey, shop, host, locale: params.get("locale") || "en" },
    environment: { embedded: true, mobile: false, pos: false },
    idToken,
    toast: { show: toast, hide() {} },
    loading() {},
    user: async () => ({ id: 1, accountAccess: "Account owner" }),
  };
  const reload = params.get("shopify-reload");
  if (reload) {
    idToken().then((token) => {
      const target = new URL(reload, location.href);
      target.searchParams.set("id_token", token);
      location.replace(target.toString());
    });
  }
  // The admin shows the app's <ui-nav-menu> in its sidebar; here it becomes a top bar.
  const style = document.createElement("style");
  style.textContent = "ui-nav-menu{display:flex;gap:20px;align-items:center;padding:10px 20px;background:#1a1a1a;font:600 13px system-ui}" +
    "ui-nav-menu a{color:#e3e3e3;text-decoration:none}ui-nav-menu a:hover{color:#fff}" +
    "ui-nav-menu::before{content:'Metryka';color:#fff;margin-right:8px}";
  document.head.appendChild(style);
  if (!customElements.get("ui-nav-menu")) {
    customElements.define("ui-nav-menu", class extends HTMLElement {
      connectedCallback() {
        this.addEventListener("click", (event) => {
          const link = event.target.closest("a");
          if (!link) return;
          event.preventDefault();
          link.dispatchEvent(new CustomEvent("shopify:navigate", { bubbles: true }));
        });
      }
    });
  }
})();
`;
}
