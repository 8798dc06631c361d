/** `POST /api/sql` (§1.10; new in PocketBase v0.39): the superusers' SQL console. */
import type { Router } from "./http/router.ts";
import { runSqlConsole, sqliteErrorText } from "../core/db/sql-console.ts";
import { ReadPoolBusyError } from "../core/db/read-pool.ts";
import { errors } from "../tools/validation.ts";
import type { ApiEnv } from "./env.ts";
import { ApiError, badRequest } from "./errors.ts";
import { requireSuperuser } from "./guards.ts";
import { readBody } from "./request-body.ts";
import { jsonResponse } from "./response.ts";

/** The longest accepted query. */
export const MAX_QUERY_LENGTH = 5000;
/** The most rows returned. */
export const MAX_ROWS = 1000;
/** How long a statement may run (PocketBase's; reads are stopped on the read pool, writes are not). */
export const SQL_TIMEOUT_MS = 3 * 60 * 1000;

/** Registers the SQL console route. */
export function bindSqlApi(router: Router<ApiEnv>): void {
  router.post("/api/sql", async (c) => {
    requireSuperuser(c);
    const body = await readBody(c);
    const query = typeof body.query === "string" ? body.query.trim() : "";
    if (query === "")
      throw badRequest("An error occurred while validating the submitted data.", {
        query: errors.required(),
      });
    if (query.length > MAX_QUERY_LENGTH) {
      throw badRequest("An error occurred while validating the submitted data.", {
        query: errors.lengthTooLong(MAX_QUERY_LENGTH),
      });
    }
    try {
      const result = await runSqlConsole(c.get("app"), query, {
        maxRows: MAX_ROWS,
        timeoutMs: SQL_TIMEOUT_MS,
      });
      return jsonResponse(c, 200, result);
    } catch (err) {
      if (err instanceof ApiError || err instanceof ReadPoolBusyError) throw err;
      // PocketBase answers the driver's error text in the message, with empty data
      throw badRequest(`Failed to execute query. Raw error:\n${sqliteErrorText(err)}`);
    }
  });
}
