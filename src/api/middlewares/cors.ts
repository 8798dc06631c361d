/**
 * CORS as PocketBase (§12.4): `Vary: Origin` always; allowed origins by `*`, exact match,
 * subdomain wildcard (`https://*.example.com`) or glob; preflights answered 204 here.
 */
import type { MiddlewareHandler } from "hono";

const ALLOW_METHODS = "GET,HEAD,PUT,PATCH,POST,DELETE";

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`, "i");
}

/** Builds the CORS middleware for a list of allowed origins (resolved once). */
export function cors(origins: readonly string[]): MiddlewareHandler {
  const allowAll = origins.length === 0 || origins.includes("*");
  const exact = new Set(origins.map((o) => o.toLowerCase()));
  const patterns = origins.filter((o) => o.includes("*") || o.includes("?")).map(globToRegExp);
  const isAllowed = (origin: string) =>
    allowAll || exact.has(origin.toLowerCase()) || patterns.some((p) => p.test(origin));

  return async function corsMiddleware(c, next) {
    const origin = c.req.header("origin");
    const isPreflight =
      c.req.method === "OPTIONS" && c.req.header("access-control-request-method") !== undefined;
    const headers = new Headers({ Vary: "Origin" });
    if (origin && isAllowed(origin)) headers.set("Access-Control-Allow-Origin", allowAll ? "*" : origin);
    if (isPreflight) {
      headers.append("Vary", "Access-Control-Request-Method");
      headers.append("Vary", "Access-Control-Request-Headers");
      if (headers.has("Access-Control-Allow-Origin")) {
        headers.set("Access-Control-Allow-Methods", ALLOW_METHODS);
        const requested = c.req.header("access-control-request-headers");
        if (requested) headers.set("Access-Control-Allow-Headers", requested);
      }
      return new Response(null, { status: 204, headers });
    }
    await next();
    for (const [key, value] of headers) {
      if (key.toLowerCase() === "vary") c.res.headers.append("Vary", value);
      else c.res.headers.set(key, value);
    }
  };
}
