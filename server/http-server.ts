// The app's HTTP server: Express in front of the Remix request handler, serving either the
// production build (`npm run build`) or, in development, Vite's dev server with hot reload.
// Whatever must answer before Remix (webhook intake, the pixel collector) is served on Node's own
// request and response by the build's `leanRequestHandler` (app/lean-routes.server.ts), ahead of
// Express: everything else goes on to `createApp`.
//
// `close()` ends it cleanly: no new connections, idle keep-alive connections closed at once and
// busy ones once their request is answered (cut after a grace period), then the app's own
// resources (in-process worker, job queue, SQL pools) through the build's `closeAppResources`.
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import compression from "compression";
import express from "express";
import type { ViteDevServer } from "vite";

/** Which app is served: the optimized build, or Vite's dev server. Not the same as NODE_ENV. */
export type BuildMode = "production" | "development";

export interface HttpServerOptions {
  /** The project's root (holding build/ and vite.config.ts). */
  root: string;
  build: BuildMode;
  port: number;
  /** Interface to listen on; default every interface, as Node does. */
  host?: string;
  /** How long a request still running at `close()` may take before its connection is cut. */
  graceMs?: number;
}

export interface HttpServer {
  url: string;
  close(): Promise<void>;
}

interface BuildExports {
  closeAppResources?: () => Promise<void>;
  leanRequestHandler?: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> | null;
}

async function productionBuild(root: string): Promise<ServerBuild> {
  const file = path.join(root, "build", "server", "index.js");
  try {
    return (await import(pathToFileURL(file).href)) as ServerBuild;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND" && (error as Error).message.includes(file)) {
      throw new Error(`No production build at ${file}: run npm run build first.`);
    }
    throw error;
  }
}

/** The Express app: static files, then Remix. */
function createApp(options: { root: string; build: ServerBuild | (() => Promise<ServerBuild>); vite?: ViteDevServer }) {
  const app = express();
  app.disable("x-powered-by");
  app.use(compression());
  if (options.vite) {
    app.use(options.vite.middlewares);
  } else {
    const client = path.join(options.root, "build", "client");
    // Hashed file names: cached for good.
    app.use("/assets", express.static(path.join(client, "assets"), { immutable: true, maxAge: "1y" }));
    app.use(express.static(client, { maxAge: "1h" }));
  }
  app.all("*", createRequestHandler({ build: options.build, mode: options.vite ? "development" : "production" }));
  return app;
}

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  let vite: ViteDevServer | undefined;
  let build: ServerBuild | (() => Promise<ServerBuild>);
  /** The app's module as loaded to serve requests; none yet in development before the first one. */
  let loaded: () => Promise<BuildExports | null>;
  if (options.build === "development") {
    const { createServer } = await import("vite");
    const dev = await createServer({ root: options.root, server: { middlewareMode: true } });
    vite = dev;
    let used = false;
    build = () => {
      used = true;
      return dev.ssrLoadModule("virtual:remix/server-build") as Promise<ServerBuild>;
    };
    loaded = async () => (used ? ((await (build as () => Promise<ServerBuild>)()).entry.module as BuildExports) : null);
  } else {
    const production = await productionBuild(options.root);
    build = production;
    loaded = async () => production.entry.module as BuildExports;
  }

  const app = createApp({ root: options.root, build, vite });
  // The lean routes first: the build's handler answers them, or returns null for everything else.
  const entry: () => Promise<BuildExports> =
    options.build === "development"
      ? async () => (await (build as () => Promise<ServerBuild>)()).entry.module as BuildExports
      : async () => (build as ServerBuild).entry.module as BuildExports;
  const production = options.build === "production" ? ((build as ServerBuild).entry.module as BuildExports) : null;
  const server = http.createServer((req, res) => {
    const fail = (error: unknown) => {
      console.error(error);
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
      res.end("Internal error");
    };
    const url = req.url ?? "";
    if (!url.startsWith("/collect/") && !url.startsWith("/webhooks/")) return app(req, res);
    if (production) {
      const served = production.leanRequestHandler?.(req, res) ?? null;
      if (served) served.catch(fail);
      else app(req, res);
      return;
    }
    entry()
      .then((module) => {
        const served = module.leanRequestHandler?.(req, res) ?? null;
        if (served) return served;
        app(req, res);
      })
      .catch(fail);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), options.graceMs ?? 5_000);
      await closed;
      clearTimeout(cut);
      try {
        await (await loaded())?.closeAppResources?.();
      } finally {
        await vite?.close();
      }
    })();
    return closing;
  };
  return { url: `http://localhost:${port}`, close };
}
