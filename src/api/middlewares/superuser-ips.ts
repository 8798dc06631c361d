/**
 * `settings.superuserIPs` (PocketBase's `pbSuperuserIPsWhitelist`): when the list is not empty,
 * a request authenticated as a superuser from any other client IP (after trusted-proxy
 * resolution) is refused with 403 before it reaches a route. The same check guards the places
 * where a superuser is identified later than this middleware: superuser logins (the auth
 * response) and superuser file tokens (protected file downloads).
 */
import type { Context } from "../http/context.ts";
import type { MiddlewareHandler } from "../http/router.ts";
import { ipMatcher } from "../../tools/ip-match.ts";
import type { ApiEnv } from "../env.ts";
import { forbidden } from "../errors.ts";
import { isSuperuser } from "../guards.ts";
import { realIP } from "../real-ip.ts";

/** Whether a superuser may act from the client's IP (always, when the list is empty). */
export function isSuperuserIPAllowed(c: Context<ApiEnv>): boolean {
  const allowed = c.get("app").settings().superuserIPs;
  return allowed.length === 0 || ipMatcher(allowed)(realIP(c));
}

/** The 403 of a superuser request from an IP outside `superuserIPs`. */
export function superuserIPForbidden(): Error {
  return forbidden();
}

/** The superuser IPs middleware (runs right after the auth token is loaded). */
export function superuserIPs(): MiddlewareHandler<ApiEnv> {
  return function superuserIPsMiddleware(c, next) {
    if (isSuperuser(c) && !isSuperuserIPAllowed(c)) throw superuserIPForbidden();
    return next();
  };
}
