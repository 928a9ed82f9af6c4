// The routes served on Node's own request and response, ahead of Express and Remix
// (server/http-server.ts asks here first): the pixel collector and webhook intake. Both answer
// machines, many times a second, with a few checks and one statement; the page stack (Express
// middleware, compression, Remix routing and its Request/Response) costs more than that work.
// A path not served here returns null and goes on to Remix.
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBodyWithin } from "./request-body.server";
import { COLLECT_PATH, createCollector, type CollectorHandler } from "./collector/collector.server";
import { WEBHOOK_TOPICS } from "./sync/rest-payloads";
import { MAX_WEBHOOK_BODY_BYTES, receiveWebhook } from "./sync/webhooks.server";

const WEBHOOK_PATHS = new Set(WEBHOOK_TOPICS.map((topic) => `/webhooks/${topic}`));
let collector: CollectorHandler | null = null;

/** Node's request as a fetch Request, with its body read already (at most `limit` bytes, else null). */
async function toRequest(req: IncomingMessage, limit: number): Promise<Request | null> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const body = hasBody ? await readBodyWithin(req, limit) : null;
  if (hasBody && body === null) return null;
  return new Request(`http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`, {
    method: req.method,
    headers,
    body: body ? (body.buffer.slice(body.byteOffset, body.byteOffset + body.length) as ArrayBuffer) : null,
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
  // Read here in one piece (Node's stream, not a web stream): receiveWebhook checks the size again.
  const request = await toRequest(req, MAX_WEBHOOK_BODY_BYTES);
  if (!request) {
    res.writeHead(413, { "Content-Type": "text/plain; charset=utf-8", Connection: "close" });
    res.end(`Webhook bodies are at most ${MAX_WEBHOOK_BODY_BYTES} bytes`);
    return;
  }
  await sendResponse(res, await receiveWebhook(request));
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
