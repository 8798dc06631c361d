/** PocketBase's default security headers on every response. */
import type { MiddlewareHandler } from "hono";

/** Adds `X-XSS-Protection`, `X-Content-Type-Options` and `X-Frame-Options` unless already set. */
export function securityHeaders(): MiddlewareHandler {
  return async function securityHeadersMiddleware(c, next) {
    await next();
    const h = c.res.headers;
    if (!h.has("X-XSS-Protection")) h.set("X-XSS-Protection", "1; mode=block");
    if (!h.has("X-Content-Type-Options")) h.set("X-Content-Type-Options", "nosniff");
    if (!h.has("X-Frame-Options")) h.set("X-Frame-Options", "SAMEORIGIN");
  };
}
