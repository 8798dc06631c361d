/** PocketBase's default security headers on every response. */
import type { MiddlewareHandler } from "../http/router.ts";
import type { ApiEnv } from "../env.ts";
import { nodeEnv } from "../node-exchange.ts";
import { removeDefaultHeader, setDefaultHeader } from "../http/node-adapter.ts";

/**
 * Adds `X-XSS-Protection`, `X-Content-Type-Options` and `X-Frame-Options` unless already set.
 * `X-Frame-Options` is left out when the handler allowed framing (`allowFraming`), as PocketBase
 * removes it for file downloads so that files can be embedded.
 */
export function securityHeaders(): MiddlewareHandler<ApiEnv> {
  // Not async: the node path adds no promise of its own beyond the one after `next()`.
  return function securityHeadersMiddleware(c, next) {
    const env = nodeEnv(c);
    if (env) {
      // Defaults for the adapter to write under the handler's own headers, which win: "unless
      // already set" without reading the Response's headers (that builds a Headers per request).
      setDefaultHeader(env, "X-XSS-Protection", "1; mode=block");
      setDefaultHeader(env, "X-Content-Type-Options", "nosniff");
      setDefaultHeader(env, "X-Frame-Options", "SAMEORIGIN");
      return next().then(() => {
        if (c.get("allowFraming") === true) removeDefaultHeader(env, "X-Frame-Options");
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
