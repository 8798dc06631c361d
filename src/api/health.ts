/** `GET /api/health`: liveness, with a few diagnostics for superusers (§1.10). */
import type { Router } from "./http/router.ts";
import type { ApiEnv } from "./env.ts";
import { isSuperuser } from "./guards.ts";
import { jsonResponse } from "./response.ts";
import { realIP } from "./real-ip.ts";
import { canBackup } from "../core/backups/backup-state.ts";

const PROXY_HEADERS = ["CF-Connecting-IP", "Fly-Client-IP", "X-Forwarded-For"];

/** Registers the health route. */
export function bindHealthApi(router: Router<ApiEnv>): void {
  router.on(["GET", "HEAD"], "/api/health", (c) => {
    const data: { [key: string]: unknown } = {};
    if (isSuperuser(c)) {
      const settings = c.get("app").settings();
      const configured = settings.trustedProxy.headers;
      // `data` is a Go map in PocketBase, so its keys come out sorted.
      data.canBackup = canBackup(c.get("app"));
      data.possibleProxyHeader = [...configured, ...PROXY_HEADERS].find((h) => c.req.header(h)) ?? "";
      data.realIP = realIP(c);
    }
    return jsonResponse(c, 200, { message: "API is healthy.", code: 200, data });
  });
}
