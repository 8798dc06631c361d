/** PocketBase's default security headers on every response. */
import type { MiddlewareHandler } from "hono";
import type { ApiEnv } from "../env.ts";

/**
 * Adds `X-XSS-Protection`, `X-Content-Type-Options` and `X-Frame-Options` unless already set.
 * `X-Frame-Options` is left out when the handler allowed framing (`allowFraming`), as PocketBase
 * removes it for file downloads so that files can be embedded.
 */
export function securityHeaders(): MiddlewareHandler<ApiEnv> {
  return async function securityHeadersMiddleware(c, next) {
    await next();
    const h = c.res.headers;
    if (!h.has("X-XSS-Protection")) h.set("X-XSS-Protection", "1; mode=block");
    if (!h.has("X-Content-Type-Options")) h.set("X-Content-Type-Options", "nosniff");
    if (!h.has("X-Frame-Options") && c.get("allowFraming") !== true) h.set("X-Frame-Options", "SAMEORIGIN");
  };
}
