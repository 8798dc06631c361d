/**
 * `POST /api/files/token` (§1.8): a short-lived file token (`fileToken.duration`, 180 s by
 * default) for the authenticated record, of any auth collection, superusers included. Guests
 * get a 401. Protected files are served to `?token=` holders whose record passes the viewRule.
 */
import type { Router } from "./http/router.ts";
import { FileTokenRequestEvent } from "../core/hook-events.ts";
import { newRecordToken } from "../core/records/record-tokens.ts";
import type { ApiEnv } from "./env.ts";
import { requireAuth } from "./guards.ts";
import { requestEventArgs } from "./request-event.ts";
import { jsonResponse } from "./response.ts";

/** Registers the file token route. */
export function bindFilesTokenApi(router: Router<ApiEnv>): void {
  router.post("/api/files/token", async (c) => {
    const auth = requireAuth(c);
    const event = new FileTokenRequestEvent(await requestEventArgs(c), {
      record: auth,
      token: newRecordToken(auth, "file"),
    });
    await c.get("app").hooks.onFileTokenRequest.trigger(event, (e) => {
      e.response = jsonResponse(c, 200, { token: e.token });
    });
    return event.response ?? c.body(null, 200);
  });
}
