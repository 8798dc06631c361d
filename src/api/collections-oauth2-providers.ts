/**
 * `GET /api/collections/meta/oauth2-providers` (§1.3, superusers): every provider Satchel
 * knows as `{name, displayName, logo}`, by provider order then name (for the dashboard's
 * OAuth2 settings).
 */
import type { Router } from "./http/router.ts";
import { providerInfos } from "../auth/oauth2/index.ts";
import type { ApiEnv } from "./env.ts";
import { requireSuperuser } from "./guards.ts";
import { jsonResponse } from "./response.ts";

/** Registers the providers list route (before `/api/collections/:collection`). */
export function bindOAuth2ProvidersApi(router: Router<ApiEnv>): void {
  router.get("/api/collections/meta/oauth2-providers", (c) => {
    requireSuperuser(c);
    return jsonResponse(c, 200, providerInfos());
  });
}
