// The routes served on Node's own request and response, ahead of Express and Remix
// (server/http-server.ts asks here first): the pixel collector and webhook intake. Both answer
// machines, many times a second, with a few checks and one statement; the page stack (Express
// middleware, compression, Remix routing and its Request/Response) costs more than that work.
// A path not served here returns null and goes on to Remix.
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { COLLECT_PATH, createCollector, type CollectorHandler } from "./collector/collector.server";
import { WEBHOOK_TOPICS } from "./sync/rest-payloads";
import { receiveWebhook } from "./sync/webhooks.server";

const WEBHOOK_PATHS = new Set(WEBHOOK_TOPICS.map((topic) => `/webhooks/${topic}`));
let collector: CollectorHandler | null = null;

/** Node's request as a fetch Request (the body streamed, not read ahead). */
function toRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(`http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`, {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
    // Node's fetch needs this for a streamed body.
    duplex: "half",
  });
}

async function sendResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers);
  res.end(response.body ? Buffer.from(await response.arrayBuffer()) : undefined);
}

async function webhook(req: IncomingMessage, res: ServerResponse): Promise<void> {
  await sendResponse(res, await receiveWebhook(toRequest(req)));
}

/** Serves the request when its path is one of the lean routes; null otherwise. */
export function leanRequestHandler(req: IncomingMessage, res: ServerResponse): Promise<void> | null {
  const url = req.url ?? "/";
  const path = url.split("?", 1)[0];
  if (path.startsWith(COLLECT_PATH)) {
    collector ??= createCollector();
    return collector(req, res, decodeURIComponent(path.slice(COLLECT_PATH.length)).toLowerCase());
  }
  if (WEBHOOK_PATHS.has(path)) return webhook(req, res);
  return null;
}
