// The routes served on Node's own request and response, ahead of Express and Remix
// (server/http-server.ts asks here first): the pixel collector and webhook intake. Both answer
// machines, many times a second, with a few checks and one statement; the page stack (Express
// middleware, compression, Remix routing and its Request/Response) costs more than that work.
// A path not served here returns null and goes on to Remix.
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBodyWithin } from "./request-body.server";
import { COLLECT_PATH, createCollector, type CollectorHandler } from "./collector/collector.server";
import { WEBHOOK_TOPICS } from "./sync/rest-payloads";
import { MAX_WEBHOOK_BODY_BYTES, METHOD_NOT_ALLOWED, receiveWebhookBody, TOO_LARGE, type WebhookHeaders } from "./sync/webhooks.server";

const WEBHOOK_PATHS = new Set(WEBHOOK_TOPICS.map((topic) => `/webhooks/${topic}`));
let collector: CollectorHandler | null = null;

/** Node's request headers behind the one method intake reads (a name in any case). */
function headersOf(req: IncomingMessage): WebhookHeaders {
  return {
    get(name: string) {
      const value = req.headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(", ") : value;
    },
  };
}

async function webhook(req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Read here in one piece, on Node's stream; the body is never wrapped in a fetch Request.
  const body = req.method === "POST" ? await readBodyWithin(req, MAX_WEBHOOK_BODY_BYTES) : null;
  const answer = req.method !== "POST" ? METHOD_NOT_ALLOWED : body ? await receiveWebhookBody(headersOf(req), body) : TOO_LARGE;
  const headers = answer.text === undefined ? { ...answer.headers } : { "Content-Type": "text/plain; charset=utf-8", ...answer.headers };
  res.writeHead(answer.status, headers);
  res.end(answer.text);
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
