/**
 * Crons API (§1.6, superusers only): the scheduler's jobs as PocketBase lists them, and a
 * manual run that answers 204 at once while the job runs in the background.
 */
import type { Router } from "./http/router.ts";
import type { ApiEnv } from "./env.ts";
import { notFound } from "./errors.ts";
import { requireSuperuser } from "./guards.ts";
import { jsonResponse } from "./response.ts";

/** Registers `GET /api/crons` and `POST /api/crons/{id}`. */
export function bindCronsApi(router: Router<ApiEnv>): void {
  router.on(["GET", "HEAD"], "/api/crons", (c) => {
    requireSuperuser(c);
    return jsonResponse(c, 200, c.get("app").cron().jobs());
  });

  router.post("/api/crons/:id", (c) => {
    requireSuperuser(c);
    const cron = c.get("app").cron();
    const id = c.req.param("id");
    if (!cron.has(id)) throw notFound("Missing or invalid cron job.");
    // The run's own errors go to the app log (the scheduler's error reporter).
    void cron.run(id);
    return c.body(null, 204);
  });
}
