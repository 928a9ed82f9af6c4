// Reading a request body on Node's own stream (the lean routes), within a size limit.
import type { IncomingMessage } from "node:http";

/**
 * The body's bytes, or null past `limit`: at once when Content-Length says so, else as soon as
 * the bytes read pass it (the rest is left unread; the caller closes the connection after its
 * 413).
 */
export function readBodyWithin(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off("data", onData);
        req.off("end", onEnd);
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", reject);
  });
}
