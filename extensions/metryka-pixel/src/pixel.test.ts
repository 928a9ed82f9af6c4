// GIVEN the pixel built as Shopify's CLI bundles it (one script, esbuild) and run in a sandbox
// whose global `shopify` is a stub of the Web Pixels API, WHEN Shopify's standard events come
// in, THEN it sends them in batches to the collector with fetch keepalive (the beacon when fetch
// fails), each with its id, time, client id and only the breakdowns' context, and an email
// sign-up form as such, never a field's value.
import path from "node:path";
import vm from "node:vm";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { FLUSH_MS, MAX_BATCH } from "./pixel";

let bundle: string;

beforeAll(async () => {
  const result = await build({
    entryPoints: [path.join(import.meta.dirname, "index.ts")],
    bundle: true,
    write: false,
    format: "iife",
    target: "es2020",
    platform: "browser",
  });
  bundle = result.outputFiles[0].text;
});

interface Sandbox {
  emit: (name: string, event: Record<string, unknown>) => void;
  posts: Array<{ via: "fetch" | "beacon"; url: string; body: { key: string; events: Array<Record<string, unknown>> } }>;
  runTimers: () => void;
  settle: () => Promise<void>;
}

function run(options: { fetchFails?: boolean; settings?: Record<string, string> } = {}): Sandbox {
  const subscribers = new Map<string, (event: unknown) => void>();
  const posts: Sandbox["posts"] = [];
  const timers: Array<() => void> = [];
  const pending: Array<Promise<unknown>> = [];
  const api = {
    settings: options.settings ?? { collectorUrl: "https://app.example/collect/demo.myshopify.com", key: "k-123" },
    analytics: { subscribe: (name: string, callback: (event: unknown) => void) => (subscribers.set(name, callback), () => true) },
    browser: {
      sendBeacon: async (url: string, body: string) => {
        posts.push({ via: "beacon", url, body: JSON.parse(body) });
        return true;
      },
    },
    init: {},
    customerPrivacy: { subscribe: () => undefined },
  };
  const context = vm.createContext({
    shopify: { extend: (point: string, extend: (a: typeof api) => void) => (expect(point).toBe("WebPixel::Render"), extend(api)) },
    fetch: (url: string, init: { body: string; keepalive: boolean; method: string }) => {
      expect(init.keepalive).toBe(true);
      expect(init.method).toBe("POST");
      if (options.fetchFails) return Promise.reject(new TypeError("network"));
      posts.push({ via: "fetch", url, body: JSON.parse(init.body) });
      return Promise.resolve({ ok: true, status: 200 });
    },
    setTimeout: (fn: () => void, ms: number) => (expect(ms).toBe(FLUSH_MS), timers.push(fn)),
    clearTimeout: () => undefined,
    URL,
    URLSearchParams,
    Promise,
    JSON,
  });
  vm.runInContext(bundle, context);
  return {
    emit: (name, event) => {
      const callback = subscribers.get(name);
      if (callback) pending.push(Promise.resolve(callback({ name, ...event })));
    },
    posts,
    runTimers: () => timers.splice(0).forEach((fn) => fn()),
    settle: () => new Promise((resolve) => setTimeout(resolve, 10)),
  };
}

let n = 0;
const page = (overrides: Record<string, unknown> = {}) => ({
  id: `e-${++n}`,
  clientId: "client-9",
  timestamp: "2026-11-20T10:00:00.000Z",
  context: {
    document: { location: { pathname: "/products/linen-shirt", search: "?utm_source=insta&utm_medium=social&utm_campaign=a@b.c", hostname: "demo.myshopify.com" }, referrer: "https://www.instagram.com/p/1?x=y" },
    window: { innerWidth: 390 },
    navigator: { userAgent: "Mozilla/5.0 (iPhone)" },
  },
  ...overrides,
});

describe("the web pixel", () => {
  it("sends each event with only its id, time, client id and the breakdowns' context, batched", async () => {
    const sandbox = run();
    sandbox.emit("page_viewed", page());
    sandbox.emit("product_added_to_cart", page({ data: { cartLine: { merchandise: { price: { amount: 12 } } } } }));
    sandbox.emit("collection_viewed", page());
    expect(sandbox.posts).toEqual([]);
    sandbox.runTimers();
    await sandbox.settle();
    expect(sandbox.posts).toHaveLength(1);
    const [post] = sandbox.posts;
    expect(post.url).toBe("https://app.example/collect/demo.myshopify.com");
    expect(post.body.key).toBe("k-123");
    expect(post.body.events).toEqual([
      {
        id: `e-${n - 2}`,
        name: "page_viewed",
        at: "2026-11-20T10:00:00.000Z",
        clientId: "client-9",
        path: "/products/linen-shirt",
        referrer: "www.instagram.com",
        // The campaign held an address: dropped, the rest kept.
        utm: { source: "insta", medium: "social" },
        device: "mobile",
      },
      expect.objectContaining({ name: "product_added_to_cart", id: `e-${n - 1}` }),
    ]);
    expect(JSON.stringify(post.body)).not.toMatch(/iPhone|amount|x=y/);
  });

  it("sends a batch as soon as it is full, and a completed checkout at once", async () => {
    const sandbox = run();
    for (let i = 0; i < MAX_BATCH; i++) sandbox.emit("page_viewed", page());
    await sandbox.settle();
    expect(sandbox.posts.map((p) => p.body.events.length)).toEqual([MAX_BATCH]);
    sandbox.emit("checkout_started", page());
    sandbox.emit("checkout_completed", page({ data: { checkout: { order: { id: "1" }, email: "buyer@example.com" } } }));
    await sandbox.settle();
    expect(sandbox.posts.map((p) => p.body.events.map((e) => e.name))).toEqual([Array(MAX_BATCH).fill("page_viewed"), ["checkout_started", "checkout_completed"]]);
    expect(JSON.stringify(sandbox.posts)).not.toContain("buyer@example.com");
  });

  it("counts a newsletter form as an email sign-up without sending what was typed, and ignores other forms", async () => {
    const sandbox = run();
    const form = (elements: Array<Record<string, string>>) => ({ id: `f-${++n}`, clientId: "client-9", timestamp: "2026-11-20T10:01:00.000Z", data: { element: { action: "/contact#newsletter", elements } } });
    sandbox.emit("form_submitted", form([{ name: "contact[email]", type: "email", value: "reader@example.com" }, { name: "contact[tags]", type: "hidden", value: "newsletter" }]));
    sandbox.emit("form_submitted", form([{ name: "q", type: "search", value: "socks" }]));
    sandbox.emit("form_submitted", form([{ name: "contact[email]", type: "email", value: "x@example.com" }, { name: "contact[body]", type: "textarea", value: "hi" }]));
    sandbox.runTimers();
    await sandbox.settle();
    expect(sandbox.posts.flatMap((p) => p.body.events)).toEqual([{ id: `f-${n - 2}`, name: "form_submitted", at: "2026-11-20T10:01:00.000Z", clientId: "client-9" }]);
    expect(JSON.stringify(sandbox.posts)).not.toContain("example.com");
  });

  it("falls back to the beacon when fetch fails", async () => {
    const sandbox = run({ fetchFails: true });
    sandbox.emit("checkout_completed", page());
    await sandbox.settle();
    expect(sandbox.posts.map((p) => [p.via, p.body.events.length])).toEqual([["beacon", 1]]);
  });

  it("sends nothing without its settings", async () => {
    const sandbox = run({ settings: {} });
    sandbox.emit("checkout_completed", page());
    sandbox.runTimers();
    await sandbox.settle();
    expect(sandbox.posts).toEqual([]);
  });
});
