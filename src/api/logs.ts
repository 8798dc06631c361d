/**
 * Logs API (§1.5, superusers only): the `_logs` list with filter/sort/paging, one entry, and
 * per-hour stats. Successful calls are not themselves logged (see `request-logger.ts`).
 */
import type { Router } from "./http/router.ts";
import { findLogById, listLogs, logsStats } from "../core/logs/log-query.ts";
import { ValidationError } from "../tools/validation.ts";
import type { ApiEnv } from "./env.ts";
import { ApiError, notFound } from "./errors.ts";
import { requireSuperuser } from "./guards.ts";
import { listResult, parsePaging } from "./list-query.ts";
import { jsonResponse } from "./response.ts";

/** Registers `GET /api/logs`, `/api/logs/stats` and `/api/logs/{id}`. */
export function bindLogsApi(router: Router<ApiEnv>): void {
  router.on(["GET", "HEAD"], "/api/logs", async (c) => {
    requireSuperuser(c);
    const query = new URL(c.req.url).searchParams;
    const paging = parsePaging(query);
    try {
      const { items, total } = await listLogs(c.get("app"), {
        filter: query.get("filter") ?? "",
        sort: query.get("sort") ?? "",
        ...paging,
      });
      return jsonResponse(c, 200, listResult(items, paging, total));
    } catch (err) {
      // Like the other lists: a bad filter or sort is the generic 400, the detail only logged.
      if (err instanceof ValidationError) throw new ApiError(400, "", {}, err);
      throw err;
    }
  });

  router.on(["GET", "HEAD"], "/api/logs/stats", async (c) => {
    requireSuperuser(c);
    try {
      return jsonResponse(c, 200, await logsStats(c.get("app"), c.req.query("filter") ?? ""));
    } catch (err) {
      if (err instanceof ValidationError) throw new ApiError(400, "Invalid filter format.", {}, err);
      throw err;
    }
  });

  router.on(["GET", "HEAD"], "/api/logs/:id", async (c) => {
    requireSuperuser(c);
    const log = await findLogById(c.get("app"), c.req.param("id"));
    if (!log) throw notFound();
    return jsonResponse(c, 200, log);
  });
}
