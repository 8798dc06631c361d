/** PocketBase's default security headers on every response. */
import type { MiddlewareHandler } from "../http/router.ts";
import type { ApiEnv } from "../env.ts";
import { nodeExchange } from "../node-exchange.ts";

/**
 * Adds `X-XSS-Protection`, `X-Content-Type-Options` and `X-Frame-Options` unless already set.
 * `X-Frame-Options` is left out when the handler allowed framing (`allowFraming`), as PocketBase
 * removes it for file downloads so that files can be embedded.
 */
export function securityHeaders(): MiddlewareHandler<ApiEnv> {
  // Not async: the node path adds no promise of its own beyond the one after `next()`.
  return function securityHeadersMiddleware(c, next) {
    const node = nodeExchange(c);
    if (node) {
      const res = node.res;
      // Set as defaults on Node's response before the handler runs: the handler's own headers
      // are merged over them when the response is written (writeHead wins), which is "unless
      // already set" without reading the Response's headers (that builds a Headers per request).
      res.setHeader("X-XSS-Protection", "1; mode=block");
      res.setHeader("X-Content-Type-Options", "nosniff");
      res.setHeader("X-Frame-Options", "SAMEORIGIN");
      return next().then(() => {
        if (c.get("allowFraming") === true) res.removeHeader("X-Frame-Options");
      });
    }
    return next().then(() => {
      const h = c.res.headers;
      if (!h.has("X-XSS-Protection")) h.set("X-XSS-Protection", "1; mode=block");
      if (!h.has("X-Content-Type-Options")) h.set("X-Content-Type-Options", "nosniff");
      if (!h.has("X-Frame-Options") && c.get("allowFraming") !== true) h.set("X-Frame-Options", "SAMEORIGIN");
    });
  };
}
