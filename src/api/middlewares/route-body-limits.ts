/**
 * Body limits of routes that don't use the global 32 MiB (§12.3): a backup upload has none,
 * a batch request has `settings.batch.maxBodySize` (0 → 128 MiB).
 */
import type { Context } from "../http/context.ts";
import type { ApiEnv } from "../env.ts";

/** The batch body limit when `maxBodySize` is 0. */
export const DEFAULT_BATCH_BODY_LIMIT = 128 << 20;

/** `limitFor` of the global body limit for these routes; `undefined` for any other. */
export function routeBodyLimit(c: Context<ApiEnv>): number | undefined {
  if (c.req.method !== "POST") return undefined;
  const path = c.req.path;
  if (path === "/api/backups/upload") return Number.POSITIVE_INFINITY;
  if (path === "/api/batch") {
    const max = c.get("app").settings().batch.maxBodySize;
    return max > 0 ? max : DEFAULT_BATCH_BODY_LIMIT;
  }
  return undefined;
}
