/**
 * Reads the `Authorization` header (raw token, optional `Bearer ` prefix) and loads the auth
 * record. An invalid or expired token is ignored: the request simply continues as a guest.
 */
import type { MiddlewareHandler } from "../http/router.ts";
import { findAuthRecordByToken } from "../../core/records/record-tokens.ts";
import type { ApiEnv } from "../env.ts";

/** Loads `c.get("auth")` from the Authorization header. */
export function loadAuthToken(): MiddlewareHandler<ApiEnv> {
  // Not async: a guest request goes on without a promise of this middleware's own.
  return function loadAuthTokenMiddleware(c, next) {
    const header = c.req.header("authorization");
    c.set("auth", null);
    const token = header ? header.replace(/^bearer\s+/i, "").trim() : "";
    if (!token) return next();
    return findAuthRecordByToken(c.get("app"), token, "auth")
      .catch(() => null)
      .then((found) => {
        if (found) c.set("auth", found.record);
        return next();
      });
  };
}
