/**
 * Reads the `Authorization` header (raw token, optional `Bearer ` prefix) and loads the auth
 * record. An invalid or expired token is ignored: the request simply continues as a guest.
 */
import type { MiddlewareHandler } from "../http/router.ts";
import { findAuthRecordByToken } from "../../core/records/record-tokens.ts";
import type { ApiEnv } from "../env.ts";

/** Loads `c.get("auth")` from the Authorization header. */
export function loadAuthToken(): MiddlewareHandler<ApiEnv> {
  return async function loadAuthTokenMiddleware(c, next) {
    const header = c.req.header("authorization") ?? "";
    const token = header.replace(/^bearer\s+/i, "").trim();
    c.set("auth", null);
    if (token) {
      const found = await findAuthRecordByToken(c.get("app"), token, "auth").catch(() => null);
      if (found) c.set("auth", found.record);
    }
    return next();
  };
}
