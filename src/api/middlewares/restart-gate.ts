/**
 * Holds requests back while the app restarts in-process (after a backup restore): they go on
 * once the databases are open again instead of failing on closed ones.
 */
import type { MiddlewareHandler } from "../http/router.ts";
import { whenRestarted } from "../../core/backups/backup-state.ts";
import type { ApiEnv } from "../env.ts";

/** Waits for an in-process restart of the app, when one is running. */
export function restartGate(): MiddlewareHandler<ApiEnv> {
  // Not async: outside a restart the request goes on without a promise of this middleware's own.
  return function restartGateMiddleware(c, next) {
    const restarting = whenRestarted(c.get("app"));
    if (restarting) return restarting.then(next);
    return next();
  };
}
