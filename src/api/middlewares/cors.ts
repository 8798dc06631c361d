/**
 * CORS as PocketBase (§12.4, ported by it from echo): `Vary: Origin` always; allowed origins by
 * `*`, exact match, or a glob (`*` → any run, `?` → one character, so `https://*.example.com`
 * covers subdomains). Every `OPTIONS` request is a preflight, answered 204 here.
 */
import type { MiddlewareHandler } from "../http/router.ts";
import { nodeEnv } from "../node-exchange.ts";
import { setDefaultHeader } from "../http/node-adapter.ts";

const ALLOW_METHODS = "GET,HEAD,PUT,PATCH,POST,DELETE";

// Longer origins skip the glob patterns (253 is the longest domain name, plus scheme and port),
// so a hostile Origin header cannot make the regexes expensive.
const MAX_PATTERN_ORIGIN = 253 + 3 + 5;

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`);
}

/** Builds the CORS middleware for a list of allowed origins (resolved once). */
export function cors(origins: readonly string[]): MiddlewareHandler {
  const allowAll = origins.length === 0 || origins.includes("*");
  // Exact matches compare the Origin header as sent, like PocketBase (no case folding).
  const exact = new Set(origins);
  const patterns = origins.filter((o) => o !== "*").map(globToRegExp);
  const allowedOrigin = (origin: string): string | null => {
    if (allowAll) return "*";
    if (exact.has(origin)) return origin;
    if (origin.length <= MAX_PATTERN_ORIGIN && origin.includes("://") && patterns.some((p) => p.test(origin)))
      return origin;
    return null;
  };

  return function corsMiddleware(c, next) {
    const origin = c.req.header("origin") ?? "";
    const isPreflight = c.req.method === "OPTIONS";
    const allowed = origin ? allowedOrigin(origin) : null;
    const env = isPreflight ? undefined : nodeEnv(c);
    if (env) {
      // The adapter's defaults (see security-headers.ts): no Headers object per request.
      // A handler's own Vary replaces this one; the handlers that set Vary include Origin.
      setDefaultHeader(env, "Vary", "Origin");
      if (allowed) setDefaultHeader(env, "Access-Control-Allow-Origin", allowed);
      return next();
    }
    const headers = new Headers({ Vary: "Origin" });
    if (allowed) headers.set("Access-Control-Allow-Origin", allowed);
    if (isPreflight) {
      if (allowed) {
        headers.append("Vary", "Access-Control-Request-Method");
        headers.append("Vary", "Access-Control-Request-Headers");
        headers.set("Access-Control-Allow-Methods", ALLOW_METHODS);
        const requested = c.req.header("access-control-request-headers");
        if (requested) headers.set("Access-Control-Allow-Headers", requested);
      }
      return new Response(null, { status: 204, headers });
    }
    return next().then(() => {
      for (const [key, value] of headers) {
        if (key.toLowerCase() === "vary") c.res.headers.append("Vary", value);
        else c.res.headers.set(key, value);
      }
    });
  };
}
