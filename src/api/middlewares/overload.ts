/**
 * Load shedding (issue 16 §7): while the process is above its memory budget
 * (tools/memory-budget.ts, `--memoryLimit`), requests that would make it grow further are refused
 * with PocketBase's error body and a 503, so that the work already in progress (open realtime
 * connections, running requests) finishes instead of the process running out of memory:
 *
 * - new realtime connections (`GET /api/realtime`, the WebSocket `GET /api/realtime/ws`);
 * - uploads (multipart bodies), whatever the route.
 *
 * Under the budget, the whole cost is one comparison of two numbers.
 */
import type { MiddlewareHandler } from "../http/router.ts";
import type { MemoryBudget } from "../../tools/memory-budget.ts";
import type { ApiEnv } from "../env.ts";
import { ApiError } from "../errors.ts";

/** The refusal's message. */
export const OVERLOADED_MESSAGE = "The server is short of memory, try again later.";

/** Whether a request would open a realtime connection or upload files. */
function grows(method: string, path: string, contentType: string | undefined): boolean {
  if (method === "GET") return path === "/api/realtime" || path === "/api/realtime/ws";
  return contentType !== undefined && contentType.toLowerCase().startsWith("multipart/");
}

/** Refuses growing requests (503) while `budget` is exceeded. */
export function overload(budget: MemoryBudget): MiddlewareHandler<ApiEnv> {
  // Not async: under the budget the request goes on without a promise of this middleware's own.
  return function overloadMiddleware(c, next) {
    if (!budget.exceeded) return next();
    if (grows(c.req.method, c.req.path, c.req.header("content-type"))) {
      c.header("Retry-After", "5");
      throw new ApiError(503, OVERLOADED_MESSAGE);
    }
    return next();
  };
}
