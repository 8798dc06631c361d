/**
 * Request body size limit (§12.3): 32 MiB by default, answered with PocketBase's 413. Bodies
 * are checked by Content-Length and, for chunked uploads, while they stream, so an oversized
 * body is never buffered whole.
 */
import type { MiddlewareHandler } from "hono";
import { tooLarge } from "../errors.ts";

/** PocketBase's default body limit. */
export const DEFAULT_BODY_LIMIT = 32 << 20;

/** Limits request bodies to `maxBytes` (resolved per request by `limitFor`, when given). */
export function bodyLimit(maxBytes: number = DEFAULT_BODY_LIMIT): MiddlewareHandler {
  return async function bodyLimitMiddleware(c, next) {
    const req = c.req.raw;
    if (!req.body || c.req.method === "GET" || c.req.method === "HEAD") return next();
    const length = req.headers.get("content-length");
    if (length !== null && Number(length) > maxBytes) throw tooLarge();
    if (length === null) {
      let seen = 0;
      const limited = req.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            seen += chunk.byteLength;
            if (seen > maxBytes) controller.error(tooLarge());
            else controller.enqueue(chunk);
          },
        }),
      );
      c.req.raw = new Request(req, { body: limited, duplex: "half" } as RequestInit);
    }
    return next();
  };
}
