/**
 * `GET /api/satchel/routes` (superusers only; not a PocketBase endpoint, hence the `satchel`
 * segment): the routes registered by hooks (`routerAdd` in pb_hooks scripts and TypeScript
 * modules), which the dashboard lists read-only beside the crons.
 */
import type { Router } from "./http/router.ts";
import type { ApiEnv } from "./env.ts";
import { requireSuperuser } from "./guards.ts";
import { jsonResponse } from "./response.ts";
import { listScriptRoutes } from "./script-routes.ts";

/** Registers `GET /api/satchel/routes`. */
export function bindSatchelRoutesApi(router: Router<ApiEnv>): void {
  router.on(["GET", "HEAD"], "/api/satchel/routes", (c) => {
    requireSuperuser(c);
    return jsonResponse(c, 200, listScriptRoutes(c.get("app")));
  });
}
